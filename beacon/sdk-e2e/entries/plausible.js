import Plausible from 'plausible-tracker';
import { properties, EVENT } from './common.js';

let p;
const sent = (fn) => new Promise((ok) => fn(ok));
window.sdk = {
  name: 'plausible',
  async init() {
    p = Plausible({ domain: 'shop.example', apiHost: location.origin, trackLocalhost: true });
  },
  async run() {
    await sent((callback) => p.trackPageview({}, { callback }));
    // Plausible's props are strings (numbers are turned into strings).
    await sent((callback) => p.trackEvent(EVENT, { callback, props: properties }));
    await sent((callback) => p.trackEvent('Plan Viewed', { callback, props: { plan: 'pro', price: 12.5 } }));
  },
  ids() { return {}; },
  leave() {},
};
