// `npm run bench -- train [--json[=path]] [--reps 5] [--warmup 2] [--threads N] [--only name,name] [--no-lastfm]
//   [--lastfm-epochs 6] [--no-gowalla] [--kernels]`   (--kernels: time spent in each kernel per step)
//
// Whole training steps, the trainer's own (createTrainStep of src/training/step.ts: encoder pass → pooled user/positive
// rows → sampler → scores → loss + λ·egoL2 → diagnostics → backward → optimiser step + zeroGrad, in one tidy), on Gowalla
// (LightGCN split, batch 2048, dim 64, 3 layers for graph encoders) with a per-phase breakdown:
//   sample    sampler.sample (candidate draws, selection scoring, DINS/MixGCF mixing ops)
//   forward   encoder.forward (graph propagation), pooling, scoring, loss and L2, diagnostics
//   backward  loss.backward()
//   optim     optimizer.step() + zeroGrad()
//   total     the whole step including tidy's frees.
// Medians over `reps` steps after `warmup` steps; every step uses fresh batches from the seeded 'batch' stream.
// Then seconds per epoch of LightGCN on LastFM with the lightgcn-pytorch preset, through train() itself (the
// evaluation is stubbed out: only training epochs are timed). Load average is recorded: the machine is shared.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { createEncoder } from '../src/encoders/index.js';
import { kernels, setThreads, backendInfo } from '../src/engine/kernels/index.js';
import { Adam } from '../src/engine/optim.js';
import { Rng } from '../src/core/rng.js';
import { buildLoss, createLoss } from '../src/losses/index.js';
import { buildCsr, hasInteraction } from '../src/data/csr.js';
import { createSampler } from '../src/samplers/index.js';
import type { Sampler } from '../src/samplers/types.js';
import { SamplerDiagnostics } from '../src/evaluation/diagnostics.js';
import { interactionBatcher } from '../src/training/batching.js';
import { createTrainStep } from '../src/training/step.js';
import { train } from '../src/experiments/run.js';
import {
  envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, median, nowMs,
} from './lib/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const BATCH = 2048;

interface Case {
  name: string;
  encoder: Record<string, unknown> & { name: string };
  sampler: Record<string, unknown> & { name: string };
  lazy: boolean;
  /** Train with the loss the sampler prescribes (default: BPR for every case, so steps compare like for like). */
  preferredLoss?: boolean;
  /** Train with this loss instead (a loss baseline: PRIS). */
  loss?: Record<string, unknown> & { name: string };
  /**
   * Gowalla has no exposure records: give every user this many random non-training items as exposure (seeded), so
   * an exposure sampler (RNS-AS) can be timed at Gowalla's scale. Its accuracy there would mean nothing.
   */
  syntheticExposure?: number;
}

const CASES: Case[] = [
  { name: 'mf-uniform-dense', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'uniform' }, lazy: false },
  { name: 'mf-uniform-lazy', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'uniform' }, lazy: true },
  { name: 'mf-dns64', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'dns', m: 64 }, lazy: false },
  { name: 'lightgcn-uniform', encoder: { name: 'lightgcn', dim: 64, layers: 3 }, sampler: { name: 'uniform' }, lazy: false },
  {
    name: 'lightgcn-dins64', encoder: { name: 'lightgcn', dim: 64, layers: 3, includeEgoLayer: false },
    sampler: { name: 'dins', m: 64, beta: 2 }, lazy: false,
  },
  { name: 'ngcf-uniform', encoder: { name: 'ngcf', dim: 64, layers: 3 }, sampler: { name: 'uniform' }, lazy: false },
  // The official NGCF_DINS step's form (bench dins --gnn ngcf): code variant, normalised layers, per-layer DINS query.
  {
    name: 'ngcf-code-dins64', encoder: { name: 'ngcf', dim: 64, layers: 3, variant: 'code', messageDropout: 0 },
    sampler: { name: 'dins', m: 64, beta: 2, variant: 'code' }, lazy: false,
  },
  // The contrastive backbones with SELFRec's settings (2 layers; their InfoNCE terms ride on the same step).
  { name: 'simgcl-uniform', encoder: { name: 'simgcl', dim: 64, layers: 2 }, sampler: { name: 'uniform' }, lazy: false },
  { name: 'sgl-uniform', encoder: { name: 'sgl', dim: 64, layers: 2, denominator: 'joint' }, sampler: { name: 'uniform' }, lazy: false },
  // The baselines on MF, for the "≤ 3× an MF + DNS (M 64) step" check (same optimiser and loss as mf-dns64).
  { name: 'mf-popularity', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'popularity' }, lazy: false },
  { name: 'mf-aobpr', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'aobpr' }, lazy: false },
  // AOBPR re-sorts the items per factor every ⌈|I| ln |I|⌉ draws (≈ 212 Gowalla steps): a median step misses it,
  // so this case re-sorts at every step (refresh = one batch of draws) to show its cost.
  { name: 'mf-aobpr-resort', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'aobpr', refresh: BATCH }, lazy: false },
  { name: 'mf-adasir-uniform', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'adasir', proposal: 'uniform' }, lazy: false },
  { name: 'mf-adasir-popularity', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'adasir', proposal: 'popularity' }, lazy: false },
  { name: 'mf-mcns', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'mcns' }, lazy: false },
  { name: 'mf-srns', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'srns' }, lazy: false },
  { name: 'mf-mixgcf', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'mixgcf', m: 64 }, lazy: false },
  // IRGAN: a softmax over the whole catalogue per user plus a REINFORCE step of its own generator inside `observe`
  // (timed in 'forward', where the step calls it). RNS-AS needs exposure records, which Gowalla lacks (not timed).
  { name: 'mf-irgan', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'irgan' }, lazy: false },
  // AdvIR: IRGAN's step plus the adversarial (APR) term of its prescribed loss (timed in 'forward' and 'backward').
  { name: 'mf-advir', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'advir' }, lazy: false, preferredLoss: true },
  // SimNS: C = 300 popularity candidates per batch, B × C cosines to the positives and weighted draws per pair.
  { name: 'mf-simns', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'simns' }, lazy: false },
  // RNS-AS with 20 random exposed items per user (Gowalla has none; timing only): its generator's candidate softmax
  // and feature-matching REINFORCE step run in `observe` (timed in 'forward').
  { name: 'mf-rnsas', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'rnsas' }, lazy: false, syntheticExposure: 20 },
  // The same without the feature matching (β 0): what is left once the O(M·(B + M)·d) MMD term is gone.
  { name: 'mf-rnsas-b0', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'rnsas', beta: 0 }, lazy: false, syntheticExposure: 20 },
  // PRIS (contrastive DNS's baseline) is a loss: importance-weighted BPR over 4 uniform negatives per pair.
  { name: 'mf-pris', encoder: { name: 'mf', dim: 64 }, sampler: { name: 'uniform', k: 4 }, lazy: false, loss: { name: 'pris' } },
];

const PHASES = ['sample', 'forward', 'backward', 'optim', 'total'] as const;
type Phase = (typeof PHASES)[number];
type Times = Record<Phase, number>;

export interface CaseResult {
  name: string; steps: number; median: Times; samplesTotal: number[];
  /** With --kernels: mean ms per step spent in each kernel (calls per step in parentheses). */
  kernels?: Record<string, { ms: number; calls: number }>;
}

/** Wraps the active backend's methods to total their time (the --kernels breakdown); returns the counters. */
function instrumentKernels(): Map<string, { ms: number; calls: number }> {
  const k = kernels() as unknown as Record<string, unknown>;
  const acc = new Map<string, { ms: number; calls: number }>();
  const proto = Object.getPrototypeOf(k) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const f = proto[name];
    if (name === 'constructor' || typeof f !== 'function' || name === 'dispose' || name.length <= 2) continue;
    const slot = { ms: 0, calls: 0 };
    acc.set(name, slot);
    k[name] = function (this: unknown, ...args: unknown[]) {
      const t0 = nowMs();
      try {
        return (f as (...a: unknown[]) => unknown).apply(this, args);
      } finally {
        slot.ms += nowMs() - t0;
        slot.calls++;
      }
    };
  }
  return acc;
}
let kernelCounters: Map<string, { ms: number; calls: number }> | null = null;

/** Runs warmup + reps steps of one configuration and returns per-phase medians (ms). */
export function benchCase(c: Case, data: Dataset, reps: number, warmup: number): CaseResult {
  const seed = 1;
  const dataset = c.syntheticExposure ? withRandomExposure(data, c.syntheticExposure, Rng.stream(seed, 'exposure')) : data;
  const encoder = createEncoder(c.encoder.name, dataset, { ...c.encoder, name: undefined }, Rng.stream(seed, 'init'));
  const { name: _n, ...sOpts } = c.sampler;
  const sampler = createSampler(c.sampler.name, sOpts) as Sampler;
  const samplerRng = Rng.stream(seed, 'sampler');
  const batchRng = Rng.stream(seed, 'batch');
  const dropoutRng = Rng.stream(seed, 'dropout');
  sampler.prepare?.(dataset, samplerRng);
  const lossFn = c.loss ? buildLoss(c.loss as never) : c.preferredLoss && sampler.preferredLoss ? buildLoss(sampler.preferredLoss) : createLoss({ name: 'bpr' });
  const optimizer = new Adam(encoder.parameters(), { lr: 1e-3, lazy: c.lazy });
  const l2 = 1e-4;
  const batcher = interactionBatcher(dataset.train, BATCH);
  // The trainer's own step (src/training/step.ts), diagnostics included.
  const step = createTrainStep({ encoder, sampler, lossFn, optimizer, dataset, l2, samplerRng, dropoutRng,
    diagnostics: new SamplerDiagnostics(dataset) });
  const it = batcher.epoch(batchRng)[Symbol.iterator]();
  const per: Times[] = [];
  for (let s = 0; s < warmup + reps; s++) {
    if (s === warmup && kernelCounters) for (const v of kernelCounters.values()) { v.ms = 0; v.calls = 0; }
    const nb = it.next();
    if (nb.done) throw new Error('bench train: ran out of batches');
    const { users, pos } = nb.value;
    const t0 = nowMs();
    const r = step({ users, pos }, 1, s);
    const total = nowMs() - t0;
    if (!Number.isFinite(r.loss)) throw new Error(`bench train ${c.name}: loss ${r.loss}`);
    const t: Times = { sample: r.sampleMs, forward: r.forwardMs, backward: r.backwardMs, optim: r.optimMs, total };
    if (s >= warmup) per.push(t);
  }
  for (const p of encoder.parameters()) p.dispose();
  const med = {} as Times;
  for (const ph of PHASES) med[ph] = median(per.map((x) => x[ph]));
  const res: CaseResult = { name: c.name, steps: per.length, median: med, samplesTotal: per.map((x) => x.total) };
  if (kernelCounters) {
    res.kernels = {};
    for (const [k, v] of kernelCounters) if (v.calls) res.kernels[k] = { ms: v.ms / per.length, calls: v.calls / per.length };
  }
  return res;
}

/** `data` with n random non-training items per user as exposure records (a timing fixture, not data). */
function withRandomExposure(data: Dataset, n: number, rng: Rng): Dataset {
  const U = data.numUsers;
  const rows = new Int32Array(U * n), cols = new Int32Array(U * n);
  let w = 0;
  for (let u = 0; u < U; u++) {
    const seen = new Set<number>();
    while (seen.size < n) {
      const i = rng.int(data.numItems);
      if (!seen.has(i) && !hasInteraction(data.train, u, i)) seen.add(i);
    }
    for (const i of seen) {
      rows[w] = u;
      cols[w++] = i;
    }
  }
  return { ...data, exposure: buildCsr(U, data.numItems, rows, cols).set };
}

export interface LastFmResult { epochs: number; secondsPerEpoch: number; perEpoch: number[]; stepsPerEpoch: number }

/** LightGCN on LastFM, lightgcn-pytorch preset, through train(); the first epoch is warm-up. */
export async function benchLastFm(epochs: number): Promise<LastFmResult> {
  const dataset = loadDataset({ name: 'lastfm', dataDir: DATA });
  let steps = 0;
  const r = await train({ preset: 'lightgcn-pytorch', dataset: 'lastfm', epochs, evalEvery: epochs } as never,
    dataset, {
      keepWeights: false,
      onEvent: (e) => { if (e.type === 'start') steps = e.stepsPerEpoch; },
      evaluator: () => ({ metrics: { 'recall@20': 0 }, perUser: { users: new Int32Array(0), values: {} }, usersEvaluated: 0,
        usersSkipped: 0, split: 'test', maskedValid: false }) as never,
    });
  const per = r.epochs.map((e) => e.seconds);
  return { epochs, secondsPerEpoch: median(per.slice(1)), perEpoch: per, stepsPerEpoch: steps };
}

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const jsonPath = flagValue(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const warmup = intFlag(argv, 'warmup', 2);
  const threadsFlag = flagValue(argv, 'threads');
  if (threadsFlag) setThreads(Number(threadsFlag));
  const only = flagValue(argv, 'only')?.split(',');
  if (hasFlag(argv, 'kernels')) kernelCounters = instrumentKernels();
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  const env = envReport();
  log(formatEnv(env));
  log(`backend ${JSON.stringify(backendInfo())}`);
  const results: CaseResult[] = [];
  if (!hasFlag(argv, 'no-gowalla')) {
    const t0 = nowMs();
    const gowalla = loadDataset({ name: 'gowalla', dataDir: DATA });
    log(`gowalla: ${gowalla.numUsers} users, ${gowalla.numItems} items, ${gowalla.train.indices.length} train (${((nowMs() - t0) / 1000).toFixed(1)} s to load)`);
    for (const c of CASES) {
      if (only && !only.includes(c.name)) continue;
      const r = benchCase(c, gowalla, reps, warmup);
      results.push(r);
      log(`${c.name}: total ${fmtMs(r.median.total)} ms (steps ${r.samplesTotal.map((x) => x.toFixed(0)).join(' ')})`);
      if (r.kernels) {
        log('  kernels per step: ' + Object.entries(r.kernels).sort((a, b) => b[1].ms - a[1].ms)
          .map(([k, v]) => `${k} ${fmtMs(v.ms)} ms ×${v.calls.toFixed(1)}`).join(', '));
      }
    }
    log('');
    log('Gowalla, batch 2048, dim 64: median ms per step');
    log(formatTable(['case', ...PHASES], results.map((r) => [r.name, ...PHASES.map((p) => fmtMs(r.median[p]))])));
    // The targets, as ratios of this run's medians.
    const by = new Map(results.map((r) => [r.name, r]));
    const dns = by.get('mf-dns64'), dense = by.get('mf-uniform-dense'), lazy = by.get('mf-uniform-lazy');
    if (dns) {
      const share = dns.median.sample / dns.median.total;
      log(`MF + DNS (M 64): sampling ${(100 * share).toFixed(0)}% of the step (target ≤ 20%: ${share <= 0.2 ? 'met' : 'NOT met'})`);
      const others = results.filter((r) => r.name.startsWith('mf-') && r.name !== 'mf-dns64' && !r.name.startsWith('mf-uniform'));
      for (const r of others) {
        const q = r.median.total / dns.median.total;
        log(`${r.name} step / MF + DNS (M 64) step = ${q.toFixed(2)} (baselines' target ≤ 3: ${q <= 3 ? 'met' : 'NOT met'})`);
      }
    }
    if (dense && lazy) {
      const q = dense.median.total / lazy.median.total;
      log(`MF dense-Adam step / lazy-Adam step = ${q.toFixed(2)} (target ≤ 1.5: ${q <= 1.5 ? 'met' : 'NOT met'})`);
    }
  }
  let lastfm: LastFmResult | null = null;
  if (!hasFlag(argv, 'no-lastfm')) {
    lastfm = await benchLastFm(intFlag(argv, 'lastfm-epochs', 6));
    log('');
    log(`LastFM LightGCN (lightgcn-pytorch preset, ${lastfm.stepsPerEpoch} steps/epoch): ${lastfm.secondsPerEpoch.toFixed(3)} s/epoch ` +
      `(median of epochs 2..${lastfm.epochs}: ${lastfm.perEpoch.map((s) => s.toFixed(3)).join(' ')})`);
  }
  const summary = { env, backend: backendInfo(), reps, warmup, batch: BATCH, gowalla: results, lastfm };
  if (json) {
    const text = JSON.stringify(summary, null, 2);
    if (jsonPath) writeFileSync(jsonPath, text + '\n');
    else process.stdout.write(text + '\n');
  }
  return 0;
}
