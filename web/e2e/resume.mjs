// An admin resumes a stalled job in a real browser. The test starts this script while the job's runner
// is still alive, kills the runner, waits until the platform would call it stalled (its heartbeat older
// than the stale period) and only then creates the --go file: the admin's page is open and waiting, so
// the click follows the stall at once. The seller's job page shows the job stuck, then moving to Done.
//
//   node web/e2e/resume.mjs --url URL --admin-email E --admin-password P --seller-email E
//        --seller-password P --job ID --go FILE [--shots DIR]
import { existsSync } from "node:fs";

import { check, launch, options, run, shot, signIn, step } from "./lib.mjs";

const o = options();
const SHOTS = o.shots;
const errors = [];

const login = (browser, email, password) => signIn(browser, o.url, email, password, errors);

async function waitForFile(path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    check(Date.now() < deadline, `the test did not signal the stall (${path}) in time`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

await run(async () => {
  const browser = await launch();
  const seller = await login(browser, o["seller-email"], o["seller-password"]);
  const admin = await login(browser, o["admin-email"], o["admin-password"]);
  await seller.goto(`${o.url}/jobs/${o.job}`);
  await seller.getByTestId("progress-text").waitFor();
  await admin.goto(`${o.url}/admin/jobs`);
  await admin.getByLabel("Status").selectOption("running");
  const row = admin.locator("li", { has: admin.getByRole("link", { name: o.job.slice(0, 8) }) });
  await row.waitFor({ timeout: 60_000 });
  step("ready", "admin jobs page open");
  console.log("READY");

  await waitForFile(o.go, 240_000);
  // the seller's page still says the job runs, stuck where its runner died
  const stuck = await seller.getByTestId("progress-text").innerText();
  check(/^Processing \d+\/\d+$/.test(stuck), `the stalled job still reads as processing: ${stuck}`);
  step("stalled", stuck);
  // no reload: the click follows the stall at once, before the platform's own watch would take it over
  check(/running/.test(await row.innerText()), "the admin sees the job as running");
  await row.getByRole("button", { name: "Resume" }).click();
  const answer = admin.getByTestId("resume-note");
  await answer.waitFor({ timeout: 30_000 });
  const words = await answer.innerText();
  check(!words.includes("{") && /Resuming job|already being run/.test(words), `the resume answer is shown in words: ${words}`);
  await shot(admin, SHOTS, "admin-resume");
  step("resume clicked", words.replace(/\s+/g, " "));

  await seller.waitForFunction(() => /^Done: /.test(document.querySelector("[data-testid=progress-text]")?.textContent ?? ""), null, { timeout: 300_000 });
  step("done", await seller.getByTestId("progress-text").innerText());
  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  await browser.close();
}, { errors, shots: SHOTS });
