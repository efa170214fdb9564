// `npm run bench -- dins [--json[=path]] [--dins-path DIR] [--reps 6] [--warmup 1] [--threads 2] [--ref-threads N] [--no-ref]
//   [--omp-wait=passive|active]`
//
// One LightGCN + DINS training step on Gowalla (batch 2048, M = 64 candidates, β = 2, 3 layers, dim 64, Adam
// lr 1e-3, BPR + L2 1e-4), hardneg against the official PyTorch code (github.com/Wu-Xi/DINS), both on the same
// number of threads, in one run. The reference side is bench/torch/dins_step.py (a subprocess that imports the
// official modules from --dins-path, default $HARDNEG_DINS_PATH, else /work/ref/dins; see its docstring).
//
// What one timed step covers, on each side:
//   reference: main.py's loop body — get_feed_dict (slice of the shuffled pairs + 2048×64 uniform candidates
//     rejected against each user's training list) = 'sample'; model(batch) (LightGCN propagation, DINS hard
//     boundary + dimension-independent mixup, BPR + L2), zero_grad, backward, Adam step = 'model'.
//   hardneg: the trainer's loop body (src/training/trainer.ts, not exported, so composed here the same way) — next
//     batch from the interaction batcher (slice of the shuffled pairs), encoder.forward (propagation), pooled user /
//     positive rows, sampler.sample (drawCandidates 2048×64 + boundary + mixup), scores, BPR + λ·egoL2, the
//     trainer's per-step diagnostics, backward, Adam step, zeroGrad, all inside tidy. 'sample' = batch +
//     drawCandidates, timed on the same users with the same RNG state just before the step (then the state is
//     restored, so the step draws the identical candidates); 'model' = full − sample.
// Every figure is a median over the timed steps (after the warm-up steps). hardneg's timed steps run in two halves,
// before and after the reference subprocess (never at the same time), so load changes on a shared machine weigh on
// both sides; the 1-minute load average is printed for each phase. --ref-threads sets the reference's threads apart. With --json the summary goes to stdout
// (or the file) and the human-readable table to stderr.
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { createEncoder } from '../src/encoders/index.js';
import type { Encoder } from '../src/encoders/types.js';
import { SamplerDiagnostics } from '../src/evaluation/diagnostics.js';
import { backendInfo, setBackend, setThreads } from '../src/engine/kernels/index.js';
import { add, scale } from '../src/engine/ops.js';
import { Adam } from '../src/engine/optim.js';
import { Rng } from '../src/engine/rng.js';
import { tidy } from '../src/engine/tensor.js';
import { createLoss, type LossFn } from '../src/losses/index.js';
import { drawCandidates } from '../src/samplers/candidates.js';
import { createSampler } from '../src/samplers/index.js';
import type { SampleContext, Sampler } from '../src/samplers/types.js';
import { interactionBatcher } from '../src/training/batching.js';
import {
  detectTorch, envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, median, nowMs, ratio,
  runPythonJson,
} from './lib/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const GOWALLA_DIR = join(SHARED, 'gowalla', 'light_gcn_gowalla');
const DEFAULT_DINS = '/work/ref/dins';

/** The step both sides run (the acceptance point's configuration). */
export const STEP = { batch: 2048, m: 64, beta: 2, layers: 3, dim: 64, lr: 1e-3, l2: 1e-4 } as const;

export interface StepTimes {
  /** Per timed step, ms. */
  full: number[];
  sample: number[];
  model: number[];
  losses: number[];
}

export interface SideSummary {
  fullMs: number;
  sampleMs: number;
  modelMs: number;
}

interface RefOut extends SideSummary {
  torch: string;
  threads: number;
  ompWaitPolicy: string | null;
  prettytableStubbed: boolean;
  dinsPath: string;
  args: Record<string, unknown>;
  nUsers: number;
  nItems: number;
  nTrain: number;
  setupSeconds: number;
  samples: { full: number[]; sample: number[]; model: number[] };
  losses: number[];
}

/**
 * hardneg's LightGCN + DINS training step on `dataset`, set up once (encoder, sampler, Adam, the epoch's batcher) so
 * that timed runs can be split around the reference run. The step is the trainer's loop body for K = 1 (see the
 * file comment); the kernel backend must already be set.
 */
export class OurDinsStep {
  private readonly dataset: Dataset;
  private readonly encoder: Encoder;
  private readonly sampler: Sampler;
  private readonly lossFn: LossFn;
  private readonly optimizer: Adam;
  private readonly samplerRng: Rng;
  private readonly dropoutRng: Rng;
  private readonly diag: SamplerDiagnostics;
  private readonly batches: Iterator<{ users: Int32Array; pos: Int32Array }>;
  private readonly candOut = new Int32Array(STEP.batch * STEP.m);
  readonly stepsPerEpoch: number;
  /** Steps run so far (warm-up included). */
  steps = 0;

  constructor(dataset: Dataset, seed = 2020) {
    this.dataset = dataset;
    this.encoder = createEncoder('lightgcn', dataset,
      { dim: STEP.dim, layers: STEP.layers, init: 'xavier', includeEgoLayer: false }, Rng.stream(seed, 'init'));
    this.sampler = createSampler('dins', { m: STEP.m, beta: STEP.beta, k: 1 });
    this.lossFn = createLoss({ name: 'bpr' });
    this.optimizer = new Adam(this.encoder.parameters(), { lr: STEP.lr });
    this.samplerRng = Rng.stream(seed, 'sampler');
    this.dropoutRng = Rng.stream(seed, 'dropout');
    this.sampler.prepare?.(dataset, this.samplerRng);
    const batcher = interactionBatcher(dataset.train, STEP.batch);
    this.stepsPerEpoch = batcher.stepsPerEpoch;
    this.batches = batcher.epoch(Rng.stream(seed, 'batch'))[Symbol.iterator]();
    this.diag = new SamplerDiagnostics(dataset);
  }

  /** The encoder's parameters (for tests). */
  parameters(): { name: string; data: Float32Array }[] {
    return this.encoder.parameters();
  }

  /** Runs `n` steps; appends their times to `into` unless it is null (warm-up). The first step shuffles the epoch. */
  run(n: number, into: StepTimes | null): void {
    const { dataset, encoder, sampler, lossFn, optimizer, samplerRng, dropoutRng, diag } = this;
    const epoch = 1;
    for (let i = 0; i < n; i++) {
      const step = this.steps;
      if (step >= this.stepsPerEpoch) throw new Error(`more steps than one epoch (${this.stepsPerEpoch})`);
      if (step === 0 && into) throw new Error('the first step shuffles the epoch: run it as a warm-up');
      // Batch construction.
      const t0 = nowMs();
      const nb = this.batches.next();
      const tb = nowMs() - t0;
      if (nb.done) throw new Error('batcher ended early');
      const { users, pos } = nb.value;
      // The candidate draw alone, on this batch's users from the sampler's RNG state, which is then restored so the
      // step's own draw (inside sampler.sample) repeats exactly this work.
      const sState = samplerRng.getState();
      const tc0 = nowMs();
      drawCandidates(dataset.train, users, STEP.m, samplerRng, this.candOut);
      const tc = nowMs() - tc0;
      samplerRng.setState(sState);

      const ts = nowMs();
      const lv = tidy(() => {
        const pass = encoder.forward({ training: true, rng: dropoutRng });
        const u = pass.pool(pass.userLayers(users));
        const p = pass.pool(pass.itemLayers(pos));
        const ctx: SampleContext = { users, pos, pass, encoder, dataset, rng: samplerRng, epoch, step };
        const neg = sampler.sample(ctx);
        if (neg.kind !== 'synthetic') throw new Error('dins returned item negatives');
        const sPos = pass.score(u, p, pos, users);
        const sNeg = pass.score(u, neg.pooled, undefined, users);
        let loss = lossFn(sPos, sNeg);
        const l2Items = neg.hardItems ? [pos, neg.hardItems] : [pos];
        loss = add(loss, scale(pass.egoL2(users, l2Items, users.length), STEP.l2));
        const v = loss.item();
        if (!Number.isFinite(v)) throw new Error(`loss became ${v} at step ${step}`);
        diag.add(users, sPos.data, sNeg.data, 1, neg.hardItems ?? null);
        loss.backward();
        optimizer.step();
        optimizer.zeroGrad();
        return v;
      });
      const full = tb + (nowMs() - ts);
      this.steps++;
      if (into) {
        into.full.push(full);
        into.sample.push(tb + tc);
        into.model.push(full - tb - tc);
        into.losses.push(lv);
      }
    }
  }
}

function summary(t: { full: number[]; sample: number[]; model: number[] }): SideSummary {
  return { fullMs: median(t.full), sampleMs: median(t.sample), modelMs: median(t.model) };
}

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const jsonPath = flagValue(argv, 'json');
  const reps = intFlag(argv, 'reps', 6);
  const warmup = intFlag(argv, 'warmup', 1);
  const threads = intFlag(argv, 'threads', 2);
  const refThreads = intFlag(argv, 'ref-threads', threads);
  if (reps < 1 || threads < 1 || refThreads < 1 || warmup < 1) {
    throw new Error('--reps, --warmup, --threads and --ref-threads must be at least 1');
  }
  const dinsPath = resolve(flagValue(argv, 'dins-path') ?? process.env.HARDNEG_DINS_PATH ?? DEFAULT_DINS);
  // Same reasoning as the engine bench: OpenMP spin-waiting is PyTorch's worst case on a shared 2-core machine.
  const ompWait = (flagValue(argv, 'omp-wait') ?? 'passive').toUpperCase();
  if (ompWait !== 'PASSIVE' && ompWait !== 'ACTIVE') throw new Error(`--omp-wait: 'active' or 'passive', got '${ompWait}'`);
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  if (!existsSync(join(GOWALLA_DIR, 'train.txt'))) {
    log(`dins bench: ${GOWALLA_DIR}/train.txt not found (set HARDNEG_SHARED_DATA, or run \`hardneg data download gowalla\`)`);
    return 2;
  }
  const env = envReport();
  log(`dins bench — ${formatEnv(env)}`);
  log(`step: LightGCN (dim ${STEP.dim}, ${STEP.layers} layers, layers 1..${STEP.layers} mean-pooled) + DINS (M ${STEP.m}, ` +
    `β ${STEP.beta}), batch ${STEP.batch}, BPR + L2 ${STEP.l2}, Adam lr ${STEP.lr}; ` +
    `${warmup} warm-up + ${reps} timed steps per side`);

  // hardneg's timed steps are split in two halves around the reference run (the two never run at the same time),
  // so a change of load on this shared machine during the run weighs on both sides alike.
  const dataset = loadDataset({ name: 'gowalla', dataDir: SHARED });
  const nTrain = dataset.train.indices.length;
  log(`Gowalla (hardneg loader): ${dataset.numUsers} users, ${dataset.numItems} items, ${nTrain} training pairs`);
  setBackend('wasm');
  setThreads(threads);
  const info = backendInfo();
  const ourStep = new OurDinsStep(dataset);
  const ours: StepTimes = { full: [], sample: [], model: [], losses: [] };
  const firstHalf = Math.ceil(reps / 2);
  const la = loadavg()[0]!;
  ourStep.run(warmup, null);
  ourStep.run(firstHalf, ours);
  const lb = loadavg()[0]!;

  let ref: RefOut | null = null;
  let refNote = '';
  let refLoad: [number, number] | null = null;
  const dinsOk = existsSync(join(dinsPath, 'main.py')) && existsSync(join(dinsPath, 'modules', 'LightGCN_DINS.py'));
  if (hasFlag(argv, 'no-ref')) refNote = 'reference skipped (--no-ref)';
  else if (!dinsOk) {
    refNote = `official DINS code not found at ${dinsPath}: \`git clone https://github.com/Wu-Xi/DINS ${dinsPath}\` ` +
      '(or pass --dins-path / set HARDNEG_DINS_PATH); reference side skipped';
  } else {
    const py = detectTorch();
    if (!py || py.torch === null) {
      refNote = py ? `PyTorch not importable by ${py.python} (${py.reason}); install python3-torch` : 'no python3 found';
    } else {
      log(`reference: ${dinsPath} with PyTorch ${py.torch} (${py.python}), ${refThreads} threads, OMP_WAIT_POLICY=${ompWait} …`);
      const l0 = loadavg()[0]!;
      try {
        ref = runPythonJson<RefOut>(py.python, join(repoRoot, 'bench', 'torch', 'dins_step.py'),
          ['--dins-path', dinsPath, '--data-dir', GOWALLA_DIR, '--threads', String(refThreads), '--reps', String(reps),
            '--warmup', String(warmup), '--batch', String(STEP.batch), '--n-negs', String(STEP.m),
            '--alpha', String(STEP.beta), '--lr', String(STEP.lr), '--l2', String(STEP.l2), '--dim', String(STEP.dim),
            '--hops', String(STEP.layers)],
          { env: { OMP_NUM_THREADS: String(refThreads), MKL_NUM_THREADS: String(refThreads), OMP_WAIT_POLICY: ompWait } });
        refNote = `official DINS (${ref.dinsPath}) on PyTorch ${ref.torch}, ${ref.threads} threads, OMP_WAIT_POLICY=${ompWait}` +
          (ref.prettytableStubbed ? ' (prettytable stubbed: not installed, unused by the step)' : '');
        if (ref.nUsers !== dataset.numUsers || ref.nItems !== dataset.numItems || ref.nTrain !== nTrain) {
          log(`WARNING: the reference loaded ${ref.nUsers} users, ${ref.nItems} items, ${ref.nTrain} pairs — not the same data`);
        }
      } catch (e) {
        refNote = `reference run failed: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`;
      }
      refLoad = [l0, loadavg()[0]!];
    }
  }
  log(refNote);

  const lc = loadavg()[0]!;
  ourStep.run(reps - firstHalf, ours);
  const oursLoad = [la, lb, lc, loadavg()[0]!];
  const o = summary(ours);
  const r = ref ? summary(ref.samples) : null;

  const rows = [
    ['full step', fmtMs(r?.fullMs), fmtMs(o.fullMs), ratio(r?.fullMs, o.fullMs)],
    ['  sample (batch + candidates)', fmtMs(r?.sampleMs), fmtMs(o.sampleMs), ratio(r?.sampleMs, o.sampleMs)],
    ['  model (fwd + DINS + bwd + Adam)', fmtMs(r?.modelMs), fmtMs(o.modelMs), ratio(r?.modelMs, o.modelMs)],
  ];
  log('');
  log(formatTable(['median ms per step', `official (torch ×${ref?.threads ?? refThreads})`,
    `hardneg (${info.name} ×${info.threads})`, 'official/hardneg'], rows));
  const fullRatio = r ? r.fullMs / o.fullMs : null;
  log(`target: full step ≥ 4× faster than the official code, both on 2 threads: ${fullRatio === null ? 'not measured' :
    threads !== 2 || refThreads !== 2 ? `${fullRatio.toFixed(2)}× (not on 2 threads: not the target's setting)` :
    fullRatio >= 4 ? `met (${fullRatio.toFixed(2)}×)` : `NOT met (${fullRatio.toFixed(2)}×)`}`);
  log(`timed steps (ms): official [${ref ? ref.samples.full.map(fmtMs).join(', ') : '—'}]; ` +
    `hardneg [${ours.full.map(fmtMs).join(', ')}] (halves before and after the reference)`);
  log(`losses: official [${ref ? ref.losses.map((x) => x.toFixed(5)).join(', ') : '—'}]; ` +
    `hardneg timed [${ours.losses.map((x) => x.toFixed(5)).join(', ')}]`);
  const f2 = (x: number): string => x.toFixed(2);
  log(`1-min load average: hardneg first half ${f2(la)}→${f2(lb)}, official ${refLoad ? refLoad.map(f2).join('→') : '—'}, ` +
    `hardneg second half ${f2(lc)}→${f2(oursLoad[3]!)} (${env.cores} cores, shared machine)`);

  if (json) {
    const out = {
      bench: 'dins', env, step: STEP, warmup, reps,
      reference: ref ? { ...r, torch: ref.torch, threads: ref.threads, ompWaitPolicy: ref.ompWaitPolicy,
        dinsPath: ref.dinsPath, args: ref.args, setupSeconds: ref.setupSeconds, samples: ref.samples,
        losses: ref.losses, load: refLoad } : null,
      referenceNote: refNote,
      hardneg: { ...o, backend: info.name, threads: info.threads, samples: { full: ours.full, sample: ours.sample,
        model: ours.model }, losses: ours.losses, load: oursLoad },
      ratios: { full: fullRatio, sample: r ? r.sampleMs / o.sampleMs : null, model: r ? r.modelMs / o.modelMs : null },
      targetFullStep4x: fullRatio === null || threads !== 2 || refThreads !== 2 ? null : fullRatio >= 4,
    };
    const text = JSON.stringify(out, null, 2);
    if (jsonPath) writeFileSync(jsonPath, text + '\n');
    else process.stdout.write(text + '\n');
  }
  return 0;
}
