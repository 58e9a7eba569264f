// The recording collector: it stands in for each vendor's collection host,
// records every request (method, path, query, headers, raw body in base64,
// decoded body) and answers as the vendor does, so that the SDK neither
// retries nor breaks. capture.mjs and sdk.test.mjs share it.

import http from 'node:http';
import { once } from 'node:events';
import zlib from 'node:zlib';

// decode returns the body as the vendor reads it: decompressed
// (Content-Encoding, or PostHog's ?compression=gzip-js|base64, or a gzip
// magic number), then parsed as JSON, or as a form whose `data` member is
// JSON or base64 JSON (Mixpanel, PostHog's sendBeacon).
export function decode(query, headers, raw) {
  const steps = [];
  let buf = raw;
  if (!buf || buf.length === 0) return { steps, body: null };
  const enc = (headers['content-encoding'] || '').toLowerCase();
  try {
    if (enc === 'gzip' || enc === 'x-gzip') { buf = zlib.gunzipSync(buf); steps.push('content-encoding gzip'); }
    else if (enc === 'deflate') { buf = inflate(buf); steps.push('content-encoding deflate'); }
    else if (enc === 'br') { buf = zlib.brotliDecompressSync(buf); steps.push('content-encoding br'); }
    else if (buf[0] === 0x1f && buf[1] === 0x8b) { buf = zlib.gunzipSync(buf); steps.push(`gzip (compression=${query.get('compression') || 'none given'})`); }
  } catch (e) {
    return { steps, error: `decompress: ${e.message}`, body: null };
  }
  const text = buf.toString('utf8');
  const json = tryJSON(text);
  if (json !== undefined) { steps.push('json'); return { steps, body: json }; }
  const ct = (headers['content-type'] || '').toLowerCase();
  if (ct.includes('x-www-form-urlencoded') || /^[\w$.\[\]-]+=/.test(text)) {
    const form = new URLSearchParams(text);
    const out = {};
    for (const [k, v] of form) {
      let val = tryJSON(v);
      if (val !== undefined) { steps.push(`form ${k}: json`); }
      else {
        const b = tryBase64JSON(v);
        if (b !== undefined) { val = b; steps.push(`form ${k}: base64 json`); } else val = v;
      }
      out[k] = val;
    }
    steps.push('form');
    return { steps, body: out };
  }
  const b = tryBase64JSON(text);
  if (b !== undefined) { steps.push('base64 json'); return { steps, body: b }; }
  steps.push('text');
  return { steps, body: text };
}

function inflate(buf) {
  try { return zlib.inflateSync(buf); } catch { return zlib.inflateRawSync(buf); }
}
function tryJSON(s) {
  const t = s.trim();
  if (!t || !'{["'.includes(t[0])) return undefined;
  try { return JSON.parse(t); } catch { return undefined; }
}
function tryBase64JSON(s) {
  if (!/^[A-Za-z0-9+/=_-]+$/.test(s.trim())) return undefined;
  try { return tryJSON(Buffer.from(s, 'base64').toString('utf8')); } catch { return undefined; }
}

const json = (status, obj, headers = {}) => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(obj) });
const text = (status, body, type = 'text/plain') => ({ status, headers: { 'content-type': type }, body });

export const POSTHOG_CONFIG = {
  supportedCompression: ['gzip', 'gzip-js'],
  hasFeatureFlags: false,
  captureDeadClicks: false,
  capturePerformance: false,
  autocapture_opt_out: true,
  autocaptureExceptions: false,
  analytics: { endpoint: '/i/v0/e/' },
  elementsChainAsString: true,
  sessionRecording: false,
  heatmaps: false,
  surveys: false,
  defaultIdentifiedOnly: true,
  siteApps: [],
};

// answer is the vendor's answer to a request (as the real service gives it
// to a valid request). host is the Host header, for the settings of
// Segment's CDN, which name the collection host.
export function answer(method, pathname, query, host, body) {
  if (method === 'OPTIONS') return { status: 204, headers: {}, body: '' };
  // PostHog
  let m;
  if ((m = pathname.match(/^\/array\/([^/]+)\/config(\.js)?$/))) {
    const cfg = { token: m[1], ...POSTHOG_CONFIG };
    if (m[2]) return text(200, `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(m[1])}]={config:${JSON.stringify(cfg)},siteApps:[]}})();`, 'application/javascript');
    return json(200, cfg);
  }
  if (pathname === '/flags/' || pathname === '/flags') {
    return json(200, { flags: {}, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, requestId: '00000000-0000-0000-0000-000000000000' });
  }
  if (pathname === '/decide/' || pathname === '/decide') {
    return json(200, { config: { enable_collect_everything: false }, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, sessionRecording: false, supportedCompression: ['gzip', 'gzip-js'], siteApps: [] });
  }
  if (['/e/', '/e', '/i/v0/e/', '/i/v0/e', '/batch/', '/capture/', '/s/'].includes(pathname) && !query.has('verbose') && !query.has('ip')) {
    return json(200, { status: 1 });
  }
  // Amplitude
  if (pathname === '/2/httpapi' || pathname === '/batch') {
    const n = Array.isArray(body?.events) ? body.events.length : 0;
    return json(200, { code: 200, events_ingested: n, payload_size_bytes: 0, server_upload_time: Date.now() });
  }
  if (pathname.startsWith('/config/')) return json(200, { configs: {} });
  // Segment
  if ((m = pathname.match(/^\/v1\/projects\/([^/]+)\/settings$/))) {
    return json(200, {
      integrations: { 'Segment.io': { apiKey: m[1], apiHost: `${host}/v1`, protocol: 'http', addBundledMetadata: true, unbundledIntegrations: [], maybeBundledConfigIds: {}, versionSettings: { version: '4.4.7', componentTypes: ['browser'] } } },
      plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
      edgeFunction: {}, analyticsNextEnabled: true, middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 1, host: `${host}/v1`, flushTimer: 500 }, legacyVideoPluginsEnabled: false, remotePlugins: [],
    });
  }
  if (pathname === '/v1/m') return json(200, { success: true });
  if (pathname.startsWith('/v1/')) return json(200, { success: true });
  // Plausible
  if (pathname === '/api/event') return { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok' };
  // Mixpanel: verbose=1 asks for a JSON status.
  if (/^\/(track|engage|groups)\/?$/.test(pathname)) {
    return query.get('verbose') === '1' ? json(200, { status: 1, error: null }) : text(200, '1');
  }
  if (/^\/flags\/?$/.test(pathname)) return json(200, { flags: {} });
  return text(404, 'not found');
}

// startCollector listens on a loopback port. extra(req, res, url) may
// serve a request itself (the test pages) and return true.
export async function startCollector({ extra } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://x');
      if (extra && extra(req, res, url)) return;
      const raw = Buffer.concat(chunks);
      const dec = decode(url.searchParams, req.headers, raw);
      const rec = record(req.method, req.headers.host, url, req.headers, raw, dec);
      requests.push(rec);
      const a = answer(req.method, url.pathname, url.searchParams, req.headers.host, dec.body);
      rec.response = { status: a.status, body: a.body.length > 300 ? a.body.slice(0, 300) + '…' : a.body };
      const origin = req.headers.origin;
      const cors = origin ? { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', 'access-control-allow-headers': req.headers['access-control-request-headers'] || '*', 'access-control-allow-methods': 'GET, POST, OPTIONS' } : {};
      res.writeHead(a.status, { ...a.headers, ...cors });
      res.end(a.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    clear() { requests.length = 0; },
    async close() { server.closeAllConnections?.(); server.close(); await once(server, 'close'); },
  };
}

export function record(method, host, url, headers, raw, dec) {
  return {
    time: new Date().toISOString(),
    method,
    host,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...headers },
    raw_base64: raw.length ? raw.toString('base64') : '',
    raw_length: raw.length,
    decoding: dec.steps,
    ...(dec.error ? { decode_error: dec.error } : {}),
    body: dec.body,
  };
}
