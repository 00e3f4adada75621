// The admin paths and the seller's cancel, in a real browser against a running platform:
// an admin uploads a PNG background as a template; the seller finds it in the gallery and uses it;
// the admin grants the seller coins with a reason (the seller's wallet shows the entry and the reason);
// the seller starts a job on the uploaded template and cancels it while it runs (the admin's jobs list,
// left open, shows the cancel without a reload); the admin blocks a
// third user, whose open session and whose next login both say in words that the account is blocked.
//
//   node web/e2e/admin_paths.mjs --url URL --admin-email E --admin-password P --seller-email E
//        --seller-password P --victim-email E --victim-password P --background bg.png
//        --template-name NAME --grant N --reason TEXT --zip photos.zip --images N [--shots DIR]
import { check, launch, options, run, shot, signIn, step } from "./lib.mjs";

const o = options();
const SHOTS = o.shots;
const N = Number(o.images);
const GRANT = Number(o.grant);
const errors = [];

const login = (browser, email, password) => signIn(browser, o.url, email, password, errors);

const coinsOf = (text) => Number(text.replace(/[^0-9]/g, ""));

await run(async () => {
  const browser = await launch();
  const admin = await login(browser, o["admin-email"], o["admin-password"]);
  const seller = await login(browser, o["seller-email"], o["seller-password"]);
  const victim = await login(browser, o["victim-email"], o["victim-password"]);
  step("logged in", "admin, seller, victim");

  // --- admin: upload a PNG background as a template --------------------------------------------------
  await admin.goto(`${o.url}/admin/templates`);
  await admin.getByLabel("Background (PNG or JPEG)").setInputFiles(o.background);
  await admin.getByLabel("Name", { exact: true }).first().fill(o["template-name"]);
  await admin.getByLabel("Category", { exact: true }).first().fill("studio");
  await admin.getByRole("button", { name: "Upload template" }).click();
  const uploaded = admin.locator("form").getByRole("status");
  await uploaded.waitFor({ timeout: 60_000 });
  check((await uploaded.innerText()) === "Uploaded.", `the upload is accepted: ${await uploaded.innerText()}`);
  await admin.getByLabel("Search templates").fill(o["template-name"]);
  const listed = admin.locator("li", { hasText: o["template-name"] });
  await listed.first().waitFor();
  check(/upload/.test(await listed.first().innerText()), "the admin list shows the template as an upload");
  await shot(admin, SHOTS, "admin-templates");
  step("template uploaded", o["template-name"]);

  // --- seller: the new template is in the gallery and can be chosen ---------------------------------------
  await seller.goto(`${o.url}/templates`);
  await seller.getByLabel("Search templates").fill(o["template-name"]);
  const card = seller.locator("[data-template]", { hasText: o["template-name"] });
  await card.first().waitFor({ timeout: 30_000 });
  const templateId = await card.first().getAttribute("data-template");
  await card.first().click();
  await seller.getByTestId("use-template").click();
  await seller.waitForURL(/\/upload\?template=/);
  await seller.getByTestId("chosen-template").waitFor();
  check((await seller.getByTestId("chosen-template").innerText()) === o["template-name"], "the upload centre shows the uploaded template");
  step("template in gallery", templateId);

  // --- admin: grant coins with a reason ----------------------------------------------------------------
  await admin.goto(`${o.url}/admin/users`);
  await admin.getByLabel("Search users").fill(o["seller-email"]);
  const row = admin.locator("li", { hasText: o["seller-email"] });
  await row.waitFor();
  const coinsBefore = coinsOf((await row.innerText()).match(/(\d+) coins/)[1]);
  await row.getByLabel(`Coins for ${o["seller-email"]}`).fill(String(GRANT));
  await row.getByLabel("Reason").fill(o.reason);
  await row.getByRole("button", { name: "Apply" }).click();
  await row.getByText(`Granted ${GRANT} coins.`).waitFor();
  await row.getByText(`${coinsBefore + GRANT} coins`, { exact: false }).waitFor();
  await shot(admin, SHOTS, "admin-grant");
  step("granted", `${coinsBefore} -> ${coinsBefore + GRANT}`);

  // the seller sees the new balance and the admin's reason in the wallet's history
  await seller.goto(`${o.url}/wallet`);
  await seller.getByTestId("transactions").waitFor();
  await seller.waitForFunction((want) => Number(document.querySelector("[data-testid=wallet-balance]")?.textContent?.replace(/[^0-9]/g, "")) === want, coinsBefore + GRANT);
  await seller.getByTestId("transactions").getByText(o.reason).waitFor();
  step("seller sees grant", o.reason);

  // --- seller: a job on the uploaded template, cancelled while it runs -----------------------------------
  await seller.goto(`${o.url}/upload?template=${encodeURIComponent(templateId)}`);
  await seller.getByTestId("chosen-template").waitFor();
  await seller.getByTestId("file-input").setInputFiles(o.zip);
  await seller.getByTestId("upload-button").click();
  await seller.getByTestId("quote-card").waitFor({ timeout: 60_000 });
  check(Number(await seller.getByTestId("accepted").innerText()) === N, `all ${N} photos accepted`);
  // the admin's jobs list, opened before the start, follows the job by itself (no reload) to its cancel
  await admin.goto(`${o.url}/admin/jobs`);
  await admin.getByRole("heading", { name: "Jobs" }).first().waitFor();
  await seller.getByTestId("start-button").click();
  await seller.waitForURL(/\/jobs\/[^/]+$/);
  const jobId = new URL(seller.url()).pathname.split("/").pop();
  const adminRow = admin.locator("li", { hasText: jobId.slice(0, 8) });
  await seller.waitForFunction(() => /^(Waiting|Processing)/.test(document.querySelector("[data-testid=progress-text]")?.textContent ?? ""), null, { timeout: 60_000 });
  await seller.getByRole("button", { name: "Cancel job" }).click();
  await seller.waitForFunction(() => /^Cancelled at \d+\/\d+$/.test(document.querySelector("[data-testid=progress-text]")?.textContent ?? ""), null, { timeout: 60_000 });
  const cancelled = await seller.getByTestId("progress-text").innerText();
  check((await seller.getByRole("button", { name: "Cancel job" }).count()) === 0, "no Cancel button once cancelled");
  await shot(seller, SHOTS, "job-cancelled");
  console.log(`JOB cancelled ${jobId}`);
  step("cancelled", cancelled);
  await adminRow.getByText("cancelled", { exact: true }).waitFor({ timeout: 60_000 });
  check((await adminRow.getByRole("button", { name: "Resume" }).count()) === 0, "no Resume for a cancelled job");
  step("admin list refreshed", (await adminRow.innerText()).replace(/\s+/g, " "));
  await admin.goto(`${o.url}/admin/users`);

  // --- admin: block a user; their open session and their next login say so in words ------------------------
  await admin.getByLabel("Search users").fill(o["victim-email"]);
  const victimRow = admin.locator("li", { hasText: o["victim-email"] });
  await victimRow.waitFor();
  await victimRow.getByRole("button", { name: "Block" }).click();
  await victimRow.getByRole("button", { name: "Unblock" }).waitFor();
  step("blocked", o["victim-email"]);
  await victim.goto(`${o.url}/wallet`);
  const open = victim.getByRole("alert").filter({ hasText: /blocked/ });
  await open.first().waitFor({ timeout: 30_000 });
  check(!(await open.first().innerText()).includes("{"), "the block is said in words");
  check((await victim.getByTestId("wallet-balance").count()) === 0 || !(await victim.getByTestId("wallet-balance").isVisible()), "a blocked user's wallet is not shown");
  await victim.context().clearCookies();
  await victim.evaluate(() => localStorage.clear());
  await victim.goto(`${o.url}/login`);
  await victim.getByLabel("E-mail").fill(o["victim-email"]);
  await victim.getByLabel("Password").fill(o["victim-password"]);
  await victim.getByRole("button", { name: "Log in" }).click();
  const refused = victim.getByRole("alert").filter({ hasText: /blocked/ });
  await refused.first().waitFor({ timeout: 30_000 });
  const words = await refused.first().innerText();
  check(/contact the administrator/.test(words) && !words.includes("{"), `the login refusal says why: ${words}`);
  check(/\/login/.test(victim.url()), "a blocked user stays on the login page");
  await shot(victim, SHOTS, "login-blocked");
  step("blocked login refused", words.replace(/\s+/g, " "));

  check(errors.filter((e) => !/403|blocked/.test(e)).length === 0, `no page errors: ${errors.join("; ")}`);
  await browser.close();
}, { errors, shots: SHOTS });
