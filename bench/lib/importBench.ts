// `npm run bench -- data --import [--rows 10000000 --users 1000000 --items 100000 --keep DIR --json]`: import at
// scale, in one run. It writes one seeded log (importLog.ts) into a temporary folder as CSV and as Parquet, then
// loads it in a fresh child process per path, so each peak RSS is that path's own:
//   csv-general  the CSV loader's general token path (options.fastPath false: the path every CSV took before)
//   csv-fast     the integer-id fast path (the default)
//   parquet      the Parquet loader
//   pipeline     fast CSV load, then dedupe, rating ≥ 4, 5-core and a per-user 8:1:1 split (and a temporal one)
// Each child prints rows/s, peak RSS (and RSS before loading) and a hash of the log it got; the three loads must
// agree. Speeds print as ratios against the general path measured in the same run.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dedupeLog, kCore, loadCsv, loadParquet, ratingThreshold, splitLog, type InteractionLog } from '../../src/data/index.js';
import { flagValue, hasFlag, intFlag } from './args.js';
import { generateLog, writeCsv, writeParquet } from './importLog.js';

const MiB = 1024 * 1024;

function logHash(log: InteractionLog): string {
  const h = createHash('sha256');
  h.update(`${log.numUsers} ${log.numItems}\n${log.userIds.join(',')}\n${log.itemIds.join(',')}\n`);
  for (const a of [log.users, log.items, log.ratings, log.timestamps]) if (a) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return h.digest('hex').slice(0, 16);
}

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function asLog(r: ReturnType<typeof loadCsv>): InteractionLog {
  if (!('log' in r)) throw new Error('expected a log');
  return r.log;
}

/** One measurement in this (child) process; prints one JSON line. */
export async function importChild(args: string[]): Promise<number> {
  const [mode, dir] = args;
  const rssBefore = process.memoryUsage().rss / MiB;
  const csv = join(dir, 'log.csv');
  const pq = join(dir, 'log.parquet');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out: Record<string, unknown> = { mode, rssBeforeMiB: rssBefore };
  const cpu = () => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000;
  };
  if (mode === 'csv-general' || mode === 'csv-fast' || mode === 'parquet') {
    const log = mode === 'parquet' ? asLog(loadParquet(pq)) : asLog(loadCsv(csv, { fastPath: mode === 'csv-fast' }));
    out.ms = performance.now() - t0;
    out.cpuMs = cpu();
    out.rows = log.users.length;
    out.hash = logHash(log);
  } else if (mode === 'pipeline') {
    const log = asLog(loadCsv(csv));
    const t1 = performance.now();
    const c1 = cpu();
    const d = dedupeLog(log);
    const t2 = performance.now();
    const th = ratingThreshold(d, 4);
    const t3 = performance.now();
    const kc = kCore(th, 5);
    const t4 = performance.now();
    const ds = splitLog(kc, { kind: 'ratio', ratios: [8, 1, 1] }, 0);
    const t5 = performance.now();
    const c5 = cpu();
    const tds = splitLog(kc, { kind: 'temporal', ratios: [8, 1, 1] }, 0);
    const t6 = performance.now();
    out.rows = log.users.length;
    out.stages = { loadMs: t1 - t0, dedupeMs: t2 - t1, thresholdMs: t3 - t2, kcoreMs: t4 - t3, ratioSplitMs: t5 - t4, temporalSplitMs: t6 - t5 };
    out.filterSplitMs = t5 - t1;
    out.filterSplitCpuMs = c5 - c1;
    out.kept = { afterThreshold: th.users.length, exposure: th.exposure?.users.length ?? 0, afterKcore: kc.users.length, users: kc.numUsers, items: kc.numItems, train: ds.train.indptr[ds.numUsers], test: ds.test.indptr[ds.numUsers], temporalTest: tds.test.indptr[tds.numUsers] };
    out.ms = t6 - t0;
    out.cpuMs = cpu();
  } else throw new Error(`unknown import-bench mode '${mode}'`);
  out.peakRssMiB = peakRssMiB();
  console.log(JSON.stringify(out));
  return 0;
}

export async function importMain(argv: string[]): Promise<number> {
  const rows = intFlag(argv, 'rows', 10_000_000);
  const users = intFlag(argv, 'users', 1_000_000);
  const items = intFlag(argv, 'items', 100_000);
  const json = hasFlag(argv, 'json');
  const keep = flagValue(argv, 'keep');
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'hardneg-import-bench-'));
  if (keep) mkdirSync(keep, { recursive: true });
  const say = (s: string) => { if (!json) console.log(s); };
  try {
    const g0 = performance.now();
    const log = generateLog(rows, users, items, 0);
    const g1 = performance.now();
    const csvBytes = writeCsv(join(dir, 'log.csv'), log);
    const g2 = performance.now();
    await writeParquet(join(dir, 'log.parquet'), log);
    const g3 = performance.now();
    const pqBytes = statSync(join(dir, 'log.parquet')).size;
    say(`import bench: ${rows} rows, ${users} users, ${items} items (seed 0) in ${dir}`);
    say(`  generated in ${(g1 - g0).toFixed(0)} ms; CSV ${(csvBytes / MiB).toFixed(0)} MiB written in ${(g2 - g1).toFixed(0)} ms; Parquet ${(pqBytes / MiB).toFixed(0)} MiB (hyparquet-writer, snappy, 1M-row groups) in ${(g3 - g2).toFixed(0)} ms`);
    const script = fileURLToPath(new URL('../run.js', import.meta.url));
    const results: Record<string, Record<string, unknown>> = {};
    for (const mode of ['csv-general', 'csv-fast', 'parquet', 'pipeline']) {
      const r = spawnSync(process.execPath, [script, 'data', '--import-child', mode, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`import bench child '${mode}' failed (${r.status}): ${r.stderr}`);
      results[mode] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    }
    const gen = results['csv-general'];
    const same = ['csv-fast', 'parquet'].every((m) => results[m].hash === gen.hash);
    if (json) console.log(JSON.stringify({ bench: 'data-import', rows, users, items, csvBytes, parquetBytes: pqBytes, sameLog: same, results }, null, 2));
    else {
      say(`  path         rows/s (wall)  wall     rows/s (CPU)  CPU time  peak RSS (before load)  vs general CSV (wall, CPU)`);
      for (const m of ['csv-general', 'csv-fast', 'parquet']) {
        const r = results[m] as { ms: number; cpuMs: number; rows: number; peakRssMiB: number; rssBeforeMiB: number };
        const rate = (ms: number) => `${((r.rows / ms) * 1000 / 1e6).toFixed(2).padStart(6)} M`;
        say(`  ${m.padEnd(12)} ${rate(r.ms)}  ${(r.ms / 1000).toFixed(2).padStart(7)} s  ${rate(r.cpuMs)}  ${(r.cpuMs / 1000).toFixed(2).padStart(7)} s  ${r.peakRssMiB.toFixed(0).padStart(6)} MiB (${r.rssBeforeMiB.toFixed(0)} MiB)  ${((gen.ms as number) / r.ms).toFixed(1)}×, ${((gen.cpuMs as number) / r.cpuMs).toFixed(1)}×`);
      }
      say(`  the three loads give the same log: ${same ? 'yes' : 'NO'}`);
      const p = results.pipeline as { stages: Record<string, number>; filterSplitMs: number; kept: Record<string, number>; peakRssMiB: number };
      say(`  pipeline (fast CSV → dedupe → rating ≥ 4 → 5-core → ratio 8:1:1), peak RSS ${p.peakRssMiB.toFixed(0)} MiB:`);
      say(`    ${Object.entries(p.stages).map(([k, v]) => `${k.replace(/Ms$/, '')} ${(v / 1000).toFixed(2)} s`).join(', ')}`);
      say(`    dedupe + threshold + k-core + ratio split: ${(p.filterSplitMs / 1000).toFixed(2)} s wall, ${((p as unknown as { filterSplitCpuMs: number }).filterSplitCpuMs / 1000).toFixed(2)} s CPU; kept ${JSON.stringify(p.kept)}`);
    }
    return same ? 0 : 1;
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}
