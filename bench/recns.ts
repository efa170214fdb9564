// `npm run bench -- recns [--json[=path]] [--reps 5] [--warmup 2] [--threads N] [--no-steps] [--khop5-step]`
//
// RecNS on Gowalla (LightGCN split), the two targets, as ratios measured in this run:
//  1. Region structure build (data/regions.ts, 'full' mode: every user's within-khop bits) for khop 3 and 5, each in
//     a fresh child process so its peak resident memory (process.resourceUsage().maxRSS, the dataset load
//     included) is its own. Target: ≤ 256 MB and a few seconds. Reference in the same run: the paper's Algorithm 1,
//     one breadth-first search per user (typed arrays with visit stamps), timed on 512 users and scaled to all
//     users; and the bytes a materialised list of every user's intermediate items would take (Int32 per item, from
//     the same sample's mean region size).
//  2. A whole training step (createTrainStep, the trainer's own) of LightGCN (dim 64, 3 layers) at batch 2048:
//     RecNS (M 20, k 15, khop 3, its augmented hinge) vs DNS (M 64, BPR). Target: RecNS ≤ 1.5× DNS.
// Medians over `reps` steps after `warmup`; the machine's load average is recorded with the results.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { RegionIndex } from '../src/data/regions.js';
import { createEncoder } from '../src/encoders/index.js';
import { backendInfo, setThreads } from '../src/engine/kernels/index.js';
import { Adam } from '../src/engine/optim.js';
import { Rng } from '../src/core/rng.js';
import { buildLoss } from '../src/losses/index.js';
import { createSampler } from '../src/samplers/index.js';
import { SamplerDiagnostics } from '../src/evaluation/diagnostics.js';
import { interactionBatcher } from '../src/training/batching.js';
import { createTrainStep } from '../src/training/step.js';
import { envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, median, nowMs } from './lib/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');
const DATA = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const BATCH = 2048;
const MB = 1024 * 1024;

interface BuildResult { khop: number; ms: number; cpuMs: number; bytes: number; maxRssMB: number; rssBeforeMB: number; mode: string; meanIntermediate: number }

/** Child side: load Gowalla, build the full structure once, report time and memory. */
function childBuild(khop: number): void {
  const d = loadDataset({ name: 'gowalla', dataDir: DATA });
  const rssBeforeMB = process.memoryUsage().rss / MB;
  const t0 = nowMs();
  const c0 = process.cpuUsage();
  const idx = new RegionIndex(d.train, { khop, mode: 'full' });
  const c = process.cpuUsage(c0);
  const ms = nowMs() - t0;
  let sum = 0;
  for (let u = 0; u < 512; u++) sum += idx.sizes(u).intermediate;
  const r: BuildResult = {
    khop, ms, cpuMs: (c.user + c.system) / 1000, bytes: idx.bytes, maxRssMB: process.resourceUsage().maxRSS / 1024, rssBeforeMB, mode: idx.mode, meanIntermediate: sum / 512,
  };
  process.stdout.write(JSON.stringify(r) + '\n');
}

/** The reference: one BFS per user (Algorithm 1), visit stamps on typed arrays; returns ms for `users` users. */
function perUserBfs(d: Dataset, khop: number, users: number): number {
  const { indptr, indices } = d.train;
  const U = d.numUsers, I = d.numItems;
  const ip = new Int32Array(I + 1);
  for (const i of indices) ip[i + 1]++;
  for (let i = 0; i < I; i++) ip[i + 1] += ip[i];
  const fill = ip.slice(0, I);
  const ix = new Int32Array(indices.length);
  for (let u = 0; u < U; u++) for (let p = indptr[u]; p < indptr[u + 1]; p++) ix[fill[indices[p]]++] = u;
  const seenU = new Int32Array(U), seenI = new Int32Array(I);
  const qU = new Int32Array(U), qI = new Int32Array(I);
  let sink = 0;
  const t0 = nowMs();
  for (let u = 0; u < users; u++) {
    const st = u + 1;
    let nu = 0;
    qU[nu++] = u;
    seenU[u] = st;
    let uFrom = 0;
    let count = 0;
    for (let h = 1; h <= khop; h += 2) {
      let ni = 0;
      for (let a = uFrom; a < nu; a++) {
        const v = qU[a];
        for (let p = indptr[v]; p < indptr[v + 1]; p++) {
          const i = indices[p];
          if (seenI[i] !== st) { seenI[i] = st; qI[ni++] = i; count++; }
        }
      }
      uFrom = nu;
      if (h + 2 > khop) break;
      for (let a = 0; a < ni; a++) {
        const i = qI[a];
        for (let p = ip[i]; p < ip[i + 1]; p++) {
          const v = ix[p];
          if (seenU[v] !== st) { seenU[v] = st; qU[nu++] = v; }
        }
      }
    }
    sink += count;
  }
  const ms = nowMs() - t0;
  if (sink < 0) throw new Error('unreachable');
  return ms;
}

interface StepResult { name: string; sample: number; total: number; steps: number[] }

function stepCase(name: string, d: Dataset, sampler: Record<string, unknown> & { name: string }, loss: { name: string } & Record<string, unknown>,
  reps: number, warmup: number): StepResult {
  const seed = 1;
  const encoder = createEncoder('lightgcn', d, { dim: 64, layers: 3 }, Rng.stream(seed, 'init'));
  const { name: sName, ...opts } = sampler;
  const s = createSampler(sName, opts);
  const samplerRng = Rng.stream(seed, 'sampler');
  s.prepare?.(d, samplerRng);
  const step = createTrainStep({
    encoder, sampler: s, lossFn: buildLoss(loss), optimizer: new Adam(encoder.parameters(), { lr: 1e-3 }), dataset: d, l2: 1e-4,
    samplerRng, dropoutRng: Rng.stream(seed, 'dropout'), diagnostics: new SamplerDiagnostics(d),
  });
  const it = interactionBatcher(d.train, BATCH).epoch(Rng.stream(seed, 'batch'))[Symbol.iterator]();
  const totals: number[] = [], samples: number[] = [];
  for (let k = 0; k < warmup + reps; k++) {
    const b = it.next();
    if (b.done) throw new Error('bench recns: ran out of batches');
    const t0 = nowMs();
    const r = step({ users: b.value.users, pos: b.value.pos }, 1, k);
    const t = nowMs() - t0;
    if (!Number.isFinite(r.loss)) throw new Error(`${name}: loss ${r.loss}`);
    if (k >= warmup) { totals.push(t); samples.push(r.sampleMs); }
  }
  for (const p of encoder.parameters()) p.dispose();
  return { name, sample: median(samples), total: median(totals), steps: totals };
}

export async function main(argv: string[]): Promise<number> {
  const child = flagValue(argv, 'child-build');
  if (child) {
    childBuild(Number(child));
    return 0;
  }
  const json = hasFlag(argv, 'json');
  const jsonPath = flagValue(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const warmup = intFlag(argv, 'warmup', 2);
  const threadsFlag = flagValue(argv, 'threads');
  if (threadsFlag) setThreads(Number(threadsFlag));
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  const env = envReport();
  log(formatEnv(env));
  log(`backend ${JSON.stringify(backendInfo())}`);
  const d = loadDataset({ name: 'gowalla', dataDir: DATA });
  log(`gowalla: ${d.numUsers} users, ${d.numItems} items, ${d.train.indices.length} train`);

  // 1. Region structure builds, each in its own process.
  const builds: Array<BuildResult & { bfsMs: number; listMB: number }> = [];
  for (const khop of [3, 5]) {
    const r = spawnSync(process.execPath, [join(here, 'run.js'), 'recns', '--child-build', String(khop)], { encoding: 'utf8', env: process.env });
    if (r.status !== 0) throw new Error(`child build khop ${khop} failed: ${r.stderr}`);
    const b = JSON.parse(r.stdout.trim().split('\n').pop()!) as BuildResult;
    const sampleUsers = 512;
    const bfsMs = perUserBfs(d, khop, sampleUsers) * (d.numUsers / sampleUsers);
    const listMB = (b.meanIntermediate * d.numUsers * 4) / MB;
    builds.push({ ...b, bfsMs, listMB });
    log(`khop ${khop}: build ${fmtMs(b.ms)} ms (CPU ${fmtMs(b.cpuMs)} ms), structure ${(b.bytes / MB).toFixed(1)} MB, peak RSS ${b.maxRssMB.toFixed(0)} MB ` +
      `(${b.rssBeforeMB.toFixed(0)} MB after loading Gowalla); per-user BFS ≈ ${fmtMs(bfsMs)} ms; Int32 lists ≈ ${listMB.toFixed(0)} MB`);
  }
  log('');
  log('Region structure for Gowalla (full mode)');
  log(formatTable(['khop', 'build s', 'CPU s', 'bits MB', 'peak RSS MB', 'per-user BFS s (Alg. 1, scaled)', 'BFS / build', 'Int32 lists MB', 'lists / bits'],
    builds.map((b) => [String(b.khop), (b.ms / 1000).toFixed(2), (b.cpuMs / 1000).toFixed(2), (b.bytes / MB).toFixed(1), b.maxRssMB.toFixed(0),
      (b.bfsMs / 1000).toFixed(1), (b.bfsMs / b.ms).toFixed(1), b.listMB.toFixed(0), (b.listMB / (b.bytes / MB)).toFixed(1)])));
  for (const b of builds) {
    log(`khop ${b.khop}: peak RSS ${b.maxRssMB.toFixed(0)} MB (target ≤ 256: ${b.maxRssMB <= 256 ? 'met' : 'NOT met'}), ` +
      `build ${(b.ms / 1000).toFixed(2)} s`);
  }
  // The lazy mode's cost per batch: the blocks of one batch's distinct users.
  const lazy = new RegionIndex(d.train, { khop: 3, mode: 'lazy' });
  const batchUsers = interactionBatcher(d.train, BATCH).epoch(Rng.stream(1, 'batch'))[Symbol.iterator]().next().value!.users;
  const tl = nowMs();
  lazy.load(batchUsers);
  const lazyMs = nowMs() - tl;
  log(`lazy mode, khop 3: one batch's ${new Set(batchUsers).size} distinct users built in ${fmtMs(lazyMs)} ms, ${(lazy.bytes / MB).toFixed(1)} MB`);

  // 2. Steps.
  const steps: StepResult[] = [];
  if (!hasFlag(argv, 'no-steps')) {
    steps.push(stepCase('lightgcn-dns64', d, { name: 'dns', m: 64 }, { name: 'bpr' }, reps, warmup));
    steps.push(stepCase('lightgcn-recns', d, { name: 'recns', m: 20, k: 15, khop: 3 }, { name: 'augmentedHinge', margin: 0.1 }, reps, warmup));
    if (hasFlag(argv, 'khop5-step')) {
      steps.push(stepCase('lightgcn-recns-khop5', d, { name: 'recns', m: 20, k: 15, khop: 5 }, { name: 'augmentedHinge', margin: 0.1 }, reps, warmup));
    }
    log('');
    log('LightGCN on Gowalla, batch 2048, dim 64, 3 layers: median ms per step');
    log(formatTable(['case', 'sample', 'total', 'steps'], steps.map((s) => [s.name, fmtMs(s.sample), fmtMs(s.total), s.steps.map((x) => x.toFixed(0)).join(' ')])));
    const dns = steps[0], rec = steps[1];
    const q = rec.total / dns.total;
    log(`RecNS step / DNS (M 64) step = ${q.toFixed(2)} (target ≤ 1.5: ${q <= 1.5 ? 'met' : 'NOT met'})`);
  }
  const out = { env, backend: backendInfo(), builds, lazy: { ms: lazyMs, bytes: lazy.bytes }, steps };
  if (json) {
    const text = JSON.stringify(out, null, 2);
    if (jsonPath && jsonPath !== 'true') writeFileSync(jsonPath, text);
    else process.stdout.write(text + '\n');
  }
  return 0;
}
