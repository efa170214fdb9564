// Named starting configurations. A run's config = preset + overrides (deep merge), then validated.
// Values come from ../shared/docs/methods.md (DINS/PDNS defaults, LightGCN-PyTorch protocol).
import { Registry, type RegistryEntry } from '../core/registry.js';
import { encoders, isGraphEncoder } from '../encoders/index.js';
import { type RunConfig, ConfigError, deepMerge, normaliseConfig, validateConfig } from './config.js';

/** Shared defaults every preset starts from. */
const BASE: RunConfig = {
  dataset: 'synthetic',
  encoder: { name: 'mf', dim: 64, layers: 0, init: 'xavier' },
  sampler: { name: 'uniform' },
  loss: null,
  optimizer: { name: 'adam', lr: 1e-3, lazy: false, weightDecay: 0 },
  l2: 1e-4,
  batchSize: 2048,
  batching: 'interactions',
  stepsPerEpoch: null,
  epochs: 100,
  evalEvery: 1,
  patience: 10,
  metric: 'recall@20',
  ks: [20],
  seed: 2024,
  selectOn: 'valid',
  validFraction: 0.1,
  maskValidWhenTesting: true,
};

/** A preset's config: any top-level key, and method blocks (encoder, optimizer, …) given in part. */
export type PresetConfig = { [K in keyof RunConfig]?: NonNullable<RunConfig[K]> extends unknown[] ? RunConfig[K]
  : NonNullable<RunConfig[K]> extends object ? Partial<NonNullable<RunConfig[K]>> & Record<string, unknown> : RunConfig[K] }
  & Record<string, unknown>;

/**
 * GDNS's data and protocol on ML-100K (gdns.md): ratings ≥ 4, 4-core, one validation and one test item per user
 * (latest), each ranked against 100 sampled negatives, NDCG@3; GMF dim 32 with AdaGrad. Shared by GDNS and the
 * baselines of its Table 3 run as presets (NNCF, ENMF).
 */
const GDNS_GMF_PROTOCOL = {
  // One validation item per user (the paper's protocol); before, validation was a 10% carve of each user's latest
  // training items (split 'loo:latest' keeps that behaviour).
  dataset: { name: 'ml-100k', ratingThreshold: 4, kcore: 4, split: 'loo:latest:valid' },
  encoder: { name: 'gmf', dim: 32 },
  optimizer: { name: 'adagrad', lr: 0.09 },
  l2: 0,
  epochs: 300,
  evalEvery: 5,
  ks: [1, 3],
  metric: 'ndcg@3',
  evalProtocol: 'sampled',
  evalNegatives: 100,
} satisfies PresetConfig;

/** Each preset states only what differs from BASE (`hardneg train --print-config -p NAME` shows it resolved). */
export const PRESETS: Record<string, { description: string; config: PresetConfig; expected?: string }> = {
  quickstart: {
    expected: 'a few seconds (measured: 0.6 s of training and evaluation, 1.3 s wall with start-up, on a 2-core machine at load ≈ 1)',
    description: 'The built-in synthetic example: 20-dim MF + BPR with uniform negatives, a few seconds',
    config: {
      encoder: { dim: 20, init: 'normal' },
      optimizer: { lr: 0.01 },
      batchSize: 256,
      epochs: 20,
      evalEvery: 2,
      patience: 3,
      ks: [10, 20],
    },
  },
  'lightgcn-pytorch': {
    expected: '≈ 9 h on Gowalla (measured: one epoch of 396 steps in 31 s and an evaluation in 2.9 s on a 2-core machine at load ≈ 2, extrapolated to 1000 epochs and 100 evaluations); with -d lastfm a few minutes',
    description:
      'Official LightGCN-PyTorch protocol: normal(0.1) init, lr 1e-3, L2 1e-4, batch 2048 by users, one uniform ' +
      'negative, no validation (selects on test, with a warning), test every 10 epochs, 1000 epochs',
    config: {
      dataset: 'gowalla',
      encoder: { name: 'lightgcn', layers: 3, init: 'normal' },
      batching: 'users',
      epochs: 1000,
      evalEvery: 10,
      patience: 0,
      selectOn: 'test',
    },
  },
  'mf-bpr-gowalla': {
    expected: '≈ 20 min (measured: 5 epochs in 12.1 s and 2 evaluations in 6.1 s on a 2-core machine at load ≈ 1, extrapolated to 400 epochs and 80 evaluations); early stopping often ends it sooner; loaded machines take many times longer (34 s per epoch at load ≈ 15)',
    description: 'MF (dim 64) + BPR with uniform negatives on Gowalla, Adam lr 1e-3, L2 1e-4, batch 2048',
    config: {
      dataset: 'gowalla',
      epochs: 400,
      evalEvery: 5,
      ks: [20, 50],
    },
  },
  'dins-lightgcn': {
    expected: '≈ 12 h on Gowalla (measured: one epoch in 41 s and an evaluation in 4.9 s on a 2-core machine at load ≈ 2, extrapolated to 1000 epochs and 200 evaluations)',
    description: 'DINS on LightGCN (released defaults): dim 64, 3 layers, layers 1..L, lr 1e-3, L2 1e-4, batch 2048, m (M) 32, β 2',
    config: {
      dataset: 'gowalla',
      encoder: { name: 'lightgcn', layers: 3, includeEgoLayer: false },
      sampler: { name: 'dins', m: 32, beta: 2, k: 1 },
      epochs: 1000,
      evalEvery: 5,
      ks: [20, 50],
    },
  },
  'dins-ngcf': {
    expected: '≈ 7 days on Gowalla (measured: 20 steps in 16 s, about 0.8 s a step, and an evaluation in 18 s on a 2-core machine at load ≈ 2, extrapolated to 1000 epochs of 792 steps and 200 evaluations; measured before NGCF\'s fused layer op, which cut an NGCF step on Gowalla from 651 to ≈ 237 ms, so an upper bound)',
    description: 'DINS on NGCF (released defaults): dim 64, 3 layers 0..L concatenated, lr 1e-4, L2 1e-4, batch 1024, ' +
      'm (M) 64, β 7, the released code\'s per-layer query (variant code)',
    config: {
      dataset: 'gowalla',
      encoder: { name: 'ngcf', layers: 3 },
      sampler: { name: 'dins', m: 64, beta: 7, k: 1, variant: 'code' },
      optimizer: { lr: 1e-4 },
      batchSize: 1024,
      epochs: 1000,
      evalEvery: 5,
      ks: [20, 50],
    },
  },
  'pdns-mf': {
    expected: '≈ 40 min on Gowalla (measured: 5 epochs in 21.8 s and 2 evaluations in 5.4 s on a 2-core machine at load ≈ 1, extrapolated to 500 epochs and 100 evaluations)',
    description: 'PDNS on MF (Table 6, Gowalla): dim 64, m (H) 64, soft BPR β 0.2, lr 1e-3, λ 1e-2, batch 2048; Recall@50',
    config: {
      dataset: 'gowalla',
      sampler: { name: 'pdns', m: 64, beta: 0.2 },
      l2: 1e-2,
      epochs: 500,
      evalEvery: 5,
      ks: [20, 50],
      metric: 'recall@50',
    },
  },
  'gdns-gmf': {
    expected: '≈ 3 min (measured: 20 epochs in 10.4 s with 4 evaluations in 0.3 s on a 2-core machine at load ≈ 2, extrapolated to 300 epochs)',
    description: 'GDNS on GMF (gdns.md): dim 32, AdaGrad lr 0.09, groups of N 32 positives, group hinge γ 1; ' +
      'ML-100K ratings ≥ 4, 4-core, leave-one-out (latest item test, second latest validation, as the paper); ' +
      'each held-out item ranked against 100 sampled negatives, NDCG@3. ' +
      'The paper batches 1024 of ML-1M\'s 6,040 users; 128 of ML-100K\'s 943 keeps several updates per epoch',
    config: { ...GDNS_GMF_PROTOCOL, sampler: { name: 'gdns' }, batching: 'groups', groupSize: 32, batchSize: 128 },
  },
  'nncf-gmf': {
    expected: '≈ 45 s (measured: 10 epochs in 1.15 s and 2 evaluations in 0.19 s on a 2-core machine at load ≈ 2, extrapolated to 300 epochs and 60 evaluations)',
    description: 'NNCF\'s fixed negative sampler as the GDNS paper\'s baseline (gdns.md Table 3): non-positives ∝ popularity^0.75 ' +
      '(word2vec\'s unigram^0.75, which NNCF — Chen, Sun, Shi & Hong, KDD 2017 — adopts; gdns.md §4.4: "a power distribution based ' +
      'on item popularity"), pairwise BPR on GMF, the gdns-gmf data and protocol (ML-100K ≥ 4, 4-core, leave-one-out, 100 sampled ' +
      'negatives, NDCG@3), AdaGrad lr 0.09, batch 1024 interactions',
    config: { ...GDNS_GMF_PROTOCOL, sampler: { name: 'popularity', gamma: 0.75 }, batchSize: 1024 },
  },
  'enmf-gmf': {
    expected: '≈ 20 s at most (measured: 20 epochs with 4 evaluations in 1.2 s on a 2-core machine at load ≈ 1.5, extrapolated to 300 epochs; the default run stopped early at epoch 70 in 3.2 s)',
    description: 'ENMF (Chen et al., TOIS 2020) as the GDNS paper\'s non-sampling baseline (gdns.md Table 3): the whole-data ' +
      'weighted regression over every item (loss enmf: c⁻ 0.5 on every missing entry, c⁺ 1, the released code\'s defaults) ' +
      'on GMF, each user once per epoch with all of its training items (groups batching, groupSize 1, 128 users per step; the ' +
      'uniform sampler\'s negatives are unused), the gdns-gmf data and protocol (ML-100K ≥ 4, 4-core, leave-one-out, 100 ' +
      'sampled negatives, NDCG@3), AdaGrad lr 0.09; the code\'s user-row dropout (keep 0.7) is loss.dropout 0.3, off here',
    config: { ...GDNS_GMF_PROTOCOL, sampler: { name: 'uniform' }, loss: { name: 'enmf' }, batching: 'groups', groupSize: 1, batchSize: 128 },
  },
  'cdns-mf': {
    expected: '≈ 4 min at most (measured: 20 epochs in 7.2 s and 4 evaluations in 2.2 s on a 2-core machine at load ≈ 2, extrapolated to 500 epochs); early stopping usually ends it sooner',
    description: 'Contrastive DNS on BPR-MF with user/item/global biases (dns-contrastive.md): dim 64, Adam lr 1e-3, ' +
      'L2 1e-4, batch 1000, ≤ 500 epochs, lists of k 100 refreshed every n 5 epochs, eq. 5 loss (τ 0.2); ML-100K ' +
      '8:1:1, each test positive against 100 sampled negatives, NDCG/Recall/MAP@10; stop after 50 epochs ' +
      '(10 evaluations) without validation gain; test metrics averaged over 10 independently drawn test lists (evalDraws 10, as the paper). ' +
      'The cosine loss gives the biases no gradient, so they stay 0 and the model ranks as plain MF',
    config: {
      dataset: { name: 'ml-100k', split: 'ratio:8:1:1' },
      encoder: { name: 'bprmf', dim: 64 },
      sampler: { name: 'cdns', n: 5, k: 100, list: 'dissimilar' },
      batchSize: 1000,
      epochs: 500,
      evalEvery: 5,
      patience: 10,
      ks: [10],
      metric: 'ndcg@10',
      evalProtocol: 'sampled',
      evalNegatives: 100,
      evalDraws: 10,
    },
  },
  sgl: {
    description: 'SGL (SGL-Torch conf/SGL.ini): LightGCN 3 layers, dim 64, Xavier per table, edge-dropout views (ρ 0.1) redrawn every epoch, ' +
      'InfoNCE over all nodes τ 0.2, λ 0.1; Adam lr 1e-3, L2 1e-4, batch 2048, ≤ 1000 epochs, stop after 10 evaluations ' +
      'without gain; LastFM, Recall/NDCG@20',
    expected: '≈ 2.3 h at most on LastFM (measured: 2 epochs in 16.1 s on a 2-core machine at load ≈ 1, extrapolated to 1000 epochs); early stopping after 10 evaluations without gain usually ends it far sooner',
    config: {
      dataset: 'lastfm',
      // SGL-Torch initialises its user and item tables with one xavier_uniform_ each.
      encoder: { name: 'sgl', layers: 3, dim: 64, init: 'xavierTables', augmentation: 'ed', dropRatio: 0.1, clTemperature: 0.2, clWeight: 0.1 },
      epochs: 1000,
      evalEvery: 1,
      patience: 10,
    },
  },
  simgcl: {
    description: 'SimGCL (SELFRec conf/SimGCL.yaml): LightGCN 2 layers, dim 64, Xavier per table, noise ε 0.1, InfoNCE τ 0.2, λ 0.5 over the ' +
      'batch\'s distinct nodes; Adam lr 1e-3, L2 1e-4, batch 2048, 20 epochs (SELFRec\'s max.epoch); LastFM, Recall/NDCG@20. ' +
      '--set encoder.variant=xsimgcl with encoder.eps=0.2, encoder.clTemperature=0.15, encoder.clWeight=0.2 is SELFRec\'s XSimGCL',
    expected: '≈ 1.2 min on LastFM (measured: 2 epochs in 6.9 s on a 2-core machine at load ≈ 1, extrapolated to 20 epochs and 20 evaluations)',
    config: {
      dataset: 'lastfm',
      // SELFRec initialises its user and item tables with one xavier_uniform_ each.
      encoder: { name: 'simgcl', layers: 2, dim: 64, init: 'xavierTables', eps: 0.1, clTemperature: 0.2, clWeight: 0.5 },
      // SELFRec's l2_reg_loss: a norm over the batch's propagated user and positive rows.
      l2Form: 'pooledNormPositives',
      epochs: 20,
      evalEvery: 1,
      patience: 0,
    },
  },
  'recns-lightgcn': {
    description: 'RecNS on LightGCN (recns.md §5.1): dim 64, 3 layers, Xavier, Adam lr 1e-3, L2 1e-4, k 15 negatives from ' +
      'M 20 intermediate-region candidates (khop 3), augmented hinge γ 0.1; Recall/NDCG/HR@20, stop after 10 evaluations ' +
      'without gain. Gowalla has no exposure records, so every user falls back to C_u (use recns-ml100k for exposure)',
    expected: '≈ 21 h on Gowalla (measured: one epoch of 396 steps in 74.6 s and an evaluation in 5 s on a 2-core machine at load ≈ 2, extrapolated to 1000 epochs and 200 evaluations); early stopping often ends it sooner; use recns-ml100k for a run of minutes',
    config: {
      dataset: 'gowalla',
      encoder: { name: 'lightgcn', layers: 3 },
      sampler: { name: 'recns', m: 20, k: 15, khop: 3, margin: 0.1 },
      l2: 1e-4,
      epochs: 1000,
      evalEvery: 5,
      ks: [20],
    },
  },
  'recns-ngcf': {
    description: 'RecNS on NGCF (recns.md §5.1): dim 64, 3 layers, Adam lr 5e-4 (NGCF\'s own), L2 1e-5, k 15, M 20, khop 3, ' +
      'augmented hinge γ 0.1; Recall/NDCG/HR@20. Gowalla has no exposure records (every user falls back to C_u)',
    expected: '≈ 4 days on Gowalla (measured: one epoch of 396 steps in 318 s and an evaluation in 18 s on a 2-core machine at load ≈ 1, extrapolated to 1000 epochs and 200 evaluations; measured before NGCF\'s fused layer op, which cut an NGCF step ≈ 2.7×, so an upper bound); early stopping often ends it sooner',
    config: {
      dataset: 'gowalla',
      encoder: { name: 'ngcf', layers: 3 },
      sampler: { name: 'recns', m: 20, k: 15, khop: 3, margin: 0.1 },
      optimizer: { lr: 5e-4 },
      l2: 1e-5,
      epochs: 1000,
      evalEvery: 5,
      ks: [20],
    },
  },
  'recns-ml100k': {
    description: 'RecNS on LightGCN, ML-100K: ratings ≥ 4 positive, ratings 1–3 the exposure records (shown, not liked), ' +
      'random 8:1:1 per user; LightGCN row of recns.md (dim 64, 3 layers, lr 1e-3, L2 1e-4, k 15, M 20, khop 3 for a dense ' +
      'dataset, γ 0.1); Recall/NDCG/HR@20 on validation, patience 10 evaluations',
    expected: '≈ 7 min (measured: 2 epochs in 2.6 s and an evaluation in 0.07 s on a 2-core machine at load ≈ 1, extrapolated to 300 epochs and 60 evaluations); early stopping often ends it sooner',
    config: {
      dataset: { name: 'ml-100k', ratingThreshold: 4, split: 'ratio:8:1:1' },
      encoder: { name: 'lightgcn', layers: 3 },
      sampler: { name: 'recns', m: 20, k: 15, khop: 3, margin: 0.1 },
      l2: 1e-4,
      batchSize: 1024,
      epochs: 300,
      evalEvery: 5,
      ks: [20],
    },
  },
  'recns-pinsage': {
    description: 'The PinSage row of RecNS (recns.md §5.1) with uniform negatives (RNS), the base RecNS samplers plug ' +
      'into: 2 mean-aggregator layers, fan-out 25/10, dim 256, Xavier init, Adam lr 1e-3, L2 1e-3; hinge loss γ 0.1 ' +
      '(eq. 5 with k = 1 is the per-pair sigmoid hinge); ML-100K ratings ≥ 4 positive, 1–3 exposure, random 8:1:1 per ' +
      'user; Recall/NDCG/HR@20, early stop after 10 evaluations without validation gain. Batch size is not reported: 2048',
    expected: '≈ 45 min at most (measured: 2 epochs in 10.2 s and evaluations in 0.35 s on a 2-core machine at load ≈ 1, extrapolated to 500 epochs); early stopping usually ends it sooner',
    config: {
      dataset: { name: 'ml-100k', ratingThreshold: 4, split: 'ratio:8:1:1' },
      encoder: { name: 'pinsage', dim: 256, layers: 2, fanouts: [25, 10], init: 'xavier' },
      sampler: { name: 'uniform' },
      loss: { name: 'sigmoidHinge', margin: 0.1 },
      optimizer: { name: 'adam', lr: 1e-3 },
      l2: 1e-3,
      epochs: 500,
      evalEvery: 1,
      patience: 10,
      ks: [20],
      metric: 'recall@20',
    },
  },
};

export const DEFAULT_PRESET = 'quickstart';

/** A preset as the registry holds it. */
export interface PresetEntry extends RegistryEntry {
  readonly config: PresetConfig;
  /**
   * Expected run time of the preset as defined (all epochs, no early stop) on a 2-core machine, labelled measured or
   * estimated and from what; `hardneg train` prints it before the run starts.
   */
  readonly expected?: string;
}

/** Every preset; `presets.register({ name, describe, config })` adds one. */
export const presets = new Registry<PresetEntry>('preset');
for (const [name, p] of Object.entries(PRESETS)) presets.register({ name, describe: p.description, config: p.config, expected: p.expected });

export function presetNames(): string[] {
  return presets.names();
}

/**
 * Default propagation layers of an encoder that switches in: its schema's `layers` default (PinSage: 2), else 3 for
 * graph encoders and 0 for the MF family.
 */
function defaultLayers(encoder: string): number {
  const d = encoders.has(encoder) ? encoders.get(encoder).options.layers?.default : undefined;
  if (typeof d === 'number') return d;
  return isGraphEncoder(encoder) ? 3 : 0;
}

/**
 * Merges overrides into a config. Switching a method (`sampler.name`, `loss.name`, `encoder.name`) drops the old
 * method's own options, so e.g. DINS's `M`/`beta` never reach a uniform sampler; the encoder keeps `dim` and
 * `init`, and its `layers` default to the new encoder's (its schema default, else 3 for graph encoders, 0 otherwise)
 * unless given.
 */
export function mergeConfig(c: RunConfig, o: Record<string, unknown>): RunConfig {
  const base = structuredClone(c) as unknown as Record<string, unknown>;
  for (const key of ['sampler', 'loss', 'encoder'] as const) {
    const ov = o[key];
    const cur = base[key] as Record<string, unknown> | null;
    const newName = typeof ov === 'string' ? ov : ov && typeof ov === 'object' ? (ov as { name?: unknown }).name : undefined;
    if (typeof newName !== 'string' || (cur && cur.name === newName)) continue;
    if (key === 'encoder') {
      // Carry over what the new encoder accepts (a registered encoder may take neither dim, init nor layers).
      const schema = encoders.has(newName) ? encoders.get(newName).options : null;
      const takes = (k: string): boolean => schema === null || Object.prototype.hasOwnProperty.call(schema, k);
      const keep: Record<string, unknown> = {};
      for (const k of ['dim', 'init']) if (cur && takes(k) && cur[k] !== undefined) keep[k] = cur[k];
      if (takes('layers')) keep.layers = defaultLayers(newName);
      const given = typeof ov === 'object' ? (ov as Record<string, unknown>) : {};
      base.encoder = { ...keep, name: newName, ...given };
    } else {
      base[key] = typeof ov === 'string' ? { name: ov } : structuredClone(ov);
    }
  }
  const rest = { ...o };
  for (const key of ['sampler', 'loss', 'encoder']) if (typeof rest[key] === 'string') delete rest[key];
  // A dataset of another name (or format) replaces the old spec instead of inheriting its options (a preset's
  // ratingThreshold must not reach a dataset without ratings), as switching a method drops the old method's options.
  const ds = rest.dataset;
  const cur = (typeof base.dataset === 'string' ? { name: base.dataset } : base.dataset ?? {}) as { name?: unknown; format?: unknown };
  if (ds && typeof ds === 'object' && !Array.isArray(ds)) {
    const d = ds as { name?: unknown; format?: unknown };
    if ((typeof d.name === 'string' && d.name !== cur.name) || (typeof d.format === 'string' && d.format !== cur.format)) {
      base.dataset = structuredClone(ds);
      delete rest.dataset;
    }
  }
  // `--set dataset.synthetic.users=60` on a dataset given by its short name refines that dataset: the name stays.
  if (typeof base.dataset === 'string' && ds && typeof ds === 'object' && !Array.isArray(ds) &&
    !Object.prototype.hasOwnProperty.call(ds, 'name') && !Object.prototype.hasOwnProperty.call(ds, 'format')) {
    base.dataset = { name: base.dataset };
  }
  return deepMerge(base, rest) as unknown as RunConfig;
}

/** preset (default quickstart) + overrides (applied in order), validated and normalised. */
export function resolveConfig(
  preset: string | undefined,
  ...overrides: Array<Record<string, unknown> | undefined>
): RunConfig {
  const fromFile = overrides.find((o) => o && typeof o.preset === 'string')?.preset as string | undefined;
  const name = preset ?? fromFile ?? DEFAULT_PRESET;
  if (!presets.has(name)) throw new ConfigError([`preset: unknown preset '${name}' (known: ${presetNames().join(', ')})`]);
  const p = presets.get(name);
  let c: RunConfig = deepMerge(BASE, p.config);
  for (const o of overrides) if (o) c = mergeConfig(c, o);
  c.preset = name;
  return normaliseConfig(validateConfig(c));
}
