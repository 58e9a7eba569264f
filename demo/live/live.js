// The live page: polls the demo's records and shows what each party
// received. Everything shown came from a request, so it is put in the
// page as text, never as HTML.
'use strict';

const $ = (sel) => document.querySelector(sel);

// h makes an element; children are nodes, strings or null.
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const clip = (s, n = 140) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const time = (t) => new Date(t).toLocaleTimeString([], { hour12: false });
const header = (rec, name) => rec.headers?.find((x) => x.name.toLowerCase() === name.toLowerCase())?.values.join(', ');
const pathOf = (uri) => (uri || '').split('?')[0];
const queryOf = (uri) => new URLSearchParams((uri || '').split('?').slice(1).join('?'));

function chip(label, value) {
  const cls = value === 'true' || value === true ? 'yes' : value === 'false' || value === false ? 'no' : 'unk';
  const mark = cls === 'yes' ? '✓' : cls === 'no' ? '✗' : '?';
  return h('span', { class: `chip ${cls}` }, `${mark} ${label}`);
}

function rows(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function empty(text) {
  return h('p', { class: 'empty' }, text);
}

// ---- panel 1: the app -------------------------------------------------

const addressHeaders = ['x-forwarded-for', 'x-real-ip', 'forwarded', 'true-client-ip', 'cf-connecting-ip'];

function renderApp(st) {
  const pages = st.app.filter((r) => r.page);
  const last = pages.at(-1);
  if (!last) return [empty('Nothing yet. Open the shop and click around.')];
  // The same request as the browser sent it: the first page the front
  // door finished after the app saw it.
  const front = st.front.find((f) => f.kind === 'page' && f.seq > last.seq && f.method === last.method && pathOf(f.uri) === pathOf(last.uri));
  const reached = (front?.set_cookies || []).map((c) => c.split('=')[0]);
  const leaked = last.headers.filter((x) => addressHeaders.includes(x.name.toLowerCase()));
  const gpc = header(last, 'Sec-Gpc');
  const out = [
    h('div', { class: 'reqline' }, h('b', null, last.method), ' ', last.uri),
    rows([
      ['Country', h('span', { class: 'big' }, last.country || '—')],
      ['Client address', leaked.length
        ? h('span', { class: 'bad' }, leaked.map((x) => `${x.name}: ${x.values.join(', ')}`).join('; '))
        : h('span', { class: 'good' }, `none (connection from Caddy, ${last.remote})`)],
      ['Consent', h('span', null, chip('functional', last.consent.functional), chip('analytics', last.consent.analytics), chip('marketing', last.consent.marketing))],
      gpc && ['Sec-GPC', `${gpc} (passed on, as the GPC spec requires)`],
      ['Cookies', last.cookies?.length
        ? h('span', null, last.cookies.map((c) => h('code', { class: 'cookie' }, clip(`${c.name}=${c.value}`, 48))))
        : 'none'],
      last.tried_cookies?.length && ['Set-Cookie', h('span', null,
        'app sent ', last.tried_cookies.join(', '), ' → browser got ',
        front ? (reached.length ? reached.join(', ') : 'none') : '…')],
    ]),
    h('h3', null, 'Headers'),
    h('table', { class: 'headers' }, last.headers.map((x) => h('tr', null, h('th', null, x.name), h('td', null, clip(x.values.join(', '), 160))))),
  ];
  const earlier = pages.slice(-7, -1).reverse();
  if (earlier.length) {
    out.push(h('h3', null, 'Earlier'), h('ul', { class: 'history' }, earlier.map((r) => h('li', null,
      h('span', { class: 'time' }, time(r.time)), ' ', h('b', null, r.country || '—'), ' ',
      clip(r.uri, 70), ' ', chip('a', r.consent.analytics), chip('m', r.consent.marketing)))));
  }
  return out;
}

// ---- panel 2: the analytics vendor ------------------------------------

// The parameters worth a row, in this order; the rest are summed up.
const keyParams = ['en', 'dl', 'dr', 'dt', 'cid', 'sid', 'uid', '_uip', 'gcs', 'gcd', 'npa', 'ul'];
const quietParams = new Set(['v', 'tid', 'gtm', '_p', '_s', 'sct', 'seg', 'sr', '_ee', 'ir', 'tfd']);

function paramMap(list) {
  const m = new Map();
  for (const [k, v] of list) if (!m.has(k)) m.set(k, v);
  return m;
}

function renderVendor(st) {
  const sent = st.front.filter((f) => f.kind === 'beacon');
  const got = st.vendor.filter((v) => v.kind === 'beacon');
  const tags = st.vendor.filter((v) => v.kind === 'script');
  const pixels = st.vendor.filter((v) => v.party === 'ads');
  const out = [h('div', { class: 'stats' },
    h('div', null, h('b', null, String(sent.length)), 'beacons sent by the browser'),
    h('div', { class: got.length ? 'hot' : '' }, h('b', null, String(got.length)), 'reached the vendor'),
    h('div', null, h('b', null, String(Math.max(0, sent.length - got.length))), 'answered by the gateway'),
  ), h('p', { class: 'note' },
    `The vendor's tag was fetched ${tags.length}×, the ads pixel ${pixels.length}×: straight from the browser, which the site's CSP allows only with consent.`)];

  const last = got.at(-1);
  if (!last) {
    const held = sent.at(-1);
    if (!held) return [...out, empty('No beacon yet.')];
    out.push(h('h3', null, `Last beacon: held back (HTTP ${held.status || '…'})`),
      h('p', { class: 'note' }, 'No analytics consent, so the gateway answered it itself; nothing reached the vendor. The browser sent:'),
      paramTable(paramMap([...queryOf(held.uri)]), null));
    return out;
  }
  const params = paramMap(last.params);
  // The same beacon as the browser sent it: same page id and hit number.
  const raw = sent.find((f) => {
    const q = queryOf(f.uri);
    return q.get('_p') === params.get('_p') && q.get('_s') === params.get('_s');
  });
  out.push(h('h3', null, `Last beacon received: `, h('code', null, params.get('en') || '?'), ` at ${time(last.time)}`),
    paramTable(raw ? paramMap([...queryOf(raw.uri)]) : null, params),
    rows([
      ['X-Forwarded-For', xffNote(header(last, 'X-Forwarded-For'), params.get('_uip'))],
      ['Cookie', header(last, 'Cookie') || 'none'],
      ['User-Agent', header(last, 'User-Agent') || 'none'],
      ['Referer', header(last, 'Referer') || 'none'],
    ]));
  const earlier = got.slice(-8, -1).reverse();
  if (earlier.length) {
    out.push(h('h3', null, 'Earlier'), h('ul', { class: 'history' }, earlier.map((v) => {
      const p = paramMap(v.params);
      return h('li', null, h('span', { class: 'time' }, time(v.time)), ' ', h('code', null, p.get('en') || '?'), ' ', clip(p.get('dl') || '', 60));
    })));
  }
  return out;
}

function xffNote(xff, uip) {
  if (!xff) return 'none';
  return xff === uip ? `${xff} (the stand-in, as in _uip)` : xff;
}

// paramTable compares what the browser sent with what the vendor got.
function paramTable(sent, got) {
  const keys = new Set([...(sent?.keys() || []), ...(got?.keys() || [])]);
  const ordered = [...keyParams.filter((k) => keys.has(k)), ...[...keys].filter((k) => !keyParams.includes(k) && !quietParams.has(k))];
  const quiet = [...keys].filter((k) => quietParams.has(k)).length;
  const head = got
    ? h('tr', null, h('th', null, ''), h('th', null, 'browser sent'), h('th', null, 'vendor received'))
    : h('tr', null, h('th', null, ''), h('th', null, 'browser sent'));
  const body = ordered.map((k) => {
    const a = sent?.get(k);
    const b = got?.get(k);
    if (!got) return h('tr', null, h('th', null, k), h('td', null, clip(a ?? '', 90)));
    const cls = a === b ? 'same' : b === undefined ? 'dropped' : 'changed';
    return h('tr', { class: cls }, h('th', null, k),
      h('td', { class: 'was' }, sent ? clip(a ?? '—', 90) : '?'),
      h('td', { class: 'now' }, b === undefined ? 'dropped' : clip(b, 90)));
  });
  const legend = [];
  if (got?.has('cid')) legend.push('cid and sid are keyed pseudonyms whose key changes daily');
  if (got?.has('_uip')) legend.push('_uip is an address in the visitor\'s country, not theirs');
  if (quiet) legend.push(`${quiet} protocol parameters (v, tid, _p, _s…) not shown`);
  return h('div', null, h('table', { class: 'params' }, head, body),
    legend.length ? h('p', { class: 'note' }, `${legend.join('; ')}.`) : null);
}

// ---- panel 3: raw request and sanitised log line ----------------------

function parseLog(st) {
  const out = [];
  for (const l of st.log) {
    try {
      const e = JSON.parse(l.line);
      if (e.request) out.push({ seq: l.seq, e });
    } catch { /* not an access log entry */ }
  }
  return out;
}

// logFilter is what panel 3 shows: 'pages', or 'all' requests but the
// site's scripts and styles.
let logFilter = 'pages';
let lastState = null;

function renderLog(st) {
  const lines = parseLog(st);
  const reqs = st.front.filter((f) => (logFilter === 'all' ? f.kind !== 'asset' : f.kind === 'page')).slice(-6).reverse();
  if (!reqs.length) return [empty('No request yet.')];
  const used = new Set();
  return reqs.map((f) => {
    // The log line for this request: same method and path, logged
    // closest to when the front door saw the response.
    let best = null;
    for (const l of lines) {
      if (used.has(l) || l.e.request.method !== f.method || pathOf(l.e.request.uri) !== pathOf(f.uri)) continue;
      const d = Math.abs(l.e.ts * 1000 - Date.parse(f.time));
      if (d < 10000 && (!best || d < best.d)) best = { l, d };
    }
    if (best) used.add(best.l);
    const e = best?.l.e;
    const xff = header(f, 'X-Forwarded-For');
    const sim = (name) => (f.simulated || []).some((s) => s.toLowerCase() === name.toLowerCase()) ? ' (played)' : '';
    const raw = rows([
      ['request', h('span', null, h('b', null, f.method), ' ', clip(f.uri, f.kind === 'beacon' ? 110 : 200))],
      ['from', `${f.remote.replace(/:\d+$/, '')} (the demo's front door)${xff ? `, X-Forwarded-For ${xff}${sim('X-Forwarded-For')}` : ''}`],
      header(f, 'Cookie') && ['Cookie', clip(header(f, 'Cookie'), 200)],
      ['User-Agent', clip(header(f, 'User-Agent') || '', 90)],
      header(f, 'Referer') && ['Referer', clip(header(f, 'Referer'), 120)],
      header(f, 'Sec-Gpc') && ['Sec-GPC', header(f, 'Sec-Gpc') + sim('Sec-Gpc')],
    ]);
    let clean;
    if (!e) {
      clean = empty('(not logged yet)');
    } else {
      const r = e.request;
      const hd = r.headers || {};
      const val = (k) => (hd[k] ? hd[k].join(', ') : null);
      clean = rows([
        ['request', h('span', null, h('b', null, r.method), ' ', clip(r.uri || '', f.kind === 'beacon' ? 110 : 200))],
        ['remote_ip', String(r.remote_ip ?? '—')],
        ['client_ip', String(r.client_ip ?? '—')],
        ['Cookie', val('Cookie') ?? h('span', { class: 'good' }, 'removed')],
        ['User-Agent', clip(val('User-Agent') ?? 'removed', 90)],
        val('Referer') && ['Referer', clip(val('Referer'), 120)],
        val('X-Forwarded-For') && ['X-Forwarded-For', val('X-Forwarded-For')],
        ['status', String(e.status)],
      ]);
      clean.append(h('details', null, h('summary', null, 'whole line'), h('pre', null, JSON.stringify(e, null, 1))));
    }
    return h('article', { class: 'pair' },
      h('div', { class: 'raw' }, h('h4', null, `as it reached Caddy · ${time(f.time)}`), raw),
      h('div', { class: 'clean' }, h('h4', null, 'sanitised log line'), clean));
  });
}

// ---- the loop ---------------------------------------------------------

function render(st) {
  lastState = st;
  for (const [id, fn] of [['app', renderApp], ['vendor', renderVendor], ['log', renderLog]]) {
    const el = document.getElementById(id);
    const open = [...el.querySelectorAll('details')].map((d) => d.open);
    el.replaceChildren(...fn(st));
    el.querySelectorAll('details').forEach((d, i) => { d.open = open[i] || false; });
  }
  const v = st.visitor || {};
  if (document.activeElement !== $('#country')) $('#country').value = v.country || '';
  $('#gpc').checked = !!v.gpc;
}

async function post(path, body) {
  await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
}

async function loop() {
  let seq = null;
  for (;;) {
    try {
      const r = await fetch(`/api/state?n=120${seq === null ? '' : `&since=${seq}`}`);
      const st = await r.json();
      seq = st.seq;
      render(st);
      document.body.classList.remove('offline');
    } catch {
      document.body.classList.add('offline');
      await new Promise((ok) => setTimeout(ok, 1500));
    }
  }
}

function visitor() {
  post('/api/visitor', { country: $('#country').value, gpc: $('#gpc').checked });
}

function showSite(on) {
  const site = $('#site');
  site.hidden = !on;
  $('#grid').classList.toggle('with-site', on);
  $('#toggle-site').textContent = on ? 'Hide the shop' : 'Show the shop here';
  const frame = site.querySelector('iframe');
  if (on && frame.src === 'about:blank') frame.src = document.body.dataset.site;
}

$('#country').addEventListener('change', visitor);
$('#gpc').addEventListener('change', visitor);
$('#clear').addEventListener('click', () => post('/api/clear'));
$('#log-filter').addEventListener('click', (e) => {
  const f = e.target.closest('[data-filter]')?.dataset.filter;
  if (!f) return;
  logFilter = f;
  for (const b of $('#log-filter').children) b.classList.toggle('on', b.dataset.filter === f);
  if (lastState) render(lastState);
});
$('#toggle-site').addEventListener('click', () => showSite($('#site').hidden));
showSite(new URLSearchParams(location.search).has('site'));
loop();
