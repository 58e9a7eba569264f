import posthog from 'posthog-js';
import { properties, traits, EVENT, USER_ID, sleep } from './common.js';

window.sdk = {
  name: 'posthog',
  async init() {
    posthog.init('phc_test0000000000000000000000000000000000000', {
      api_host: location.origin,
      ui_host: 'https://us.posthog.com',
      capture_pageview: true,
      capture_pageleave: true,
      autocapture: false,
      request_batching: true,
      persistence: 'localStorage+cookie',
      disable_surveys: true,
      // The variant "base64" turns gzip off: sendBeacon then sends
      // data=<base64> with ?compression=base64.
      ...(window.__variant === 'base64' ? { disable_compression: true } : {}),
      loaded: () => { window.__loaded = true; },
    });
    for (let i = 0; i < 50 && !window.__loaded; i++) await sleep(50);
  },
  async run() {
    posthog.capture(EVENT, properties);
    posthog.identify(USER_ID, traits);
    posthog.capture('Plan Viewed', { plan: 'pro', price: 12.5 });
    await sleep(200);
  },
  ids() {
    return {
      distinct_id: posthog.get_distinct_id(),
      device_id: posthog.get_property('$device_id'),
      session_id: posthog.get_session_id(),
    };
  },
  // Called before the page is left: a capture while it unloads goes out
  // by sendBeacon, gzip when the remote config allows it, else
  // compression=base64 (the variant "base64").
  leave() {
    window.addEventListener('pagehide', () => {
      posthog.capture('Page Closed', { plan: 'pro' }, { transport: 'sendBeacon' });
    });
  },
};
