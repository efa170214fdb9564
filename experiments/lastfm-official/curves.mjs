// Compares hardneg's LightGCN run on LastFM (lightgcn-pytorch preset, 1000 epochs) with the official
// LightGCN-PyTorch code's run of the same protocol, from their logs: writes a Markdown table and an SVG chart.
//
// usage: node experiments/lastfm-official/curves.mjs OFFICIAL_LOG HARDNEG_RUN_DIR OUT_PREFIX
//   OFFICIAL_LOG: stdout of `python main.py --dataset lastfm --epochs 1000` (lines may carry a leading timestamp);
//     its test results are printed before training epoch e for every e % 10 == 0, i.e. after e epochs.
//   HARDNEG_RUN_DIR: a run folder (metrics.jsonl holds evaluations after epochs 10, 20, …).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [officialLog, runDir, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node curves.mjs OFFICIAL_LOG HARDNEG_RUN_DIR OUT_PREFIX');
  process.exit(2);
}
const official = new Map();
let e = 0;
for (const line of readFileSync(officialLog, 'utf8').split('\n')) {
  const m = line.match(/'recall': array\(\[([\d.e-]+)\]\), 'ndcg': array\(\[([\d.e-]+)\]\)/);
  if (m) {
    official.set(e, { recall: Number(m[1]), ndcg: Number(m[2]) });
    e += 10;
  }
}
const ours = new Map();
for (const line of readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const r = JSON.parse(line);
  if (r.type === 'eval') ours.set(r.epoch, { recall: r.metrics['recall@20'], ndcg: r.metrics['ndcg@20'] });
}
const epochs = [...official.keys()].filter((k) => k > 0 && ours.has(k));
const best = (m) => [...m.entries()].reduce((a, b) => (b[1].recall > a[1].recall ? b : a));
const [ob, obv] = best(new Map(epochs.map((k) => [k, official.get(k)])));
const [hb, hbv] = best(new Map(epochs.map((k) => [k, ours.get(k)])));
const last = epochs[epochs.length - 1];
const pct = (a, b) => `${(((a - b) / b) * 100).toFixed(2)}%`;
const rows = [
  '| | official LightGCN-PyTorch | hardneg | hardneg vs official |',
  '| --- | ---: | ---: | ---: |',
  `| best Recall@20 (epoch) | ${obv.recall.toFixed(4)} (${ob}) | ${hbv.recall.toFixed(4)} (${hb}) | ${pct(hbv.recall, obv.recall)} |`,
  `| NDCG@20 at that epoch | ${obv.ndcg.toFixed(4)} | ${hbv.ndcg.toFixed(4)} | ${pct(hbv.ndcg, obv.ndcg)} |`,
  `| Recall@20 at epoch ${last} | ${official.get(last).recall.toFixed(4)} | ${ours.get(last).recall.toFixed(4)} | ${pct(ours.get(last).recall, official.get(last).recall)} |`,
  `| NDCG@20 at epoch ${last} | ${official.get(last).ndcg.toFixed(4)} | ${ours.get(last).ndcg.toFixed(4)} | ${pct(ours.get(last).ndcg, official.get(last).ndcg)} |`,
  '',
  '| epoch | official Recall@20 | hardneg Recall@20 | official NDCG@20 | hardneg NDCG@20 |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...epochs.filter((k) => k % 50 === 0 || k === 10).map((k) =>
    `| ${k} | ${official.get(k).recall.toFixed(4)} | ${ours.get(k).recall.toFixed(4)} | ${official.get(k).ndcg.toFixed(4)} | ${ours.get(k).ndcg.toFixed(4)} |`),
];
writeFileSync(`${out}.md`, rows.join('\n') + '\n');
writeFileSync(`${out}.csv`, ['epoch,official_recall20,hardneg_recall20,official_ndcg20,hardneg_ndcg20',
  ...epochs.map((k) => [k, official.get(k).recall, ours.get(k).recall, official.get(k).ndcg, ours.get(k).ndcg].join(','))].join('\n') + '\n');

// SVG: two panels (Recall@20, NDCG@20), official dashed, hardneg solid.
const W = 420, H = 260, P = 40;
function panel(key, title, x0) {
  const ys = epochs.flatMap((k) => [official.get(k)[key], ours.get(k)[key]]);
  const ymin = 0, ymax = Math.max(...ys) * 1.05, xmax = last;
  const X = (k) => x0 + P + ((W - 2 * P) * k) / xmax;
  const Y = (v) => H - P - ((H - 2 * P) * (v - ymin)) / (ymax - ymin);
  const path = (m) => epochs.map((k, i) => `${i ? 'L' : 'M'}${X(k).toFixed(1)},${Y(m.get(k)[key]).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = ymin + f * (ymax - ymin);
    return `<text x="${x0 + P - 4}" y="${Y(v) + 3}" text-anchor="end" font-size="9">${v.toFixed(2)}</text>` +
      `<line x1="${x0 + P}" x2="${x0 + W - P}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/>`;
  }).join('');
  const xt = [0, 250, 500, 750, 1000].filter((k) => k <= xmax).map((k) =>
    `<text x="${X(k)}" y="${H - P + 14}" text-anchor="middle" font-size="9">${k}</text>`).join('');
  return `<g>${ticks}${xt}<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-size="12">${title} (test, LastFM)</text>` +
    `<path d="${path(official)}" fill="none" stroke="#d62728" stroke-width="1.5" stroke-dasharray="5,3"/>` +
    `<path d="${path(ours)}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>` +
    `<text x="${x0 + W / 2}" y="${H - 6}" text-anchor="middle" font-size="10">epoch</text></g>`;
}
const legend = `<g font-size="10"><line x1="300" x2="325" y1="${H + 8}" y2="${H + 8}" stroke="#1f77b4" stroke-width="2"/>` +
  `<text x="330" y="${H + 11}">hardneg</text><line x1="420" x2="445" y1="${H + 8}" y2="${H + 8}" stroke="#d62728" ` +
  `stroke-width="2" stroke-dasharray="5,3"/><text x="450" y="${H + 11}">official LightGCN-PyTorch</text></g>`;
writeFileSync(`${out}.svg`, `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 20}" ` +
  `font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${panel('recall', 'Recall@20', 0)}` +
  `${panel('ndcg', 'NDCG@20', W)}${legend}</svg>\n`);
console.log(rows.slice(0, 6).join('\n'));
