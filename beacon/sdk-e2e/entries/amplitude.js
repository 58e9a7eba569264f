import * as amplitude from '@amplitude/analytics-browser';
import { properties, traits, EVENT, USER_ID } from './common.js';

window.sdk = {
  name: 'amplitude',
  async init() {
    await amplitude.init('0123456789abcdef0123456789abcdef', undefined, {
      serverUrl: location.origin + '/2/httpapi',
      remoteConfig: { serverUrl: location.origin + '/config' },
      defaultTracking: { pageViews: true, sessions: true, attribution: true, formInteractions: false, fileDownloads: false },
      autocapture: { elementInteractions: false, pageViews: true, sessions: true, attribution: true, formInteractions: false, fileDownloads: false, webVitals: false, networkTracking: false, frustrationInteractions: false },
      flushIntervalMillis: 200,
      logLevel: 1,
    }).promise;
  },
  async run() {
    await amplitude.track(EVENT, properties).promise;
    amplitude.setUserId(USER_ID);
    const id = new amplitude.Identify();
    for (const [k, v] of Object.entries(traits)) id.set(k, v);
    await amplitude.identify(id).promise;
    await amplitude.track('Plan Viewed', { plan: 'pro', price: 12.5 }).promise;
    await amplitude.flush().promise;
  },
  ids() {
    return { device_id: amplitude.getDeviceId(), session_id: String(amplitude.getSessionId()), user_id: amplitude.getUserId() };
  },
  leave() {
    amplitude.setTransport('beacon');
    window.addEventListener('pagehide', () => { amplitude.track('Page Closed', { plan: 'pro' }); amplitude.flush(); });
  },
};
