import { AnalyticsBrowser } from '@segment/analytics-next';
import { properties, traits, EVENT, USER_ID } from './common.js';

let analytics;
window.sdk = {
  name: 'segment',
  async init() {
    const host = location.host;
    [analytics] = await AnalyticsBrowser.load(
      { writeKey: 'wk0TestWriteKey0000000000000000', cdnURL: location.origin },
      { integrations: { 'Segment.io': {
        apiHost: host + '/v1',
        protocol: location.protocol.slice(0, -1),
        // The variant "batching" sends /v1/b batches (and flushes them with
        // keepalive when the page is left).
        ...(window.__variant === 'batching' ? { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 300 } } } : {}),
      } } },
    );
    window.analytics = analytics;
  },
  async run() {
    await analytics.page('Pricing', { plan: 'pro' });
    await analytics.track(EVENT, properties);
    await analytics.identify(USER_ID, traits);
    await analytics.track('Plan Viewed', { plan: 'pro', price: 12.5 });
  },
  ids() {
    return { anonymous_id: analytics.user().anonymousId(), user_id: analytics.user().id() };
  },
  leave() {
    window.addEventListener('pagehide', () => { analytics.track('Page Closed', { plan: 'pro' }); });
  },
};
