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
  track(page);
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

const open = new Set();

/** Remember a page so a failure can show what it looked like (failure-N.jpg next to the screenshots). */
export function track(page) {
  open.add(page);
  return page;
}

export async function run(main, { errors = [], shots } = {}) {
  try {
    await main();
    console.log("E2E PASSED");
    process.exit(0);
  } catch (e) {
    console.error(`E2E FAILED: ${e?.stack ?? e}`);
    if (errors.length) console.error(`page errors:\n  ${errors.join("\n  ")}`);
    let i = 0;
    for (const page of open) {
      try {
        console.error(`page ${i}: ${page.url()}`);
        if (shots) await page.screenshot({ path: join(shots, `failure-${i}.jpg`), type: "jpeg", quality: 60 });
      } catch {
        /* closed */
      }
      i++;
    }
    process.exit(1);
  }
}

/** A fresh browser context signed in as `email`: the login form as a user fills it. */
export async function signIn(browser, url, email, password, errors) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  watchPage(page, errors);
  await page.goto(`${url}/login`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/templates/);
  return page;
}
