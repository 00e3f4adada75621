// Surprise for You in a real browser against a running platform: log in, choose the module, a theme
// (by keyboard), variants, video and a seed, upload a ZIP, read the quote as photos × outputs × price,
// start, wait for the end, see every product's variants, and play its MP4 in the page's <video>:
// currentTime advances and videoWidth > 0. Then the upload centre and the job page at 375 px.
//
//   node web/e2e/surprise.mjs --url URL --email E --password P --zip photos.zip --images N [--shots DIR]
import { assertNoHorizontalScroll, check, launch, options, run, shot, step, watchPage } from "./lib.mjs";

const o = options();
const SHOTS = o.shots;
const N = Number(o.images);
const VARIANTS = 2;
const errors = [];

await run(async () => {
  const browser = await launch();
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  watchPage(page, errors);

  await page.goto(`${o.url}/login`);
  await page.getByLabel("E-mail").fill(o.email);
  await page.getByLabel("Password").fill(o.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(/\/templates/);
  step("logged in", o.email);

  // --- the choices ---------------------------------------------------------------------------------
  await page.goto(`${o.url}/upload`);
  await page.getByRole("radio", { name: /Surprise for You/ }).click();
  await page.getByTestId("theme-picker").waitFor();
  const themes = await page.locator("[data-theme]").count();
  check(themes >= 8, `at least 8 themes to pick from (got ${themes})`);
  const luxury = page.locator('[data-theme="luxury"]');
  check(/Luxury/.test(await luxury.innerText()) && (await luxury.innerText()).length > 20, "a theme shows its title and description");
  await luxury.focus();
  await page.keyboard.press("Enter");
  check((await luxury.getAttribute("aria-checked")) === "true", "the keyboard picks a theme");
  await page.getByTestId("variants").selectOption(String(VARIANTS));
  check(await page.getByTestId("video-toggle").isChecked(), "the video is on by default");
  await page.getByTestId("surprise-size").fill("320");
  await page.getByTestId("seed").fill("seven");
  const problem = await page.getByTestId("surprise-problems").innerText();
  check(/seed must be a whole number/.test(problem), `a bad seed is explained in words: ${problem}`);
  await page.getByTestId("seed").fill("7");
  check((await page.getByTestId("surprise-problems").count()) === 0, "a good seed clears the problem");
  step("chose", `luxury, ${VARIANTS} variants, video, seed 7`);

  // --- upload and the quote per output ---------------------------------------------------------------
  await page.getByTestId("file-input").setInputFiles(o.zip);
  await page.getByTestId("upload-button").click();
  await page.getByTestId("quote-card").waitFor({ timeout: 60_000 });
  const outputs = VARIANTS + 1;
  const breakdown = (await page.getByTestId("quote-breakdown").innerText()).split("\n")[0];
  const m = breakdown.match(/^(\d+) photos? × (\d+) outputs? × (\d+) coins? = (\d+) coins?$/);
  check(m && Number(m[1]) === N && Number(m[2]) === outputs, `the quote reads photos × outputs × price: ${breakdown}`);
  const quote = Number((await page.getByTestId("quote").innerText()).replace(/[^0-9]/g, ""));
  check(quote === N * outputs * Number(m[3]) && quote === Number(m[4]), `the quote is the product (${quote}): ${breakdown}`);
  step("quote", breakdown);
  await page.getByTestId("quote-card").scrollIntoViewIfNeeded();
  await shot(page, SHOTS, "surprise-quote");

  // --- run to the end --------------------------------------------------------------------------------
  await page.getByTestId("start-button").click();
  await page.waitForURL(/\/jobs\/[^/]+$/);
  const deadline = Date.now() + 420_000;
  for (;;) {
    const text = await page.getByTestId("progress-text").innerText().catch(() => "");
    if (/^Done: /.test(text)) break;
    if (/failed|Cancelled/.test(text) && !/^Processing/.test(text)) throw new Error(`the job ended as: ${text}`);
    check(Date.now() < deadline, `the surprise job did not finish in time; last: ${text}`);
    await page.waitForTimeout(500);
  }
  step("done", await page.getByTestId("progress-text").innerText());

  // --- each product: its variants and its video ----------------------------------------------------
  await page.waitForFunction((n) => document.querySelectorAll("[data-testid=surprise-product]").length >= n, N, { timeout: 30_000 });
  const products = page.getByTestId("surprise-product");
  check((await products.count()) === N, `every product is listed (${await products.count()} of ${N})`);
  await page.waitForFunction(
    (want) => [...document.querySelectorAll("[data-testid=surprise-product] [data-variant] img")].filter((i) => i.complete && i.naturalWidth > 0).length >= want,
    N * VARIANTS,
    { timeout: 60_000 },
  );
  step("variants", `${N * VARIANTS} variant thumbnails shown`);
  const video = page.getByTestId("product-video").first();
  await video.waitFor({ timeout: 60_000 });
  check((await page.getByTestId("product-video").count()) === N, "one video per product");
  const played = await video.evaluate(async (v) => {
    if (v.readyState < 1) await new Promise((ok, bad) => { v.onloadedmetadata = ok; v.onerror = () => bad(new Error(v.error?.message ?? "cannot load")); });
    await v.play();
    const t0 = v.currentTime;
    await new Promise((ok) => setTimeout(ok, 1500));
    return { t0, t1: v.currentTime, width: v.videoWidth, height: v.videoHeight, duration: v.duration, paused: v.paused, error: v.error?.message ?? null };
  });
  check(played.error === null, `the video has no error (${played.error})`);
  check(played.t1 > played.t0, `the video plays: currentTime ${played.t0} -> ${played.t1}`);
  check(played.width > 0 && played.height > 0, `the video has frames (${played.width}x${played.height})`);
  step("video plays", JSON.stringify(played));
  await shot(page, SHOTS, "surprise-job");

  // --- phone width and keyboard reach ----------------------------------------------------------------
  await page.setViewportSize({ width: 375, height: 800 });
  await page.reload();
  await page.getByTestId("surprise-product").first().waitFor({ timeout: 30_000 });
  await assertNoHorizontalScroll(page, "surprise job page");
  await page.goto(`${o.url}/upload`);
  await page.getByRole("radio", { name: /Surprise for You/ }).click();
  await page.getByTestId("theme-picker").waitFor();
  await assertNoHorizontalScroll(page, "surprise upload centre");
  await shot(page, SHOTS, "mobile-surprise");
  step("375px layouts");

  check(errors.length === 0, `no page errors: ${errors.join("; ")}`);
  await browser.close();
}, { errors, shots: SHOTS });
