// The training loop: batches → encoder pass → sampler → scores → loss (+ batch L2) → backward → optimiser step,
// with evaluation every `evalEvery` epochs on the selection split, early stopping with patience, and test metrics
// reported at the best selection epoch. Every random draw comes from Rng.stream(seed, name): 'init' (encoder),
// 'valid-split' (carved validation), 'batch' (order / user draws), 'sampler' (prepare + sample), 'dropout' (encoder pass).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.js';
import type { RunConfig } from '../experiments/config.js';
import { ConfigError, canonicalJson, metricK } from '../experiments/config.js';
import { resolveConfig } from '../experiments/presets.js';
import { RunWriter } from '../experiments/runStore.js';
import { type Batcher, DEFAULT_GROUP_SIZE, groupBatcher, interactionBatcher, userBatcher } from './batching.js';
import { type ProgressSink, formatDuration, silentProgress } from './progress.js';
import { ModelSelector } from './selection.js';
import {
  AdaGrad, Adam, type Encoder, type EvalEmbeddings, type EvalResult, type LossFn, type Sampler, SGD, Rng,
  createEncoder, createLoss, createSampler, heap, SamplerDiagnostics, type EpochDiagnostics,
  backendInfo,
} from './deps.js';
import { type ValidCarve, carveValid, validCarveFor } from './carve.js';
import { createTrainStep } from './step.js';
import { type Evaluator, type Split, evaluatorFor, protocolOf, sampledRandomRecall } from './protocol.js';
import { type TrainerCheckpoint, readCheckpoint, removeCheckpoint, writeCheckpoint, CHECKPOINT_FILE } from './checkpoint.js';

export { type ValidCarve, VALID_STREAM, carveValid, validCarveFor } from './carve.js';
export { type StepResult, type TrainStep, type TrainStepSetup, createTrainStep, pooledItems, pooledUsers } from './step.js';

export type { Split } from './protocol.js';

export type { Evaluator } from './protocol.js';
export interface EvalRecord {
  epoch: number;
  split: Split;
  metrics: Record<string, number>;
  /** The selection metric's value at this evaluation. */
  value: number;
  improved: boolean;
  /**
   * Test metrics (selection on valid): computed when this evaluation is a new best, or at every evaluation with
   * `testCurve` — reported only, never used to select.
   */
  test?: Record<string, number>;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  pairsPerSec: number;
  diagnostics: EpochDiagnostics;
}

export type TrainEvent =
  | { type: 'warning'; message: string }
  | { type: 'start'; stepsPerEpoch: number; pairsPerEpoch: number; selectSplit: Split; carvedValid: boolean }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'eval'; record: EvalRecord }
  | { type: 'end'; result: RunResult };

/** The kernel backend a run used (engine `backendInfo()`): part of what makes a run reproducible. */
export interface BackendRecord {
  name: string;
  threads: number;
  requested: string;
  /** Why the default WASM backend could not start and the JS one was used; null when there was no fallback. */
  fallbackReason: string | null;
  /** The WASM kernel build that ran ('simd' | 'fma', engine `backendInfo().kernels`); null on the JS backend. */
  kernels?: string | null;
}

export interface RunResult {
  config: RunConfig;
  backend: BackendRecord;
  dataset: { name: string; fingerprint: string; numUsers: number; numItems: number; train: number; valid: number; test: number };
  selectOn: Split;
  /** True when the validation split was carved from training (the dataset had none). */
  carvedValid: boolean;
  metric: string;
  bestEpoch: number;
  /** Selection-split metrics at the best epoch. */
  best: Record<string, number>;
  /** Test metrics at the best epoch. */
  test: Record<string, number>;
  /** Expected Recall@K of a random ranking (K / #candidate items per user, averaged over test users). */
  randomRecall: Record<string, number>;
  epochsRun: number;
  stoppedEarly: boolean;
  /** True when stopped through `signal` (the last epoch is partial). */
  interrupted: boolean;
  evaluations: EvalRecord[];
  epochs: EpochRecord[];
  warnings: string[];
  seconds: { total: number; train: number; eval: number };
  /** Per-user test metrics at the best epoch (for paired tests). */
  perUserTest: { users: Int32Array; values: Record<string, Float32Array> } | null;
  /** Epochs after which the run was stopped and later resumed from its checkpoint (empty when it ran through). */
  resumedFrom: number[];
  /** Encoder parameters and final embeddings at the best epoch (plain arrays, off the engine heap). */
  weights: { params: Array<{ name: string; shape: number[]; data: Float32Array }>; embeddings: EvalEmbeddings } | null;
  runDir?: string;
}

export interface TrainOptions {
  /** Write the run folder here (config.json, dataset.json, metrics.jsonl, summary.*, model.safetensors). */
  runDir?: string;
  onEvent?: (e: TrainEvent) => void;
  progress?: ProgressSink;
  evaluator?: Evaluator;
  /** What produced the dataset (recorded in dataset.json so eval/recommend can reload it). */
  datasetSpec?: unknown;
  /** Keep best weights in the result (default true; the run folder needs them). */
  keepWeights?: boolean;
  /**
   * Aborting stops after the current step: the partial epoch is evaluated and the run finished normally (its last
   * checkpoint, if any, is kept so the run can be resumed).
   */
  signal?: AbortSignal;
  /** Write a checkpoint to runDir after each evaluation, removed when the run finishes (default true with runDir). */
  checkpoint?: boolean;
  /** Continue the run in runDir from its checkpoint (same config and data; refused otherwise). */
  resume?: boolean;
}

const now = (): number => performance.now();

export function countOf(s: { indices: Int32Array } | undefined): number {
  return s ? s.indices.length : 0;
}

/** Checks a sampler's declared needs against the encoder and dataset; throws a message naming the mismatch. */
/** A loss spec as stable text (keys sorted), for comparing specs and naming them in messages. */
function canonicalSpec(spec: { name: string } & Record<string, unknown>): string {
  const opts = Object.keys(spec).filter((k) => k !== 'name').sort().map((k) => `${k}=${JSON.stringify(spec[k])}`);
  return opts.length ? `${spec.name}(${opts.join(', ')})` : spec.name;
}

export function checkCompatibility(sampler: Sampler, encoder: Encoder, dataset: Dataset): void {
  const n = sampler.needs;
  if (!n) return;
  const who = `sampler '${sampler.name}'`;
  if (n.graph && encoder.numLayers === 0) {
    throw new Error(`${who} needs a graph encoder with propagation layers (lightgcn, ngcf); encoder '${encoder.name}' has none`);
  }
  if (n.exposure && !dataset.exposure) {
    throw new Error(`${who} needs exposure data (items shown and not interacted with); dataset '${dataset.name}' has none`);
  }
  if (n.scorer && !n.scorer.includes(encoder.scorerKind)) {
    throw new Error(`${who} works with scorer ${n.scorer.join(' or ')}; encoder '${encoder.name}' scores with '${encoder.scorerKind}'`);
  }
  const nn = n as { meanPooling?: boolean };
  if (nn.meanPooling && encoder.pooling !== 'mean') {
    throw new Error(`${who} needs mean layer pooling; encoder '${encoder.name}' pools by ${encoder.pooling}`);
  }
}

/**
 * Fails before training when the selection split holds no interaction (every evaluation would be NaN, leaving no
 * best epoch and no test metrics), and warns when the test split is empty (test metrics will be NaN).
 */
export function checkEvaluable(dataset: Dataset, selectOn: Split, carve: ValidCarve | null, warn: (m: string) => void): void {
  const sel = selectOn === 'valid' ? dataset.valid : dataset.test;
  if (!sel || countOf(sel) === 0) {
    const why = selectOn === 'test'
      ? 'the dataset\'s test split is empty (e.g. split \'none\')'
      : carve
        ? `it was carved from train (validFraction ${carve.validFraction}), and no user has the 2 training items a carve needs`
        : 'the dataset\'s validation split is empty';
    throw new Error(`dataset '${dataset.name}': the selection split '${selectOn}' has no interactions, so no user can be ` +
      `evaluated and no epoch selected: ${why}; use a dataset or split with held-out interactions`);
  }
  if (selectOn === 'valid' && countOf(dataset.test) === 0) {
    warn(`dataset '${dataset.name}' has an empty test split: test metrics are not available (NaN)`);
  }
}

/** The warning a run carries when the kernel backend fell back to JS (results then differ by float rounding). */
export function backendWarning(b: BackendRecord): string | null {
  if (b.fallbackReason === null) return null;
  return `the WASM kernel backend could not start (${b.fallbackReason}); this run used the plain-JS backend ` +
    `(${b.threads} thread${b.threads === 1 ? '' : 's'}), so it is slower and matches WASM runs only up to float rounding`;
}

/** Expected Recall@K of a uniformly random ranking: mean over users with test items of min(1, K / #candidates). */
export function randomRecall(dataset: Dataset, ks: readonly number[], maskValid: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  const { train, valid, test } = dataset;
  for (const k of ks) {
    let sum = 0;
    let n = 0;
    for (let u = 0; u < test.rows; u++) {
      if (test.indptr[u + 1] === test.indptr[u]) continue;
      let masked = u < train.rows ? train.indptr[u + 1] - train.indptr[u] : 0;
      if (maskValid && valid && u < valid.rows) masked += valid.indptr[u + 1] - valid.indptr[u];
      const cand = dataset.numItems - masked;
      sum += cand > 0 ? Math.min(1, k / cand) : 0;
      n++;
    }
    out[`recall@${k}`] = n ? sum / n : NaN;
  }
  return out;
}

function copyEmbeddings(e: EvalEmbeddings): EvalEmbeddings {
  return {
    users: Float32Array.from(e.users),
    items: Float32Array.from(e.items),
    dim: e.dim,
    itemBias: e.itemBias ? Float32Array.from(e.itemBias) : null,
  };
}

function freeEmbeddings(e: EvalEmbeddings): void {
  for (const v of [e.users, e.items, e.itemBias]) if (v && heap.owns(v)) heap.free(v);
}

function makeOptimizer(config: RunConfig, encoder: Encoder) {
  const o = config.optimizer;
  const params = encoder.parameters();
  switch (o.name) {
    case 'adam':
      return new Adam(params, { lr: o.lr, lazy: o.lazy, weightDecay: o.weightDecay });
    case 'adagrad':
      return new AdaGrad(params, { lr: o.lr, weightDecay: o.weightDecay });
    case 'sgd':
      return new SGD(params, { lr: o.lr, weightDecay: o.weightDecay });
    default:
      throw new Error(`optimizer.name: unknown optimizer '${String((o as { name: unknown }).name)}'`);
  }
}

/** Encoder options from the config block: everything but `name`; `layers: 0` is the MF family's default. */
export function encoderOptions(config: RunConfig): Record<string, unknown> {
  const { name: _name, ...opts } = config.encoder as Record<string, unknown>;
  if (opts.layers === 0) delete opts.layers;
  return opts;
}

export function samplerOptions(config: RunConfig): Record<string, unknown> {
  const { name: _name, ...opts } = config.sampler;
  return opts;
}

/**
 * Builds the config's sampler and loss once to check their options (each factory rejects unknown or out-of-range
 * options), so a typo fails before any data is loaded; errors become ConfigErrors naming the config block.
 */
export function checkMethodOptions(config: RunConfig): void {
  const problems: string[] = [];
  try {
    createSampler(config.sampler.name, samplerOptions(config));
  } catch (e) {
    problems.push(`sampler: ${(e as Error).message}`);
  }
  if (config.loss) {
    try {
      createLoss(config.loss as { name: string });
    } catch (e) {
      problems.push(`loss: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
}

/**
 * Trains one run. See the module comment for the loop; the result holds the best-epoch metrics and weights.
 * `config` may be partial (e.g. `{ encoder: { name: 'mf', dim: 64 }, sampler: { name: 'dns' } }`): it is completed
 * from its `preset` (default quickstart) and validated, exactly as the CLI does.
 */
export async function train(partial: RunConfig | Record<string, unknown>, dataset: Dataset, opts: TrainOptions = {}): Promise<RunResult> {
  const t0 = now();
  const config = resolveConfig(undefined, partial as Record<string, unknown>);
  checkMethodOptions(config);
  const progress = opts.progress ?? silentProgress();
  const warnings: string[] = [];
  if (opts.resume && !opts.runDir) throw new Error('train: resume needs runDir, the run folder that holds the checkpoint');
  const resumed: TrainerCheckpoint<EpochRecord, EvalRecord> | null = opts.resume
    ? readCheckpoint(opts.runDir!) as TrainerCheckpoint<EpochRecord, EvalRecord> : null;
  if (resumed && resumed.config !== canonicalJson(config)) {
    throw new Error(`${opts.runDir}: the checkpoint was written under another config; resume with the run's own config.json`);
  }
  const checkpointing = opts.runDir !== undefined && opts.checkpoint !== false;
  const emit = (e: TrainEvent): void => {
    opts.onEvent?.(e);
    if (e.type === 'warning') progress.message(`warning: ${e.message}`);
  };
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const seed = config.seed;
  const backend: BackendRecord = backendInfo();
  const fallback = backendWarning(backend);
  if (fallback) warn(fallback);

  // Selection split: the dataset's validation split; else carve one from training (seeded) unless the config
  // explicitly opts into selecting on test.
  let carve: ValidCarve | null = null;
  const selectOn: Split = config.selectOn;
  if (selectOn === 'valid' && !dataset.valid) {
    carve = validCarveFor(dataset, config.validFraction);
    dataset = carveValid(dataset, seed, carve);
  }
  const carvedValid = carve !== null;
  if (selectOn === 'test') {
    warn('model selection uses the TEST split (selectOn: test): the reported test metrics are optimistic, ' +
      'because the epoch was chosen on the same data' + (dataset.valid ? '' : ' (the dataset has no validation split)'));
  }
  checkEvaluable(dataset, selectOn, carve, warn);
  if (resumed && resumed.fingerprint !== dataset.fingerprint) {
    throw new Error(`${opts.runDir}: the checkpoint was written for other data (fingerprint ${resumed.fingerprint.slice(0, 12)}…, ` +
      `this dataset ${dataset.fingerprint.slice(0, 12)}…)`);
  }
  // Only now, with every refusal behind us, may a resume cut metrics.jsonl back to its checkpoint.
  const writer = opts.runDir ? new RunWriter(opts.runDir, resumed?.counters.metricsLines) : null;
  const stats = {
    name: dataset.name, fingerprint: dataset.fingerprint, numUsers: dataset.numUsers, numItems: dataset.numItems,
    train: countOf(dataset.train), valid: countOf(dataset.valid), test: countOf(dataset.test),
  };

  const encoder = createEncoder(config.encoder.name, dataset, encoderOptions(config), Rng.stream(seed, 'init'));
  const sampler = createSampler(config.sampler.name, samplerOptions(config)) as Sampler;
  checkCompatibility(sampler, encoder, dataset);
  const lossSpec = config.loss ?? sampler.preferredLoss ?? { name: 'bpr' };
  if (config.loss && sampler.preferredLoss && canonicalSpec(config.loss) !== canonicalSpec(sampler.preferredLoss)) {
    // e.g. PDNS under a preset that pins BPR would silently train as plain DNS.
    warn(`sampler ${sampler.name} prescribes the loss ${canonicalSpec(sampler.preferredLoss)}; the config's loss ` +
      `${canonicalSpec(config.loss)} overrides it (set loss: null to use the sampler's)`);
  }
  const lossFn: LossFn = createLoss(lossSpec as { name: string });
  const samplerRng = Rng.stream(seed, 'sampler');
  const batchRng = Rng.stream(seed, 'batch');
  const dropoutRng = Rng.stream(seed, 'dropout');
  sampler.prepare?.(dataset, samplerRng);
  const optimizer = makeOptimizer(config, encoder);
  if (sampler.needs?.groups && config.batching !== 'groups') {
    throw new ConfigError([`sampler: '${sampler.name}' works on user groups: set batching: groups (batchSize = users per step, groupSize = N)`]);
  }
  const batcher: Batcher = config.batching === 'users'
    ? userBatcher(dataset.train, config.batchSize, config.stepsPerEpoch)
    : config.batching === 'groups'
      ? groupBatcher(dataset.train, config.batchSize, config.groupSize ?? DEFAULT_GROUP_SIZE)
      : interactionBatcher(dataset.train, config.batchSize);
  const evaluator: Evaluator = opts.evaluator ?? evaluatorFor(config, dataset);
  const protocol = protocolOf(config, dataset);
  const maskValid = config.maskValidWhenTesting;
  const rnd = protocol.name === 'full' ? randomRecall(dataset, config.ks, maskValid) : sampledRandomRecall(protocol.negatives, config.ks);

  if (writer) {
    writer.writeConfig({ ...config, loss: config.loss ?? null, resolvedLoss: lossSpec, run: { backend } });
    writer.writeDataset({ ...stats, spec: opts.datasetSpec ?? config.dataset, carvedValid, validFraction: carve?.validFraction ?? null, validMode: carve?.validMode ?? null, validStream: carve?.validStream ?? null, report: dataset.report });
  }
  emit({ type: 'start', stepsPerEpoch: batcher.stepsPerEpoch, pairsPerEpoch: batcher.pairsPerEpoch, selectSplit: selectOn, carvedValid });

  const selector = new ModelSelector(config.patience);
  const diag = new SamplerDiagnostics(dataset);
  const evaluations: EvalRecord[] = [];
  const epochs: EpochRecord[] = [];
  let bestSel: Record<string, number> = {};
  let bestTest: Record<string, number> = {};
  let perUserTest: RunResult['perUserTest'] = null;
  let bestWeights: RunResult['weights'] = null;
  let stoppedEarly = false;
  let resumedFrom: number[] = [];
  let secondsBefore = 0;
  let interrupted = false;
  let epochsRun = 0;
  let trainMs = 0;
  let evalMs = 0;
  let pairsDone = 0;
  const keepWeights = opts.keepWeights ?? true;
  const params = encoder.parameters();
  const streams = { sampler: samplerRng, batch: batchRng, dropout: dropoutRng };

  if (resumed) {
    // Everything that the remaining epochs read; the encoder, sampler.prepare and the carve were rebuilt above
    // from the same seed and data, exactly as the first process built them.
    if (resumed.params.length !== params.length || resumed.params.some((p, i) => p.name !== params[i].name)) {
      throw new Error(`${opts.runDir}: the checkpoint's parameters (${resumed.params.map((p) => p.name).join(', ')}) are not the encoder's`);
    }
    resumed.params.forEach((p, i) => params[i].copyFrom(p.data));
    optimizer.setState(resumed.optimizer);
    for (const [name, rng] of Object.entries(streams)) rng.setState(resumed.rng[name]);
    if (resumed.sampler) {
      if (!sampler.setState) throw new Error(`${opts.runDir}: the checkpoint holds sampler state that sampler '${sampler.name}' cannot take`);
      sampler.setState(resumed.sampler);
    }
    selector.setState(resumed.selector);
    evaluations.push(...resumed.evaluations);
    epochs.push(...resumed.epochs);
    bestSel = resumed.bestSel;
    bestTest = resumed.bestTest;
    perUserTest = resumed.perUserTest;
    bestWeights = keepWeights ? resumed.bestWeights : null;
    ({ pairsDone, trainMs, evalMs, secondsBefore } = resumed.counters);
    epochsRun = resumed.epoch;
    resumedFrom = [...resumed.resumedFrom, resumed.epoch];
    progress.message(`resuming ${opts.runDir} after epoch ${resumed.epoch} (best so far: epoch ${selector.bestEpoch})`);
  }

  /** Saves the state after `epoch` (evaluated, not the last): a killed run resumes here. */
  const saveCheckpoint = (epoch: number): void => {
    writeCheckpoint(opts.runDir!, {
      epoch, config: canonicalJson(config), fingerprint: dataset.fingerprint,
      params: params.map((p) => ({ name: p.name, data: p.data })), // written synchronously: no copy needed
      optimizer: optimizer.getState(),
      rng: Object.fromEntries(Object.entries(streams).map(([k, r]) => [k, r.getState()])),
      sampler: sampler.getState?.() ?? null,
      selector: selector.getState(), epochs, evaluations, bestSel, bestTest, perUserTest, bestWeights,
      counters: { pairsDone, trainMs, evalMs, secondsBefore: secondsBefore + (now() - t0) / 1000, metricsLines: writer!.metricsLines },
      resumedFrom,
    });
  };

  const evaluate = (epoch: number): boolean => {
    const te = now();
    const emb = encoder.embeddings();
    let stop = false;
    try {
      const sel = evaluator(emb, dataset, { split: selectOn, ks: config.ks, maskValidWhenTesting: maskValid, epoch });
      const value = sel.metrics[config.metric];
      const step = selector.update(epoch, value);
      stop = step.stop;
      const rec: EvalRecord = { epoch, split: selectOn, metrics: sel.metrics, value, improved: step.improved, seconds: 0 };
      // Test at a new best (reported), and at every evaluation for a test curve (recorded only).
      const test = selectOn === 'test' ? sel : step.improved || config.testCurve
        ? evaluator(emb, dataset, { split: 'test', ks: config.ks, maskValidWhenTesting: maskValid, epoch }) : null;
      if (test && selectOn !== 'test') rec.test = test.metrics;
      if (step.improved && test) {
        bestSel = sel.metrics;
        bestTest = test.metrics;
        perUserTest = test.perUser;
        if (keepWeights) {
          bestWeights = {
            params: encoder.parameters().map((p) => ({ name: p.name, shape: [...p.shape], data: Float32Array.from(p.data) })),
            embeddings: copyEmbeddings(emb),
          };
        }
      }
      rec.seconds = (now() - te) / 1000;
      evaluations.push(rec);
      writer?.appendMetrics({ type: 'eval', ...rec });
      emit({ type: 'eval', record: rec });
      const shown = Object.entries(sel.metrics).filter(([k]) => k.startsWith('recall') || k.startsWith('ndcg'))
        .map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ');
      progress.epochEnd(`eval epoch ${epoch} (${selectOn}): ${shown}${step.improved ? ' *' : ''}`, true);
    } finally {
      freeEmbeddings(emb);
      evalMs += now() - te;
    }
    return stop;
  };

  const trainStep = createTrainStep({
    encoder, sampler, lossFn, optimizer, dataset, l2: config.l2, samplerRng, dropoutRng, diagnostics: diag,
  });
  const totalPairs = batcher.pairsPerEpoch * config.epochs;
  for (let epoch = epochsRun + 1; epoch <= config.epochs; epoch++) {
    const te = now();
    sampler.onEpochStart?.(epoch, encoder);
    diag.reset();
    let lossSum = 0;
    let lossCount = 0;
    let step = 0;
    for (const batch of batcher.epoch(batchRng)) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      const ts = now();
      const b = batch.users.length;
      const { loss: lossValue, sampleMs } = trainStep(batch, epoch, step);
      lossSum += lossValue * b;
      lossCount += b;
      step++;
      pairsDone += b;
      const stepMs = now() - ts;
      trainMs += stepMs;
      diag.addTime(sampleMs, stepMs);
      const rate = pairsDone / (trainMs / 1000);
      progress.step(epoch, step, batcher.stepsPerEpoch, lossSum / lossCount, rate, (totalPairs - pairsDone) / rate);
      if ((step & 7) === 0) await new Promise<void>((r) => setImmediate(r)); // let signals and output through
    }
    if (interrupted && step === 0) {
      // Nothing trained in this epoch: the model is the previous epoch's.
      warn(`interrupted before epoch ${epoch}`);
      if (evaluations[evaluations.length - 1]?.epoch !== epoch - 1) evaluate(epoch - 1);
      break;
    }
    epochsRun = epoch;
    const rec: EpochRecord = {
      epoch, loss: lossSum / Math.max(1, lossCount), seconds: (now() - te) / 1000,
      pairsPerSec: lossCount / Math.max(1e-9, (now() - te) / 1000), diagnostics: diag.summary(),
    };
    epochs.push(rec);
    writer?.appendMetrics({ type: 'epoch', ...rec });
    emit({ type: 'epoch', record: rec });
    const eta = (config.epochs - epoch) * (now() - t0) / 1000 / epoch;
    progress.epochEnd(`epoch ${epoch}/${config.epochs} loss ${rec.loss.toFixed(4)} ${rec.seconds.toFixed(2)}s ` +
      `gap ${rec.diagnostics.scoreGap.toFixed(3)} ETA ${formatDuration(eta)}`);
    if (interrupted) {
      warn(`interrupted during epoch ${epoch} after ${step} of ${batcher.stepsPerEpoch} steps; evaluated as it was`);
      evaluate(epoch);
      break;
    }
    if (epoch % config.evalEvery === 0 || epoch === config.epochs) {
      if (evaluate(epoch)) {
        stoppedEarly = epoch < config.epochs;
        break;
      }
      if (checkpointing && epoch < config.epochs) saveCheckpoint(epoch);
    }
  }
  if (evaluations.length === 0) evaluate(epochsRun);
  if (selector.bestEpoch < 0) {
    warn(`the selection metric ${config.metric} on ${selectOn} was never a number in ${evaluations.length} evaluation(s): ` +
      'no best epoch, so no test metrics and no weights');
  }
  progress.done();
  if (checkpointing && interrupted && existsSync(join(opts.runDir!, CHECKPOINT_FILE))) {
    warn(`interrupted: \`hardneg train --resume ${opts.runDir}\` continues from the checkpoint (the last evaluation before the interruption)`);
  }

  const result: RunResult = {
    config, backend, dataset: stats, selectOn, carvedValid, metric: config.metric, bestEpoch: selector.bestEpoch,
    best: bestSel, test: bestTest, randomRecall: rnd, epochsRun, stoppedEarly, interrupted, evaluations, epochs, warnings,
    seconds: { total: secondsBefore + (now() - t0) / 1000, train: trainMs / 1000, eval: evalMs / 1000 },
    perUserTest, resumedFrom, weights: bestWeights, runDir: opts.runDir,
  };
  if (writer) writer.writeResult(result);
  // Finished and written: the checkpoint has done its job (removed only now, so a kill while writing the results
  // still leaves it). An interrupted run keeps it, so it can go on from there.
  if (checkpointing && !interrupted) removeCheckpoint(opts.runDir!);
  emit({ type: 'end', result });
  return result;
}

/** The K of the selection metric (re-exported for callers formatting tables). */
export { metricK };
