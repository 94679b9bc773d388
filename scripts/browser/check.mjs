// Looks at capmatch pages as people would: in Debian's Chromium, at desktop
// and phone widths, with axe-core, and printed to PDF. Not part of
// `cargo test`: it needs Chromium (`apt-get install chromium`) and
// `npm install` in this folder.
//
//   node check.mjs BASE_URL OUT_DIR [PATH ...]
//
// For every path and width it saves a screenshot, says whether the page
// scrolls sideways, and lists axe-core's violations; for every path it also
// prints the page to PDF (A4). A path ending in `#fill=id:value,…&press=V`
// fills those controls and presses the button of value V. A path ending in `#submit` is a form page:
// its form is sent as it is (mostly empty), and the page checked is the one
// that answers, with its problems marked. It exits 1 when any page has a
// violation or scrolls sideways.
//
// To look as a signed-in person, give their session cookie's value in
// CAPMATCH_SESSION (from the browser, or from `curl -c` after signing in).

import { chromium } from "playwright-core";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, out, ...given] = process.argv.slice(2);
if (!base || !out) {
  console.error("usage: node check.mjs BASE_URL OUT_DIR [PATH ...]");
  process.exit(2);
}
const paths = given.length > 0 ? given : [
  "/", "/providers", "/offerings", "/countries", "/reports",
  "/reports/coverage", "/reports/gaps", "/reports/overlaps",
];
const widths = [1280, 375, 320];
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failed = false;
for (const path of paths) {
  const name = path.replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "") || "home";
  for (const width of widths) {
    // The site's CSP refuses inline scripts, axe-core's included: bypass it here only.
    const page = await browser.newPage({ viewport: { width, height: 900 }, bypassCSP: true });
    if (process.env.CAPMATCH_SESSION) {
      await page.context().addCookies([{ name: "capmatch_session",
        value: process.env.CAPMATCH_SESSION, url: base }]);
    }
    const [address, submit] = path.split("#");
    let response = await page.goto(base + address);
    if (submit === "submit") {
      const button = page.locator('form.record button[type=submit][value=submit], form.record button[type=submit]:not([value])').first();
      [response] = await Promise.all([page.waitForNavigation(), button.click()]);
    } else if (submit) {
      // `#fill=id:value,id:value&press=check`: fills controls by id, then
      // presses the form's button with that value.
      const steps = new URLSearchParams(submit);
      for (const pair of (steps.get("fill") || "").split(",").filter(Boolean)) {
        const [id, value] = pair.split(":");
        const control = page.locator(`#${id}`);
        if (await control.evaluate(e => e.tagName === "SELECT")) await control.selectOption(value);
        else await control.fill(value);
      }
      const button = page.locator(`form button[type=submit][value="${steps.get("press")}"]:not(.visually-hidden)`).first();
      [response] = await Promise.all([page.waitForNavigation(), button.click()]);
    }
    const sideways = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.screenshot({ path: `${out}/${name}-${width}.png`, fullPage: true });
    await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () =>
      await window.axe.run(document, { resultTypes: ["violations"] }));
    const problems = result.violations.map(v =>
      `${v.id} (${v.impact}): ${v.nodes.length} × ${v.help}`);
    if (sideways > 0 || problems.length > 0) failed = true;
    console.log(`${path} @${width}px: HTTP ${response.status()}, ` +
      `${sideways > 0 ? `scrolls sideways by ${sideways}px` : "fits"}, ` +
      `${problems.length} axe violation(s)`);
    for (const p of problems) console.log(`    ${p}`);
    if (width === 1280) {
      await page.emulateMedia({ media: "print" });
      await page.pdf({ path: `${out}/${name}.pdf`, format: "A4", printBackground: true });
    }
    await page.close();
  }
}
await browser.close();
process.exit(failed ? 1 : 0);
