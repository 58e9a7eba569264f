// Browser tests of the demo: a real chromium visits the shop behind the
// example Caddyfile, and each test asserts on what the analytics vendor,
// the app and the sanitised access log actually received, not on what
// the page says.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, newPage, startStack } from './harness.mjs';

// Visitors, as their addresses reach Caddy (it trusts loopback proxies).
const GB = '81.2.69.160';
const US = '216.160.83.56';
const EMAIL = 'jane.doe@example.com';
// The e-mail as it may appear: raw, URL-encoded, encoded twice (inside
// a URL inside a parameter), and its local part.
const EMAIL_FORMS = [EMAIL, 'jane.doe%40example.com', 'jane.doe%2540example.com', 'jane.doe'];
// The token in the shop's password-reset link (demo/app.go).
const TOKEN = 'tok_8f14e45fceea167a5a36dedd4bea2543';

let stack;
let browser;
// Every cookie value the browser held or was sent during the run, for the
// access log test.
const cookieValues = new Set();

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

const beaconsSent = (st, after = 0) => st.front.filter((f) => f.kind === 'beacon' && f.seq > after);
const beaconsGot = (st, after = 0) => st.vendor.filter((v) => v.kind === 'beacon' && v.seq > after);
const param = (rec, name) => rec.params.find(([k]) => k === name)?.[1];
const header = (rec, name) => rec.headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.values;
const trackingCookie = /^(_ga|_ga_.*|_gid|_fbp|_fbc)$/;

async function shot(page, name) {
  await page.screenshot({ path: path.join(stack.artifacts, `${name}.png`), fullPage: true });
}

// remember keeps the cookie values the browser held and sent, so the log
// test can look for them.
async function remember(context) {
  for (const c of await context.cookies()) cookieValues.add(c.value);
  const st = await stack.state();
  for (const f of st.front) {
    for (const v of header(f, 'Cookie') || []) {
      for (const pair of v.split(/;\s*/)) cookieValues.add(pair.slice(pair.indexOf('=') + 1));
    }
    for (const sc of f.set_cookies || []) cookieValues.add(sc.split(';')[0].split('=').slice(1).join('='));
  }
}

// navigate runs action and waits for the page it loads.
async function navigate(page, action) {
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await action();
  await nav;
}

// consent answers the banner: 'accept', 'reject', or the categories to
// grant. The banner reloads the page.
async function consent(page, choice) {
  if (typeof choice === 'string') {
    await navigate(page, () => page.click(`#consent [data-consent=${choice}]`));
    return;
  }
  await page.click('#consent [data-consent=choose]');
  for (const c of ['functional', 'analytics', 'marketing']) {
    await page.setChecked(`#consent input[name=${c}]`, !!choice[c]);
  }
  await navigate(page, () => page.click('#consent [data-consent=save]'));
}

async function search(page, q) {
  await page.fill('input[name=q]', q);
  await navigate(page, () => page.press('input[name=q]', 'Enter'));
}

const violations = (page) => page.evaluate(() => window.__csp);

test('first visit, no choice: the shop works, nothing reaches a third party, no tracking cookie, the CSP blocks them', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  const resp = await page.goto(`${stack.site}/`);
  assert.equal(resp.status(), 200);
  assert.ok(await page.isVisible('#consent'), 'the consent banner is shown');
  await search(page, 'green');
  assert.match(await page.textContent('main'), /Sencha Uji/, 'search works');

  // The vendor's tag and the ads pixel were blocked by the CSP.
  const csp = await violations(page);
  assert.ok(csp.some((v) => v.uri === `${stack.analyticsOrigin}/tag.js` && v.directive === 'script-src-elem'), `tag.js not blocked: ${JSON.stringify(csp)}`);
  assert.ok(csp.some((v) => v.uri.startsWith(`${stack.adsOrigin}/pixel.gif`) && v.directive === 'img-src'), `pixel not blocked: ${JSON.stringify(csp)}`);
  assert.ok(page.failed.some((f) => f.url === `${stack.analyticsOrigin}/tag.js`), 'the tag request failed');
  assert.equal(await page.evaluate(() => window.demoVendorTag), undefined, 'the vendor tag did not run');

  // The snippet sent its beacons (page views and the search); the
  // gateway answered every one and none reached the vendor.
  const st = await stack.waitFor('the snippet to send 3 beacons', (s) => beaconsSent(s).length >= 3);
  for (const b of beaconsSent(st)) assert.equal(b.status, 204, `beacon ${b.uri} answered ${b.status}`);
  assert.deepEqual(st.vendor, [], 'a third party received a request');

  // The app tried to set _ga and _fbp; the browser holds only the
  // necessary session cookie.
  assert.ok(st.app.some((r) => r.tried_cookies?.includes('_ga') && r.tried_cookies.includes('_fbp')));
  const names = (await context.cookies()).map((c) => c.name);
  assert.deepEqual(names, ['session']);

  await shot(page, '1-first-visit');
  await remember(context);
  await context.close();
});

test('analytics accepted: beacons reach the vendor with no client address, client id, e-mail or token', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  await page.goto(`${stack.site}/`);
  await consent(page, { analytics: true });

  // With analytics consent the vendor's tag loads; marketing's pixel is
  // still blocked.
  await page.waitForFunction(() => window.demoVendorTag?.loaded);
  const csp = await violations(page);
  assert.ok(!csp.some((v) => v.uri.startsWith(stack.analyticsOrigin)), `analytics blocked: ${JSON.stringify(csp)}`);
  assert.ok(csp.some((v) => v.uri.startsWith(stack.adsOrigin)), 'the ads pixel loaded without marketing consent');

  await search(page, EMAIL);
  await navigate(page, () => page.click('a[href="/"]'));
  await navigate(page, () => page.click('#reset-link'));
  await page.goto(`${stack.site}/`);
  await page.fill('.newsletter input[name=email]', EMAIL);
  await navigate(page, () => page.press('.newsletter input[name=email]', 'Enter'));

  const ga = (await context.cookies()).find((c) => c.name === '_ga');
  assert.ok(ga, 'no _ga cookie with analytics consent');
  const rawCid = ga.value.split('.').slice(2).join('.');

  const st = await stack.waitFor('search, sign_up and the reset page to reach the vendor', (s) => {
    const got = beaconsGot(s);
    const events = got.map((b) => param(b, 'en'));
    return events.includes('search') && events.includes('sign_up') &&
      got.some((b) => param(b, 'dl')?.includes('/account/reset'));
  });

  // The browser did send every identifier: the test saw the leak it
  // checks for.
  const sent = JSON.stringify(beaconsSent(st));
  for (const id of [GB, 'jane.doe%2540example.com', TOKEN, rawCid]) {
    assert.ok(sent.includes(id), `the browser's beacons lack ${id}: the test proves nothing`);
  }

  const got = beaconsGot(st);
  const paths = new Set(['/', '/search', '/account/reset', '/newsletter']);
  for (const b of got) {
    const all = JSON.stringify(b);
    for (const leak of [GB, ...EMAIL_FORMS, TOKEN, rawCid, rawCid.split('.')[0], 'Cookie', '_ga=', 'session=']) {
      assert.ok(!all.includes(leak), `beacon ${b.uri} holds ${leak}`);
    }
    assert.deepEqual(header(b, 'Cookie'), undefined);
    const cid = param(b, 'cid');
    assert.ok(cid && cid !== rawCid, `cid ${cid}: want a pseudonym, not the browser's ${rawCid}`);
    assert.equal(param(b, 'uid'), undefined, 'the user id (an e-mail) was forwarded');
    const dl = new URL(param(b, 'dl'));
    assert.equal(dl.host, `localhost:${stack.ports.front}`);
    assert.ok(paths.has(dl.pathname), `page path ${dl.pathname}`);
    for (const [k, v] of dl.searchParams) {
      assert.ok(!/@|%40|tok_/.test(v), `page URL parameter ${k}=${v} kept an identifier`);
    }
    const uip = param(b, '_uip');
    if (uip) assert.notEqual(uip, GB);
  }
  const byEvent = {};
  for (const b of got) (byEvent[param(b, 'en')] ||= []).push(b);
  assert.ok(byEvent.page_view.length >= 4, 'page views');
  assert.equal(new URL(param(byEvent.search[0], 'dl')).pathname, '/search');
  assert.equal(new URL(param(byEvent.sign_up[0], 'dl')).pathname, '/newsletter');
  // The search term is kept, with the e-mail in it replaced.
  assert.match(param(byEvent.search[0], 'ep.search_term'), /^\[.+\]$/);

  // The vendor's own id cookie, answered through the gateway, never
  // reached the browser; _ga did (consented), _fbp did not (marketing).
  const names = (await context.cookies()).map((c) => c.name);
  assert.ok(!names.includes('FPID'), 'the vendor set a cookie through the gateway');
  assert.ok(!names.includes('_fbp'), 'a marketing cookie without marketing consent');

  await shot(page, '2-analytics-accepted');
  await remember(context);
  await context.close();
});

test('reject all: no beacon reaches the vendor', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': US });
  await page.goto(`${stack.site}/`);
  await consent(page, 'reject');
  await navigate(page, () => page.click('a[href="/search?q=green"]'));
  await page.click('[data-track="Sencha Uji"]');

  const st = await stack.waitFor('3 beacons after rejecting', (s) => beaconsSent(s).length >= 4);
  assert.deepEqual(beaconsGot(st), []);
  assert.deepEqual(st.vendor, [], 'a third party received a request');
  const cookies = await context.cookies();
  assert.deepEqual(cookies.map((c) => c.name).sort(), ['consent', 'session']);
  assert.deepEqual(JSON.parse(decodeURIComponent(cookies.find((c) => c.name === 'consent').value)),
    { functional: false, analytics: false, marketing: false });
  await remember(context);
  await context.close();
});

test('accept, then withdraw: nothing more reaches the vendor', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': US });
  await page.goto(`${stack.site}/`);
  await consent(page, 'accept');
  await page.waitForFunction(() => window.demoVendorTag?.loaded);
  const before = await stack.waitFor('a beacon and the ads pixel to arrive', (s) =>
    beaconsGot(s).length >= 1 && s.vendor.some((v) => v.kind === 'pixel'));
  assert.ok((await context.cookies()).some((c) => c.name === '_fbp'), 'no _fbp with marketing consent');

  const mark = before.seq;
  await page.click('#privacy-settings');
  await consent(page, 'reject');
  await page.click('[data-track="Assam Breakfast"]');
  await search(page, 'oolong');

  const st = await stack.waitFor('4 beacons after the withdrawal', (s) => beaconsSent(s, mark).length >= 4);
  assert.deepEqual(st.vendor.filter((v) => v.seq > mark), [], 'a third party received a request after the withdrawal');
  for (const b of beaconsSent(st, mark)) assert.equal(b.status, 204);
  const names = (await context.cookies()).map((c) => c.name);
  assert.ok(!names.some((n) => trackingCookie.test(n)), `tracking cookies left: ${names}`);
  await shot(page, '3-withdrawn');
  await remember(context);
  await context.close();
});

test('Global Privacy Control: marketing and analytics stay off whatever the cookie says', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': US, 'Sec-GPC': '1' });
  await page.goto(`${stack.site}/`);
  await consent(page, 'accept');
  await navigate(page, () => page.click('a[href="/search?q=green"]'));
  await page.goto(`${stack.site}/`);
  await page.fill('.newsletter input[name=email]', EMAIL);
  await navigate(page, () => page.press('.newsletter input[name=email]', 'Enter'));

  const consentCookie = (await context.cookies()).find((c) => c.name === 'consent');
  assert.deepEqual(JSON.parse(decodeURIComponent(consentCookie.value)), { functional: true, analytics: true, marketing: true });

  const st = await stack.waitFor('the beacons of three pages', (s) => beaconsSent(s).length >= 4);
  assert.deepEqual(st.vendor, [], 'a third party received a request');
  const pages = st.app.filter((r) => r.page && r.cookies?.some((c) => c.name === 'consent'));
  assert.ok(pages.length >= 3);
  for (const r of pages) {
    assert.deepEqual(r.consent, { functional: 'true', analytics: 'false', marketing: 'false' }, r.uri);
    assert.deepEqual(header(r, 'Sec-Gpc'), ['1'], 'Sec-GPC was removed');
    assert.ok(!r.cookies.some((c) => trackingCookie.test(c.name)));
  }
  const csp = await violations(page);
  assert.ok(csp.some((v) => v.uri.startsWith(stack.analyticsOrigin)), 'the vendor tag loaded');
  assert.ok(csp.some((v) => v.uri.startsWith(stack.adsOrigin)), 'the ads pixel loaded');
  const names = (await context.cookies()).map((c) => c.name);
  assert.ok(!names.some((n) => trackingCookie.test(n)), `tracking cookies: ${names}`);

  const gpc = await page.goto(`${stack.site}/.well-known/gpc.json`);
  assert.deepEqual(await gpc.json(), { gpc: true });
  await remember(context);
  await context.close();
});

test('the live page shows the three parties side by side', async () => {
  await stack.clear();
  const { context, page } = await newPage(browser, { 'X-Forwarded-For': GB });
  await page.goto(`${stack.site}/`);
  await consent(page, { analytics: true });
  await search(page, EMAIL);
  await stack.waitFor('the search beacon', (s) => beaconsGot(s).some((b) => param(b, 'en') === 'search'));
  await remember(context);
  await context.close();

  const live = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  const errors = [];
  live.on('pageerror', (e) => errors.push(e.message));
  await live.goto(stack.liveURL);
  await live.waitForSelector('#app .reqline');
  await live.waitForSelector('#vendor table.params');
  await live.waitForSelector('#log .pair .clean .facts');
  assert.match(await live.textContent('#app'), /GB/);
  assert.match(await live.textContent('#vendor'), /\[email\]/);
  assert.match(await live.textContent('#log'), /removed/);
  const panels = await live.$$eval('.panel', (ps) => ps.map((p) => p.getBoundingClientRect().top));
  assert.equal(panels.length, 3);
  assert.ok(panels.every((t) => t === panels[0]), 'the panels are not side by side');

  // The front door plays the visitor chosen on the live page.
  await live.selectOption('#country', 'FR');
  await live.check('#gpc');
  await stack.waitFor('the visitor to be set', (s) => s.visitor.country === 'FR' && s.visitor.gpc);
  const { context: c2, page: p2 } = await newPage(browser);
  try {
    await p2.goto(`${stack.site}/privacy`);
    const st = await stack.state();
    const last = st.app.filter((r) => r.page).at(-1);
    assert.equal(last.country, 'FR');
    assert.equal(last.consent.analytics, 'false');
    assert.deepEqual(header(last, 'Sec-Gpc'), ['1']);
    assert.deepEqual(st.front.filter((f) => f.kind === 'page').at(-1).simulated, ['X-Forwarded-For', 'Sec-Gpc']);
    await remember(c2);
  } finally {
    await c2.close();
    await live.selectOption('#country', '');
    await live.uncheck('#gpc');
  }

  await live.waitForTimeout(300);
  await live.screenshot({ path: path.join(stack.artifacts, 'live.png') });
  assert.deepEqual(errors, []);
  await live.close();
});

// Last: it reads the log every other test wrote.
test('the sanitised access log holds no client address, e-mail, token or cookie value', async () => {
  const lines = fs.readFileSync(stack.accessLog, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length >= 40, `only ${lines.length} lines in the access log`);
  const values = [...cookieValues].filter((v) => v.length >= 8);
  assert.ok(values.length >= 5, 'the tests saw too few cookie values');
  const leaks = [GB, US, '127.0.0.1', ...EMAIL_FORMS, TOKEN, ...values];
  const countries = new Set();
  for (const line of lines) {
    const e = JSON.parse(line);
    assert.ok(e.request, `not an access log entry: ${line}`);
    countries.add(e.request.client_ip);
    // The site's own Content-Security-Policy names its vendors' origins,
    // which in the demo are on 127.0.0.1 too: it is the server's, kept as
    // it is, and holds no visitor's data.
    const csp = e.resp_headers?.['Content-Security-Policy'];
    if (csp) {
      assert.ok(csp.every((v) => !/@|GA1\./.test(v)), `odd CSP: ${line}`);
      delete e.resp_headers['Content-Security-Policy'];
    }
    const rest = JSON.stringify(e);
    for (const leak of leaks) {
      assert.ok(!rest.includes(leak), `log line holds ${leak}: ${line}`);
    }
  }
  // Caddy's own messages hold no visitor's address or e-mail either.
  const own = fs.readFileSync(path.join(stack.artifacts, 'caddy.log'), 'utf8');
  for (const leak of [GB, US, ...EMAIL_FORMS, TOKEN]) {
    assert.ok(!own.includes(leak), `Caddy's output holds ${leak}`);
  }
  // Addresses became countries: the GB and US visitors'.
  for (const c of ['GB', 'US']) assert.ok(countries.has(c), `no ${c} in ${[...countries]}`);
  for (const c of countries) assert.match(c, /^[A-Z]{2}$/);
});
