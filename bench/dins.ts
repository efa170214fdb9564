// `npm run bench -- dins [--json[=path]] [--dins-path DIR] [--gnn lightgcn|ngcf] [--reps 6] [--block 2] [--warmup 1]
//   [--threads 2] [--ref-threads N] [--no-ref] [--omp-wait=passive|active]`
//
// --gnn ngcf: the same step on NGCF instead (the official modules/NGCF_DINS.py, its gcn(): ÂE·W_gc + b_gc +
// (ÂE ⊙ E)·W_bi + b_bi, LeakyReLU 0.2, each layer L2-normalised, no message dropout as main.py's defaults; hardneg's
// `ngcf` encoder with variant 'code' (that same form) and messageDropout 0, and DINS variant 'code', the released
// per-layer query). One difference is left: the official harness pools the 4 layers by mean (--pool mean, as for
// LightGCN) and hardneg's NGCF concatenates them (its only pooling); that changes the pooled width (256 vs 64), so
// the scores and the DINS mixing on hardneg's side do 4× the (small) row work.
//
// One LightGCN + DINS training step on Gowalla (batch 2048, M = 64 candidates, β = 2, 3 layers, dim 64, Adam
// lr 1e-3, BPR + L2 1e-4), hardneg against the official PyTorch code (github.com/Wu-Xi/DINS), both on the same
// number of threads, in one run. The reference side is bench/torch/dins_step.py (a subprocess that imports the
// official modules from --dins-path or $HARDNEG_DINS_PATH; see its docstring).
//
// What one timed step covers, on each side:
//   reference: main.py's loop body — get_feed_dict (slice of the shuffled pairs + 2048×64 uniform candidates
//     rejected against each user's training list) = 'sample'; model(batch) (LightGCN propagation, DINS hard
//     boundary + dimension-independent mixup, BPR + L2), zero_grad, backward, Adam step = 'model'.
//   hardneg: the trainer's own step (createTrainStep, src/training/step.ts) after the next batch from the
//     interaction batcher (slice of the shuffled pairs): encoder.forward (propagation), pooled user / positive rows,
//     sampler.sample (drawCandidates 2048×64 + boundary + mixup), scores, BPR + λ·egoL2, the trainer's per-step
//     diagnostics, backward, Adam step, zeroGrad, all inside tidy. 'sample' = batch +
//     drawCandidates, timed on the same users with the same RNG state just before the step (then the state is
//     restored, so the step draws the identical candidates); 'model' = full − sample.
// Every figure is a median over the timed steps (after the warm-up steps; set-up and data loading are untimed).
// The reference runs as one long-lived subprocess (--serve) and the two sides take turns in blocks of --block steps
// (ours, theirs, theirs, ours, ...; never at the same time), so load changes on a shared machine weigh on both; the
// 1-minute load average is printed after each block. --ref-threads sets the reference's threads apart. With --json the summary goes to stdout
// (or the file) and the human-readable table to stderr.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/load.js';
import type { Dataset } from '../src/data/types.js';
import { createEncoder } from '../src/encoders/index.js';
import type { Encoder } from '../src/encoders/types.js';
import { SamplerDiagnostics } from '../src/evaluation/diagnostics.js';
import { backendInfo, setBackend, setThreads } from '../src/engine/kernels/index.js';
import { Adam } from '../src/engine/optim.js';
import { Rng } from '../src/core/rng.js';
import { createLoss, type LossFn } from '../src/losses/index.js';
import { drawCandidates } from '../src/samplers/candidates.js';
import { createSampler } from '../src/samplers/index.js';
import type { Sampler } from '../src/samplers/types.js';
import { interactionBatcher } from '../src/training/batching.js';
import { createTrainStep, type TrainStep } from '../src/training/step.js';
import {
  detectTorch, envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, median, nowMs, ratio,
} from './lib/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');
const GOWALLA_DIR = join(SHARED, 'gowalla', 'light_gcn_gowalla');

/** The step both sides run (the acceptance point's configuration). */
export const STEP = { batch: 2048, m: 64, beta: 2, layers: 3, dim: 64, lr: 1e-3, l2: 1e-4 } as const;

/** The backbone of the step: LightGCN (the default) or NGCF (--gnn ngcf). */
export type Gnn = 'lightgcn' | 'ngcf';

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
  private readonly step: TrainStep;
  private readonly batches: Iterator<{ users: Int32Array; pos: Int32Array }>;
  private readonly candOut = new Int32Array(STEP.batch * STEP.m);
  readonly stepsPerEpoch: number;
  /** Steps run so far (warm-up included). */
  steps = 0;

  constructor(dataset: Dataset, seed = 2020, gnn: Gnn = 'lightgcn') {
    this.dataset = dataset;
    this.encoder = gnn === 'ngcf'
      ? createEncoder('ngcf', dataset, { dim: STEP.dim, layers: STEP.layers, init: 'xavier', variant: 'code', messageDropout: 0 },
        Rng.stream(seed, 'init'))
      : createEncoder('lightgcn', dataset,
        { dim: STEP.dim, layers: STEP.layers, init: 'xavier', includeEgoLayer: false }, Rng.stream(seed, 'init'));
    this.sampler = createSampler('dins', gnn === 'ngcf' ? { m: STEP.m, beta: STEP.beta, k: 1, variant: 'code' }
      : { m: STEP.m, beta: STEP.beta, k: 1 });
    this.lossFn = createLoss({ name: 'bpr' });
    this.optimizer = new Adam(this.encoder.parameters(), { lr: STEP.lr });
    this.samplerRng = Rng.stream(seed, 'sampler');
    this.dropoutRng = Rng.stream(seed, 'dropout');
    this.sampler.prepare?.(dataset, this.samplerRng);
    const batcher = interactionBatcher(dataset.train, STEP.batch);
    this.stepsPerEpoch = batcher.stepsPerEpoch;
    this.batches = batcher.epoch(Rng.stream(seed, 'batch'))[Symbol.iterator]();
    this.diag = new SamplerDiagnostics(dataset);
    this.step = createTrainStep({ encoder: this.encoder, sampler: this.sampler, lossFn: this.lossFn,
      optimizer: this.optimizer, dataset, l2: STEP.l2, samplerRng: this.samplerRng, dropoutRng: this.dropoutRng,
      diagnostics: this.diag });
  }

  /** The encoder's parameters (for tests). */
  parameters(): { name: string; data: Float32Array }[] {
    return this.encoder.parameters();
  }

  /** Runs `n` steps; appends their times to `into` unless it is null (warm-up). The first step shuffles the epoch. */
  run(n: number, into: StepTimes | null): void {
    const { dataset, samplerRng } = this;
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
      const lv = this.step({ users, pos }, epoch, step).loss;
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

/**
 * The reference harness in --serve mode: set up and warmed up once, then asked for blocks of steps, so that its
 * steps and ours alternate in time (a load change on the shared machine then weighs on both sides alike).
 */
class RefSession {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(python: string, args: string[], env: Record<string, string>) {
    this.proc = spawn(python, [join(repoRoot, 'bench', 'torch', 'dins_step.py'), ...args, '--serve'],
      { env: { ...process.env, ...env } });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-4000); });
    this.lines = createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  /** The next JSON line the harness prints (the official code's own prints are skipped). */
  async next<T>(timeoutMs = 600_000): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      for (;;) {
        const r = await Promise.race([this.lines.next(), timeout]);
        if (r.done) throw new Error(`the harness exited (${this.proc.exitCode ?? 'running'}): ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        if (r.value.trimStart().startsWith('{')) return JSON.parse(r.value) as T;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async steps(n: number): Promise<StepTimes> {
    this.proc.stdin.write(`${n}\n`);
    return this.next<StepTimes>();
  }

  async finish(): Promise<RefOut> {
    this.proc.stdin.end('0\n');
    return this.next<RefOut>();
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill();
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
  const block = intFlag(argv, 'block', 2);
  const gnn = (flagValue(argv, 'gnn') ?? 'lightgcn') as Gnn;
  if (gnn !== 'lightgcn' && gnn !== 'ngcf') throw new Error(`--gnn: 'lightgcn' or 'ngcf', got '${String(gnn)}'`);
  if (reps < 1 || threads < 1 || refThreads < 1 || warmup < 1 || block < 1) {
    throw new Error('--reps, --warmup, --block, --threads and --ref-threads must be at least 1');
  }
  const given = flagValue(argv, 'dins-path') ?? process.env.HARDNEG_DINS_PATH;
  const dinsPath = given ? resolve(given) : '';
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
  log(`step: ${gnn === 'ngcf' ? `NGCF (code form, dim ${STEP.dim}, ${STEP.layers} layers, layers 0..${STEP.layers} ` +
    'normalised and concatenated; the official code mean-pools them)' : `LightGCN (dim ${STEP.dim}, ${STEP.layers} layers, ` +
    `layers 1..${STEP.layers} mean-pooled)`} + DINS (M ${STEP.m}, ` +
    `β ${STEP.beta}), batch ${STEP.batch}, BPR + L2 ${STEP.l2}, Adam lr ${STEP.lr}; ` +
    `${warmup} warm-up + ${reps} timed steps per side`);

  // The two sides alternate in blocks of --block steps (never at the same time): ours, theirs, theirs, ours, ... so
  // that a change of load on this shared machine during the run weighs on both alike.
  const dataset = loadDataset({ name: 'gowalla', dataDir: SHARED });
  const nTrain = dataset.train.indices.length;
  log(`Gowalla (hardneg loader): ${dataset.numUsers} users, ${dataset.numItems} items, ${nTrain} training pairs`);
  setBackend('wasm');
  setThreads(threads);
  const info = backendInfo();
  const ourStep = new OurDinsStep(dataset, 2020, gnn);
  const ours: StepTimes = { full: [], sample: [], model: [], losses: [] };
  const blocks: number[] = [];
  for (let left = reps; left > 0; left -= block) blocks.push(Math.min(block, left));
  const loads: number[] = [loadavg()[0]!];
  ourStep.run(warmup, null);

  let session: RefSession | null = null;
  let ref: RefOut | null = null;
  let refNote = '';
  const dinsOk = existsSync(join(dinsPath, 'main.py')) &&
    existsSync(join(dinsPath, 'modules', gnn === 'ngcf' ? 'NGCF_DINS.py' : 'LightGCN_DINS.py'));
  if (hasFlag(argv, 'no-ref')) refNote = 'reference skipped (--no-ref)';
  else if (!dinsOk) {
    refNote = (dinsPath ? `official DINS code not found at ${dinsPath}` : 'no official DINS checkout given') +
      ': clone Wu-Xi/DINS and pass --dins-path DIR (or set HARDNEG_DINS_PATH); reference side skipped';
  } else {
    const py = detectTorch();
    if (!py || py.torch === null) {
      refNote = py ? `PyTorch not importable by ${py.python} (${py.reason}); install python3-torch` : 'no python3 found';
    } else {
      log(`reference: ${dinsPath} with PyTorch ${py.torch} (${py.python}), ${refThreads} threads, OMP_WAIT_POLICY=${ompWait} …`);
      session = new RefSession(py.python,
        ['--dins-path', dinsPath, '--data-dir', GOWALLA_DIR, '--threads', String(refThreads), '--reps', String(reps),
          '--warmup', String(warmup), '--batch', String(STEP.batch), '--n-negs', String(STEP.m),
          '--alpha', String(STEP.beta), '--lr', String(STEP.lr), '--l2', String(STEP.l2), '--dim', String(STEP.dim),
          '--hops', String(STEP.layers), '--gnn', gnn],
        { OMP_NUM_THREADS: String(refThreads), MKL_NUM_THREADS: String(refThreads), OMP_WAIT_POLICY: ompWait });
      try {
        await session.next<{ ready: boolean }>(); // set-up and warm-up done
      } catch (e) {
        refNote = `reference run failed: ${(e as Error).message}`;
        session.kill();
        session = null;
      }
    }
  }
  try {
    for (let k = 0; k < blocks.length; k++) {
      const n = blocks[k]!;
      const theirs = async (): Promise<void> => {
        if (!session) return;
        try {
          await session.steps(n);
        } catch (e) {
          refNote = `reference run failed: ${(e as Error).message}`;
          session.kill();
          session = null;
        }
        loads.push(loadavg()[0]!);
      };
      if (k % 2 === 0) {
        ourStep.run(n, ours);
        loads.push(loadavg()[0]!);
        await theirs();
      } else {
        await theirs();
        ourStep.run(n, ours);
        loads.push(loadavg()[0]!);
      }
    }
    if (session) {
      ref = await session.finish();
      refNote = `official DINS (${ref.dinsPath}) on PyTorch ${ref.torch}, ${ref.threads} threads, OMP_WAIT_POLICY=${ompWait}` +
        (ref.prettytableStubbed ? ' (prettytable stubbed: not installed, unused by the step)' : '') +
        `; set-up ${ref.setupSeconds.toFixed(1)} s untimed`;
      if (ref.nUsers !== dataset.numUsers || ref.nItems !== dataset.numItems || ref.nTrain !== nTrain) {
        log(`WARNING: the reference loaded ${ref.nUsers} users, ${ref.nItems} items, ${ref.nTrain} pairs — not the same data`);
      }
    }
  } catch (e) {
    refNote = `reference run failed: ${(e as Error).message}`;
  } finally {
    (session as RefSession | null)?.kill();
  }
  log(refNote);
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
  // LightGCN + DINS: ≥ 4× the official step (issue 6); NGCF: ≥ 2× (issue 17).
  const want = gnn === 'ngcf' ? 2 : 4;
  log(`target: full step ≥ ${want}× faster than the official code, both on 2 threads: ${fullRatio === null ? 'not measured' :
    threads !== 2 || refThreads !== 2 ? `${fullRatio.toFixed(2)}× (not on 2 threads: not the target's setting)` :
    fullRatio >= want ? `met (${fullRatio.toFixed(2)}×)` : `NOT met (${fullRatio.toFixed(2)}×)`}`);
  log(`timed steps (ms): official [${ref ? ref.samples.full.map(fmtMs).join(', ') : '—'}]; ` +
    `hardneg [${ours.full.map(fmtMs).join(', ')}] (alternating blocks of ${block})`);
  log(`losses: official [${ref ? ref.losses.map((x) => x.toFixed(5)).join(', ') : '—'}]; ` +
    `hardneg timed [${ours.losses.map((x) => x.toFixed(5)).join(', ')}]`);
  log(`1-min load average after each block: ${loads.map((x) => x.toFixed(2)).join(' → ')} (${env.cores} cores, shared machine)`);

  if (json) {
    const out = {
      bench: 'dins', gnn, env, step: STEP, warmup, reps,
      reference: ref ? { ...r, torch: ref.torch, threads: ref.threads, ompWaitPolicy: ref.ompWaitPolicy,
        dinsPath: ref.dinsPath, args: ref.args, setupSeconds: ref.setupSeconds, samples: ref.samples,
        losses: ref.losses } : null,
      referenceNote: refNote,
      hardneg: { ...o, backend: info.name, threads: info.threads, samples: { full: ours.full, sample: ours.sample,
        model: ours.model }, losses: ours.losses },
      block, loads,
      ratios: { full: fullRatio, sample: r ? r.sampleMs / o.sampleMs : null, model: r ? r.modelMs / o.modelMs : null },
      targetFullStep4x: gnn !== 'lightgcn' || fullRatio === null || threads !== 2 || refThreads !== 2 ? null : fullRatio >= 4,
      targetFullStep: { times: want, met: fullRatio === null || threads !== 2 || refThreads !== 2 ? null : fullRatio >= want },
    };
    const text = JSON.stringify(out, null, 2);
    if (jsonPath) writeFileSync(jsonPath, text + '\n');
    else process.stdout.write(text + '\n');
  }
  return 0;
}
