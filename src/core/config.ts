// The shape of a run's configuration: the one vocabulary every layer shares (the experiment layer resolves and
// validates it, the training loop reads its settings, reports print it). Types only; experiments/config.ts owns
// parsing, defaults and validation.

export type DatasetConfig = string | ({ name?: string; format?: string; path?: string } & Record<string, unknown>);

export type L2Form = 'ego' | 'pooledNorm' | 'pooledNormPositives';

export interface RunConfig {
  /** The preset the config started from (informational once resolved). */
  preset?: string;
  /** A short name (`synthetic`, `lastfm`, `gowalla`, `ml-100k`) or a loader spec passed to `loadDataset`. */
  dataset: DatasetConfig;
  encoder: { name: string; dim: number; layers: number } & Record<string, unknown>;
  sampler: { name: string } & Record<string, unknown>;
  /** null: the sampler's preferredLoss if it has one, else BPR. */
  loss: ({ name: string } & Record<string, unknown>) | null;
  optimizer: { name: 'adam' | 'adagrad' | 'sgd'; lr: number; lazy: boolean; weightDecay: number };
  /** λ of the reference codes' batch L2 on ego rows: λ·½(‖u⁰‖²+‖i⁰‖²+‖j⁰‖²)/B. */
  l2: number;
  /**
   * The L2 term's form (default 'ego'): 'ego', the squared norms of the ego rows above (LightGCN-PyTorch, DINS);
   * 'pooledNorm', SELFRec's λ·(‖U‖_F/B + ‖I⁺‖_F/B + ‖I⁻‖_F/(B·K)) over the batch's pooled (propagated) rows, a norm
   * and not its square (its SGL); 'pooledNormPositives', the same over users and positives only (its SimGCL).
   */
  l2Form?: L2Form;
  batchSize: number;
  /** 'interactions': every training pair once per epoch, shuffled; 'users': LightGCN-PyTorch's user sampling. */
  /**
   * 'interactions' | 'users' | 'groups' (GDNS: `batchSize` users per step, each as `groupSize` rows with
   * positives drawn with replacement).
   */
  batching: 'interactions' | 'users' | 'groups';
  /** Steps per epoch for 'users' batching; null = ⌈#train interactions / batchSize⌉. */
  stepsPerEpoch: number | null;
  epochs: number;
  evalEvery: number;
  /** Evaluations without improvement before stopping; 0 disables early stopping. */
  patience: number;
  metric: string;
  ks: number[];
  seed: number;
  selectOn: 'valid' | 'test';
  /** Share of each user's training items carved into a validation split when the dataset has none. */
  validFraction: number;
  /** When testing, mask validation items too (they are not test positives). */
  maskValidWhenTesting: boolean;
  /**
   * Also evaluate test at every evaluation (for test curves, as in PDNS Fig. 4): recorded in metrics.jsonl, never
   * used for selection. Off by default: it doubles the evaluation time.
   */
  testCurve?: boolean;
  /** Rows (positives) per user for 'groups' batching: GDNS's N (default 32). */
  groupSize?: number;
  /**
   * 'full' (default): rank every item the user has not trained on. 'sampled': rank each held-out positive against
   * `evalNegatives` fixed negatives (NCF/SRNS/GDNS protocol; the dataset's own test lists when it has them).
   */
  evalProtocol?: 'full' | 'sampled';
  /** Negatives per positive for the sampled protocol (default 100). */
  evalNegatives?: number;
  /**
   * Sampled protocol: test against this many independently drawn negative lists (contrastive DNS: 10), each metric
   * the mean over the draws, the per-draw values kept (EvalRecord.testDraws, summary testDraws); default 1.
   * Validation always uses one list.
   */
  evalDraws?: number;
  /** Per-epoch learning-rate schedule (training/schedule.ts); absent or null = constant optimizer.lr. */
  lrSchedule?: ({ name: 'constant' | 'step' | 'cosine' | 'exponential' } & Record<string, unknown>) | null;
  /** Count a selection value equal to the best as an improvement (the DINS/MixGCF code's `>=`); default false. */
  improveOnTie?: boolean;
  /**
   * PDNS §4.2 simulation (needs a dataset with a false-negative set, split 'fn'): reveal `fraction` c of each user's
   * false negatives to the samplers, `step` (0.2) at a time, at the epochs `at` or every `every` epochs after the
   * validation peak; revealed items are never drawn as negatives (training/reveal.ts). Absent or null: off.
   */
  revealFalseNegatives?: { fraction: number; step?: number; at?: number[]; every?: number } | null;
  /**
   * Warm start: a finished run folder whose model.safetensors initialises the encoder's parameters (instead of the
   * 'init' draws; experiments/warmStart.ts). Absent or null = a fresh initialisation.
   */
  initFrom?: string | null;
}
