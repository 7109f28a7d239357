// Drives the browser build (dist/, served at URL) in Debian's headless Chromium:
//   node web/test/check.mjs webgpu|webgl2 URL [SCREENSHOT.png]
// With NSGF_LINK (a share link's `#scene=…` part), NSGF_EXPECT_TARGET and
// NSGF_EXPECT_PARTICLES set, it also opens URL + NSGF_LINK and checks that the scene came back.
// Loads the page, waits for the app's first frames, reads which compute backend it uses (the
// `window.nsgf_backend` hook), checks that the particle flow records frames, that Play (the
// space bar) advances the playback frame, that the canvas is not blank and that "Save scene…"
// downloads the scene, and fails on any page error or panic.
import puppeteer from "puppeteer-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [mode, url, screenshot] = process.argv.slice(2);
if (!["webgpu", "webgl2"].includes(mode) || !url) {
  console.error("usage: node check.mjs webgpu|webgl2 URL [SCREENSHOT.png]");
  process.exit(2);
}

const base = [
  "--no-sandbox", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-dev-shm-usage",
];
const webgpu = [
  "--enable-unsafe-webgpu", "--use-webgpu-adapter=swiftshader", "--enable-unsafe-swiftshader",
  "--use-angle=vulkan", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
];

const browser = await puppeteer.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: mode === "webgpu" ? [...base, ...webgpu] : base,
});
const problems = [];
let failed = false;
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    const text = message.text();
    if (text.startsWith("nsgf:")) console.log(`${mode}: page says: ${text}`);
    if (message.type() === "error" || /panicked/.test(text)) {
      problems.push(`console ${message.type()}: ${text}`);
    }
  });
  await page.goto(url, { waitUntil: "load" });

  const waitFor = async (what, predicate, seconds, ...args) => {
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline) {
      if (problems.length > 0) throw new Error(`${what}: ${problems.join("; ")}`);
      const value = await page.evaluate(predicate, ...args);
      if (value) return value;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`timed out after ${seconds} s waiting for ${what}`);
  };

  const hasWebGpu = await page.evaluate(async () =>
    Boolean(navigator.gpu && (await navigator.gpu.requestAdapter())));
  console.log(`${mode}: WebGPU adapter in the page: ${hasWebGpu}`);

  const backend = await waitFor("the app's first frames and its backend",
    () => window.nsgf_backend && window.nsgf_backend !== "starting" && window.nsgf_backend, 120);
  console.log(`${mode}: compute backend: ${backend}`);
  // WebGPU computes the flow on the GPU; WebGL2 has no compute shaders, so the CPU does.
  const expected = mode === "webgpu" ? "gpu" : "cpu";
  if (!backend.startsWith(expected)) {
    throw new Error(`the ${mode} run must compute on the ${expected}, the page says: ${backend}`);
  }

  // How often the page gets an animation frame (the main thread's responsiveness) while the
  // particle flow computes (past its first frames): requestAnimationFrame callbacks over four
  // seconds.
  const pageFps = () => new Promise((resolve) => {
    let frames = 0;
    const started = performance.now();
    const tick = () => {
      frames += 1;
      if (performance.now() - started < 4000) requestAnimationFrame(tick);
      else resolve(frames / ((performance.now() - started) / 1000));
    };
    requestAnimationFrame(tick);
  });

  const frames = await waitFor("the particle flow's frames", () => window.nsgf_frames > 5 && window.nsgf_frames, 120);
  console.log(`${mode}: particle flow frames recorded: ${frames}`);
  const computing = await page.evaluate(() => window.nsgf_frames);
  const flowFps = await page.evaluate(pageFps);
  const computed = await page.evaluate(() => window.nsgf_frames);
  const flowJobs = await page.evaluate(() => [window.nsgf_jobs_ms_max, window.nsgf_ui_ms_max]);
  console.log(`${mode}: page at ${flowFps.toFixed(1)} animation frames/s while the flow computed (frames ${computing} → ${computed}); the longest frame spent ${flowJobs[0].toFixed(1)} ms on jobs, ${flowJobs[1].toFixed(1)} ms in the app`);

  // Pause whatever plays, rewind (Home), then Play with the space bar: the frame must advance.
  await page.mouse.click(640, 400);
  await page.keyboard.press("Home");
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = await page.evaluate(() => window.nsgf_frame);
  await page.keyboard.press("Space");
  const after = await waitFor("Play to advance the frame",
    (start) => window.nsgf_frame > start && window.nsgf_frame, 90, before);
  console.log(`${mode}: Play advanced the frame from ${before} to ${after}`);

  // The canvas shows the app: a blank page compresses to a few kilobytes of PNG, the app's
  // panels, plot and particles to far more.
  const image = await page.screenshot(screenshot ? { path: screenshot } : {});
  console.log(`${mode}: screenshot of ${image.length} bytes${screenshot ? ` in ${screenshot}` : ""}`);
  if (image.length < 30000) {
    throw new Error(`the canvas looks blank (a ${image.length}-byte screenshot)`);
  }
  // Train (right panel) with the browser's lighter defaults, timed until the model exists.
  await page.mouse.click(1040, 243);
  const trainingStarted = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const trainFps = await page.evaluate(pageFps);
  const trainJobs = await page.evaluate(() => [window.nsgf_jobs_ms_max, window.nsgf_ui_ms_max]);
  console.log(`${mode}: page at ${trainFps.toFixed(1)} animation frames/s while training; the longest frame spent ${trainJobs[0].toFixed(1)} ms on jobs, ${trainJobs[1].toFixed(1)} ms in the app`);
  const method = await waitFor("training to finish", () => window.nsgf_model || false, 300);
  console.log(`${mode}: trained ${method} in the page in ${((Date.now() - trainingStarted) / 1000).toFixed(1)} s`);
  if (screenshot) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await page.screenshot({ path: screenshot.replace(/\.png$/, "-trained.png") });
  }

  // "Save scene…" (top left) downloads the scene as JSON.
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), "nsgf-downloads-"));
  const session = await page.createCDPSession();
  await session.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads });
  await page.mouse.click(55, 36);
  const saved = path.join(downloads, "scene.json");
  const deadline = Date.now() + 20000;
  while (!fs.existsSync(saved) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!fs.existsSync(saved)) throw new Error("Save scene… downloaded no scene.json");
  const scene = JSON.parse(fs.readFileSync(saved, "utf8"));
  if (scene.format_version !== 1 || scene.particles !== 300) {
    throw new Error(`the downloaded scene is not the page's: ${JSON.stringify(scene).slice(0, 120)}`);
  }
  console.log(`${mode}: Save scene… downloaded scene.json (${fs.statSync(saved).size} bytes)`);
  fs.rmSync(downloads, { recursive: true, force: true });

  if (process.env.NSGF_LINK) {
    await page.goto("about:blank");
    await page.goto(url + process.env.NSGF_LINK, { waitUntil: "load" });
    const restored = await waitFor("the shared scene",
      () => window.nsgf_backend && window.nsgf_backend !== "starting" &&
        [window.nsgf_target, window.nsgf_particles], 120);
    console.log(`${mode}: the share link opened target ${restored[0]} with ${restored[1]} particles`);
    if (screenshot) {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      await page.screenshot({ path: screenshot.replace(/\.png$/, "-link.png") });
    }
    const expected = [process.env.NSGF_EXPECT_TARGET, Number(process.env.NSGF_EXPECT_PARTICLES)];
    if (restored[0] !== expected[0] || restored[1] !== expected[1]) {
      throw new Error(`the share link restored ${restored}, expected ${expected}`);
    }
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
} catch (error) {
  console.error(`${mode}: FAILED: ${error.message}`);
  failed = true;
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
