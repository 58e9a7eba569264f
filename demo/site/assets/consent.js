// The shop's consent banner. It writes the consent cookie the Caddyfile
// reads (`consent json consent`): consent={"functional":…,"analytics":…,
// "marketing":…}, URL-encoded. Then it reloads the page, so that the page
// is served again under the new choice: caddy-privacy's CSP, cookie filter
// and beacon gateway act on the cookie, whatever the page's scripts do.
(() => {
  'use strict';
  const banner = document.getElementById('consent');
  const choices = document.getElementById('consent-choices');
  const categories = ['functional', 'analytics', 'marketing'];
  const halfYear = 183 * 24 * 3600;

  function current() {
    const m = document.cookie.match(/(?:^|; )consent=([^;]*)/);
    if (!m) return null;
    try {
      return JSON.parse(decodeURIComponent(m[1]));
    } catch {
      return null;
    }
  }

  // expire removes this site's cookies whose names match re, as consent
  // managers do when consent is withdrawn.
  function expire(re) {
    for (const pair of document.cookie.split('; ')) {
      const name = pair.split('=')[0];
      if (re.test(name)) document.cookie = `${name}=; Path=/; Max-Age=0`;
    }
  }

  function save(choice) {
    document.cookie = `consent=${encodeURIComponent(JSON.stringify(choice))}; Path=/; Max-Age=${halfYear}; SameSite=Lax`;
    if (!choice.analytics) expire(/^(_ga|_ga_.*|_gid)$/);
    if (!choice.marketing) expire(/^(_fbp|_fbc)$/);
    location.reload();
  }

  function all(v) {
    return Object.fromEntries(categories.map((c) => [c, v]));
  }

  banner.addEventListener('click', (e) => {
    const action = e.target.closest('[data-consent]')?.dataset.consent;
    if (action === 'accept') save(all(true));
    if (action === 'reject') save(all(false));
    if (action === 'choose') {
      choices.hidden = false;
      banner.querySelector('[data-consent=choose]').hidden = true;
      banner.querySelector('[data-consent=save]').hidden = false;
    }
    if (action === 'save') {
      save(Object.fromEntries(categories.map((c) => [c, choices.elements[c].checked])));
    }
  });

  document.getElementById('privacy-settings').addEventListener('click', () => {
    const c = current() || {};
    for (const name of categories) choices.elements[name].checked = c[name] === true;
    banner.hidden = false;
    banner.querySelector('[data-consent=choose]').click();
  });

  if (!current()) banner.hidden = false;
})();
