// GDNS (../shared/papers/gdns.md): Tables 2–3 and Figures 4–7, on GMF with AdaGrad, leave-one-out, each held-out
// item ranked against 100 sampled negatives. The paper uses ML-1M and Pinterest; we hold neither and run on
// MovieLens-100K (ratings ≥ 4, 4-core) with the paper's protocol (the `gdns-gmf` preset).
import type { Arm, Budget, ReproItem } from '../types.js';

const SEEDS3 = [2024, 2025, 2026];

function budgets(quickEpochs = 40, fullEpochs = 300): Record<'quick' | 'full', Budget> {
  return {
    quick: { dataset: { name: 'ml-100k', ratingThreshold: 4, kcore: 4, split: 'loo:latest:valid' }, seeds: [2024],
      overrides: { epochs: quickEpochs, evalEvery: 5, patience: 4 }, note: `ML-100K ratings ≥ 4, 4-core, leave-one-out, ${quickEpochs} epochs, 1 seed` },
    full: { dataset: { name: 'ml-100k', ratingThreshold: 4, kcore: 4, split: 'loo:latest:valid' }, seeds: SEEDS3,
      overrides: { epochs: fullEpochs, evalEvery: 5, patience: 10 }, note: `ML-100K ratings ≥ 4, 4-core, leave-one-out, ≤ ${fullEpochs} epochs, 3 seeds` },
  };
}

const DIFFERENCES = [
  'ML-1M and Pinterest are not held: MovieLens-100K (ratings ≥ 4, 4-core) with the paper\'s leave-one-out protocol instead; its test negatives are drawn by us (the paper uses the SRNS files)',
  'Batch 128 users of ML-100K\'s 943 (the paper: 1024 of ML-1M\'s 6,040), so an epoch has several updates',
  'Means over 3 seeds',
];

/** Pairwise baselines on GMF: every sampler trains with a BPR-style loss on one negative per pair. */
function pairwise(id: string, label: string, sampler: Record<string, unknown>, extra: Record<string, unknown> = {}): Arm {
  return {
    id, label, preset: 'gdns-gmf',
    overrides: { sampler, loss: null, batching: 'interactions', batchSize: 1024, optimizer: { name: 'adagrad', lr: 0.09 }, ...extra },
  };
}

export const GDNS_ITEMS: ReproItem[] = [
  {
    paper: 'gdns', id: 'table2', kind: 'table', title: 'Dataset statistics', source: 'Table 2, §4.1',
    paperData: ['Movielens-1m', 'Pinterest'], differences: ['Neither is held; ML-100K with the same preprocessing is shown as our stand-in'],
    stats: [
      { paper: 'Movielens-1m', ours: null, users: 6028, items: 3533, interactions: 563186 + 2 * 6028, extra: { train: 563186, valid: 6028, test: 6028 } },
      { paper: 'Pinterest', ours: null, users: 55187, items: 9916, interactions: 1390435 + 2 * 55187, extra: { train: 1390435, valid: 55187, test: 55187 } },
      { paper: '(stand-in) MovieLens-100K ≥ 4, 4-core, loo', ours: { name: 'ml-100k', ratingThreshold: 4, kcore: 4, split: 'loo:latest:valid' }, users: null, items: null, interactions: null },
    ],
  },
  {
    paper: 'gdns', id: 'table3', kind: 'table', title: 'Performance comparison (GMF)', source: 'Table 3, §4.5',
    paperData: ['Movielens-1m', 'Pinterest'],
    differences: [...DIFFERENCES, 'AOBPR (sampler `aobpr`, on GMF through the factor weights w ⊙ p_u): λ = 0.05·|I| and factor orderings rebuilt every |I| ln |I| draws — hardneg defaults; the GDNS paper states no AOBPR settings. NNCF is popularity^0.75 negatives (preset `nncf-gmf` runs it alone); ENMF is the whole-data loss `enmf` on GMF with each user once per epoch and all of its items (preset `enmf-gmf`; no dropout on the user rows by default, where the code keeps 0.7: `loss.dropout` 0.3)'],
    metric: 'ndcg@3', metrics: ['ndcg@1', 'ndcg@3', 'recall@3'],
    groups: [{
      id: 'gmf', label: 'GMF', arms: [
        pairwise('uniform', 'Uniform', { name: 'uniform' }),
        { id: 'enmf', label: 'ENMF', preset: 'enmf-gmf' },
        pairwise('nncf', 'NNCF', { name: 'popularity', gamma: 0.75 }),
        pairwise('aobpr', 'AOBPR', { name: 'aobpr' }),
        pairwise('irgan', 'IRGAN', { name: 'irgan' }),
        pairwise('rnsas', 'RNS-AS', { name: 'rnsas' }),
        pairwise('advir', 'AdvIR', { name: 'advir' }),
        pairwise('srns', 'SRNS', { name: 'srns' }),
        { id: 'gdns', label: 'GDNS', preset: 'gdns-gmf', tune: [{ key: 'sampler.alpha', values: [0.1, 0.2, 0.5] }] },
      ],
    }],
    budgets: budgets(),
    paperNumbers: [{
      source: 'Table 3, Movielens-1m columns', dataset: 'Movielens-1m', metrics: ['ndcg@1', 'ndcg@3', 'recall@3'],
      rows: {
        enmf: [0.1846, 0.3021, 0.3882], uniform: [0.1744, 0.2846, 0.3663], nncf: [0.0829, 0.1478, 0.1971], aobpr: [0.1802, 0.2905, 0.3728],
        irgan: [0.1755, 0.2877, 0.3708], rnsas: [0.1823, 0.2932, 0.3754], advir: [0.1790, 0.2941, 0.3792], srns: [0.1933, 0.3070, 0.3912],
        gdns: [0.1936, 0.3101, 0.4007],
      },
    }],
    claims: [
      { text: 'GDNS outperforms SRNS and uniform sampling', metric: 'ndcg@3', order: ['gdns', 'srns', 'uniform'] },
      { text: 'NNCF (popularity^0.75) is the weakest fixed sampler', metric: 'ndcg@3', order: ['uniform', 'nncf'] },
    ],
  },
  {
    paper: 'gdns', id: 'fig4', kind: 'figure', title: 'NDCG@1 of GDNS\'s variants during training (w/o group-wise loss, w/o G)', source: 'Figure 4, §4.5',
    paperData: ['Movielens-1m', 'Pinterest'], differences: [...DIFFERENCES, 'The unvisited-pair rule of Algorithm 1 (H = G = 1) is the default; `sampler.unvisited: userMean` is the documented alternative (docs/results/gdns-ml100k.md)'],
    metric: 'ndcg@3', metrics: ['ndcg@1', 'ndcg@3', 'recall@3'], curves: true,
    groups: [{
      id: 'variants', label: 'GDNS variants', arms: [
        { id: 'gdns', label: 'GDNS', preset: 'gdns-gmf' },
        { id: 'no-group', label: 'w/o group-wise loss', preset: 'gdns-gmf', overrides: { sampler: { name: 'gdns', groupLoss: false } } },
        { id: 'no-g', label: 'w/o G', preset: 'gdns-gmf', overrides: { sampler: { name: 'gdns', select: 'expectation' } } },
      ],
    }],
    budgets: budgets(40, 300),
    claims: [{ text: 'Both components help: GDNS above its variants', metric: 'ndcg@1', order: ['gdns', 'no-g'] }, { text: 'The group-wise loss helps', metric: 'ndcg@1', order: ['gdns', 'no-group'] }],
  },
  {
    paper: 'gdns', id: 'fig5', kind: 'figure', title: 'H and G of planted false negatives against true negatives', source: 'Figure 5, §4.6',
    paperData: ['Movielens-1m', 'Pinterest'], differences: DIFFERENCES,
    notRunnable: 'a distribution study, not a comparison of arms: see docs/results/gdns-fn-analysis.md for its command',
  },
  {
    paper: 'gdns', id: 'fig6', kind: 'figure', title: 'Performance by group size N', source: 'Figure 6, §4.7',
    paperData: ['Movielens-1m', 'Pinterest'], differences: DIFFERENCES,
    metric: 'ndcg@3', metrics: ['ndcg@1', 'ndcg@3', 'recall@3'],
    groups: [{ id: 'n', label: 'GDNS by N', arms: [{ id: 'gdns', label: 'GDNS', preset: 'gdns-gmf', axis: { key: 'groupSize', values: [4, 8, 16, 32, 64, 128] } }] }],
    budgets: budgets(),
    claims: [{ text: 'Larger groups help up to N = 32', metric: 'ndcg@3', order: ['gdns@32', 'gdns@4'] }],
  },
  {
    paper: 'gdns', id: 'fig7', kind: 'figure', title: 'Performance by smoothing parameter α', source: 'Figure 7, §4.7',
    paperData: ['Movielens-1m', 'Pinterest'], differences: DIFFERENCES,
    metric: 'ndcg@3', metrics: ['ndcg@1', 'ndcg@3', 'recall@3'],
    groups: [{ id: 'alpha', label: 'GDNS by α', arms: [{ id: 'gdns', label: 'GDNS', preset: 'gdns-gmf', axis: { key: 'sampler.alpha', values: [0.1, 0.2, 0.5, 0.7, 0.9] } }] }],
    budgets: budgets(),
    claims: [{ text: 'α 0.2 (the paper\'s choice) beats α 0.9', metric: 'ndcg@3', order: ['gdns@0.2', 'gdns@0.9'] }],
  },
];
