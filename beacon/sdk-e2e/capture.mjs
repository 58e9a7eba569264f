// Captures what each SDK really sends: a test page per SDK on loopback,
// the SDK configured to send to the recording collector on the same
// origin (as it would through a first-party gateway), driven in chromium.
// Requests to any other host (an SDK's hard-wired hosts) are recorded
// too, through playwright's routing, and answered the same way.
//
//   node build.mjs && node capture.mjs [sdk...]   → captures/<sdk>.json

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, decode, record, answer } from './collector.mjs';
import { launchBrowser, newContext, drive, pageHTML, byeHTML } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SDKS = ['posthog', 'posthog:base64', 'amplitude', 'segment', 'segment:batching', 'plausible', 'mixpanel'];
const PKG = { posthog: 'posthog-js', amplitude: '@amplitude/analytics-browser', segment: '@segment/analytics-next', plausible: 'plausible-tracker', mixpanel: 'mixpanel-browser' };
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : SDKS;

export function servePages(req, res, url) {
  let m;
  if ((m = url.pathname.match(/^\/sdk\/(\w+)\.html$/))) { res.writeHead(200, { 'content-type': 'text/html' }); res.end(pageHTML(m[1])); return true; }
  if (url.pathname === '/bye') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(byeHTML); return true; }
  if ((m = url.pathname.match(/^\/build\/(\w+)\.js$/))) {
    res.writeHead(200, { 'content-type': 'application/javascript' });
    res.end(fs.readFileSync(path.join(here, 'build', `${m[1]}.js`)));
    return true;
  }
  if (url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return true; }
  return false;
}

const collector = await startCollector({ extra: servePages });
const browser = await launchBrowser();
fs.mkdirSync(path.join(here, 'captures'), { recursive: true });
try {
  for (const name of wanted) {
    const [sdk, variant = ''] = name.split(':');
    collector.clear();
    const context = await newContext(browser);
    const external = [];
    await context.route((u) => !u.hostname.startsWith('127.0.0.1'), async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      const raw = req.postDataBuffer() || Buffer.alloc(0);
      const headers = await req.allHeaders();
      const dec = decode(url.searchParams, headers, raw);
      const rec = record(req.method(), url.host, url, headers, raw, dec);
      const a = answer(req.method(), url.pathname, url.searchParams, url.host, dec.body);
      rec.response = { status: a.status, body: a.body.slice(0, 300) };
      external.push(rec);
      await route.fulfill({ status: a.status, headers: { ...a.headers, 'access-control-allow-origin': '*' }, body: a.body });
    });
    const { ids, errors, ua } = await drive(context, collector.origin, sdk, { variant });
    await context.close();
    const pkg = JSON.parse(fs.readFileSync(path.join(here, 'node_modules', PKG[sdk], 'package.json'), 'utf8'));
    const out = {
      sdk, variant, package: `${pkg.name}@${pkg.version}`, browser: browser.fullVersion, user_agent: ua,
      note: 'The SDK sent to the recording collector on the page\'s own origin (http://127.0.0.1:<port>); requests to other hosts were intercepted in the browser (external).',
      ids, page_errors: errors,
      requests: collector.requests.slice(),
      external,
    };
    const file = path.join(here, 'captures', `${sdk}${variant ? '-' + variant : ''}.json`);
    fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
    console.log(`${name}: ${out.requests.length} requests, ${external.length} external, ${errors.length} errors, ${fs.statSync(file).size} bytes`);
  }
} finally {
  await browser.close();
  await collector.close();
}
