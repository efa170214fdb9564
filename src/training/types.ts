// The records a training run produces and the events it emits: what the run store writes, reports read and
// library users receive. Kept apart from the loop so that the store and the report need not import it.
import type { RunConfig } from '../core/config.js';
import type { EvalEmbeddings } from '../evaluation/fullRanking.js';
import type { EpochDiagnostics } from '../evaluation/diagnostics.js';
import type { Split } from '../evaluation/protocol.js';
import type { RevealRecord } from './reveal.js';

export type { Split };

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
  /** With `evalDraws` > 1: the test metrics of each draw of negative lists (`test` is their mean). */
  testDraws?: Array<Record<string, number>>;
  /**
   * Embedding entropy (contrastive DNS eq. 6) of the final embeddings evaluated here: all users and all items,
   * softmax per row, −Σ p log p / dim summed over the rows (evaluation/diagnostics.ts `embeddingEntropy`). With
   * evalEvery 1 and early stopping off it is the per-epoch curve of the paper's Fig. 3 (over all rows, not only
   * the negatives; divide by numUsers + numItems for a per-row value).
   */
  entropy?: number;
  seconds: number;
}

export interface EpochRecord {
  epoch: number;
  /** Mean total objective per pair (ranking loss + every weighted term). */
  loss: number;
  /**
   * The objective's parts, mean per pair: 'loss' (the ranking loss) and each named term's weight·value ('l2',
   * an encoder's contrastive term, …).
   */
  terms?: Record<string, number>;
  seconds: number;
  pairsPerSec: number;
  diagnostics: EpochDiagnostics;
  /** The learning rate of the epoch, when config.lrSchedule is set. */
  lr?: number;
  /** PDNS simulation (config.revealFalseNegatives): the false negatives revealed to the samplers during the epoch. */
  revealed?: RevealRecord;
  /** Per-epoch analyses a run attached (e.g. GDNS's H/G distributions of planted false negatives). */
  analysis?: Record<string, unknown>;
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

/** The versions a run was made with (runs written before they were recorded have none). */
export interface RunVersions {
  hardneg: string;
  node: string;
}

export interface RunResult {
  config: RunConfig;
  backend: BackendRecord;
  /** hardneg's and Node's versions (set by `train()`; absent from a bare trainLoop result). */
  versions?: RunVersions;
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
  /** With `evalDraws` > 1: the test metrics of each draw at the best epoch (`test` is their mean); else absent. */
  testDraws?: Array<Record<string, number>>;
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
  /** The warm start's source (config initFrom): run folder, its best epoch, data fingerprint, tensors loaded. */
  initFrom?: { run: string; bestEpoch: number | null; fingerprint: string; tensors: string[] };
}
