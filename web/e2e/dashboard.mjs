// The seller's whole path and the admin's, in a real browser against a running platform:
// register -> buy coins (test provider) -> pick a template -> upload a ZIP -> watch progress to 100%
// (with a reload in between) -> download the ZIP; a client cannot open admin pages; an admin changes a
// price and the next quote changes; the main pages at 375 px. Screenshots of each main page.
//
//   node web/e2e/dashboard.mjs --url URL --zip photos.zip --images N --photo one.jpg --admin-email E --admin-password P
//        --download OUT.zip [--shots docs/screenshots]
import { assertNoHorizontalScroll, check, launch, options, run, shot, step, watchPage } from "./lib.mjs";

const o = options();
const SHOTS = o.shots;
const N = Number(o.images);
const email = `seller-${Date.now()}@example.com`;
const password = "correct horse battery";
const errors = [];

async function balance(page) {
  const text = await page.getByTestId("balance").innerText();
  return Number(text.replace(/[^0-9]/g, ""));
}

async function uploadAndQuote(page, template) {
  await page.goto(`${o.url}/upload?template=${encodeURIComponent(template)}`);
  await page.getByTestId("chosen-template").waitFor();
  await page.getByTestId("file-input").setInputFiles(o.zip);
  await page.getByTestId("upload-button").click();
  await page.getByTestId("quote-card").waitFor({ timeout: 60_000 });
  const accepted = Number(await page.getByTestId("accepted").innerText());
  const quote = Number((await page.getByTestId("quote").innerText()).replace(/[^0-9]/g, ""));
  return { accepted, quote };
}

await run(async () => {
  const browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
  const page = await ctx.newPage();
  watchPage(page, errors);

  // --- sign up -------------------------------------------------------------------------------------
  await page.goto(`${o.url}/`);
  await page.waitForURL(/\/login/);
  await shot(page, SHOTS, "login");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Name").fill("Asha Seller");
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Password").fill(password);
  await shot(page, SHOTS, "register");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/templates/);
  await page.getByTestId("template-grid").waitFor();
  step("registered", email);

  // --- gallery ---------------------------------------------------------------------------------------
  await page.locator("[data-template] img").first().waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll("[data-template] img")].slice(0, 6).every((i) => i.complete && i.naturalWidth > 0));
  await shot(page, SHOTS, "templates");
  const all = Number((await page.getByText(/^\d+ templates/).innerText()).split(" ")[0]);
  await page.getByLabel("Search templates").fill("marble");
  await page.waitForFunction((n) => {
    const m = document.body.innerText.match(/(\d+) templates(?! ·)/);
    return m && Number(m[1]) < n;
  }, all);
  const marble = await page.locator("[data-template]").count();
  check(marble < all, `the search narrows the gallery (${marble} of ${all})`);
  check(marble > 0, "searching 'marble' finds templates");
  step("search", `${marble} marble templates`);
  await page.locator("[data-template]").first().click();
  const template = await page.locator("[data-template]").first().getAttribute("data-template");
  await page.getByTestId("preview-input").setInputFiles(o.photo);
  await page.getByTestId("preview-image").waitFor({ timeout: 60_000 });
  await page.waitForFunction(() => document.querySelector("[data-testid=preview-image]")?.naturalWidth > 0);
  await shot(page, SHOTS, "template-preview");
  step("preview", template);

  // --- coins -----------------------------------------------------------------------------------------
  await page.goto(`${o.url}/wallet`);
  await page.getByTestId("wallet-balance").waitFor();
  const before = await balance(page);
  await page.locator("[data-pack]").first().click();
  await page.getByText(/added to your wallet/).waitFor({ timeout: 30_000 });
  await page.waitForFunction((b) => Number(document.querySelector("[data-testid=balance]")?.textContent?.replace(/[^0-9]/g, "")) > b, before);
  const after = await balance(page);
  check(after > before, `buying a pack raises the balance (${before} -> ${after})`);
  await page.getByTestId("transactions").waitFor();
  await shot(page, SHOTS, "wallet");
  step("bought coins", `${before} -> ${after}`);

  // --- upload, quote, start ----------------------------------------------------------------------------
  await page.goto(`${o.url}/templates`);
  await page.locator(`[data-template="${template}"]`).click().catch(async () => {
    await page.goto(`${o.url}/templates?q=marble`);
    await page.locator(`[data-template="${template}"]`).click();
  });
  await page.getByTestId("use-template").click();
  await page.waitForURL(/\/upload\?template=/);
  const first = await uploadAndQuote(page, template);
  check(first.accepted === N, `all ${N} photos accepted (got ${first.accepted})`);
  const refused = await page.getByTestId("rejected").innerText();
  check(/broken\.jpg/.test(refused), `the broken file is listed with its reason: ${refused}`);
  step("refused", refused.replace(/\s+/g, " "));
  await shot(page, SHOTS, "upload-quote");
  step("quote", `${first.accepted} photos, ${first.quote} coins`);
  await page.getByTestId("start-button").click();
  await page.waitForURL(/\/jobs\/[^/]+$/);
  const jobUrl = page.url();
  step("started", jobUrl);

  // --- progress over the WebSocket, surviving a reload ---------------------------------------------------
  const seen = new Set();
  const connections = new Set();
  let reloaded = false;
  let shotRunning = false;
  const deadline = Date.now() + 240_000;
  for (;;) {
    const text = await page.getByTestId("progress-text").innerText().catch(() => "");
    if (text) seen.add(text);
    if (/^Done: /.test(text)) break;
    if (/failed|Cancelled/.test(text) && !/^Processing/.test(text)) throw new Error(`the job ended as: ${text}`);
    const connection = await page.getByTestId("progress-text").getAttribute("data-connection").catch(() => null);
    if (connection) connections.add(connection);
    if (/^Processing/.test(text) && connection === "live" && !shotRunning) {
      await shot(page, SHOTS, "processing");
      shotRunning = true;
    }
    if (!reloaded && connection === "live") {
      await page.reload();
      reloaded = true;
      step("reloaded while running");
    }
    check(Date.now() < deadline, `job did not finish in time; last: ${text}`);
    await page.waitForTimeout(250);
  }
  check(await page.getByTestId("progress-percent").innerText() === "100%", "progress reaches 100%");
  // progress came over the WebSocket (a ticketed connection), not only from polling
  check(connections.has("live"), `the WebSocket connected (states seen: ${[...connections].join(", ")})`);
  step("websocket", [...connections].join(" -> "));
  step("progress", [...seen].join(" | "));
  await page.getByTestId("image-grid").waitFor();
  // the tiles are the outputs themselves, fetched with the bearer token
  await page.waitForFunction((n) => [...document.querySelectorAll("[data-testid=image-grid] img")].filter((i) => i.complete && i.naturalWidth > 0).length >= n, N, { timeout: 30_000 });
  await shot(page, SHOTS, "job-done");

  // --- download --------------------------------------------------------------------------------------
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-zip").click()]);
  await download.saveAs(o.download);
  step("downloaded", o.download);

  await page.goto(`${o.url}/jobs`);
  await page.getByTestId("job-list").waitFor();
  await shot(page, SHOTS, "jobs");
  await page.goto(`${o.url}/profile`);
  await page.getByTestId("profile-email").waitFor();
  await page.getByLabel("Key name").fill("ERP");
  await page.getByRole("button", { name: "Create key" }).click();
  await page.getByTestId("new-api-key").waitFor();
  await shot(page, SHOTS, "profile");
  step("api key created");

  // --- a client cannot open admin pages --------------------------------------------------------------------
  await page.goto(`${o.url}/admin/pricing`);
  await page.getByTestId("forbidden").waitFor();
  const apiStatus = await page.evaluate(async () => {
    const token = JSON.parse(localStorage.getItem("drisya.auth")).accessToken;
    return (await fetch("/v1/admin/pricing", { headers: { authorization: `Bearer ${token}` } })).status;
  });
  check(apiStatus === 403, `the API refuses a client on /v1/admin/pricing (got ${apiStatus})`);
  check((await page.getByRole("link", { name: "Admin" }).count()) === 0, "no Admin link for a client");
  step("client kept out of admin");

  // --- an admin changes the price ----------------------------------------------------------------------------
  const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const admin = await adminCtx.newPage();
  watchPage(admin, errors);
  await admin.goto(`${o.url}/login`);
  await admin.getByLabel("E-mail").fill(o["admin-email"]);
  await admin.getByLabel("Password").fill(o["admin-password"]);
  await admin.getByRole("button", { name: "Log in" }).click();
  await admin.waitForURL(/\/templates/);
  await admin.getByRole("link", { name: "Admin" }).first().click();
  await admin.getByText(email).waitFor();
  await shot(admin, SHOTS, "admin-users");
  await admin.goto(`${o.url}/admin/pricing`);
  const priceInput = admin.locator('input[name="price-ready"]');
  await priceInput.waitFor();
  const oldPrice = Number(await priceInput.inputValue());
  const newPrice = oldPrice + 4;
  await priceInput.fill(String(newPrice));
  await admin.getByTestId("save-pricing").click();
  await admin.getByText(/Saved\. New jobs use these prices/).waitFor();
  await shot(admin, SHOTS, "admin-pricing");
  step("price changed", `${oldPrice} -> ${newPrice}`);
  await admin.goto(`${o.url}/admin/analytics`);
  await admin.getByText("Coins sold", { exact: true }).waitFor({ timeout: 30_000 });
  await admin.waitForTimeout(800);
  await shot(admin, SHOTS, "admin-analytics");

  // a promo code the next purchase can carry
  const promo = `E2E${Date.now() % 100000}`;
  await admin.goto(`${o.url}/admin/promotions`);
  await admin.getByLabel("Code").fill(promo);
  await admin.getByLabel("Bonus coins").fill("25");
  await admin.getByRole("button", { name: "Create" }).click();
  await admin.getByText(promo, { exact: true }).waitFor();
  await shot(admin, SHOTS, "admin-promotions");
  step("promotion created", promo);

  // --- the next quote uses the new price ---------------------------------------------------------------------
  const second = await uploadAndQuote(page, template);
  check(second.quote === second.accepted * newPrice, `the next quote is ${second.accepted} x ${newPrice} (got ${second.quote})`);
  check(second.quote !== first.quote, "the quote changed with the price");
  step("new quote", `${second.quote} coins`);

  // --- a quote the wallet cannot cover: the buy-coins path, and the API's 402 in words ---------------------
  const poorCtx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const poor = await poorCtx.newPage();
  watchPage(poor, errors);
  await poor.goto(`${o.url}/register`);
  await poor.getByLabel("Name").fill("Ravi Seller");
  await poor.getByLabel("E-mail").fill(`poor-${email}`);
  await poor.getByLabel("Password").fill(password);
  await poor.getByRole("button", { name: "Create account" }).click();
  await poor.waitForURL(/\/templates/);
  const poorCoins = await balance(poor);
  const poorQuote = await uploadAndQuote(poor, template);
  check(poorQuote.quote > poorCoins, `this seller cannot afford the quote (${poorQuote.quote} > ${poorCoins})`);
  await poor.getByTestId("buy-coins").waitFor();
  await shot(poor, SHOTS, "upload-insufficient");
  // the job is saved: starting it from its page gets the API's 402, shown in words with a way out
  await poor.getByRole("link", { name: "its page" }).click();
  await poor.waitForURL(/\/jobs\/[^/]+$/);
  const poorJob = poor.url();
  await poor.getByTestId("start-button").click();
  const alert = poor.getByRole("alert");
  await alert.waitFor();
  const words = await alert.innerText();
  check(!words.includes("{"), `the 402 is shown in words: ${words}`);
  await poor.getByRole("link", { name: "Buy coins" }).click();
  await poor.waitForURL(/\/wallet\?need=\d+/);
  await poor.getByText(/needs \d+ coins? more/).waitFor();
  step("insufficient coins", words);
  // buy a pack with the promo code, then start the same job from its page
  await poor.getByLabel(/Promo code/).fill(promo);
  await poor.locator("[data-pack]").first().click();
  await poor.getByText(/plus 25 coins from the promo code/).waitFor({ timeout: 30_000 });
  await poor.goto(poorJob);
  await poor.getByTestId("start-button").click();
  await poor.waitForFunction(() => /^(Waiting|Processing|Done)/.test(document.querySelector("[data-testid=progress-text]")?.textContent ?? ""));
  step("bought with promo and started", promo);
  await poorCtx.close();

  // --- phone-sized layouts -------------------------------------------------------------------------------------
  const state = await ctx.storageState();
  const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, storageState: state, isMobile: true, hasTouch: true });
  const mobile = await phone.newPage();
  watchPage(mobile, errors);
  // an access token the server refuses (as after expiry): the dashboard refreshes it once and goes on
  await mobile.goto(`${o.url}/login`);
  await mobile.evaluate(() => {
    const auth = JSON.parse(localStorage.getItem("drisya.auth"));
    localStorage.setItem("drisya.auth", JSON.stringify({ ...auth, accessToken: "expired.access.token" }));
  });
  for (const [path, ready, name] of [
    ["/templates", "template-grid", "mobile-templates"],
    ["/wallet", "wallet-balance", "mobile-wallet"],
    [new URL(jobUrl).pathname, "progress-text", "mobile-job"],
    ["/upload", "upload-button", null],
    ["/jobs", "job-list", null],
  ]) {
    await mobile.goto(`${o.url}${path}`);
    await mobile.getByTestId(ready).waitFor();
    await mobile.waitForTimeout(300);
    await assertNoHorizontalScroll(mobile, path);
    if (name) await shot(mobile, SHOTS, name);
  }
  await mobile.getByRole("button", { name: "Menu" }).click();
  await mobile.getByRole("link", { name: "Wallet" }).last().click();
  await mobile.waitForURL(/\/wallet/);
  const refreshed = await mobile.evaluate(() => JSON.parse(localStorage.getItem("drisya.auth")).accessToken);
  check(refreshed !== "expired.access.token", "the refused access token was replaced through /v1/auth/refresh");
  step("375px layouts", "after a token refresh");

  // --- keyboard: log in with the keyboard alone -------------------------------------------------------------
  const kbCtx = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const kb = await kbCtx.newPage();
  await kb.goto(`${o.url}/login`);
  for (let i = 0; i < 6 && (await kb.evaluate(() => document.activeElement?.getAttribute("name"))) !== "email"; i++) {
    await kb.keyboard.press("Tab");
  }
  await kb.keyboard.type(email);
  await kb.keyboard.press("Tab");
  await kb.keyboard.type(password);
  await kb.keyboard.press("Enter");
  await kb.waitForURL(/\/templates/);
  step("keyboard login");

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  await browser.close();
}, { errors, shots: SHOTS });
