// `npm run bench -- data [--json] [--repeat N]`: load times of the shared datasets (Gowalla LightGCN train+test is
// the headline: "well under a second"), plus CSR building and a per-user 8:1:1 split of ML-100K.
// `npm run bench -- data --import [--rows N --users N --items N --keep DIR]`: import at scale (see importMain).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadDataset, loadLightGcn, loadLog } from '../src/data/index.js';
import { importChild, importMain } from './lib/importBench.js';

function sharedDir(): string {
  return process.env.HARDNEG_SHARED_DATA ?? resolve('..', 'shared', 'data');
}

function time(fn: () => unknown, repeat: number): { bestMs: number; medianMs: number } {
  const t: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { bestMs: t[0], medianMs: t[Math.floor(t.length / 2)] };
}

export async function main(argv: string[]): Promise<number> {
  const child = argv.indexOf('--import-child');
  if (child >= 0) return importChild(argv.slice(child + 1));
  if (argv.includes('--import')) return importMain(argv);
  const json = argv.includes('--json');
  const ri = argv.indexOf('--repeat');
  const repeat = ri >= 0 ? Number(argv[ri + 1]) : 5;
  const base = sharedDir();
  const results: Record<string, { bestMs: number; medianMs: number; firstMs?: number }> = {};
  const cases: Array<[string, string, () => unknown]> = [
    ['gowalla train+test (LightGCN)', join(base, 'gowalla', 'light_gcn_gowalla'), () => loadLightGcn(join(base, 'gowalla', 'light_gcn_gowalla'))],
    ['lastfm train+test', join(base, 'lastfm'), () => loadDataset({ format: 'lastfm', path: join(base, 'lastfm') })],
    ['ml-100k u.data (log)', join(base, 'ml-100k'), () => loadLog({ format: 'movielens', path: join(base, 'ml-100k') })],
    ['ml-100k + per-user 8:1:1 split', join(base, 'ml-100k'), () => loadDataset({ format: 'movielens', path: join(base, 'ml-100k'), split: 'ratio:8:1:1' })],
    ['synthetic 500×800 (default example)', '', () => loadDataset({ name: 'synthetic' })],
  ];
  for (const [name, path, fn] of cases) {
    if (path && !existsSync(path)) {
      if (!json) console.log(`${name}: skipped (${path} not found)`);
      continue;
    }
    const s = performance.now();
    fn(); // first (cold) run, includes JIT warm-up
    const firstMs = performance.now() - s;
    results[name] = { firstMs, ...time(fn, repeat) };
  }
  if (json) console.log(JSON.stringify({ bench: 'data', repeat, results }, null, 2));
  else {
    console.log(`data loading (best / median of ${repeat} after one cold run; cold in brackets)`);
    for (const [k, v] of Object.entries(results)) console.log(`  ${k.padEnd(36)} ${v.bestMs.toFixed(1).padStart(8)} ms / ${v.medianMs.toFixed(1).padStart(8)} ms   (${v.firstMs!.toFixed(1)} ms cold)`);
  }
  return 0;
}
