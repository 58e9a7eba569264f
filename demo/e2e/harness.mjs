// The browser tests' harness: starts the demo and Caddy with the example
// Caddyfile on free loopback ports, with a tiny test country database,
// and a headless Debian chromium driven by playwright-core. It stops
// everything it started.
//
// Binaries come from $CADDY_BIN, $DEMO_BIN and $TESTDB_BIN, else from the
// repository's bin/ (where `make e2e` builds them); the Caddyfile from
// $E2E_CADDYFILE, else the repository's. Screenshots and the processes'
// output go to $E2E_ARTIFACTS, else bin/e2e-artifacts.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { checkChromium, chromiumFlags, chromiumPath, freePort, get, stopProcess } from '../../internal/e2e/common.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = (env, name) => process.env[env] || path.join(root, 'bin', name);




function post(port, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body || {});
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// start runs a process whose output goes to a file in the artefacts.
function start(name, cmd, args, opts, artifacts) {
  const out = fs.openSync(path.join(artifacts, `${name}.log`), 'w');
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.exited = once(child, 'exit');
  child.on('error', (err) => { child.failed = err; });
  return child;
}


// startStack starts the demo and Caddy; the returned object knows their
// addresses and stops them.
export async function startStack() {
  for (const [what, p] of [['caddy', bin('CADDY_BIN', 'caddy')], ['demo', bin('DEMO_BIN', 'demo')], ['testdb', bin('TESTDB_BIN', 'e2e-testdb')]]) {
    if (!fs.existsSync(p)) throw new Error(`no ${what} binary at ${p}: run the tests with \`make e2e\`, which builds it`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caddy-privacy-e2e-'));
  const artifacts = process.env.E2E_ARTIFACTS || path.join(root, 'bin', 'e2e-artifacts');
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });

  const db = path.join(tmp, 'country.mmdb');
  const mk = start('testdb', bin('TESTDB_BIN', 'e2e-testdb'), [db], {}, artifacts);
  const [code] = await mk.exited;
  if (code !== 0) throw new Error(`testdb failed; see ${artifacts}/testdb.log`);

  const [front, caddy, app, collector, ads, live] = await Promise.all([1, 2, 3, 4, 5, 6].map(freePort));
  const accessLog = path.join(tmp, 'access.log');
  const s = {
    tmp, artifacts, accessLog, db,
    ports: { front, caddy, app, collector, ads, live },
    site: `http://localhost:${front}`,
    liveURL: `http://localhost:${live}`,
    analyticsOrigin: `http://127.0.0.1:${collector}`,
    adsOrigin: `http://127.0.0.1:${ads}`,
  };

  s.demo = start('demo', bin('DEMO_BIN', 'demo'), [
    '-front', `127.0.0.1:${front}`, '-caddy', `127.0.0.1:${caddy}`, '-app', `127.0.0.1:${app}`,
    '-collector', `127.0.0.1:${collector}`, '-ads', `127.0.0.1:${ads}`, '-live', `127.0.0.1:${live}`,
    '-access-log', accessLog,
  ], {}, artifacts);
  const caddyfile = process.env.E2E_CADDYFILE || path.join(root, 'Caddyfile');
  s.caddy = start('caddy', bin('CADDY_BIN', 'caddy'), ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH,
      HOME: tmp,
      XDG_DATA_HOME: path.join(tmp, 'data'),
      XDG_CONFIG_HOME: path.join(tmp, 'config'),
      PRIVACY_ADMIN: 'off',
      PRIVACY_GEOIP_DB: db,
      PRIVACY_PORT: String(caddy),
      PRIVACY_UPSTREAM: `127.0.0.1:${app}`,
      PRIVACY_COLLECTOR: `127.0.0.1:${collector}`,
      PRIVACY_ADS: `127.0.0.1:${ads}`,
      PRIVACY_LOG_OUTPUT: `file ${accessLog}`,
    },
  }, artifacts);

  s.stop = async () => {
    await Promise.all([stopProcess(s.caddy), stopProcess(s.demo)]);
  };

  // Ready when a page comes back through the front door, Caddy and the
  // app, and the live page answers.
  const deadline = Date.now() + 30000;
  for (;;) {
    for (const p of [s.demo, s.caddy]) {
      if (p.failed || p.exitCode !== null) {
        await s.stop();
        throw new Error(`a process exited early; see ${artifacts}/demo.log and caddy.log`);
      }
    }
    try {
      const page = await get(front, '/privacy', `localhost:${front}`);
      const state = await get(live, '/api/state');
      if (page.status === 200 && state.status === 200) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) {
      await s.stop();
      throw new Error(`the demo did not come up in 30s; see ${artifacts}`);
    }
    await sleep(100);
  }

  // state returns everything the demo recorded.
  s.state = async () => JSON.parse((await get(live, '/api/state')).body);
  s.clear = () => post(live, '/api/clear');

  // waitFor polls the state until pred holds, and fails after ms.
  s.waitFor = async (what, pred, ms = 10000) => {
    const end = Date.now() + ms;
    for (;;) {
      const st = await s.state();
      if (pred(st)) return st;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  return s;
}

// embedHosts are the hosts of the third-party embeds in the demo's pages
// (see demo/site/visit.html). The browser never reaches the real ones:
// launchBrowser maps them to a stand-in recorder, or to nowhere.
export const embedHosts = [
  'www.youtube.com', 'www.youtube-nocookie.com', 's.ytimg.com', 'player.vimeo.com',
  'www.google.com', 'maps.google.com', 'maps.googleapis.com',
  'platform.twitter.com', 'syndication.twitter.com',
];

// launchBrowser starts headless chromium. playwright gives it a fresh,
// temporary profile (its --user-data-dir) and every context its own
// cookie jar. The embed providers' hosts resolve to embedOrigins' port
// when it is given, else to nothing (the request fails at once rather
// than wait on this machine's closed network).
export async function launchBrowser(embedOrigins) {
  checkChromium();
  const to = embedOrigins ? `127.0.0.1:${embedOrigins.port}` : '~NOTFOUND';
  const rules = embedHosts.map((h) => `MAP ${h} ${to}`).join(', ');
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: [...chromiumFlags, `--host-resolver-rules=${rules}`] });
}

// startEmbedOrigins starts the stand-in for every embed provider: one
// HTTPS server on loopback, with a self-signed certificate made for the
// run (the contexts that use it ignore certificate errors, see newPage),
// that records each request's host and path and answers a frame with a
// small page and a script with an empty one. Real https:// URLs stay in
// the demo's pages; only name resolution and the certificate are stood in.
export async function startEmbedOrigins(dir) {
  const key = path.join(dir, 'embeds-key.pem');
  const cert = path.join(dir, 'embeds-cert.pem');
  const gen = spawn('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=embeds.test'], { stdio: 'ignore' });
  const [code] = await once(gen, 'exit');
  if (code !== 0) throw new Error('openssl could not make the stand-in certificate');
  const requests = [];
  const srv = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    requests.push({ host: (req.headers.host || '').replace(/:\d+$/, ''), path: req.url, method: req.method });
    if (/\.js(\?|$)/.test(req.url)) {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end('window.standInScript = (window.standInScript || 0) + 1;');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><body style="margin:0;height:100vh;display:flex;align-items:center;justify-content:center;'
      + `background:#202020;color:#eee;font:15px system-ui,sans-serif"><p>&#9654; stand-in for ${req.headers.host}</p></body>`);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    port: srv.address().port,
    requests,
    clear: () => { requests.length = 0; },
    stop: () => new Promise((ok) => { srv.closeAllConnections(); srv.close(ok); }),
  };
}

// newPage opens a page in a fresh context that records the CSP
// violations and failed requests it sees.
export async function newPage(browser, headers = {}) {
  const context = await browser.newContext({
    extraHTTPHeaders: headers, viewport: { width: 1100, height: 900 },
    // For the embed providers' stand-in and its self-signed certificate;
    // the site itself is plain HTTP on loopback.
    ignoreHTTPSErrors: true,
  });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push({ uri: e.blockedURI, directive: e.effectiveDirective });
    });
  });
  const page = await context.newPage();
  page.failed = [];
  page.on('requestfailed', (r) => page.failed.push({ url: r.url(), error: r.failure()?.errorText }));
  return { context, page };
}
