// The experiment runner: one call from a (partial) config and a dataset to a finished run. It resolves the config
// (preset, defaults, validation), carves a validation split when the dataset has none, builds every component
// from the registries, writes the run folder by listening to the training loop's events, and owns resume. The
// loop itself (training/loop.ts) sees built components only.
//
// Every random draw comes from Rng.stream(seed, name): 'init' (encoder), 'valid-split' (carved validation), and
// the run's named streams ('batch' order / user draws, 'sampler' prepare + sample, 'dropout' encoder pass, and any
// a component asks for), which checkpoints save by name.
import type { Dataset } from '../data/types.js';
import { trainView } from '../data/view.js';
import { union } from '../data/csr.js';
import { createEncoder } from '../encoders/index.js';
import type { Encoder } from '../encoders/types.js';
import { Rng } from '../core/rng.js';
import { backendInfo } from '../engine/kernels/index.js';
import { SamplerDiagnostics } from '../evaluation/diagnostics.js';
import { type Evaluator, type Split, evaluatorFor, protocolOf, randomRecall, sampledRandomRecall } from '../evaluation/protocol.js';
import { buildLoss } from '../losses/index.js';
import { createSampler } from '../samplers/index.js';
import type { Sampler } from '../samplers/types.js';
import { type Batcher, DEFAULT_GROUP_SIZE, groupBatcher, interactionBatcher, userBatcher } from '../training/batching.js';
import { type ValidCarve, carveValid, validCarveFor } from '../training/carve.js';
import { type TrainerCheckpoint, readCheckpoint, removeCheckpoint } from '../training/checkpoint.js';
import { trainLoop } from '../training/loop.js';
import { FalseNegativeReveal } from '../training/reveal.js';
import { type ProgressSink, silentProgress } from '../training/progress.js';
import { createLrSchedule } from '../training/schedule.js';
import { RunStreams } from '../training/streams.js';
import type { BackendRecord, EpochRecord, EvalRecord, RunResult, TrainEvent } from '../training/types.js';
import {
  backendWarning, canonicalSpec, checkCompatibility, checkEvaluable, checkMethodOptions, countOf, encoderOptions,
  makeOptimizer, samplerOptions,
} from './assemble.js';
import { ConfigError, type RunConfig, canonicalJson } from './config.js';
import type { TrainConfig } from './configTypes.js';
import { resolveConfig } from './presets.js';
import { RunWriter } from './runStore.js';
import { withRunFolder } from './runFolder.js';
import { checkDatasetShape } from '../data/check.js';
import { warmStart } from './warmStart.js';
import { runVersions } from '../io/version.js';

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
  /** Called after each epoch's training, before its evaluation, with the run's (carved) dataset: e.g.
   * `NegativeTracer.record` (samplers/trace.ts). It must not train or draw from the run's streams. */
  onEpochEnd?: (epoch: number, encoder: Encoder, dataset: Dataset) => void;
  /** Replace a run that runDir already holds (refused otherwise; experiments/runFolder.ts). */
  force?: boolean;
}

const now = (): number => performance.now();

/**
 * GDNS §4.6: with planted false negatives in the data, each epoch record gets `analysis.plantedFalseNegatives`, the
 * sampler's per-pair statistics (Sampler.inspectPairs: GDNS's H and G) of the planted pairs, of the held-out
 * valid/test positives (false negatives too, from the sampler's side) and of the other visited pairs.
 */
function plantedAnalysis(dataset: Dataset, sampler: Sampler, warn: (m: string) => void): ((epoch: number) => Record<string, unknown>) | null {
  const planted = dataset.plantedNegatives;
  if (!planted) return null;
  if (!sampler.inspectPairs) {
    warn(`the dataset has planted false negatives, but sampler '${sampler.name}' keeps no per-pair statistics to track them (GDNS does)`);
    return null;
  }
  const heldOut = dataset.valid ? union(dataset.valid, dataset.test) : dataset.test;
  return () => ({ plantedFalseNegatives: sampler.inspectPairs!({ planted, heldOut }) });
}

/**
 * Trains one run: the result holds the best-epoch metrics and weights. `config` may be partial (e.g.
 * `{ encoder: { name: 'mf', dim: 64 }, sampler: { name: 'dns', m: 64 } }`): it is completed from its `preset`
 * (default quickstart) and validated, exactly as the CLI does. Its type ({@link TrainConfig}) is generated from the
 * registries' option schemas, so an unknown option, a wrong value type or an unknown preset fails the build; the
 * same checks run again at run time (for JavaScript callers and configs read from files).
 *
 * @param config a partial config, typed; what it leaves out comes from its preset.
 * @param dataset the data, e.g. `loadDataset({ name: 'ml-100k' })`.
 * @param opts run folder, progress, resume, interruption and hooks.
 * @returns metrics at the best epoch on the selection split (`best`) and on test (`test`), and the weights.
 */
export async function train(config: TrainConfig, dataset: Dataset, opts?: TrainOptions): Promise<RunResult>;
/**
 * Trains one run from a complete config: what `resolveConfig(...)` returns or a run's config.json holds (a config
 * read at run time). Its method blocks are open records, checked at run time only.
 */
export async function train(config: RunConfig, dataset: Dataset, opts?: TrainOptions): Promise<RunResult>;
export async function train(partial: TrainConfig | RunConfig, dataset: Dataset, opts: TrainOptions = {}): Promise<RunResult> {
  // Inputs are checked before the run folder is touched; the folder is owned (locked) while this call writes it,
  // and an existing run in it is refused unless resuming or force (experiments/runFolder.ts).
  const config = resolveConfig(undefined, partial as unknown as Record<string, unknown>);
  checkMethodOptions(config);
  checkDatasetShape(dataset, 'train');
  return withRunFolder(opts.runDir, { resume: opts.resume, force: opts.force }, () => trainRun(config, dataset, opts));
}

/** One run of a resolved, checked config, inside its run folder. */
async function trainRun(config: RunConfig, dataset: Dataset, opts: TrainOptions): Promise<RunResult> {
  const t0 = now();
  const progress = opts.progress ?? silentProgress();
  const warnings: string[] = [];
  if (opts.resume && !opts.runDir) throw new Error('train: resume needs runDir, the run folder that holds the checkpoint');
  const resumed: TrainerCheckpoint<EpochRecord, EvalRecord> | null = opts.resume
    ? readCheckpoint(opts.runDir!) as TrainerCheckpoint<EpochRecord, EvalRecord> : null;
  const configKey = canonicalJson(config);
  if (resumed && resumed.config !== configKey) {
    throw new Error(`${opts.runDir}: the checkpoint was written under another config; resume with the run's own config.json`);
  }
  const checkpointing = opts.runDir !== undefined && opts.checkpoint !== false;
  let writer: RunWriter | null = null;
  const emit = (e: TrainEvent): void => {
    // The run store listens first, so a checkpoint written after an evaluation counts that evaluation's line.
    if (writer && (e.type === 'epoch' || e.type === 'eval')) writer.appendMetrics({ type: e.type, ...e.record });
    opts.onEvent?.(e);
    if (e.type === 'warning') progress.message(`warning: ${e.message}`);
  };
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const seed = config.seed;
  const backend: BackendRecord = backendInfo();
  const versions = runVersions();
  const ck = resumed?.kernels;
  if (ck && (ck.backend !== backend.name || (ck.build ?? null) !== (backend.kernels ?? null))) {
    // The two kernel builds (and the JS backend) differ in the last bits: going on under another would silently
    // break the bit-identity of a resumed run.
    throw new ConfigError([`resume: the checkpoint in ${opts.runDir} was written by the ${ck.backend} backend` +
      `${ck.build ? ` with ${ck.build} kernels` : ''}; this process runs ${backend.name}${backend.kernels ? ` with ${backend.kernels} kernels` : ''}` +
      `${ck.build ? ` (set HARDNEG_KERNELS=${ck.build} to resume it bit for bit)` : ` (set HARDNEG_BACKEND=${ck.backend})`}`]);
  }
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
  writer = opts.runDir ? new RunWriter(opts.runDir, resumed?.counters.metricsLines) : null;
  const stats = {
    name: dataset.name, fingerprint: dataset.fingerprint, numUsers: dataset.numUsers, numItems: dataset.numItems,
    train: countOf(dataset.train), valid: countOf(dataset.valid), test: countOf(dataset.test),
  };

  const encoder = createEncoder(config.encoder.name, dataset, encoderOptions(config), Rng.stream(seed, 'init'));
  // Warm start: the parameters of a finished run replace the 'init' draws (a resume then restores its checkpoint's).
  const initFrom = config.initFrom ? warmStart(encoder, config.initFrom, dataset.fingerprint, warn) : null;
  const sampler = createSampler(config.sampler.name, samplerOptions(config)) as Sampler;
  checkCompatibility(sampler, encoder, dataset);
  const lossSpec = config.loss ?? sampler.preferredLoss ?? { name: 'bpr' };
  if (config.loss && sampler.preferredLoss && canonicalSpec(config.loss) !== canonicalSpec(sampler.preferredLoss)) {
    // e.g. PDNS under a preset that pins BPR would silently train as plain DNS.
    warn(`sampler ${sampler.name} prescribes the loss ${canonicalSpec(sampler.preferredLoss)}; the config's loss ` +
      `${canonicalSpec(config.loss)} overrides it (set loss: null to use the sampler's)`);
  }
  const loss = buildLoss(lossSpec as { name: string });
  const streams = new RunStreams(seed);
  let reveal: FalseNegativeReveal | null = null;
  if (config.revealFalseNegatives) {
    if (!dataset.falseNegatives) {
      throw new ConfigError([`revealFalseNegatives: dataset '${dataset.name}' has no false-negative set to reveal (use split 'fn', PDNS §4.2)`]);
    }
    reveal = new FalseNegativeReveal(dataset.falseNegatives, config.revealFalseNegatives, seed);
  }
  sampler.prepare?.(trainView(dataset), streams.get('sampler'));
  const optimizer = makeOptimizer(config, encoder);
  const lrAt = config.lrSchedule ? createLrSchedule(config.lrSchedule as never, config.optimizer.lr, config.epochs) : null;
  if (sampler.needs?.groups && config.batching !== 'groups') {
    throw new ConfigError([`sampler: '${sampler.name}' works on user groups: set batching: groups (batchSize = users per step, groupSize = N)`]);
  }
  if (loss.needs?.groups && config.batching !== 'groups') {
    throw new ConfigError([`loss: '${loss.name}' is defined over user groups: set batching: groups`]);
  }
  if (loss.needs?.wholeData && encoder.scorerKind === 'dot+bias') {
    throw new ConfigError([`loss: '${loss.name}' needs a bilinear scorer ('dot' or 'gmf'); encoder '${encoder.name}' adds biases (use mf or gmf)`]);
  }
  const batcher: Batcher = config.batching === 'users'
    ? userBatcher(dataset.train, config.batchSize, config.stepsPerEpoch)
    : config.batching === 'groups'
      ? groupBatcher(dataset.train, config.batchSize, config.groupSize ?? DEFAULT_GROUP_SIZE)
      : interactionBatcher(dataset.train, config.batchSize);
  const evaluator: Evaluator = opts.evaluator ?? evaluatorFor(config, dataset);
  const protocol = protocolOf(config, dataset);
  const rnd = protocol.name === 'full'
    ? randomRecall(dataset, config.ks, config.maskValidWhenTesting) : sampledRandomRecall(protocol.negatives, config.ks);

  if (writer) {
    writer.writeConfig({ ...config, loss: config.loss ?? null, resolvedLoss: lossSpec, run: { backend, versions } });
    writer.writeDataset({ ...stats, spec: opts.datasetSpec ?? config.dataset, carvedValid, validFraction: carve?.validFraction ?? null, validMode: carve?.validMode ?? null, validStream: carve?.validStream ?? null, report: dataset.report });
  }
  emit({ type: 'start', stepsPerEpoch: batcher.stepsPerEpoch, pairsPerEpoch: batcher.pairsPerEpoch, selectSplit: selectOn, carvedValid });

  const w = writer;
  const result = await trainLoop(
    { encoder, sampler, loss, optimizer, batcher, evaluator, dataset, streams, diagnostics: new SamplerDiagnostics(dataset), reveal },
    config,
    {
      header: { config, backend, dataset: stats, selectOn, carvedValid, metric: config.metric, randomRecall: rnd },
      warnings, emit, progress, signal: opts.signal, keepWeights: opts.keepWeights, resume: resumed, startedAt: t0,
      runDir: opts.runDir, lrAt, onEpochEnd: opts.onEpochEnd, epochAnalysis: plantedAnalysis(dataset, sampler, warn),
      checkpoint: checkpointing && w ? { dir: opts.runDir!, config: configKey, metricsLines: () => w.metricsLines } : null,
    },
  );
  if (initFrom) result.initFrom = initFrom;
  result.versions = versions;
  if (w) w.writeResult(result, dataset);
  // Finished and written: the checkpoint has done its job (removed only now, so a kill while writing the results
  // still leaves it). An interrupted run keeps it, so it can go on from there.
  if (checkpointing && !result.interrupted) removeCheckpoint(opts.runDir!);
  emit({ type: 'end', result });
  return result;
}
