// What the browser test suites (demo/e2e, beacon/sdk-e2e) share: Debian's
// chromium and the flags this machine needs, free loopback ports, a GET
// to a loopback port, and stopping a process they started. Node's own
// modules only, so each suite imports it by path without installing it.

import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

// The flags this machine needs: its network is closed, so nothing may
// try to reach Google's services.
export const chromiumFlags = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// checkChromium throws a clear error when there is no chromium to drive.
export function checkChromium() {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(`no chromium at ${chromiumPath}: install Debian's (apt-get install chromium), or set CHROMIUM`);
  }
}

// freePort returns a loopback port nobody listens on.
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

// get sends a GET to a loopback port, with the given Host header, and
// resolves to its status, headers and body.
export function get(port, urlPath, host) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, headers: host ? { Host: host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

// stopProcess stops a child started with child.exited = once(child, 'exit'):
// SIGTERM, then SIGKILL after 5 s.
export async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(timer);
}
