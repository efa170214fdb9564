// DINS (../shared/papers/dins.md): Tables 1–3, Figures 4–7, full ranking, Recall/NDCG@20, Xavier init, dim 64,
// 3 layers, batch 2048 (NGCF 1024). The paper's datasets (Amazon, Alibaba, Yelp2018) are not held: we run on LastFM
// (quick) and Gowalla (full), both in the LightGCN split; the paper's Yelp2018 numbers are shown for reference.
import type { Arm, Budget, ReproItem } from '../types.js';

const SEEDS3 = [2024, 2025, 2026];

function budgets(quickEpochs = 30): Record<'quick' | 'full', Budget> {
  return {
    quick: { dataset: 'lastfm', seeds: [2024], overrides: { epochs: quickEpochs, evalEvery: 5, patience: 3, ks: [20] }, note: `LastFM (LightGCN split), ${quickEpochs} epochs, 1 seed` },
    full: { dataset: 'gowalla', seeds: SEEDS3, overrides: { epochs: 1000, evalEvery: 5, patience: 10, ks: [20] }, note: 'Gowalla (LightGCN split), ≤ 1000 epochs, patience 10 evaluations, 3 seeds' },
  };
}

const DIFFERENCES = [
  'Amazon, Alibaba and Yelp2018 are not held: LastFM (quick) and Gowalla (full) in the LightGCN split instead; validation is a seeded 10% carve of each user\'s training items',
  'No grid over lr and weight decay (the paper tunes them); candidate pool and β are the released defaults unless the item sweeps them',
  'Means over 3 seeds',
];

const LGN = { encoder: { name: 'lightgcn', layers: 3, dim: 64, includeEgoLayer: false } };
const NGCF = { encoder: { name: 'ngcf', layers: 3, dim: 64 }, optimizer: { lr: 1e-4 }, batchSize: 1024 };
const MF = { encoder: { name: 'mf', dim: 64 } };

function table2Arms(backbone: Record<string, unknown>, ngcf: boolean): Arm[] {
  const m = (sampler: Record<string, unknown>) => ({ ...backbone, sampler });
  return [
    { id: 'rns', label: 'RNS', preset: 'dins-lightgcn', overrides: m({ name: 'uniform' }) },
    { id: 'popularity', label: 'Popularity', preset: 'dins-lightgcn', overrides: m({ name: 'popularity' }) },
    { id: 'dns', label: 'DNS', preset: 'dins-lightgcn', overrides: m({ name: 'dns', m: 32 }) },
    { id: 'irgan', label: 'IRGAN', preset: 'dins-lightgcn', overrides: m({ name: 'irgan' }) },
    { id: 'mixgcf', label: 'MixGCF', preset: 'dins-lightgcn', overrides: m({ name: 'mixgcf', m: 32, ...(ngcf ? { variant: 'code' } : {}) }) },
    { id: 'dins', label: 'DINS', preset: 'dins-lightgcn', overrides: m({ name: 'dins', m: 32, beta: ngcf ? 7 : 2, ...(ngcf ? { variant: 'code' } : {}) }),
      tune: [{ key: 'sampler.beta', values: [0.5, 1, 2, 4, 8] }] },
  ];
}

export const DINS_ITEMS: ReproItem[] = [
  {
    paper: 'dins', id: 'table1', kind: 'table', title: 'Statistics of the datasets', source: 'Table 1, §4.1',
    paperData: ['Alibaba', 'Yelp2018', 'Amazon'], differences: ['None of the three is held; our stand-ins are listed below them'],
    stats: [
      { paper: 'Alibaba', ours: null, users: 106042, items: 53591, interactions: 907407, extra: { density: 0.00016 } },
      { paper: 'Yelp2018', ours: 'yelp2018', users: 31668, items: 38048, interactions: 1561406, extra: { density: 0.0013 } },
      { paper: 'Amazon', ours: null, users: 192403, items: 63001, interactions: 1689188, extra: { density: 0.00014 } },
      { paper: '(stand-in) Gowalla', ours: 'gowalla', users: null, items: null, interactions: null },
      { paper: '(stand-in) LastFM', ours: 'lastfm', users: null, items: null, interactions: null },
    ],
  },
  {
    paper: 'dins', id: 'table2', kind: 'table', title: 'Performance comparison on LightGCN, NGCF and MF', source: 'Table 2, §4.2',
    paperData: ['Amazon', 'Alibaba', 'Yelp2018'], differences: DIFFERENCES,
    metric: 'recall@20', metrics: ['recall@20', 'ndcg@20'],
    groups: [
      { id: 'lightgcn', label: 'LightGCN', arms: table2Arms(LGN, false) },
      { id: 'ngcf', label: 'NGCF', arms: table2Arms(NGCF, true) },
      { id: 'mf', label: 'MF', arms: table2Arms(MF, false) },
    ],
    budgets: budgets(),
    paperNumbers: [
      { source: 'Table 2, Yelp2018 columns, LightGCN block', dataset: 'Yelp2018', group: 'lightgcn', metrics: ['recall@20', 'ndcg@20'],
        rows: { popularity: [0.0469, 0.0369], rns: [0.0605, 0.0493], dns: [0.0706, 0.0581], irgan: [0.0535, 0.0251], mixgcf: [0.0691, 0.0565], dins: [0.0738, 0.0604] } },
      { source: 'Table 2, Yelp2018 columns, NGCF block', dataset: 'Yelp2018', group: 'ngcf', metrics: ['recall@20', 'ndcg@20'],
        rows: { popularity: [0.0253, 0.0196], rns: [0.0561, 0.0457], dns: [0.0634, 0.0520], irgan: [0.0438, 0.0353], mixgcf: [0.0686, 0.0567], dins: [0.0709, 0.0586] } },
      { source: 'Table 2, Yelp2018 columns, MF block (MixGCF without hop mixing)', dataset: 'Yelp2018', group: 'mf', metrics: ['recall@20', 'ndcg@20'],
        rows: { popularity: [0.0382, 0.0317], rns: [0.0558, 0.0449], dns: [0.0663, 0.0547], irgan: [0.0412, 0.0338], mixgcf: [0.0642, 0.0525], dins: [0.0699, 0.0579] } },
    ],
    claims: [
      { text: 'DINS outperforms every baseline on LightGCN', group: 'lightgcn', metric: 'recall@20', order: ['dins', 'mixgcf', 'rns'] },
      { text: 'DINS outperforms every baseline on NGCF', group: 'ngcf', metric: 'recall@20', order: ['dins', 'mixgcf', 'rns'] },
      { text: 'DINS outperforms every baseline on MF', group: 'mf', metric: 'recall@20', order: ['dins', 'dns', 'rns'] },
    ],
  },
  {
    paper: 'dins', id: 'fig4', kind: 'figure', title: 'Ablations on LightGCN (A: random boundary, B: scalar mixup, C: first layer only)', source: 'Figure 4, §4.3',
    paperData: ['Amazon', 'Alibaba', 'Yelp2018'], differences: DIFFERENCES,
    metric: 'recall@20', metrics: ['recall@20', 'ndcg@20'],
    groups: [{
      id: 'lightgcn', label: 'DINS variants on LightGCN', arms: [
        { id: 'dins', label: 'DINS', preset: 'dins-lightgcn' },
        { id: 'A', label: 'A (random boundary)', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', variant: 'A' } } },
        { id: 'B', label: 'B (scalar mixup)', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', variant: 'B' } } },
        { id: 'C', label: 'C (first layer only)', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', variant: 'C' } } },
      ],
    }],
    budgets: budgets(),
    claims: [
      { text: 'Removing the hard boundary definition hurts', metric: 'recall@20', order: ['dins', 'A'] },
      { text: 'Scalar mixup is below dimension-wise mixup', metric: 'recall@20', order: ['dins', 'B'] },
      { text: 'Removing multi-hop pooling hurts', metric: 'recall@20', order: ['dins', 'C'] },
    ],
  },
  {
    paper: 'dins', id: 'fig5', kind: 'figure', title: 'Impact of β', source: 'Figure 5, §4.4.1',
    paperData: ['Amazon', 'Alibaba', 'Yelp2018'], differences: DIFFERENCES,
    metric: 'recall@20', metrics: ['recall@20', 'ndcg@20'],
    groups: [
      { id: 'lightgcn', label: 'LightGCN + DINS', arms: [{ id: 'dins', label: 'DINS', preset: 'dins-lightgcn', axis: { key: 'sampler.beta', values: [0, 0.5, 1, 2, 4, 8] } }] },
      { id: 'mf', label: 'MF + DINS', arms: [{ id: 'dins', label: 'DINS', preset: 'dins-lightgcn', overrides: MF, axis: { key: 'sampler.beta', values: [0, 0.5, 1, 2, 4, 8] } }] },
    ],
    budgets: budgets(),
    claims: [{ text: 'MF needs more of the positive than LightGCN (its best β is larger); checked here as β 2 above β 0 on MF', group: 'mf', metric: 'recall@20', order: ['dins@2', 'dins@0'] }],
  },
  {
    paper: 'dins', id: 'fig6', kind: 'figure', title: 'Impact of the candidate set size M (DNS, MixGCF, DINS)', source: 'Figure 6, §4.4.2',
    paperData: ['Amazon', 'Alibaba', 'Yelp2018'], differences: DIFFERENCES,
    metric: 'recall@20', metrics: ['recall@20', 'ndcg@20'],
    groups: [{
      id: 'lightgcn', label: 'LightGCN', arms: [
        { id: 'dns', label: 'DNS', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dns' } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } },
        { id: 'mixgcf', label: 'MixGCF', preset: 'dins-lightgcn', overrides: { sampler: { name: 'mixgcf' } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } },
        { id: 'dins', label: 'DINS', preset: 'dins-lightgcn', axis: { key: 'sampler.m', values: [8, 16, 32, 64] } },
      ],
    }],
    budgets: budgets(),
    claims: [{ text: 'Larger candidate sets help DINS (M 64 above M 8)', metric: 'recall@20', order: ['dins@64', 'dins@8'] }],
  },
  {
    paper: 'dins', id: 'table3', kind: 'table', title: 'Boundary item selection methods (Random, Min, Max, DP) on LightGCN', source: 'Table 3, §4.4.3',
    paperData: ['Amazon', 'Alibaba', 'Yelp2018'], differences: DIFFERENCES,
    metric: 'recall@20', metrics: ['recall@20', 'ndcg@20'],
    groups: [{
      id: 'lightgcn', label: 'LightGCN + DINS', arms: [
        { id: 'random', label: 'Random', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', boundary: 'random' } } },
        { id: 'min', label: 'Min', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', boundary: 'minVolume' } } },
        { id: 'max', label: 'Max', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', boundary: 'maxVolume' } } },
        { id: 'dp', label: 'DP (DINS)', preset: 'dins-lightgcn', overrides: { sampler: { name: 'dins', boundary: 'dot' } } },
      ],
    }],
    budgets: budgets(),
    paperNumbers: [{ source: 'Table 3, Yelp2018 columns', dataset: 'Yelp2018', metrics: ['recall@20', 'ndcg@20'], rows: { random: [0.0653, 0.0537], min: [0.0441, 0.0360], max: [0.0357, 0.0294], dp: [0.0738, 0.0606] } }],
    claims: [
      { text: 'DP is the best boundary rule, and even Random beats Min and Max', metric: 'recall@20', order: ['dp', 'random', 'min'] },
      { text: 'Random beats Max', metric: 'recall@20', order: ['random', 'max'] },
    ],
  },
  {
    paper: 'dins', id: 'fig7', kind: 'figure', title: 'Hard negatives sampled by RNS, MixGCF and DINS for a fixed interaction (2-D projection)', source: 'Figure 7, §4.5',
    paperData: ['Yelp2018'], differences: ['A projection study, not a comparison of arms'],
    notRunnable: 'a negative-tracing study: see docs/results/dins-negative-tracing.md for its command',
  },
];
