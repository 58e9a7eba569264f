// Browser tests of third-party embeds under consent: a real chromium
// visits the shop's "Visit us" page (YouTube, Vimeo, Google Maps and an X
// post, pasted as their providers give them) behind the example
// Caddyfile (`embeds` and `csp` on), and each test asserts on what the
// providers' stand-in actually received.
//
// The providers' host names resolve to one loopback HTTPS recorder
// (chromium's --host-resolver-rules, with a self-signed certificate the
// browser contexts accept): the page keeps the real https:// URLs, so
// the rewriter and the CSP see what they would see in production.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { embedHosts, launchBrowser, newPage, root, startEmbedOrigins, startStack } from './harness.mjs';

const GB = '81.2.69.160';
const VIDEO = 'M7lc1UVf-VE';

process.env.E2E_ARTIFACTS = path.join(process.env.E2E_ARTIFACTS || path.join(root, 'bin', 'e2e-artifacts'), 'embeds');

let stack;
let origins;
let browser;

before(async () => {
  stack = await startStack();
  origins = await startEmbedOrigins(stack.tmp);
  browser = await launchBrowser(origins);
});

after(async () => {
  await browser?.close();
  await origins?.stop();
  await stack?.stop();
});

// embedViolations are the CSP reports about the embed providers (the
// shop's analytics tag and ads pixel are blocked on purpose).
const embedViolations = async (page) => (await page.evaluate(() => window.__csp))
  .filter((v) => embedHosts.some((h) => v.uri.includes(h)));
const hosts = () => [...new Set(origins.requests.map((r) => r.host))].sort();
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// settle waits until the stand-in has seen no new request for a while,
// so "nothing else arrived" means something.
async function settle(ms = 700) {
  let n = -1;
  while (n !== origins.requests.length) {
    n = origins.requests.length;
    await sleep(ms);
  }
}

async function waitForRequest(what, pred, ms = 15000) {
  const end = Date.now() + ms;
  while (!origins.requests.some(pred)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(origins.requests)}`);
    await sleep(100);
  }
}

// appPage asks the app directly (not through Caddy) for a page, with the
// headers Caddy gives it for a visitor from GB with everything granted.
function appPage(urlPath) {
  return new Promise((resolve, reject) => {
    http.get({
      host: '127.0.0.1', port: stack.ports.app, path: urlPath,
      headers: {
        'X-Client-Country': 'GB', 'X-Consent-Functional': 'true', 'X-Consent-Analytics': 'true',
        'X-Consent-Marketing': 'true', 'Cookie': 'session=x',
      },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

test('before consent: only youtube-nocookie is reached; the other embeds wait behind placeholders', async () => {
  origins.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  const resp = await page.goto(`${stack.site}/visit`);
  assert.equal(resp.status(), 200);
  await page.waitForSelector('.privacy-embed[data-privacy-embed=vimeo]');
  await waitForRequest('the no-cookie player', (r) => r.host === 'www.youtube-nocookie.com');
  await settle();

  assert.deepEqual(hosts(), ['www.youtube-nocookie.com'], `providers reached before consent: ${JSON.stringify(origins.requests)}`);
  assert.ok(origins.requests.some((r) => r.path.startsWith(`/embed/${VIDEO}`)), 'the video plays from the no-cookie origin');
  const frame = page.frames().find((f) => f.url().includes('youtube-nocookie.com'));
  assert.ok(frame, 'the YouTube frame is there');
  assert.match(await frame.textContent('p'), /stand-in for www\.youtube-nocookie\.com/);

  for (const name of ['vimeo', 'maps']) {
    assert.ok(await page.isVisible(`.privacy-embed[data-privacy-embed=${name}] button`), `${name} placeholder shown`);
  }
  assert.match(await page.textContent('.embeds'), /first flush Darjeeling/, "the X post's text stays");
  assert.equal(await page.evaluate(() => window.standInScript), undefined, 'no provider script ran');
  assert.deepEqual(await embedViolations(page), [], 'the CSP blocked no embed the page shows');

  await page.goto(`${stack.site}/visit`);
  await page.waitForSelector('.privacy-embed[data-privacy-embed=vimeo]');
  await page.screenshot({ path: path.join(stack.artifacts, 'embeds-no-consent.png'), fullPage: true });
  // The README's picture (docs/embeds.png): the placeholders as a visitor
  // who rejected marketing sees them.
  await context.addCookies([{ name: 'consent', value: encodeURIComponent('{"functional":true,"analytics":false,"marketing":false}'), url: stack.site }]);
  await page.setViewportSize({ width: 1100, height: 1500 });
  await page.goto(`${stack.site}/visit`);
  await page.waitForSelector('.privacy-embed[data-privacy-embed=maps]');
  assert.ok(!(await page.isVisible('#consent')));
  await page.locator('.embeds').screenshot({ path: path.join(stack.artifacts, 'embeds-placeholders.png') });
  await context.close();
});

test('a click on a placeholder loads exactly that embed', async () => {
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  origins.clear();
  await page.goto(`${stack.site}/visit`);
  // The page's own load (the no-cookie player) is over before the click.
  await waitForRequest('the no-cookie player', (r) => r.host === 'www.youtube-nocookie.com');
  await settle();
  origins.clear();

  // The whole page in view: chromium routes a click by the hit-test
  // regions of cross-site frames, which lag a scroll, so a click right
  // after Playwright scrolls the button clear of the consent banner can
  // land in the YouTube frame that was there before.
  await page.setViewportSize({ width: 1100, height: 1500 });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const button = page.locator('.privacy-embed[data-privacy-embed=vimeo] button');
  await page.evaluate(() => { window.__clicks = []; document.addEventListener('click', (e) => window.__clicks.push(e.target.outerHTML.slice(0, 80)), true); });
  await button.click();
  try {
    await page.waitForSelector('iframe[src^="https://player.vimeo.com/video/76979871"]', { state: 'attached', timeout: 15000 });
  } catch (e) {
    await page.screenshot({ path: path.join(stack.artifacts, 'embeds-click-failed.png'), fullPage: true });
    throw new Error(`${e.message}\n${await page.evaluate(() => { const b = document.querySelector('.privacy-embed[data-privacy-embed=vimeo] button').getBoundingClientRect(); const el = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2); return JSON.stringify([window.__clicks, scrollY, b, el && el.outerHTML.slice(0, 120)]); })}`);
  }
  await settle();
  assert.deepEqual(origins.requests.map((r) => `${r.host}${r.path}`), ['player.vimeo.com/video/76979871'],
    'one request, to that provider only');
  assert.ok(await page.isVisible('.privacy-embed[data-privacy-embed=maps] button'), 'the map still waits');
  assert.deepEqual(await embedViolations(page), [], 'the CSP let the clicked frame load');
  await context.close();
});

test('after accepting marketing, the page is what the app sent and the providers load', async () => {
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  await page.goto(`${stack.site}/visit`);
  origins.clear();
  const reload = page.waitForNavigation({ waitUntil: 'load' });
  await page.click('#consent [data-consent=accept]');
  const resp = await reload;
  await waitForRequest('the X widget script', (r) => r.host === 'platform.twitter.com');
  await settle();

  const got = await resp.text();
  assert.equal(got, await appPage('/visit'), 'the page reached the browser as the app sent it');
  assert.equal(await page.locator('.privacy-embed').count(), 0, 'no placeholder');
  const seen = hosts();
  for (const h of ['www.youtube.com', 'player.vimeo.com', 'www.google.com', 'platform.twitter.com']) {
    assert.ok(seen.includes(h), `${h} not reached after consent: ${seen}`);
  }
  assert.ok(!seen.includes('www.youtube-nocookie.com'), 'YouTube from its own origin once consented');
  assert.equal(await page.evaluate(() => window.standInScript), 1, "the X widget's script ran");
  await context.close();
});
