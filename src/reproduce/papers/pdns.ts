// PDNS (../shared/papers/pdns.md): Table 1–4 and Figures 2–4. The paper's real-data protocol: per-user temporal
// split (latest 10% test, the rest 8:1 train/valid), Recall/NDCG@50 selected on validation Recall@50, mean of 5
// seeds. Of its datasets we hold Gowalla (the LightGCN split, which has no timestamps) and MovieLens-100K.
import type { Arm, Budget, ReproItem } from '../types.js';

const SEEDS3 = [2024, 2025, 2026];

/** Gowalla as the paper's Table 2 (full) and ML-100K temporal 8:1:1 (quick). */
function realData(quickEpochs = 30): Record<'quick' | 'full', Budget> {
  return {
    quick: {
      dataset: { name: 'ml-100k', split: 'temporal:8:1:1' },
      seeds: [2024],
      overrides: { epochs: quickEpochs, evalEvery: 5, patience: 3, ks: [20, 50], metric: 'recall@50' },
      note: `ML-100K, per-user temporal 8:1:1, ${quickEpochs} epochs, 1 seed (a smoke check, not the study)`,
    },
    full: {
      dataset: 'gowalla',
      seeds: SEEDS3,
      overrides: { epochs: 500, evalEvery: 5, patience: 10, ks: [20, 50], metric: 'recall@50' },
      note: 'Gowalla (LightGCN split; validation carved from train), ≤ 500 epochs, patience 10 evaluations, 3 seeds',
    },
  };
}

const DIFFERENCES_REAL = [
  'Gowalla comes in the LightGCN split (no timestamps): its test set is the published 20%, not the latest 10% per user; validation is a seeded 10% carve of each user\'s training items',
  'Taobao and Tmall are not held; the quick budget uses MovieLens-100K with the paper\'s per-user temporal split instead',
  'Means over 3 seeds (the paper: 5)',
];

const MF = { encoder: { name: 'mf', dim: 64 }, optimizer: { lr: 1e-3 }, l2: 1e-2 };
const LGN = { encoder: { name: 'lightgcn', layers: 3, dim: 64 }, optimizer: { lr: 5e-3 }, l2: 1e-4 };

function arms(backbone: typeof MF | typeof LGN, gnn: boolean): Arm[] {
  const m = (sampler: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ...backbone, sampler, ...extra });
  const pool = { key: 'sampler.m', values: [8, 16, 32, 64] };
  const list: Arm[] = [
    { id: 'rns', label: 'RNS', preset: 'quickstart', overrides: m({ name: 'uniform' }) },
    { id: 'dns', label: 'DNS', preset: 'quickstart', overrides: m({ name: 'dns', m: 64 }), tune: [pool] },
    { id: 'srns', label: 'SRNS', preset: 'quickstart', overrides: m({ name: 'srns' }) },
    { id: 'gdns', label: 'GDNS', preset: 'quickstart', overrides: m({ name: 'gdns' }, { batching: 'groups' }) },
  ];
  if (gnn) list.push({ id: 'mixgcf', label: 'MixGCF', preset: 'quickstart', overrides: m({ name: 'mixgcf', m: 64 }), tune: [pool] });
  list.push(
    { id: 'irgan', label: 'IRGAN', preset: 'quickstart', overrides: m({ name: 'irgan' }) },
    { id: 'advir', label: 'AdvIR', preset: 'quickstart', overrides: m({ name: 'advir' }) },
    { id: 'adasir-u', label: 'AdaSIR(U)', preset: 'quickstart', overrides: m({ name: 'adasir', proposal: 'uniform' }) },
    { id: 'adasir-p', label: 'AdaSIR(P)', preset: 'quickstart', overrides: m({ name: 'adasir', proposal: 'popularity' }) },
    {
      id: 'pdns', label: 'PDNS', preset: 'quickstart',
      overrides: m({ name: 'pdns', m: 64, beta: gnn ? 0.01 : 0.2 }),
      tune: [pool, { key: 'sampler.beta', values: [0.01, 0.05, 0.1, 0.2, 0.3, 0.4] }],
    },
  );
  return list;
}

export const PDNS_ITEMS: ReproItem[] = [
  {
    paper: 'pdns', id: 'table1', kind: 'table', title: 'Details of datasets', source: 'Table 1, §4.1',
    paperData: ['Movielens-100k', 'Douban', 'Taobao', 'Tmall', 'Gowalla'],
    differences: ['Douban, Taobao and Tmall are not held', 'FN: the size of the 4:1:1 false-negative set of the simulation split (fn split, seeded)'],
    stats: [
      { paper: 'Movielens-100k', ours: { name: 'ml-100k', split: 'fn:4:1:1' }, users: 943, items: 1682, interactions: 100000, extra: { density: 0.06304, fn: 17057 } },
      { paper: 'Douban', ours: null, users: 2862, items: 3000, interactions: 134498, extra: { density: 0.01566, fn: 23599 } },
      { paper: 'Taobao', ours: null, users: 22976, items: 29149, interactions: 439305, extra: { density: 0.00066 } },
      { paper: 'Tmall', ours: null, users: 10000, items: 14965, interactions: 461899, extra: { density: 0.00309 } },
      { paper: 'Gowalla', ours: 'gowalla', users: 29858, items: 40981, interactions: 1027370, extra: { density: 0.00084 } },
    ],
  },
  {
    paper: 'pdns', id: 'fig3', kind: 'figure', title: 'Average test results under different false coefficients c (DNS, MF and LightGCN)',
    source: 'Figure 3, §4.2 and Appendix A.4', paperData: ['Movielens-100k (4:1:1 fn split)', 'Douban (4:1:1 fn split)'],
    differences: ['Douban is not held', 'Means over 3 seeds'],
    metric: 'recall@50', metrics: ['recall@20', 'ndcg@20', 'recall@50', 'ndcg@50'], curves: true,
    groups: [{
      id: 'mf', label: 'MF + DNS', arms: [{
        id: 'dns', label: 'DNS', preset: 'quickstart',
        overrides: { ...MF, optimizer: { lr: 1e-3 }, encoder: { name: 'mf', dim: 32 }, sampler: { name: 'dns', m: 32 }, revealFalseNegatives: { fraction: 0, every: 10 } },
        axis: { key: 'revealFalseNegatives.fraction', values: [0, 0.2, 0.4, 0.6, 0.8, 1] },
      }],
    }],
    budgets: {
      quick: { dataset: { name: 'ml-100k', split: 'fn:4:1:1' }, seeds: [2024], overrides: { epochs: 30, evalEvery: 5, patience: 0, ks: [20, 50], metric: 'recall@50' }, note: 'ML-100K fn 4:1:1, 30 epochs, 1 seed' },
      full: { dataset: { name: 'ml-100k', split: 'fn:4:1:1' }, seeds: SEEDS3, overrides: { epochs: 200, evalEvery: 5, patience: 0, ks: [20, 50], metric: 'recall@50' }, note: 'ML-100K fn 4:1:1, 200 epochs, 3 seeds' },
    },
    claims: [{ text: 'Revealing more of the false-negative set mitigates over-fitting (higher test Recall@50 at the selected epoch as c grows)', metric: 'recall@50', order: ['dns@1', 'dns@0'] }],
  },
  {
    paper: 'pdns', id: 'table2', kind: 'table', title: 'Performance comparison with LightGCN and MF as base models', source: 'Table 2, §4.3',
    paperData: ['Taobao', 'Tmall', 'Gowalla'],
    differences: [...DIFFERENCES_REAL, 'AdaSIR(U)/(P) (sampler `adasir`, proposal uniform / popularity): cache 16, 64 candidates per refresh, τ 1, caches refreshed every epoch — hardneg defaults; the PDNS paper states no AdaSIR settings'],
    metric: 'recall@50', metrics: ['recall@50', 'ndcg@50'],
    groups: [
      { id: 'lightgcn', label: 'LightGCN', arms: arms(LGN, true) },
      { id: 'mf', label: 'MF', arms: arms(MF, false) },
    ],
    budgets: realData(),
    paperNumbers: [
      {
        source: 'Table 2, Gowalla columns, LightGCN block', dataset: 'Gowalla', group: 'lightgcn', metrics: ['recall@50', 'ndcg@50'],
        rows: {
          rns: [0.2712, 0.1804], advir: [0.2710, 0.1801], irgan: [0.2799, 0.1847], dns: [0.2848, 0.1878], srns: [0.2819, 0.1866],
          gdns: [0.2835, 0.1865], mixgcf: [0.2840, 0.1872], 'adasir-u': [0.2816, 0.1857], 'adasir-p': [0.2808, 0.1853], pdns: [0.2957, 0.1943],
        },
      },
      {
        source: 'Table 2, Gowalla columns, MF block', dataset: 'Gowalla', group: 'mf', metrics: ['recall@50', 'ndcg@50'],
        rows: {
          rns: [0.2397, 0.1477], advir: [0.2603, 0.1620], irgan: [0.2421, 0.1508], dns: [0.2572, 0.1608], srns: [0.2588, 0.1620],
          gdns: [0.2611, 0.1638], 'adasir-u': [0.2711, 0.1712], 'adasir-p': [0.2702, 0.1700], pdns: [0.2803, 0.1805],
        },
      },
    ],
    claims: [
      { text: 'PDNS outperforms every baseline on LightGCN', group: 'lightgcn', metric: 'recall@50', order: ['pdns', 'dns', 'rns'] },
      { text: 'PDNS outperforms every baseline on MF', group: 'mf', metric: 'recall@50', order: ['pdns', 'dns', 'rns'] },
    ],
  },
  {
    paper: 'pdns', id: 'fig4', kind: 'figure', title: 'Training curves on test sets (PDNS, DNS, MixGCF) and Recall@50 vs candidate pool size H, under LightGCN',
    source: 'Figure 4, §4.3', paperData: ['Taobao', 'Tmall', 'Gowalla'], differences: DIFFERENCES_REAL,
    metric: 'recall@50', metrics: ['recall@50', 'ndcg@50'], curves: true,
    groups: [
      {
        id: 'curves', label: 'Training curves (LightGCN)', arms: [
          { id: 'dns', label: 'DNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'dns', m: 64 } } },
          { id: 'mixgcf', label: 'MixGCF', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'mixgcf', m: 64 } } },
          { id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'pdns', m: 64, beta: 0.01 } } },
        ],
      },
      {
        id: 'pool', label: 'Recall@50 vs H (LightGCN)', arms: [
          { id: 'dns', label: 'DNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'dns' } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } },
          { id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'pdns', beta: 0.01 } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } },
        ],
      },
    ],
    budgets: realData(30),
    claims: [
      { text: 'PDNS is more effective than DNS and MixGCF under LightGCN', group: 'curves', metric: 'recall@50', order: ['pdns', 'mixgcf', 'dns'] },
      { text: 'PDNS beats DNS at the paper\'s best pool size on Gowalla (H = 64)', group: 'pool', metric: 'recall@50', order: ['pdns@64', 'dns@64'] },
    ],
  },
  {
    paper: 'pdns', id: 'table3', kind: 'table', title: 'Performance of PDNS with different candidate pool size H', source: 'Table 3, §4.3',
    paperData: ['Taobao', 'Tmall', 'Gowalla'], differences: DIFFERENCES_REAL,
    metric: 'recall@50', metrics: ['recall@50', 'ndcg@50'],
    groups: [
      { id: 'lightgcn', label: 'LightGCN + PDNS', arms: [{ id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'pdns', beta: 0.01 } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } }] },
      { id: 'mf', label: 'MF + PDNS', arms: [{ id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...MF, sampler: { name: 'pdns', beta: 0.2 } }, axis: { key: 'sampler.m', values: [8, 16, 32, 64] } }] },
    ],
    budgets: realData(),
    paperNumbers: [
      { source: 'Table 3, Gowalla columns', dataset: 'Gowalla', group: 'lightgcn', metrics: ['recall@50', 'ndcg@50'], rows: { 'pdns@8': [0.2814, 0.1806], 'pdns@16': [0.2843, 0.1833], 'pdns@32': [0.2888, 0.1901], 'pdns@64': [0.2957, 0.1943] } },
      { source: 'Table 3, Gowalla columns', dataset: 'Gowalla', group: 'mf', metrics: ['recall@50', 'ndcg@50'], rows: { 'pdns@8': [0.2494, 0.1585], 'pdns@16': [0.2677, 0.1716], 'pdns@32': [0.2800, 0.1784], 'pdns@64': [0.2808, 0.1803] } },
    ],
    claims: [{ text: 'On Gowalla the hardest pool (H = 64) is best for LightGCN', group: 'lightgcn', metric: 'recall@50', order: ['pdns@64', 'pdns@8'] }],
  },
  {
    paper: 'pdns', id: 'table4', kind: 'table', title: 'Performance of PDNS with different soft factor β', source: 'Table 4, §4.3',
    paperData: ['Taobao', 'Tmall', 'Gowalla'], differences: DIFFERENCES_REAL,
    metric: 'recall@50', metrics: ['recall@50', 'ndcg@50'],
    groups: [
      { id: 'lightgcn', label: 'LightGCN + PDNS', arms: [{ id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...LGN, sampler: { name: 'pdns', m: 64 } }, axis: { key: 'sampler.beta', values: [0.01, 0.05, 0.1, 0.2, 0.3, 0.4] } }] },
      { id: 'mf', label: 'MF + PDNS', arms: [{ id: 'pdns', label: 'PDNS', preset: 'quickstart', overrides: { ...MF, sampler: { name: 'pdns', m: 64 } }, axis: { key: 'sampler.beta', values: [0.01, 0.05, 0.1, 0.2, 0.3, 0.4] } }] },
    ],
    budgets: realData(),
    paperNumbers: [
      { source: 'Table 4, Gowalla columns', dataset: 'Gowalla', group: 'lightgcn', metrics: ['recall@50', 'ndcg@50'], rows: { 'pdns@0.01': [0.2957, 0.1943], 'pdns@0.05': [0.2872, 0.1898], 'pdns@0.1': [0.2859, 0.1884], 'pdns@0.2': [0.2843, 0.1868], 'pdns@0.3': [0.2823, 0.1859], 'pdns@0.4': [0.2823, 0.1854] } },
      { source: 'Table 4, Gowalla columns', dataset: 'Gowalla', group: 'mf', metrics: ['recall@50', 'ndcg@50'], rows: { 'pdns@0.01': [0.0024, 0.0010], 'pdns@0.05': [0.0978, 0.0624], 'pdns@0.1': [0.2178, 0.1376], 'pdns@0.2': [0.2808, 0.1803], 'pdns@0.3': [0.2764, 0.1779], 'pdns@0.4': [0.2693, 0.1732] } },
    ],
    claims: [{ text: 'On MF/Gowalla a too-small β (0.01) fails to learn; β 0.2 is best', group: 'mf', metric: 'recall@50', order: ['pdns@0.2', 'pdns@0.01'] }],
  },
  {
    paper: 'pdns', id: 'fig2', kind: 'figure', title: 'Over-fitting of DNS, and the effect of positive mixing in DNS', source: 'Figure 2, §2.2',
    paperData: ['Taobao', 'Tmall'], differences: ['Taobao and Tmall are not held: ML-100K (quick) and Gowalla (full) instead'],
    metric: 'recall@50', metrics: ['recall@50', 'ndcg@50'], curves: true,
    groups: [{
      id: 'mf', label: 'MF: DNS vs positive-dominated mixing', arms: [
        { id: 'rns', label: 'RNS', preset: 'quickstart', overrides: { ...MF, sampler: { name: 'uniform' } } },
        { id: 'dns', label: 'DNS', preset: 'quickstart', overrides: { ...MF, sampler: { name: 'dns', m: 64 } } },
        { id: 'mix', label: 'DNS + mixing α', preset: 'quickstart', overrides: { ...MF, sampler: { name: 'pdns', m: 64, mode: 'mix' } }, axis: { key: 'sampler.alpha', values: [0.5, 0.7, 0.9] } },
      ],
    }],
    budgets: realData(),
    claims: [{ text: 'Positive-dominated mixing (α 0.9) improves on plain DNS', group: 'mf', metric: 'recall@50', order: ['mix@0.9', 'dns'] }],
  },
];
