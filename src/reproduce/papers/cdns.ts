// Contrastive DNS (../shared/papers/dns-contrastive.md): Tables 1–3, Figures 2–3. 8:1:1 split, each test positive
// ranked against 100 sampled negatives, NDCG/Recall/MAP@10, batch 1000, ≤ 500 epochs, patience 50 epochs. The paper
// uses ML-1M, Yelp and Amazon-instant-video; we hold none of them and run on MovieLens-100K (the `cdns-mf` preset).
import type { Arm, Budget, ReproItem } from '../types.js';

const SEEDS3 = [2024, 2025, 2026];
const DATA = { name: 'ml-100k', split: 'ratio:8:1:1' };

function budgets(quickEpochs = 30): Record<'quick' | 'full', Budget> {
  return {
    quick: { dataset: DATA, seeds: [2024], overrides: { epochs: quickEpochs, evalEvery: 5, patience: 3 }, note: `ML-100K 8:1:1, ${quickEpochs} epochs, 1 seed` },
    full: { dataset: DATA, seeds: SEEDS3, overrides: { epochs: 500, evalEvery: 5, patience: 10 }, note: 'ML-100K 8:1:1, ≤ 500 epochs, patience 50 epochs, 3 seeds' },
  };
}

const DIFFERENCES = [
  'ML-1M, Yelp and Amazon-instant-video are not held: MovieLens-100K 8:1:1 instead',
  'Test metrics averaged over 10 independently drawn sampled test sets per run (100 negatives per test positive), as the paper; the paired tests use the users\' means over the draws',
  'Means over 3 seeds; no grid over lr, dimension and L2 (the paper tunes them)',
];

const bpr = (sampler: Record<string, unknown>): Record<string, unknown> => ({ encoder: { name: 'bprmf', dim: 64 }, sampler, loss: null });

function backbone(id: string, label: string, encoder: Record<string, unknown>): Arm[] {
  return [
    { id, label, preset: 'cdns-mf', overrides: { encoder, sampler: { name: 'uniform' }, loss: null } },
    { id: `${id}-dns`, label: `${label} DNS`, preset: 'cdns-mf', overrides: { encoder } },
  ];
}

export const CDNS_ITEMS: ReproItem[] = [
  {
    paper: 'cdns', id: 'table1', kind: 'table', title: 'Statistics of the used datasets', source: 'Table 1, §3',
    paperData: ['MovieLens-1M', 'Yelp', 'Amazon-instant-video'], differences: ['None is held; MovieLens-100K is our stand-in'],
    stats: [
      { paper: 'MovieLens', ours: null, users: 6038, items: 3533, interactions: 575281, extra: { density: 0.02697 } },
      { paper: 'Yelp', ours: null, users: 19539, items: 22228, interactions: 450884, extra: { density: 0.00104 } },
      { paper: 'Amazon', ours: null, users: 21596, items: 11167, interactions: 2092329, extra: { density: 0.00868 } },
      { paper: '(stand-in) MovieLens-100K 8:1:1', ours: DATA, users: null, items: null, interactions: null },
    ],
  },
  {
    paper: 'cdns', id: 'table2', kind: 'table', title: 'BPR with a static random sampler and three dynamic samplers (RQ1)', source: 'Table 2, §5 RQ1',
    paperData: ['MovieLens-1M', 'Yelp', 'Amazon-instant-video'], differences: DIFFERENCES,
    metric: 'ndcg@10', metrics: ['ndcg@10', 'recall@10', 'map@10'],
    groups: [{
      id: 'bpr', label: 'BPR-MF', arms: [
        { id: 'static', label: 'Static random sampler', preset: 'cdns-mf', overrides: bpr({ name: 'uniform', k: 2 }) },
        { id: 'random', label: 'Dynamic random sampler', preset: 'cdns-mf', overrides: { sampler: { name: 'cdns', list: 'random' } } },
        { id: 'similar', label: 'Dynamic similar sampler', preset: 'cdns-mf', overrides: { sampler: { name: 'cdns', list: 'similar' } } },
        { id: 'dissimilar', label: 'Dynamic dissimilar sampler', preset: 'cdns-mf', overrides: { sampler: { name: 'cdns', list: 'dissimilar' } } },
      ],
    }],
    budgets: budgets(),
    paperNumbers: [{ source: 'Table 2, MovieLens columns', dataset: 'MovieLens-1M', metrics: ['ndcg@10'], rows: { static: [0.2805], random: [0.2910], similar: [0.2013], dissimilar: [0.3394] } }],
    claims: [
      { text: 'Dissimilar dynamic negatives give a better NDCG@10 than similar ones', metric: 'ndcg@10', order: ['dissimilar', 'similar'] },
      { text: 'Dissimilar dynamic negatives beat the static random sampler', metric: 'ndcg@10', order: ['dissimilar', 'static'] },
    ],
  },
  {
    paper: 'cdns', id: 'table3', kind: 'table', title: 'Four recommenders with and without the DNS scheme, against MixGCF and PRIS (RQ2)', source: 'Table 3, §5 RQ2',
    paperData: ['MovieLens-1M', 'Yelp', 'Amazon-instant-video'], differences: DIFFERENCES,
    metric: 'ndcg@10', metrics: ['ndcg@10', 'recall@10', 'map@10'],
    groups: [
      { id: 'bpr', label: 'BPR', arms: backbone('bpr', 'BPR', { name: 'bprmf', dim: 64 }) },
      { id: 'lightgcn', label: 'LightGCN', arms: backbone('lightgcn', 'LightGCN', { name: 'lightgcn', layers: 3, dim: 64 }) },
      { id: 'sgl', label: 'SGL', arms: backbone('sgl', 'SGL', { name: 'sgl', layers: 3, dim: 64 }) },
      { id: 'simgcl', label: 'SimGCL', arms: backbone('simgcl', 'SimGCL', { name: 'simgcl', layers: 3, dim: 64 }) },
      {
        id: 'ns', label: 'NS-enhanced baselines', arms: [
          { id: 'mixgcf', label: 'MixGCF (LightGCN)', preset: 'cdns-mf', overrides: { encoder: { name: 'lightgcn', layers: 3, dim: 64 }, sampler: { name: 'mixgcf' }, loss: null } },
          // PRIS-U: 4 uniform negatives per positive, importance-weighted (the count is ours; the paper's setting is not stated).
          { id: 'pris', label: 'PRIS', preset: 'cdns-mf', overrides: { sampler: { name: 'uniform', k: 4 }, loss: { name: 'pris' } } },
        ],
      },
    ],
    budgets: budgets(),
    paperNumbers: [
      { source: 'Table 3, MovieLens columns', dataset: 'MovieLens-1M', group: 'bpr', metrics: ['ndcg@10', 'recall@10', 'map@10'], rows: { bpr: [0.2805, 0.1917, 0.0886], 'bpr-dns': [0.3394, 0.2281, 0.1090] } },
      { source: 'Table 3, MovieLens columns', dataset: 'MovieLens-1M', group: 'lightgcn', metrics: ['ndcg@10', 'recall@10', 'map@10'], rows: { lightgcn: [0.3425, 0.2504, 0.1252], 'lightgcn-dns': [0.3938, 0.2905, 0.1488] } },
      { source: 'Table 3, MovieLens columns', dataset: 'MovieLens-1M', group: 'sgl', metrics: ['ndcg@10', 'recall@10', 'map@10'], rows: { sgl: [0.3575, 0.2716, 0.1366], 'sgl-dns': [0.3942, 0.3042, 0.1537] } },
      { source: 'Table 3, MovieLens columns', dataset: 'MovieLens-1M', group: 'simgcl', metrics: ['ndcg@10', 'recall@10', 'map@10'], rows: { simgcl: [0.3505, 0.2689, 0.1301], 'simgcl-dns': [0.3870, 0.2998, 0.1496] } },
      { source: 'Table 3, MovieLens columns', dataset: 'MovieLens-1M', group: 'ns', metrics: ['ndcg@10', 'recall@10', 'map@10'], rows: { mixgcf: [0.3300, 0.2351, 0.1179], pris: [0.3298, 0.2301, 0.1105] } },
    ],
    claims: [
      { text: 'The DNS scheme improves BPR', group: 'bpr', metric: 'ndcg@10', order: ['bpr-dns', 'bpr'] },
      { text: 'The DNS scheme improves LightGCN', group: 'lightgcn', metric: 'ndcg@10', order: ['lightgcn-dns', 'lightgcn'] },
      { text: 'The DNS scheme improves SGL', group: 'sgl', metric: 'ndcg@10', order: ['sgl-dns', 'sgl'] },
      { text: 'The DNS scheme improves SimGCL', group: 'simgcl', metric: 'ndcg@10', order: ['simgcl-dns', 'simgcl'] },
    ],
  },
  {
    paper: 'cdns', id: 'fig2', kind: 'figure', title: 'NDCG@10 of BPR-DNS over the update interval n and the list length k (RQ3)', source: 'Figure 2, §5 RQ3',
    paperData: ['MovieLens-1M', 'Yelp', 'Amazon-instant-video'], differences: DIFFERENCES,
    metric: 'ndcg@10', metrics: ['ndcg@10', 'recall@10', 'map@10'],
    groups: [
      { id: 'n', label: 'Update interval n', arms: [{ id: 'dns', label: 'BPR-DNS', preset: 'cdns-mf', axis: { key: 'sampler.n', values: [1, 5, 10, 20, 30, 40, 50] } }] },
      { id: 'k', label: 'List length k', arms: [{ id: 'dns', label: 'BPR-DNS', preset: 'cdns-mf', axis: { key: 'sampler.k', values: [10, 50, 100, 150, 200, 250, 300] } }] },
    ],
    budgets: budgets(),
    claims: [{ text: 'The exhaustive update (n = 1) underperforms n = 5', group: 'n', metric: 'ndcg@10', order: ['dns@5', 'dns@1'] }],
  },
  {
    paper: 'cdns', id: 'fig3', kind: 'figure', title: 'Entropy of BPR-DNS and BPR against validation NDCG@10 (RQ4)', source: 'Figure 3, §5 RQ4',
    paperData: ['MovieLens-1M'], differences: [...DIFFERENCES, 'Entropy over all users and items (the evaluation record\'s `entropy`), not only the contrastive negatives'],
    metric: 'ndcg@10', metrics: ['ndcg@10'], curves: true,
    groups: [{
      id: 'bpr', label: 'BPR vs BPR-DNS', arms: [
        { id: 'bpr', label: 'BPR', preset: 'cdns-mf', overrides: { sampler: { name: 'uniform' }, loss: null, evalEvery: 1, patience: 0 } },
        { id: 'bpr-dns', label: 'BPR-DNS', preset: 'cdns-mf', overrides: { evalEvery: 1, patience: 0 } },
      ],
    }],
    budgets: budgets(30),
    claims: [{ text: 'BPR-DNS ends above BPR', metric: 'ndcg@10', order: ['bpr-dns', 'bpr'] }],
  },
];
