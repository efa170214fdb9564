// Writing a split to disk so other frameworks train on the identical split:
// - LightGCN format: train.txt / valid.txt / test.txt (`user item item …`, dense 0-based ids, one line per user
//   of the id space, a user without items is a line holding only its id) and user_list.txt / item_list.txt
//   (`org_id remap_id`), so `loadLightGcn` reads it back with the same ids;
// - CSV: train.csv / valid.csv / test.csv (and exposure.csv) with header `user,item[,rating][,timestamp]` in the
//   original ids;
// - split.json: name, fingerprint, statistics and the report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetStats } from './stats.js';
import type { Dataset, InteractionSet } from './types.js';

function adjacency(s: InteractionSet): string {
  const parts: string[] = [];
  for (let u = 0; u < s.rows; u++) {
    let line = String(u);
    for (let k = s.indptr[u]; k < s.indptr[u + 1]; k++) line += ' ' + s.indices[k];
    parts.push(line);
  }
  return parts.join('\n') + '\n';
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(d: Dataset, s: InteractionSet): string {
  const header = ['user', 'item'];
  if (s.ratings) header.push('rating');
  if (s.timestamps) header.push('timestamp');
  const lines = [header.join(',')];
  const uq = d.userIds.map(csvField);
  const iq = d.itemIds.map(csvField);
  for (let u = 0; u < s.rows; u++)
    for (let k = s.indptr[u]; k < s.indptr[u + 1]; k++) {
      let line = uq[u] + ',' + iq[s.indices[k]];
      if (s.ratings) line += ',' + s.ratings[k];
      if (s.timestamps) line += ',' + s.timestamps[k];
      lines.push(line);
    }
  return lines.join('\n') + '\n';
}

function idList(ids: readonly string[]): string {
  const lines = ['org_id remap_id'];
  for (let i = 0; i < ids.length; i++) lines.push(`${ids[i]} ${i}`);
  return lines.join('\n') + '\n';
}

export function writeSplit(d: Dataset, dir: string, opts: { lightgcn?: boolean; csv?: boolean; meta?: Record<string, unknown> } = {}): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (f: string, text: string) => {
    writeFileSync(join(dir, f), text);
    written.push(f);
  };
  const splits: Array<[string, InteractionSet | undefined]> = [['train', d.train], ['valid', d.valid], ['test', d.test]];
  if (opts.lightgcn !== false) {
    for (const [k, s] of splits) if (s) put(`${k}.txt`, adjacency(s));
    if (d.userIds.some((x) => /\s/.test(x)) || d.itemIds.some((x) => /\s/.test(x))) {
      // org ids with whitespace cannot be written in the space-separated lists; CSV keeps them.
    } else {
      put('user_list.txt', idList(d.userIds));
      put('item_list.txt', idList(d.itemIds));
    }
  }
  if (opts.csv !== false) {
    for (const [k, s] of splits) if (s) put(`${k}.csv`, csv(d, s));
    if (d.exposure) put('exposure.csv', csv(d, d.exposure));
    if (d.falseNegatives) put('false_negatives.csv', csv(d, d.falseNegatives));
  }
  put('split.json', JSON.stringify({ name: d.name, fingerprint: d.fingerprint, source: d.source, ...opts.meta, stats: datasetStats(d), report: d.report }, null, 2) + '\n');
  return written;
}
