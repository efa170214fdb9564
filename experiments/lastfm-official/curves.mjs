// Compares hardneg's LightGCN run on LastFM (lightgcn-pytorch preset, 1000 epochs) with the official
// LightGCN-PyTorch code's run of the same protocol, from their logs: writes a Markdown table and an SVG chart.
//
// usage: node experiments/lastfm-official/curves.mjs OFFICIAL_LOG HARDNEG_RUN_DIR OUT_PREFIX
//   OFFICIAL_LOG: stdout of `python main.py --dataset lastfm --epochs 1000` (lines may carry a leading timestamp);
//     its test results are printed before training epoch e for every e % 10 == 0, i.e. after e epochs.
//   HARDNEG_RUN_DIR: a run folder (metrics.jsonl holds evaluations after epochs 10, 20, …).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chart } from '../chart.mjs';

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

// Figure: the four curves (official and hardneg, Recall@20 and NDCG@20), by hardneg report --csv.
chart(`${out}.csv`, `${out}.svg`, ['--x', 'epoch', '--y', 'official_recall20,hardneg_recall20,official_ndcg20,hardneg_ndcg20', '--title', 'LightGCN on LastFM: hardneg vs the official code']);
