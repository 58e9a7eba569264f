// The analytics vendor's tag, served from the vendor's own origin as
// gtag.js is from www.googletagmanager.com. Like gtag.js it keeps the
// visitor's ids in first-party cookies: _ga (client id, two years) and
// _ga_<id> (session). The shop's CSP lets it load only with analytics
// consent.
(() => {
  'use strict';
  const now = Math.floor(Date.now() / 1000);
  const twoYears = 2 * 365 * 24 * 3600;
  if (!/(?:^|; )_ga=/.test(document.cookie)) {
    const id = Math.floor(Math.random() * 2147483647);
    document.cookie = `_ga=GA1.1.${id}.${now}; Path=/; Max-Age=${twoYears}; SameSite=Lax`;
  }
  document.cookie = `_ga_DEMO0000=GS1.1.${now}.1.0.${now}.0.0.0; Path=/; Max-Age=${twoYears}; SameSite=Lax`;
  window.demoVendorTag = { loaded: true };
})();
