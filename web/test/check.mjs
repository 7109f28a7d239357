// Drives the browser build (dist/, served at URL) in Debian's headless Chromium:
//   node web/test/check.mjs webgpu|webgl2 URL [SCREENSHOT.png]
// With NSGF_LINK (a share link's `#scene=…` part), NSGF_EXPECT_TARGET and
// NSGF_EXPECT_PARTICLES set, it also opens URL + NSGF_LINK and checks that the scene came back.
// Loads the page, waits for the app's first frames, reads which compute backend it uses (the
// `window.nsgf_backend` hook), checks that the particle flow records frames, that Play (the
// space bar) advances the playback frame, and looks at the plot's pixels: a particle's colour
// where the app says each particle is (`window.nsgf_plots`), before Play and after it (the
// particles moved), and the learned flow's samples after training; `window.nsgf_train` must
// refuse an unknown method with an error naming the known ones, and "Save scene…" must
// download the scene. Fails on any page error or panic.
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

  // What the plots show: a screenshot's pixels (decoded in the page) at the particles'
  // places as the app reports them (`window.nsgf_plots`, CSS pixels).
  const percent = (fraction) => `${(100 * fraction).toFixed(0)} %`;
  // The share of `plot`'s particles with a pixel of their colour within 3 px of their centre
  // in the PNG `png` (base64); `mirrored`: at their places mirrored through the plot's centre
  // instead (the control: a picture without the particles where they are says no).
  const seenIn = (png, plot, mirrored = false) => page.evaluate(async (png, plot, mirrored) => {
    const image = new Image();
    image.src = `data:image/png;base64,${png}`;
    await image.decode();
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    const pixels = context.getImageData(0, 0, image.width, image.height).data;
    const scale = image.width / window.innerWidth;
    const [left, top, right, bottom] = plot.frame;
    const count = plot.particles.length / 2;
    let seen = 0;
    for (let i = 0; i < count; i += 1) {
      let [x, y] = [plot.particles[2 * i], plot.particles[2 * i + 1]];
      if (mirrored) [x, y] = [left + right - x, top + bottom - y];
      const colour = plot.colors.slice(3 * i, 3 * i + 3);
      let found = false;
      for (let dy = -3; dy <= 3 && !found; dy += 1) {
        for (let dx = -3; dx <= 3 && !found; dx += 1) {
          const px = Math.round((x + dx) * scale);
          const py = Math.round((y + dy) * scale);
          if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
          const at = 4 * (py * image.width + px);
          found = [0, 1, 2].every((k) => Math.abs(pixels[at + k] - colour[k]) <= 40);
        }
      }
      if (found) seen += 1;
    }
    return count > 0 ? seen / count : 0;
  }, png, plot, mirrored);
  // Looks at the `kind` plot ("particle", "learned"): its particles must show in their own
  // colours at ≥ 80 % of the places the app reports, and at under half as many of the
  // mirrored places. Saves the screenshot to `file` if given.
  const look = async (what, kind, file) => {
    const readPlot = () => page.evaluate((kind) => {
      const plot = (window.nsgf_plots || []).find((plot) => plot.kind === kind);
      return plot && {
        frame: Array.from(plot.frame), particles: Array.from(plot.particles),
        colors: Array.from(plot.colors),
      };
    }, kind);
    // A screenshot of a still picture: the places the app reports just before and just after
    // it must agree (a flow still playing moves its particles between the two), else wait and
    // try again; after 20 tries the last screenshot is judged with the places read before it.
    let plot = null;
    let png = null;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      plot = await readPlot();
      png = await page.screenshot({ encoding: "base64" });
      const after = await readPlot();
      const still = plot && after && after.particles.length === plot.particles.length &&
        after.particles.every((value, i) => value === plot.particles[i]);
      if (still) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (!plot || plot.particles.length === 0) throw new Error(`${what}: the ${kind} plot reports no particles`);
    if (file) fs.writeFileSync(file, Buffer.from(png, "base64"));
    const seen = await seenIn(png, plot);
    const mirrored = await seenIn(png, plot, true);
    const count = plot.particles.length / 2;
    console.log(`${mode}: ${what}: ${count} particles in the ${kind} plot, their colour at ${percent(seen)} of their places (${percent(mirrored)} at the mirrored places)`);
    if (!(seen >= 0.8 && mirrored < seen / 2)) {
      throw new Error(`${what}: the picture does not show the ${kind} plot's particles where the app says they are (${percent(seen)}, mirrored ${percent(mirrored)})`);
    }
    return { plot, png, seen };
  };
  // The mean distance from each of `a`'s points to the nearest of `b`'s (flat x, y lists).
  const meanDistance = (a, b) => {
    let total = 0;
    for (let i = 0; i < a.length; i += 2) {
      let nearest = Infinity;
      for (let j = 0; j < b.length; j += 2) {
        nearest = Math.min(nearest, Math.hypot(a[i] - b[j], a[i + 1] - b[j + 1]));
      }
      total += nearest;
    }
    return total / (a.length / 2);
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

  // Pause whatever plays, rewind (Home): the particles at the flow's first frame.
  await page.mouse.click(640, 400);
  await page.keyboard.press("Home");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const start = await look("the first frame", "particle");
  // Play with the space bar: the frame must advance; pause after ten frames (or the last).
  const before = await page.evaluate(() => window.nsgf_frame);
  await page.keyboard.press("Space");
  const after = await waitFor("Play to advance the frame ten frames",
    (start) => (window.nsgf_frame >= Math.min(start + 10, window.nsgf_frames - 1) &&
      window.nsgf_frame > start) && window.nsgf_frame, 90, before);
  await page.keyboard.press("Space");
  await new Promise((resolve) => setTimeout(resolve, 1000));
  console.log(`${mode}: Play advanced the frame from ${before} to ${after}`);
  const played = await look("the played frame", "particle", screenshot);
  // The particles moved: the app says so, and the new positions show particles in the new
  // picture, not in the old one.
  const moved = meanDistance(start.plot.particles, played.plot.particles);
  const stale = await seenIn(start.png, played.plot);
  console.log(`${mode}: the particles moved ${moved.toFixed(1)} px on average; their new places hold their colours in ${percent(played.seen)} of cases now, ${percent(stale)} before Play`);
  if (!(moved > 3 && stale < played.seen - 0.25)) {
    throw new Error(`the particles did not move on screen after Play (${moved.toFixed(1)} px, seen ${percent(played.seen)} now against ${percent(stale)} before)`);
  }

  // The page's training hook refuses an unknown method, saying which exist.
  const refusal = await page.evaluate(() => {
    try {
      window.nsgf_train("flow-matching");
      return "accepted";
    } catch (error) {
      return `${error.name}: ${error.message}`;
    }
  });
  console.log(`${mode}: nsgf_train("flow-matching") says: ${refusal}`);
  if (!/unknown training method "flow-matching": the methods are nsgf, nsgfpp, onestep, icfm, otcfm, rf/.test(refusal)) {
    throw new Error(`nsgf_train took an unknown method: ${refusal}`);
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
  if (method !== "NSGF") throw new Error(`the Train button trained ${method}, not NSGF`);
  // The learned flow's samples are drawn where the app says they are.
  await waitFor("the learned flow's samples", () => (window.nsgf_plots || [])
    .some((plot) => plot.kind === "learned" && plot.particles.length > 0), 120);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await look("the learned flow", "learned",
    screenshot && screenshot.replace(/\.png$/, "-trained.png"));
  // The training's W2 curve shows: at least two checkpoints, each drawn in the curve's colour
  // where the app says it is (a chart with an axis and no line fails here).
  const curve = await page.evaluate(() => {
    const plot = (window.nsgf_plots || []).find((plot) => plot.kind === "w2");
    return plot && {
      frame: Array.from(plot.frame), particles: Array.from(plot.particles),
      colors: Array.from(plot.colors),
    };
  });
  const checkpoints = curve ? curve.particles.length / 2 : 0;
  if (checkpoints < 2) throw new Error(`the W2 chart shows ${checkpoints} checkpoint(s) after training, not a curve`);
  const curveSeen = await seenIn(await page.screenshot({ encoding: "base64" }), curve);
  console.log(`${mode}: the W2 chart shows ${checkpoints} checkpoints, their colour at ${percent(curveSeen)} of their places`);
  if (!(curveSeen >= 0.8)) {
    throw new Error(`the W2 chart does not show its checkpoints where the app says they are (${percent(curveSeen)})`);
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
