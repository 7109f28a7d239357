import puppeteer from "puppeteer-core";
const base = ["--no-sandbox","--no-first-run","--disable-background-networking","--disable-component-update","--disable-sync","--disable-quic","--disable-dev-shm-usage"];
const browser = await puppeteer.launch({executablePath:"/usr/bin/chromium", headless:true, args:base});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 800 });
await page.goto(process.argv[2], {waitUntil: "load"});
const fps = () => new Promise((resolve) => { let f = 0; const s = performance.now(); const t = () => { f++; if (performance.now() - s < 2000) requestAnimationFrame(t); else resolve(f / ((performance.now() - s) / 1000)); }; requestAnimationFrame(t); });
for (let i = 0; i < 12; i++) {
  const r = await page.evaluate(fps);
  const fr = await page.evaluate(() => window.nsgf_frames);
  console.log(`fps ${r.toFixed(1)} frames ${fr}`);
}
await page.mouse.click(640, 400);
await page.keyboard.press("Space");
for (let i = 0; i < 2; i++) console.log(`after space: fps ${(await page.evaluate(fps)).toFixed(1)} playing frame ${await page.evaluate(() => window.nsgf_frame)}`);
await browser.close();
