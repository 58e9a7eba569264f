// The gateway tests' harness: the test app (pages, bundles, Segment's CDN
// settings), the recording collector that stands in for the vendor, and
// the real Caddy with a Caddyfile written
// per SDK: `privacy` with the example's consent cookie, and the vendor's
// paths through `privacy_beacon <vendor>` + `reverse_proxy` to the
// collector. It stops what it started.
//
// SDK_E2E_NO_GATEWAY=1 leaves privacy_beacon out, to see the tests fail
// on what the SDKs send as they are.
//
// Binaries come from $CADDY_BIN and $TESTDB_BIN, else the repository's
// bin/caddy and bin/e2e-testdb (built from cmd/caddy and demo/e2e/testdb).
// Caddy's output and the Caddyfiles go to $E2E_ARTIFACTS, else
// bin/sdk-e2e-artifacts.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, get, stopProcess } from '../../internal/e2e/common.mjs';
import { answer, startCollector } from './collector.mjs';
import { pageHTML, byeHTML } from './browser.mjs';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
const bin = (env, name) => process.env[env] || path.join(root, 'bin', name);
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// ROUTES are the vendors' collection paths as the gateway serves them,
// each vendor's paths in one `handle`. Segment's CDN settings
// (/v1/projects/…) are the app's.
export const ROUTES = {
  posthog: ['/e', '/e/', '/i/v0/e', '/i/v0/e/', '/batch', '/batch/', '/capture', '/capture/', '/flags', '/flags/', '/decide', '/decide/', '/array/*', '/s', '/s/'],
  amplitude: ['/2/httpapi', '/batch', '/config/*'],
  segment: ['/v1/t', '/v1/p', '/v1/i', '/v1/track', '/v1/page', '/v1/identify', '/v1/batch', '/v1/b', '/v1/m'],
  plausible: ['/api/event'],
  mixpanel: ['/track', '/track/', '/engage', '/engage/', '/groups', '/groups/'],
};



// startApp serves the test pages and bundles, and what the site itself
// would serve in place of the vendors' CDNs: Segment's settings (naming
// the site as apiHost). It records what it was asked.
async function startApp() {
  const asked = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    asked.push(`${req.method} ${url.pathname}`);
    let m;
    const send = (status, type, body) => { res.writeHead(status, { 'content-type': type }); res.end(body); };
    if ((m = url.pathname.match(/^\/sdk\/(\w+)\.html$/))) return send(200, 'text/html', pageHTML(m[1]));
    if (url.pathname === '/bye') return send(200, 'text/html', byeHTML);
    if (url.pathname === '/favicon.ico') return send(204, 'image/x-icon', '');
    if ((m = url.pathname.match(/^\/build\/(\w+)\.js$/))) return send(200, 'application/javascript', fs.readFileSync(path.join(here, 'build', `${m[1]}.js`)));
    if (/^\/v1\/projects\/[^/]+\/settings$/.test(url.pathname)) {
      const a = answer(req.method, url.pathname, url.searchParams, req.headers.host, null);
      res.writeHead(a.status, a.headers);
      return res.end(a.body);
    }
    return send(404, 'text/plain', 'not found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: server.address().port, asked, close: async () => { server.closeAllConnections?.(); server.close(); await once(server, 'close'); } };
}

function caddyfile({ vendor, front, app, collector, db, log }) {
  const paths = ROUTES[vendor].join(' ');
  return `{
	admin off
	auto_https off
	log default {
		output file ${log}
		format privacy {
			geoip ${db}
		}
	}
	servers {
		trusted_proxies static 127.0.0.0/8 ::1
		client_ip_headers X-Forwarded-For
	}
}

http://localhost:${front} {
	privacy {
		geoip ${db}
		consent json consent
	}
	log {
		output file ${log}.access
		format privacy {
			geoip ${db}
		}
	}
	@beacon path ${paths}
	handle @beacon {
		${process.env.SDK_E2E_NO_GATEWAY ? '# no gateway (SDK_E2E_NO_GATEWAY): the tests must fail' : `privacy_beacon ${vendor}`}
		reverse_proxy 127.0.0.1:${collector}
	}
	handle {
		reverse_proxy 127.0.0.1:${app}
	}
}
`;
}


// startStack starts the app, the collector and the test country database
// once; caddyFor(vendor) (re)starts Caddy with that vendor's Caddyfile.
export async function startStack() {
  for (const [what, p] of [['caddy', bin('CADDY_BIN', 'caddy')], ['testdb', bin('TESTDB_BIN', 'e2e-testdb')]]) {
    if (!fs.existsSync(p)) throw new Error(`no ${what} binary at ${p}: build it (go build -o bin/caddy ./cmd/caddy; go build -o bin/e2e-testdb ./demo/e2e/testdb) or set ${what === 'caddy' ? 'CADDY_BIN' : 'TESTDB_BIN'}`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caddy-privacy-sdk-e2e-'));
  const artifacts = process.env.E2E_ARTIFACTS || path.join(root, 'bin', 'sdk-e2e-artifacts');
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  const db = path.join(tmp, 'country.mmdb');
  const mk = spawn(bin('TESTDB_BIN', 'e2e-testdb'), [db], { stdio: 'inherit' });
  const [code] = await once(mk, 'exit');
  if (code !== 0) throw new Error('e2e-testdb failed');

  const app = await startApp();
  const collector = await startCollector();
  const s = { tmp, artifacts, db, app, collector, caddy: null };

  s.caddyFor = async (vendor) => {
    await stopProcess(s.caddy);
    const front = await freePort();
    const file = path.join(artifacts, `Caddyfile.${vendor}`);
    fs.writeFileSync(file, caddyfile({ vendor, front, app: app.port, collector: collector.port, db, log: path.join(artifacts, `caddy-${vendor}.log`) }));
    const out = fs.openSync(path.join(artifacts, `caddy-${vendor}.out`), 'w');
    const child = spawn(bin('CADDY_BIN', 'caddy'), ['run', '--config', file, '--adapter', 'caddyfile'], {
      cwd: tmp,
      stdio: ['ignore', out, out],
      env: { PATH: process.env.PATH, HOME: tmp, XDG_DATA_HOME: path.join(tmp, 'data'), XDG_CONFIG_HOME: path.join(tmp, 'config') },
    });
    fs.closeSync(out);
    child.exited = once(child, 'exit');
    s.caddy = child;
    s.site = `http://localhost:${front}`;
    s.accessLog = path.join(artifacts, `caddy-${vendor}.log.access`);
    const deadline = Date.now() + 20000;
    for (;;) {
      if (child.exitCode !== null) {
        const log = fs.readFileSync(path.join(artifacts, `caddy-${vendor}.out`), 'utf8');
        throw new Error(`caddy exited for vendor ${vendor}:\n${log.split('\n').filter((l) => /error|Error/.test(l)).slice(-3).join('\n').slice(0, 1500)}`);
      }
      try {
        if ((await get(front, '/bye', `localhost:${front}`)).status === 200) break;
      } catch { /* not yet */ }
      if (Date.now() > deadline) throw new Error(`caddy did not come up in 20s; see ${artifacts}`);
      await sleep(100);
    }
    return s.site;
  };

  // logMark and logSince read the access log: what Caddy answered to
  // each request since the mark, the beacons the browser sent while its
  // page unloaded included (playwright does not report their answers).
  s.logMark = () => (fs.existsSync(s.accessLog) ? fs.statSync(s.accessLog).size : 0);
  s.logSince = (mark) => {
    if (!fs.existsSync(s.accessLog)) return [];
    const text = fs.readFileSync(s.accessLog).subarray(mark).toString('utf8');
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).map((e) => ({
      method: e.request.method, path: e.request.uri.split('?')[0], status: e.status,
    }));
  };

  s.stop = async () => {
    await stopProcess(s.caddy);
    await app.close();
    await collector.close();
  };
  return s;
}
