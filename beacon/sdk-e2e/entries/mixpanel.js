import mixpanel from 'mixpanel-browser';
import { properties, traits, EVENT, USER_ID, sleep } from './common.js';

window.sdk = {
  name: 'mixpanel',
  async init() {
    await new Promise((ok) => mixpanel.init('0123456789abcdef0123456789abcdef', {
      api_host: location.origin,
      track_pageview: true,
      batch_flush_interval_ms: 200,
      loaded: ok,
    }));
  },
  async run() {
    mixpanel.track(EVENT, properties);
    mixpanel.identify(USER_ID);
    mixpanel.people.set(traits);
    mixpanel.track('Plan Viewed', { plan: 'pro', price: 12.5 });
    await sleep(800);
  },
  ids() {
    return { distinct_id: mixpanel.get_distinct_id(), device_id: mixpanel.get_property('$device_id') };
  },
  leave() {
    window.addEventListener('pagehide', () => { mixpanel.track('Page Closed', { plan: 'pro' }, { transport: 'sendBeacon' }); });
  },
};
