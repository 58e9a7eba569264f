// Prints a capture's requests in short: node summarize.mjs captures/x.json
import fs from 'node:fs';
for (const f of process.argv.slice(2)) {
  const c = JSON.parse(fs.readFileSync(f, 'utf8'));
  console.log(`== ${c.sdk}${c.variant ? ':' + c.variant : ''} ${c.package} ids=${JSON.stringify(c.ids)} errors=${c.page_errors.length}`);
  for (const r of [...c.requests, ...c.external.map((r) => ({ ...r, ext: true }))]) {
    console.log(`${r.ext ? 'EXT ' + r.host : ''}${r.method} ${r.path} ${JSON.stringify(r.query)} ct=${r.headers['content-type'] || '-'} ce=${r.headers['content-encoding'] || '-'} mode=${r.headers['sec-fetch-mode']} len=${r.raw_length} dec=${r.decoding.join('+')} → ${r.response.status} ${r.response.body.slice(0, 80)}`);
  }
}
