// Debian's chromium through playwright-core, with the flags of
// internal/e2e/common.mjs (this machine's network is closed).
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { checkChromium, chromiumFlags, chromiumPath } from '../../internal/e2e/common.mjs';

// SDKs drop events from automated browsers (navigator.webdriver).
const flags = [...chromiumFlags, '--disable-blink-features=AutomationControlled'];

// userAgent is a desktop Chrome's User-Agent with chromium's full version:
// headless chromium says HeadlessChrome, which PostHog and others drop as a
// bot; and the full version is something the gateway must not pass on.
export const userAgent = (version) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version} Safari/537.36`;

// It is given as a flag, not as playwright's per-context override, which
// does not hold while a page unloads (its sendBeacon calls would say
// HeadlessChrome, and PostHog drops events from bots).
export async function newContext(browser, headers = {}) {
  return browser.newContext({ extraHTTPHeaders: headers });
}

// chromiumVersion is the full version, e.g. 156.0.8078.114.
export function chromiumVersion() {
  const out = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const m = out.match(/(\d+\.\d+\.\d+\.\d+)/);
  if (!m) throw new Error(`cannot read chromium's version from ${JSON.stringify(out)}`);
  return m[1];
}

// With gpc, chromium itself sends `Sec-GPC: 1` on every request (sendBeacon
// from an unloading page included, which playwright's per-context extra
// headers do not reach) and says navigator.globalPrivacyControl === true.
export async function launchBrowser({ gpc = false } = {}) {
  checkChromium();
  const version = chromiumVersion();
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...flags, `--user-agent=${userAgent(version)}`, ...(gpc ? ['--enable-features=GlobalPrivacyControlForce'] : [])] });
  browser.fullVersion = version;
  return browser;
}

// pageHTML is the test page of one SDK: it loads the bundle, whose driver
// the test calls through window.sdk.
export const pageHTML = (sdk) => `<!doctype html><html><head><meta charset="utf-8"><title>Pricing</title>
<script src="/build/${sdk}.js"></script></head><body><h1>Pricing</h1><p>${sdk}</p><a href="/bye">bye</a></body></html>`;
export const byeHTML = '<!doctype html><html><head><meta charset="utf-8"><title>Bye</title></head><body>bye</body></html>';

// drive runs one SDK's calls on a page: init, the events, the ids, and
// leaving the page (a navigation, so pagehide and unload fire and
// sendBeacon is used). It returns the SDK's ids and the page's errors.
export async function drive(context, base, sdk, { leaveWait = 1500, variant = '' } = {}) {
  const page = await context.newPage();
  if (variant) await page.addInitScript((v) => { window.__variant = v; }, variant);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  if (process.env.SDK_DEBUG) {
    page.on('console', (m) => console.log('console', m.type(), m.text()));
    page.on('request', (r) => console.log('request', r.method(), r.url()));
    page.on('requestfailed', (r) => console.log('failed', r.url(), r.failure()?.errorText));
  }
  await page.goto(`${base}/sdk/${sdk}.html`, { waitUntil: 'load' });
  await page.evaluate(() => window.sdk.init());
  await page.evaluate(() => window.sdk.run());
  await page.waitForTimeout(1200);
  const ids = await page.evaluate(() => window.sdk.ids());
  const ua = await page.evaluate(() => navigator.userAgent);
  await page.evaluate(() => window.sdk.leave());
  await page.goto(`${base}/bye`, { waitUntil: 'load' });
  await page.waitForTimeout(leaveWait);
  await page.close();
  return { ids, errors, ua };
}
