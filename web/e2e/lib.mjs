// Helpers for the browser tests: Debian's chromium through playwright-core (never a downloaded browser),
// step logging the pytest side reads, and screenshots for docs/screenshots/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"];

export function options(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, "")] = argv[i + 1];
  if (!out.url) throw new Error("usage: node web/e2e/<script>.mjs --url http://127.0.0.1:PORT [--shots DIR] ...");
  return out;
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

export function step(name, detail = "") {
  console.log(`STEP ${name}${detail ? `: ${detail}` : ""}`);
}

export function check(cond, message) {
  if (!cond) throw new Error(`CHECK FAILED: ${message}`);
}

export async function shot(page, dir, name) {
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.jpg`), type: "jpeg", quality: 72, fullPage: false });
  console.log(`SHOT ${name}.jpg`);
}

/** Fail on any uncaught page error or a raw JSON error body rendered on screen. */
export function watchPage(page, errors) {
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
}

/** Nothing sticks out sideways at phone width (the 375 px layout). */
export async function assertNoHorizontalScroll(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  check(scroll <= client + 1, `${label}: page is ${scroll}px wide at a ${client}px viewport`);
}

export async function run(main) {
  try {
    await main();
    console.log("E2E PASSED");
    process.exit(0);
  } catch (e) {
    console.error(`E2E FAILED: ${e?.stack ?? e}`);
    process.exit(1);
  }
}
