// The real SDKs of PostHog, Amplitude, Segment, Plausible and Mixpanel,
// driven in chromium, sending first-party to Caddy, whose
// `privacy_beacon <vendor>` forwards to a recording collector standing in
// for the vendor. Each SDK runs with analytics consent, without it, and
// with it but with Global Privacy Control on:
//
//   - without consent or with GPC nothing reaches the collector, and the
//     page has no uncaught errors;
//   - with consent the collector never sees the visitor's address, the
//     e-mail, phone, reset token, user ids, the SDK's own ids (nor 8 bytes
//     of one), nor chromium's full version; it does see the events and
//     their plain properties (plan, price, "Page Location", the page path);
//   - every beacon gets an answer its SDK accepts: no event is sent twice.
//
//   npm test   (needs bin/caddy and bin/e2e-testdb, or CADDY_BIN, TESTDB_BIN)

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { decode } from './collector.mjs';
import { launchBrowser, newContext, drive } from './browser.mjs';
import { startStack, ROUTES } from './harness.mjs';
import { EMAIL, PHONE, TOKEN, USER_ID, USER_ID2, CUSTOMER_ID, EVENT } from './entries/common.js';

// The visitor's address: in the test country database's GB network, so
// the gateway has a stand-in (81.2.0.1, not the visitor's).
const VISITOR = '81.2.69.160';
const CONSENT = encodeURIComponent(JSON.stringify({ functional: true, analytics: true, marketing: false }));
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

// RUNS: each SDK (and variant) through its vendor's gateway.
const RUNS = [
  { sdk: 'posthog', vendor: 'posthog' },
  { sdk: 'posthog', variant: 'base64', vendor: 'posthog' },
  { sdk: 'amplitude', vendor: 'amplitude' },
  { sdk: 'segment', vendor: 'segment' },
  { sdk: 'segment', variant: 'batching', vendor: 'segment' },
  { sdk: 'plausible', vendor: 'plausible' },
  { sdk: 'mixpanel', vendor: 'mixpanel' },
];

// What each SDK takes as a success (anything else it retries or reports).
const ACCEPTS = {
  // PostHog's retry queue retries every status but 200 and 4xx.
  posthog: (status) => status === 200,
  // Amplitude reads the JSON body's code as the status; a body that is not
  // JSON falls back to the HTTP status. Its remote config takes any 2xx.
  amplitude: (status, body, where) => {
    if (/\/config\//.test(where)) return status >= 200 && status < 300;
    if (status !== 200) return false;
    if (body === undefined) return true;
    try { return JSON.parse(body).code === 200; } catch { return true; }
  },
  segment: (status) => status === 200,
  plausible: (status) => status >= 200 && status < 300,
  mixpanel: (status) => status === 200,
};

// The SDK's own ids that must not reach the vendor, with how to look for
// them: `hex` ids (UUIDs) by any 16 hex digits (8 bytes) of theirs,
// others by any 8 characters.
function sdkIds(sdk, ids) {
  const out = [];
  for (const [name, v] of Object.entries(ids)) {
    if (v === undefined || v === null || v === '' || v === USER_ID) continue;
    const s = String(v);
    if (sdk === 'amplitude' && name === 'session_id') continue; // a timestamp, checked whole below
    if (sdk === 'mixpanel' && s.startsWith('$device:')) continue; // "$device:" + the device id, checked as such
    out.push({ name, value: s });
  }
  return out;
}

function routeMatch(vendor, pathname) {
  return ROUTES[vendor].some((p) => (p.endsWith('/*') ? pathname.startsWith(p.slice(0, -1)) : pathname === p));
}

function walk(v, fn, key) {
  if (typeof v === 'string') {
    const t = v.trim();
    if ((t.startsWith('{') || t.startsWith('[')) && t.length > 1) {
      try { walk(JSON.parse(t), fn, key); } catch { /* text */ }
    }
    fn(key, v);
  } else if (Array.isArray(v)) v.forEach((x) => walk(x, fn, key));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, fn, k);
  else fn(key, v);
}

// eventNames counts the event names in decoded bodies.
function eventNames(bodies) {
  const n = new Map();
  for (const b of bodies) walk(b, (k, v) => {
    if (['event', 'event_type', 'n'].includes(k) && typeof v === 'string') n.set(v, (n.get(v) || 0) + 1);
  });
  return n;
}

// eventKeys counts the events in decoded bodies by their own id (PostHog
// uuid, Amplitude insert_id, Segment messageId, Mixpanel $insert_id), or
// by name where they have none (Plausible): a key seen twice is a retry.
function eventKeys(bodies) {
  const n = new Map();
  const visit = (v) => {
    if (typeof v === 'string') {
      const t = v.trim();
      if (t.startsWith('{') || t.startsWith('[')) { try { visit(JSON.parse(t)); } catch { /* text */ } }
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const name = ['event', 'event_type', 'n'].map((k) => v[k]).find((x) => typeof x === 'string');
      if (name) {
        const id = v.uuid || v.insert_id || v.messageId || v.properties?.$insert_id || '';
        const key = `${name} ${id}`;
        n.set(key, (n.get(key) || 0) + 1);
      }
      Object.values(v).forEach(visit);
    }
  };
  bodies.forEach(visit);
  return n;
}

function hasKV(bodies, key, pred) {
  let found = false;
  for (const b of bodies) walk(b, (k, v) => { if (k === key && pred(v)) found = true; });
  return found;
}

function haystack(rec) {
  const j = JSON.stringify({ path: rec.path, query: rec.query, headers: rec.headers, body: rec.body });
  let dec = j;
  try { dec = decodeURIComponent(j.replace(/%(?![0-9a-fA-F]{2})/g, '%25')); } catch { /* keep */ }
  return `${j}\n${dec}\n${Buffer.from(rec.raw_base64, 'base64').toString('latin1')}`;
}

// whereIs lists where in a recorded request a string matching pred sits:
// "POST /v1/t properties.userId", "POST /e/ header user-agent".
function whereIs(rec, pred) {
  const at = [];
  const where = `${rec.method} ${rec.path}`;
  const visit = (v, p) => {
    if (typeof v === 'string') {
      const t = v.trim();
      if ((t.startsWith('{') || t.startsWith('[')) && t.length > 1) { try { visit(JSON.parse(t), `${p}(json)`); return; } catch { /* text */ } }
      let d = v;
      try { d = decodeURIComponent(v); } catch { /* keep */ }
      if (pred(v) || pred(d)) at.push(`${where} ${p}`);
    } else if (typeof v === 'number') {
      if (pred(String(v))) at.push(`${where} ${p}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${p}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, p ? `${p}.${k}` : k);
  };
  for (const [h, x] of Object.entries(rec.headers)) visit(x, `header ${h}`);
  for (const [q, x] of Object.entries(rec.query)) visit(x, `query ${q}`);
  visit(rec.body, 'body');
  if (!at.length && pred(Buffer.from(rec.raw_base64, 'base64').toString('latin1'))) at.push(`${where} raw body`);
  return at;
}

// summarize shortens a list of places: array indices folded, duplicates
// counted.
function summarize(where) {
  const n = new Map();
  for (const w of where) { const k = w.replace(/\[\d+\]/g, '[]'); n.set(k, (n.get(k) || 0) + 1); }
  return [...n].map(([k, c]) => (c > 1 ? `${k} (${c}×)` : k)).join('; ');
}

const windows = (s, n) => { const w = []; for (let i = 0; i + n <= s.length; i++) w.push(s.slice(i, i + n)); return w; };

let stack;
let browser;
let gpcBrowser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  gpcBrowser = await launchBrowser({ gpc: true });
});

after(async () => {
  await browser?.close();
  await gpcBrowser?.close();
  await stack?.stop();
});

// visit drives the SDK on the gateway's site and returns what the
// collector received and what the browser sent and got.
async function visit(run, mode) {
  const headers = { 'X-Forwarded-For': VISITOR };
  if (mode === 'gpc') headers['Sec-GPC'] = '1';
  const context = await newContext(mode === 'gpc' ? gpcBrowser : browser, headers);
  if (mode !== 'none') await context.addCookies([{ name: 'consent', value: CONSENT, url: stack.site }]);
  const sent = [];
  const failed = [];
  const answered = new Map(); // request → {status, body}, read while the page lives
  const pending = [];
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (u.origin === stack.site && routeMatch(run.vendor, u.pathname)) sent.push(r);
  });
  context.on('response', (resp) => {
    const r = resp.request();
    if (!sent.includes(r)) return;
    const a = { status: resp.status(), body: undefined };
    answered.set(r, a);
    pending.push(resp.text().then((b) => { a.body = b; }, () => {}));
  });
  context.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  stack.collector.clear();
  const mark = stack.logMark();
  const { ids, errors } = await drive(context, stack.site, run.sdk, { variant: run.variant });
  await sleep(300);
  await Promise.all(pending);
  const served = stack.logSince(mark).filter((e) => routeMatch(run.vendor, e.path));
  const answers = [];
  for (const r of sent) {
    const u = new URL(r.url());
    const a = answered.get(r);
    const raw = r.postDataBuffer() || Buffer.alloc(0);
    const dec = decode(u.searchParams, await r.allHeaders().catch(() => ({})), raw);
    answers.push({ what: `${r.method()} ${u.pathname}${u.search}`, status: a ? a.status : null, body: a?.body, sent: dec.body });
  }
  await context.close();
  const out = { ids, errors, failed, answers, served, received: stack.collector.requests.slice() };
  // What happened, for when a test fails: bin/sdk-e2e-artifacts/<sdk>-<mode>.json.
  fs.writeFileSync(path.join(stack.artifacts, `${run.sdk}${run.variant ? '-' + run.variant : ''}-${mode}.json`), JSON.stringify(out, null, 1));
  return out;
}

// answerProblems lists the beacons whose answer the SDK would not take as
// a success, the events sent twice (retries), and uncaught errors.
function answerProblems(run, v) {
  const problems = [];
  const accepts = ACCEPTS[run.vendor];
  for (const a of v.answers) {
    if (a.status === null) continue; // a beacon from the unloading page, or a keepalive fetch: in the access log
    if (!accepts(a.status, a.body, a.what)) problems.push(`${a.what} was answered ${a.status} ${String(a.body).slice(0, 100)}, which ${run.sdk} does not take as a success`);
  }
  const bad = new Map();
  for (const e of v.served) {
    if (!accepts(e.status, undefined, e.path)) { const k = `${e.method} ${e.path} → ${e.status}`; bad.set(k, (bad.get(k) || 0) + 1); }
  }
  for (const [k, n] of bad) problems.push(`${k} (access log${n > 1 ? `, ${n}×` : ''}), which ${run.sdk} does not take as a success`);
  if (v.served.length < v.answers.length) problems.push(`the browser sent ${v.answers.length} beacons, the access log has ${v.served.length}`);
  for (const [key, n] of eventKeys(v.answers.map((a) => a.sent))) {
    if (n > 1) problems.push(`the browser sent the event ${JSON.stringify(key)} ${n} times (a retry)`);
  }
  for (const e of v.errors.filter((x) => !x.startsWith('console:'))) problems.push(`uncaught error on the page: ${e}`);
  return problems;
}

function fail(run, mode, problems) {
  if (problems.length) assert.fail(`${run.sdk}${run.variant ? ':' + run.variant : ''}, ${mode}:\n  ${problems.join('\n  ')}`);
}

// SDK_E2E_ONLY=segment,posthog:base64 runs only those.
const only = process.env.SDK_E2E_ONLY ? process.env.SDK_E2E_ONLY.split(',') : null;

for (const run of RUNS) {
  const name = run.sdk + (run.variant ? `:${run.variant}` : '');
  if (only && !only.includes(name)) continue;
  describe(`${name} through privacy_beacon ${run.vendor}`, () => {
    before(async () => { await stack.caddyFor(run.vendor); });

    test('without consent nothing reaches the vendor and the page carries on', async () => {
      const v = await visit(run, 'none');
      assert.ok(v.served.length > 0, 'the SDK sent nothing to the gateway: the test proves nothing');
      const problems = answerProblems(run, v);
      if (v.received.length) problems.unshift(`reached the vendor without consent: ${summarize(v.received.map((r) => `${r.method} ${r.path}`))}`);
      fail(run, 'without consent', problems);
    });

    test('with consent but Sec-GPC: 1 nothing reaches the vendor', async () => {
      const v = await visit(run, 'gpc');
      assert.ok(v.served.length > 0, 'the SDK sent nothing to the gateway: the test proves nothing');
      const problems = answerProblems(run, v);
      if (v.received.length) problems.unshift(`reached the vendor despite GPC: ${summarize(v.received.map((r) => `${r.method} ${r.path}`))}`);
      fail(run, 'consent and GPC', problems);
    });

    test('with consent the events arrive, without identifiers', async (t) => {
      const v = await visit(run, 'consent');
      assert.ok(v.served.length > 0, 'the SDK sent nothing to the gateway: the test proves nothing');
      // Every problem is listed, each with where it was found.
      const problems = answerProblems(run, v);
      if (!v.received.length) fail(run, 'with consent', [...problems, 'nothing reached the vendor']);
      const bodies = v.received.map((r) => r.body);
      const hay = v.received.map(haystack).join('\n');
      const hayHex = hay.toLowerCase().replace(/-/g, '');

      // Nothing that identifies.
      const forbidden = {
        'the visitor\'s address': VISITOR,
        'the loopback address': '127.0.0.1',
        'the e-mail': EMAIL,
        'the e-mail (encoded)': 'jane.doe%40example.com',
        'the phone number': PHONE,
        'the phone number (digits)': '7700900123',
        'the phone number (national)': '7700 900123',
        'the token from the URL': TOKEN,
        'userId': USER_ID,
        'user_id': USER_ID2,
        'customer_id': CUSTOMER_ID,
        'chromium\'s full version': browser.fullVersion,
      };
      for (const [what, str] of Object.entries(forbidden)) {
        const where = v.received.flatMap((r) => whereIs(r, (x) => x.includes(str)));
        if (where.length) problems.push(`${what} (${str}) at ${summarize(where)}`);
      }
      for (const { name: idName, value } of sdkIds(run.sdk, v.ids)) {
        const hex = value.toLowerCase().replace(/-/g, '');
        const isHex = /^[0-9a-f]+$/.test(hex) && hex.length >= 16;
        const pieces = isHex ? windows(hex, 16) : windows(value, 8);
        const hit = pieces.find((p) => (isHex ? hayHex : hay).includes(p));
        if (hit) {
          const where = v.received.flatMap((r) => whereIs(r, (x) => (isHex ? x.toLowerCase().replace(/-/g, '') : x).includes(hit)));
          problems.push(`the SDK's ${idName} ${value}${hay.includes(value) ? '' : ` (8 bytes of it: ${hit})`} at ${summarize(where)}`);
        }
      }
      if (run.sdk === 'amplitude' && v.ids.session_id) {
        // The session id is the session's start time in ms, too close to
        // the events' times for the 8-character check above: the gateway
        // replaces it and shifts the session's times, so the whole value
        // must appear nowhere.
        const sid = String(v.ids.session_id);
        const where = v.received.flatMap((r) => whereIs(r, (x) => x.includes(sid)));
        if (where.length || hay.includes(sid)) problems.push(`the SDK's session_id ${sid} at ${summarize(where)}`);
      }
      if (run.sdk === 'segment') {
        // messageId's random part is a window on the same random hex as
        // anonymousId: it must not share 4 bytes with it.
        const anon = String(v.ids.anonymous_id).replace(/-/g, '');
        const shared = new Set();
        walk(bodies, (k, x) => {
          if (k !== 'messageId' || typeof x !== 'string') return;
          const m = x.toLowerCase().replace(/-/g, '');
          if (windows(anon, 8).some((p) => m.includes(p))) shared.add(x);
        });
        if (shared.size) problems.push(`messageIds sharing 4+ bytes with the raw anonymousId ${v.ids.anonymous_id}: ${[...shared].join(', ')}`);
      }
      if (hay.includes('Jane Doe')) t.diagnostic('note: the name from identify\'s traits (Jane Doe) reached the vendor');

      // What is useful is there.
      const names = eventNames(bodies);
      for (const ev of [EVENT, 'Plan Viewed']) {
        if (names.get(ev) !== 1) problems.push(`event ${JSON.stringify(ev)} reached the vendor ${names.get(ev) || 0} times, not once`);
      }
      if (!hasKV(bodies, 'plan', (x) => x === 'pro')) problems.push('plan: "pro" is missing');
      if (!hasKV(bodies, 'price', (x) => x === 12.5 || x === '12.5')) problems.push('price: 12.5 is missing');
      if (!hasKV(bodies, 'Page Location', (x) => x === '/pricing')) problems.push('"Page Location": "/pricing" is missing');
      if (!hay.includes(`/sdk/${run.sdk}.html`)) problems.push('the page path is missing');
      fail(run, 'with consent', problems);
    });
  });
}
