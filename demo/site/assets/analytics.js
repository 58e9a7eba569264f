// The shop's analytics snippet, written for this demo. It sends GA4
// Measurement Protocol beacons as gtag.js does, first-party to /g/collect,
// where caddy-privacy's privacy_beacon gateway decides what, if anything,
// goes on to the analytics vendor. Like many real snippets it is careless:
// it sends the whole page URL (with the search terms, e-mail addresses and
// tokens in it), the referrer, and the e-mail a visitor signs up with as a
// user id. It never asks for consent; the server enforces it.
(() => {
  'use strict';
  const tid = document.currentScript.dataset.tid;
  const cookie = (name) => document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`))?.[1];
  const random = () => String(Math.floor(Math.random() * 2147483647));
  const now = Math.floor(Date.now() / 1000);

  // The client id: from the _ga cookie (GA1.1.<random>.<time>) when the
  // vendor's tag or the server set one, else a new one for this page.
  const ga = cookie('_ga');
  const cid = ga ? ga.split('.').slice(2).join('.') : `${random()}.${now}`;
  const sid = String(Math.floor(performance.timeOrigin / 1000));
  const page = random();
  let hit = 0;

  function send(en, params = {}) {
    const q = new URLSearchParams({
      v: '2', tid, gtm: '45je5', _p: page, cid, sid, sct: '1', seg: '1',
      ul: navigator.language.toLowerCase(), sr: `${screen.width}x${screen.height}`,
      dl: location.href, dr: document.referrer, dt: document.title,
      en, _s: String(++hit),
    });
    for (const [k, v] of Object.entries(params)) q.set(k, v);
    const url = `/g/collect?${q}`;
    if (!navigator.sendBeacon(url)) fetch(url, { method: 'POST', keepalive: true });
  }

  send('page_view');
  const query = new URLSearchParams(location.search);
  if (location.pathname === '/search' && query.get('q')) {
    send('search', { 'ep.search_term': query.get('q') });
  }
  if (location.pathname === '/newsletter' && query.get('email')) {
    send('sign_up', { 'ep.method': 'newsletter', uid: query.get('email') });
  }
  document.addEventListener('click', (e) => {
    const item = e.target.closest('[data-track]');
    if (item) send('add_to_cart', { 'ep.item_name': item.dataset.track });
  });
  window.demoAnalytics = { send, cid };
})();
