import { chromium } from "playwright-core";
const [url, out, width, y] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox","--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: +width, height: 800 } });
await page.goto(url);
await page.evaluate(y => window.scrollTo(0, y), +y);
await page.keyboard.press("Tab"); await page.keyboard.press("Tab");
await page.screenshot({ path: out });
await browser.close();
