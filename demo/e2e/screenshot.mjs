// Takes the README's screenshot of the live page: a visitor from the UK
// (played by the front door) accepts analytics only and searches the shop
// for their e-mail address.
//
//	make e2e                                   # builds bin/caddy, bin/demo, bin/e2e-testdb
//	cd demo/e2e && node screenshot.mjs ../../docs/demo.png
//	pngquant --force --skip-if-larger --output ../../docs/demo.png ../../docs/demo.png
//
// It uses the tests' harness and country database.

import path from 'node:path';
import { launchBrowser, startStack } from './harness.mjs';

const out = path.resolve(process.argv[2] || 'demo.png');
// A desktop browser's User-Agent rather than HeadlessChrome's.
const userAgent = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36';

const stack = await startStack();
const browser = await launchBrowser();
try {
  // The visitor is played by the front door, as from the live page.
  await fetch(`${stack.liveURL.replace('localhost', '127.0.0.1')}/api/visitor`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ country: 'GB' }),
  });
  const visitor = await browser.newContext({ userAgent });
  const shop = await visitor.newPage();
  await shop.goto(`${stack.site}/`);
  await shop.click('#consent [data-consent=choose]');
  await shop.check('#consent input[name=analytics]');
  await Promise.all([shop.waitForNavigation(), shop.click('#consent [data-consent=save]')]);
  await shop.fill('input[name=q]', 'jane.doe@example.com');
  await Promise.all([shop.waitForNavigation(), shop.press('input[name=q]', 'Enter')]);
  await stack.waitFor('the search beacon', (st) => st.vendor.some((v) => v.params?.some(([k, val]) => k === 'en' && val === 'search')));

  const live = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await live.goto(stack.liveURL);
  await live.waitForSelector('#log .pair .clean .facts');
  await live.waitForTimeout(500);
  await live.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await stack.stop();
}
