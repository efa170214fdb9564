// The training loop over built components: batches → step (encoder pass → sampler → scores → loss + terms →
// backward → optimiser), evaluation every `evalEvery` epochs on the selection split, early stopping with patience,
// test metrics reported at the best selection epoch, checkpoints after evaluations. It knows nothing of configs,
// presets or run folders' layout: the experiment layer (experiments/run.ts) assembles the components and listens
// to the events, which the run store writes.
import type { L2Form } from '../core/config.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../data/types.js';
import { trainView } from '../data/view.js';
import type { Encoder } from '../encoders/types.js';
import { heap } from '../engine/memory.js';
import type { Optimizer } from '../engine/optim.js';
import { type SamplerDiagnostics, embeddingEntropy } from '../evaluation/diagnostics.js';
import type { EvalEmbeddings } from '../evaluation/fullRanking.js';
import type { Evaluator, Split } from '../evaluation/protocol.js';
import type { Loss } from '../losses/types.js';
import type { Sampler } from '../samplers/types.js';
import type { Batcher } from './batching.js';
import type { FalseNegativeReveal } from './reveal.js';
import { type TrainerCheckpoint, CheckpointTooLargeError, writeCheckpoint, CHECKPOINT_FILE } from './checkpoint.js';
import { type ProgressSink, formatDuration, silentProgress } from './progress.js';
import { ModelSelector } from './selection.js';
import { createTrainStep } from './step.js';
import type { RunStreams } from './streams.js';
import type { EpochRecord, EvalRecord, RunResult, TrainEvent } from './types.js';

/** The built parts of a run. */
export interface LoopComponents {
  encoder: Encoder;
  sampler: Sampler;
  loss: Loss;
  optimizer: Optimizer;
  batcher: Batcher;
  evaluator: Evaluator;
  /** The run's data after its validation carve (evaluation reads valid/test; samplers get only its train view). */
  dataset: Dataset;
  streams: RunStreams;
  diagnostics: SamplerDiagnostics;
  /** PDNS simulation: false negatives revealed to the samplers on a schedule (training/reveal.ts). */
  reveal?: FalseNegativeReveal | null;
}

/** What the loop reads of the run's settings (RunConfig has them all). */
export interface LoopSettings {
  epochs: number;
  evalEvery: number;
  patience: number;
  metric: string;
  ks: readonly number[];
  selectOn: Split;
  testCurve?: boolean;
  maskValidWhenTesting: boolean;
  l2: number;
  l2Form?: L2Form;
  /** Count an equal selection score as an improvement (the DINS/MixGCF code does). */
  improveOnTie?: boolean;
}

/** The parts of the result fixed before training (config, backend, data, protocol). */
export type RunHeader = Pick<RunResult, 'config' | 'backend' | 'dataset' | 'selectOn' | 'carvedValid' | 'metric' | 'randomRecall'>;

export interface LoopOptions {
  header: RunHeader;
  /** Warnings so far (the loop appends its own); the result carries them. */
  warnings: string[];
  emit: (e: TrainEvent) => void;
  progress?: ProgressSink;
  signal?: AbortSignal;
  keepWeights?: boolean;
  /** Write checkpoints into `dir` after evaluations that do not end the run. */
  checkpoint?: { dir: string; config: string; metricsLines: () => number } | null;
  /** Continue from this checkpoint (the components were rebuilt from the same seed and data). */
  resume?: TrainerCheckpoint<EpochRecord, EvalRecord> | null;
  /** performance.now() when the run started (its wall time includes assembly). */
  startedAt?: number;
  runDir?: string;
  /** The learning rate of each epoch (a schedule); absent: the optimiser's own, unchanged. */
  lrAt?: ((epoch: number) => number) | null;
  /** Per-epoch analyses to attach to the epoch record (`analysis`), computed after the epoch's training. */
  epochAnalysis?: ((epoch: number) => Record<string, unknown> | null) | null;
  /** Called after each epoch's training, before its evaluation (e.g. NegativeTracer.record); must not train. */
  onEpochEnd?: (epoch: number, encoder: Encoder, dataset: Dataset) => void;
}

const now = (): number => performance.now();

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

/** Component names of checkpointed states. */
const SAMPLER = 'sampler';
const ENCODER = 'encoder';
const REVEAL = 'reveal';

export async function trainLoop(c: LoopComponents, s: LoopSettings, o: LoopOptions): Promise<RunResult> {
  const t0 = o.startedAt ?? now();
  const { encoder, sampler, optimizer, batcher, evaluator, dataset, streams, diagnostics: diag } = c;
  const progress = o.progress ?? silentProgress();
  const warnings = o.warnings;
  const emit = o.emit;
  const warn = (message: string): void => {
    warnings.push(message);
    emit({ type: 'warning', message });
  };
  const selectOn = s.selectOn;
  const maskValid = s.maskValidWhenTesting;
  const selector = new ModelSelector(s.patience, s.improveOnTie ?? false);
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
  const keepWeights = o.keepWeights ?? true;
  const params = encoder.parameters();
  const samplerRng = streams.get('sampler');
  const batchRng = streams.get('batch');
  const dropoutRng = streams.get('dropout');
  const reveal = c.reveal ?? null;
  // What samplers see; rebuilt when the reveal schedule changes the excluded set.
  let view = reveal?.revealed() ? trainView(dataset, reveal.revealed()) : trainViewOf(c);

  const resumed = o.resume ?? null;
  if (resumed) {
    // Everything that the remaining epochs read; the encoder, sampler.prepare and the carve were rebuilt from the
    // same seed and data, exactly as the first process built them.
    const where = o.runDir ?? 'checkpoint';
    if (resumed.params.length !== params.length || resumed.params.some((p, i) => p.name !== params[i].name)) {
      throw new Error(`${where}: the checkpoint's parameters (${resumed.params.map((p) => p.name).join(', ')}) are not the encoder's`);
    }
    resumed.params.forEach((p, i) => params[i].copyFrom(p.data));
    optimizer.setState(resumed.optimizer);
    streams.restore(resumed.rng);
    for (const [name, comp] of [[SAMPLER, sampler], [ENCODER, encoder]] as const) {
      const st = resumed.components[name];
      if (!st) continue;
      if (!comp.setState) throw new Error(`${where}: the checkpoint holds ${name} state that ${name} '${comp.name}' cannot take`);
      comp.setState(st);
    }
    const rs = resumed.components[REVEAL];
    if (rs && !reveal) throw new Error(`${where}: the checkpoint holds a false-negative reveal schedule that this run does not have`);
    if (reveal) {
      if (!rs) throw new Error(`${where}: the checkpoint has no state for this run's false-negative reveal schedule`);
      reveal.setState(rs);
      view = reveal.revealed() ? trainView(dataset, reveal.revealed()) : trainViewOf(c);
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
    progress.message(`resuming ${where} after epoch ${resumed.epoch} (best so far: epoch ${selector.bestEpoch})`);
  }

  /** Saves the state after `epoch` (evaluated, not the last): a killed run resumes here. */
  const saveCheckpoint = (epoch: number): void => {
    const ck = o.checkpoint!;
    writeCheckpoint(ck.dir, {
      epoch, config: ck.config, fingerprint: dataset.fingerprint,
      params: params.map((p) => ({ name: p.name, data: p.data })), // written synchronously: no copy needed
      optimizer: optimizer.getState(),
      rng: streams.states(),
      components: {
        [SAMPLER]: sampler.getState?.() ?? null, [ENCODER]: encoder.getState?.() ?? null,
        ...(reveal ? { [REVEAL]: reveal.getState() } : {}),
      },
      selector: selector.getState(), epochs, evaluations, bestSel, bestTest, perUserTest, bestWeights,
      counters: { pairsDone, trainMs, evalMs, secondsBefore: secondsBefore + (now() - t0) / 1000, metricsLines: ck.metricsLines() },
      resumedFrom,
      kernels: { backend: o.header.backend.name, build: o.header.backend.kernels ?? null },
    });
  };

  const evaluate = (epoch: number): boolean => {
    const te = now();
    const emb = encoder.embeddings();
    let stop = false;
    try {
      const sel = evaluator(emb, dataset, { split: selectOn, ks: s.ks, maskValidWhenTesting: maskValid, epoch });
      const value = sel.metrics[s.metric];
      const step = selector.update(epoch, value);
      stop = step.stop;
      reveal?.afterEvaluation(epoch, selector.bestEpoch);
      const rec: EvalRecord = {
        epoch, split: selectOn, metrics: sel.metrics, value, improved: step.improved, seconds: 0,
        entropy: embeddingEntropy(emb.users, emb.items, emb.dim),
      };
      // Test at a new best (reported), and at every evaluation for a test curve (recorded only).
      const test = selectOn === 'test' ? sel : step.improved || s.testCurve
        ? evaluator(emb, dataset, { split: 'test', ks: s.ks, maskValidWhenTesting: maskValid, epoch }) : null;
      if (test && selectOn !== 'test') rec.test = test.metrics;
      if (test?.draws) rec.testDraws = test.draws;
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
    encoder, sampler, lossFn: c.loss, optimizer, dataset, l2: s.l2, l2Form: s.l2Form, samplerRng, dropoutRng, streams, diagnostics: diag,
    view: () => view,
  });
  const totalPairs = batcher.pairsPerEpoch * s.epochs;
  const termSums = new Map<string, number>();
  let checkpointTooLarge = false;
  for (let epoch = epochsRun + 1; epoch <= s.epochs; epoch++) {
    const te = now();
    encoder.onEpochStart?.(epoch, streams);
    if (reveal?.beforeEpoch(epoch)) {
      view = reveal.revealed() ? trainView(dataset, reveal.revealed()) : trainViewOf(c);
      const r = reveal.record();
      progress.message(`epoch ${epoch}: ${r.count} of ${r.total} false negatives revealed to the sampler (step ${r.steps}, fraction ${r.fraction.toFixed(2)})`);
    }
    sampler.onEpochStart?.({ epoch, data: view, rng: samplerRng, streams, embeddings: () => encoder.embeddings() });
    if (o.lrAt) optimizer.lr = o.lrAt(epoch);
    diag.reset();
    termSums.clear();
    let lossSum = 0;
    let lossCount = 0;
    let step = 0;
    for (const batch of batcher.epoch(batchRng)) {
      if (o.signal?.aborted) {
        interrupted = true;
        break;
      }
      const ts = now();
      const b = batch.users.length;
      const { loss: lossValue, sampleMs, terms } = trainStep(batch, epoch, step);
      lossSum += lossValue * b;
      lossCount += b;
      for (const [k, v] of terms) termSums.set(k, (termSums.get(k) ?? 0) + v * b);
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
    const n = Math.max(1, lossCount);
    const rec: EpochRecord = {
      ...(o.lrAt ? { lr: optimizer.lr } : {}),
      epoch, loss: lossSum / n, terms: Object.fromEntries([...termSums].map(([k, v]) => [k, v / n])),
      seconds: (now() - te) / 1000, pairsPerSec: lossCount / Math.max(1e-9, (now() - te) / 1000), diagnostics: diag.summary(),
      ...(reveal ? { revealed: reveal.record() } : {}),
    };
    const analysis = o.epochAnalysis?.(epoch);
    if (analysis) rec.analysis = analysis;
    epochs.push(rec);
    o.onEpochEnd?.(epoch, encoder, dataset);
    emit({ type: 'epoch', record: rec });
    const eta = (s.epochs - epoch) * (now() - t0) / 1000 / epoch;
    const parts = termSums.size > 1 ? ` (${Object.entries(rec.terms!).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')})` : '';
    progress.epochEnd(`epoch ${epoch}/${s.epochs} loss ${rec.loss.toFixed(4)}${parts} ${rec.seconds.toFixed(2)}s ` +
      `gap ${rec.diagnostics.scoreGap.toFixed(3)} ETA ${formatDuration(eta)}`);
    if (interrupted) {
      warn(`interrupted during epoch ${epoch} after ${step} of ${batcher.stepsPerEpoch} steps; evaluated as it was`);
      evaluate(epoch);
      break;
    }
    if (epoch % s.evalEvery === 0 || epoch === s.epochs) {
      if (evaluate(epoch)) {
        stoppedEarly = epoch < s.epochs;
        break;
      }
      if (o.checkpoint && epoch < s.epochs && !checkpointTooLarge) {
        try {
          saveCheckpoint(epoch);
        } catch (e) {
          if (!(e instanceof CheckpointTooLargeError)) throw e;
          // Training goes on without further checkpoints; a resume goes on from the last one written (it replays the
          // epochs since, bit for bit, as after any kill).
          checkpointTooLarge = true;
          warn(`${e.message}: no further checkpoints are written; if the run stops, a resume starts again from the ` +
            'last one written (if any)');
        }
      }
    }
  }
  if (evaluations.length === 0) evaluate(epochsRun);
  if (selector.bestEpoch < 0) {
    warn(`the selection metric ${s.metric} on ${selectOn} was never a number in ${evaluations.length} evaluation(s): ` +
      'no best epoch, so no test metrics and no weights');
  }
  progress.done();
  if (o.checkpoint && interrupted && existsSync(join(o.checkpoint.dir, CHECKPOINT_FILE))) {
    warn(`interrupted: \`hardneg train --resume ${o.checkpoint.dir}\` continues from the checkpoint (the last evaluation before the interruption)`);
  }
  return {
    ...o.header, bestEpoch: selector.bestEpoch, best: bestSel, test: bestTest,
    // The best evaluation's record keeps its per-draw test metrics (and a resumed run its records): no extra state.
    ...testDrawsAt(evaluations, selector.bestEpoch),
    epochsRun, stoppedEarly, interrupted,
    evaluations, epochs, warnings,
    seconds: { total: secondsBefore + (now() - t0) / 1000, train: trainMs / 1000, eval: evalMs / 1000 },
    perUserTest, resumedFrom, weights: bestWeights, runDir: o.runDir,
  };
}

function testDrawsAt(evaluations: EvalRecord[], epoch: number): { testDraws?: Array<Record<string, number>> } {
  const d = evaluations.find((e) => e.epoch === epoch)?.testDraws;
  return d ? { testDraws: d } : {};
}

const views = new WeakMap<Dataset, ReturnType<typeof trainView>>();
/** The (cached) training view of the components' dataset. */
function trainViewOf(c: LoopComponents): ReturnType<typeof trainView> {
  let v = views.get(c.dataset);
  if (!v) views.set(c.dataset, (v = trainView(c.dataset)));
  return v;
}
