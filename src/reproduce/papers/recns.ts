// RecNS (../shared/papers/recns.md): Tables 1–5, Figures 4–9. Random per-user 8:1:1, full ranking, Recall/NDCG/HR@20,
// Xavier init, dim 64 (PinSage 256). The paper's Zhihu and Alibaba (with exposure logs) are not held: MovieLens-100K
// with ratings ≥ 4 as positives and ratings 1–3 as exposure (shown, not clicked) stands in.
import type { Arm, Budget, ReproItem } from '../types.js';

const SEEDS3 = [2024, 2025, 2026];
const DATA = { name: 'ml-100k', ratingThreshold: 4, split: 'ratio:8:1:1' };

function budgets(quickEpochs = 30): Record<'quick' | 'full', Budget> {
  return {
    quick: { dataset: DATA, seeds: [2024], overrides: { epochs: quickEpochs, evalEvery: 5, patience: 3, ks: [20], metric: 'recall@20' }, note: `ML-100K ratings ≥ 4 (1–3 as exposure) 8:1:1, ${quickEpochs} epochs, 1 seed` },
    full: { dataset: DATA, seeds: SEEDS3, overrides: { epochs: 400, evalEvery: 5, patience: 10, ks: [20], metric: 'recall@20' }, note: 'ML-100K ratings ≥ 4 (1–3 as exposure) 8:1:1, ≤ 400 epochs, 3 seeds' },
  };
}

const DIFFERENCES = [
  'Zhihu and Alibaba are not held: MovieLens-100K with ratings 1–3 as exposure records stands in (its exposure is far denser than a click log\'s)',
  'The paper\'s numbers are percentages; shown here as fractions',
  'Means over 3 seeds',
];

const BACKBONES: Record<string, { label: string; overrides: Record<string, unknown> }> = {
  // The PinSage row's own settings (the `recns-pinsage` preset: Xavier, Adam lr 1e-3, L2 1e-3, batch 2048). Under
  // the quickstart's lr 0.01 and batch 256 a PinSage epoch on ML-100K took ≈ 60 s instead of ≈ 5 s.
  pinsage: { label: 'PinSage', overrides: { encoder: { name: 'pinsage', dim: 256, layers: 2, fanouts: [25, 10], init: 'xavier' }, optimizer: { lr: 1e-3 }, l2: 1e-3, batchSize: 2048 } },
  ngcf: { label: 'NGCF', overrides: { encoder: { name: 'ngcf', layers: 3, dim: 64 }, batchSize: 1024 } },
  lightgcn: { label: 'LightGCN', overrides: { encoder: { name: 'lightgcn', layers: 3, dim: 64 } } },
};

function on(backbone: string, sampler: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...BACKBONES[backbone].overrides, sampler, ...extra };
}

const RECNS = { name: 'recns' };

function table2Arms(b: string): Arm[] {
  return [
    { id: 'unins', label: 'UniNS', preset: 'quickstart', overrides: on(b, { name: 'uniform' }) },
    { id: 'popns', label: 'PopNS', preset: 'quickstart', overrides: on(b, { name: 'popularity', gamma: 0.75 }) },
    { id: 'advns', label: 'AdvNS (IRGAN)', preset: 'quickstart', overrides: on(b, { name: 'irgan' }) },
    { id: 'dns', label: 'DNS', preset: 'quickstart', overrides: on(b, { name: 'dns', m: 32 }) },
    { id: 'simns', label: 'SimNS', preset: 'quickstart', overrides: on(b, { name: 'simns' }) },
    { id: 'mcns', label: 'MCNS', preset: 'quickstart', overrides: on(b, { name: 'mcns' }) },
    { id: 'srns', label: 'SRNS', preset: 'quickstart', overrides: on(b, { name: 'srns' }) },
    { id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS) },
  ];
}

/** Zhihu columns of Table 2 (percent → fraction), per backbone. */
const T2: Record<string, Record<string, number[]>> = {
  pinsage: { unins: [2.42, 2.72, 34.55], popns: [1.70, 1.89, 25.32], advns: [2.79, 3.11, 37.96], dns: [2.90, 3.26, 39.64], simns: [2.94, 3.28, 39.51], mcns: [2.97, 3.26, 39.53], srns: [3.26, 3.74, 42.87], recns: [3.53, 3.93, 44.57] },
  ngcf: { unins: [3.78, 4.31, 46.95], popns: [2.35, 2.69, 33.76], advns: [3.92, 4.46, 49.16], dns: [4.17, 4.83, 50.06], simns: [4.09, 4.67, 49.71], mcns: [4.06, 4.64, 49.81], srns: [4.24, 4.90, 50.66], recns: [4.42, 5.00, 51.89] },
  lightgcn: { unins: [4.32, 4.92, 50.47], popns: [2.56, 2.84, 33.95], advns: [4.54, 5.19, 52.38], dns: [4.79, 5.45, 54.28], simns: [4.49, 5.21, 52.70], mcns: [4.69, 5.36, 53.66], srns: [4.83, 5.45, 55.14], recns: [4.91, 5.55, 55.37] },
};
const T3: Record<string, Record<string, number[]>> = {
  pinsage: { expns: [0.30, 0.30, 4.33], mixedns: [2.09, 2.40, 31.64], rnsas: [2.98, 3.34, 39.92], recns: [3.53, 3.93, 44.57] },
  ngcf: { expns: [0.43, 0.48, 6.72], mixedns: [3.12, 3.67, 42.45], rnsas: [3.67, 4.27, 46.45], recns: [4.42, 5.00, 51.89] },
  lightgcn: { expns: [0.76, 0.84, 11.35], mixedns: [3.67, 4.25, 46.65], rnsas: [4.25, 4.92, 51.24], recns: [4.91, 5.55, 55.37] },
};
const T4: Record<string, Record<string, number[]>> = {
  pinsage: { 'recns@3': [3.53, 3.93, 44.57], 'recns@5': [3.26, 3.60, 42.48], 'recns@7': [3.20, 3.59, 42.42] },
  ngcf: { 'recns@3': [4.42, 5.00, 51.89], 'recns@5': [4.18, 4.74, 50.07], 'recns@7': [4.21, 4.76, 49.95] },
  lightgcn: { 'recns@3': [4.91, 5.55, 55.37], 'recns@5': [4.89, 5.49, 54.88], 'recns@7': [4.67, 5.31, 53.27] },
};
const pct = (rows: Record<string, number[]>) => Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((x) => x / 100)]));
const METRICS = ['recall@20', 'ndcg@20', 'hr@20'];
const paper = (table: string, t: Record<string, Record<string, number[]>>) => Object.keys(BACKBONES).map((b) => ({
  source: `${table}, Zhihu columns, ${BACKBONES[b].label}`, dataset: 'Zhihu', group: b, metrics: METRICS, rows: pct(t[b]),
}));

export const RECNS_ITEMS: ReproItem[] = [
  {
    paper: 'recns', id: 'table1', kind: 'table', title: 'Statistics of the two real-world datasets', source: 'Table 1, §5.1',
    paperData: ['Zhihu', 'Alibaba'], differences: ['Neither is held; MovieLens-100K with ratings 1–3 as exposure stands in'],
    stats: [
      { paper: 'Zhihu', ours: null, users: 16015, items: 44175, interactions: 3284734, extra: { exposure: 3796551, density: 0.00418 } },
      { paper: 'Alibaba', ours: null, users: 434442, items: 227410, interactions: 7104657, extra: { exposure: 10868570, density: 0.00006 } },
      { paper: '(stand-in) MovieLens-100K ≥ 4, 1–3 exposure', ours: DATA, users: null, items: null, interactions: null },
    ],
  },
  {
    paper: 'recns', id: 'table2', kind: 'table', title: 'RecNS against negative sampling strategies on PinSage, NGCF and LightGCN', source: 'Table 2, §5.2',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: Object.keys(BACKBONES).map((b) => ({ id: b, label: BACKBONES[b].label, arms: table2Arms(b) })),
    budgets: budgets(), paperNumbers: paper('Table 2', T2),
    claims: Object.keys(BACKBONES).map((b) => ({ text: `RecNS beats SRNS, DNS and UniNS on ${BACKBONES[b].label}`, group: b, metric: 'recall@20', order: ['recns', 'srns', 'dns', 'unins'] })),
  },
  {
    paper: 'recns', id: 'table3', kind: 'table', title: 'RecNS against exposure-based negative sampling', source: 'Table 3, §5.2',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: Object.keys(BACKBONES).map((b) => ({
      id: b, label: BACKBONES[b].label, arms: [
        { id: 'expns', label: 'ExpNS', preset: 'quickstart', overrides: on(b, { name: 'expns' }) },
        { id: 'mixedns', label: 'MixedNS', preset: 'quickstart', overrides: on(b, { name: 'mixedns' }) },
        { id: 'rnsas', label: 'RNS-AS', preset: 'quickstart', overrides: on(b, { name: 'rnsas' }) },
        { id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS) },
      ],
    })),
    budgets: budgets(), paperNumbers: paper('Table 3', T3),
    claims: Object.keys(BACKBONES).map((b) => ({ text: `RecNS > MixedNS > ExpNS on ${BACKBONES[b].label}`, group: b, metric: 'recall@20', order: ['recns', 'mixedns', 'expns'] })),
  },
  {
    paper: 'recns', id: 'table4', kind: 'table', title: 'Impact of the separating criterion khop', source: 'Table 4, §5.3',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: Object.keys(BACKBONES).map((b) => ({ id: b, label: BACKBONES[b].label, arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS), axis: { key: 'sampler.khop', values: [3, 5, 7] } }] })),
    budgets: budgets(), paperNumbers: paper('Table 4', T4),
    claims: [{ text: 'khop 3 is best on the denser data (Zhihu), LightGCN', group: 'lightgcn', metric: 'recall@20', order: ['recns@3', 'recns@7'] }],
  },
  {
    paper: 'recns', id: 'table5', kind: 'table', title: 'Impact of the number of propagation layers L', source: 'Table 5, §5.3',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: ['ngcf', 'lightgcn'].map((b) => ({ id: b, label: BACKBONES[b].label, arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS), axis: { key: 'encoder.layers', values: [1, 2, 3, 4] } }] })),
    budgets: budgets(),
    claims: [{ text: 'Three layers beat one (LightGCN)', group: 'lightgcn', metric: 'recall@20', order: ['recns@3', 'recns@1'] }],
  },
  {
    paper: 'recns', id: 'fig4', kind: 'figure', title: 'Impact of the number of negative items k (PinSage)', source: 'Figure 4, §5.3',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: [{ id: 'pinsage', label: 'PinSage + RecNS', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('pinsage', RECNS), axis: { key: 'sampler.k', values: [1, 5, 10, 15, 20] } }] }],
    budgets: budgets(), claims: [],
  },
  {
    paper: 'recns', id: 'fig5', kind: 'figure', title: 'Impact of the assistance coefficient α distribution', source: 'Figure 5, §5.3',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: [{ id: 'lightgcn', label: 'LightGCN + RecNS', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('lightgcn', RECNS), axis: { key: 'sampler.alpha', values: ['U(0,1)', 'U(0,0.5)', 'N(0,1)', 'N(0,0.5)'] } }] }],
    budgets: budgets(), claims: [],
  },
  {
    paper: 'recns', id: 'fig6', kind: 'figure', title: 'Margin γ, embedding dimension and candidate number M (PinSage)', source: 'Figure 6, §5.3',
    paperData: ['Zhihu'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: [
      { id: 'margin', label: 'margin γ', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('pinsage', RECNS), axis: { key: 'sampler.margin', values: [0.05, 0.1, 0.2, 0.5] } }] },
      { id: 'dim', label: 'dimension d', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('pinsage', RECNS), axis: { key: 'encoder.dim', values: [64, 128, 256] } }] },
      { id: 'm', label: 'candidates M', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('pinsage', RECNS), axis: { key: 'sampler.m', values: [10, 20, 50] } }] },
    ],
    budgets: budgets(), claims: [],
  },
  {
    paper: 'recns', id: 'fig7', kind: 'figure', title: 'The three-region principle: RecNS-Med vs -All vs -Dis', source: 'Figure 7, §5.4',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: ['pinsage', 'ngcf', 'lightgcn'].map((b) => ({ id: b, label: BACKBONES[b].label, arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS), axis: { key: 'sampler.region', values: ['intermediate', 'global', 'distant'] } }] })),
    budgets: budgets(),
    claims: ['pinsage', 'ngcf', 'lightgcn'].map((b) => ({ text: `Med > All > Dis on ${BACKBONES[b].label}`, group: b, metric: 'recall@20', order: ['recns@intermediate', 'recns@global', 'recns@distant'] })),
  },
  {
    paper: 'recns', id: 'fig8', kind: 'figure', title: 'Impact of positive-assisted sampling', source: 'Figure 8, §5.4',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: ['pinsage', 'ngcf', 'lightgcn'].map((b) => ({
      id: b, label: BACKBONES[b].label, arms: [
        { id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on(b, RECNS) },
        { id: 'no-pos', label: 'w/o positive-assisted', preset: 'quickstart', overrides: on(b, { ...RECNS, positiveAssisted: false }) },
      ],
    })),
    budgets: budgets(),
    claims: ['pinsage', 'ngcf', 'lightgcn'].map((b) => ({ text: `Positive-assisted sampling helps on ${BACKBONES[b].label}`, group: b, metric: 'recall@20', order: ['recns', 'no-pos'] })),
  },
  {
    paper: 'recns', id: 'fig9', kind: 'figure', title: 'Impact of exposure-augmented sampling and of the number of exposed negatives', source: 'Figure 9, §5.4',
    paperData: ['Zhihu', 'Alibaba'], differences: DIFFERENCES, metric: 'recall@20', metrics: METRICS,
    groups: [
      { id: 'lightgcn', label: 'LightGCN', arms: [
        { id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('lightgcn', RECNS) },
        { id: 'no-exp', label: 'w/o exposure-augmented', preset: 'quickstart', overrides: on('lightgcn', { ...RECNS, exposure: false }) },
      ] },
      { id: 'exposed', label: 'number of exposed negatives (PinSage)', arms: [{ id: 'recns', label: 'RecNS', preset: 'quickstart', overrides: on('pinsage', RECNS), axis: { key: 'sampler.exposedNegatives', values: [1, 5, 10, 15, 20] } }] },
    ],
    budgets: budgets(),
    claims: [{ text: 'Exposure-augmented sampling helps (LightGCN)', group: 'lightgcn', metric: 'recall@20', order: ['recns', 'no-exp'] }],
  },
];
