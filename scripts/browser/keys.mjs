// Tabs through pages as a keyboard user, at a given width, and prints each
// focus stop with whether it shows a focus outline.
// node keys.mjs BASE WIDTH path…   (CAPMATCH_SESSION: a session cookie's value)
import { chromium } from "playwright-core";
const [base, width, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const context = await browser.newContext({ viewport: { width: Number(width), height: 800 } });
if (process.env.CAPMATCH_SESSION) {
  await context.addCookies([{ name: "capmatch_session", value: process.env.CAPMATCH_SESSION, url: base }]);
}
const page = await context.newPage();
for (const path of paths) {
  await page.goto(base + path);
  const stops = [];
  for (let i = 0; i < Number(process.env.MAX_STOPS || 200); i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate((i) => {
      const e = document.activeElement;
      if (!e || e === document.body) return null;
      // A date input takes several Tabs (day, month, year): one stop. Back
      // at an element seen before means the page has been gone through.
      if (e.dataset.stop !== undefined) return Number(e.dataset.stop) === i - 1 ? "same" : null;
      e.dataset.stop = String(i);
      const style = getComputedStyle(e);
      const label = (e.getAttribute("aria-label") || e.innerText || e.value || e.name || e.id || "").trim().slice(0, 40);
      return `${e.tagName.toLowerCase()}${e.name ? "[" + e.name + "]" : ""} "${label.replace(/\s+/g, " ")}" ${style.outlineStyle !== "none" && style.outlineWidth !== "0px" ? "outline" : "NO-OUTLINE"}`;
    }, stops.length);
    if (stop === "same") continue;
    if (!stop) break;
    stops.push(stop);
  }
  console.log(`${path} @${width}px: ${stops.length} stops`);
  for (const s of stops) console.log("  " + s);
}
await browser.close();
