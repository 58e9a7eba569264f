// Builds one IIFE bundle per SDK into build/ (gitignored): entries/<sdk>.js
// sets window.sdk = { init, run, ids, leave }, the same driver for the
// captures and the gateway tests.
import * as esbuild from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SDKS = ['posthog', 'amplitude', 'segment', 'plausible', 'mixpanel'];

await Promise.all(SDKS.map((sdk) => esbuild.build({
  entryPoints: [path.join(here, 'entries', `${sdk}.js`)],
  outfile: path.join(here, 'build', `${sdk}.js`),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
})));
console.log(`built ${SDKS.join(', ')} into build/`);
