// `npm run bench -- cdns [--reps 5] [--threads 2] [--k 100] [--dim 64] [--json]`
//
// Contrastive DNS's list refresh against one full-ranking evaluation, on every Gowalla user (29,858 × 40,981 items,
// LightGCN split) with the same seeded 64-dim embeddings and thread count, in one run: the refresh (k least cosine-
// similar non-training items per user, `buildLists(…, 'dissimilar')`: normalised scores, negated, training items
// excluded, top-k) and the evaluation (`evaluateFullRanking`, top-20 Recall/NDCG with training items masked). Target
// (issue 12): a refresh costs ≤ 1.2× an evaluation. The similar list (no negation) is timed too.
import { heap } from '../src/engine/memory.js';
import { Rng } from '../src/core/rng.js';
import { backendInfo, setThreads } from '../src/engine/kernels/index.js';
import { loadLightGcn } from '../src/data/index.js';
import { trainView } from '../src/data/view.js';
import { evaluateFullRanking } from '../src/evaluation/fullRanking.js';
import { buildLists } from '../src/samplers/cdns.js';
import { sharedData, hasSharedData } from '../test/helpers/paths.js';
import { envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, ratio, timeIt } from './lib/index.js';

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const threads = intFlag(argv, 'threads', 2);
  const dim = intFlag(argv, 'dim', 64);
  const k = intFlag(argv, 'k', 100);
  const dir = flagValue(argv, 'data') ?? sharedData('gowalla', 'light_gcn_gowalla');
  if (!flagValue(argv, 'data') && !hasSharedData('gowalla', 'light_gcn_gowalla')) {
    console.error(`bench cdns: Gowalla not found at ${dir} (set HARDNEG_SHARED_DATA or --data DIR)`);
    return 1;
  }
  const env = envReport();
  setThreads(threads);
  const ds = loadLightGcn(dir, { name: 'gowalla' });
  const rng = Rng.stream(2024, 'init');
  const emb = {
    users: rng.fillNormal(heap.allocF32(ds.numUsers * dim), 0, 0.1),
    items: rng.fillNormal(heap.allocF32(ds.numItems * dim), 0, 0.1),
    dim, itemBias: null,
  };
  const view = trainView(ds);
  const lists = Rng.stream(1, 'sampler');
  let evalRes = evaluateFullRanking(emb, ds, { split: 'test', ks: [20], metrics: ['recall', 'ndcg'] });
  const evalT = timeIt(() => { evalRes = evaluateFullRanking(emb, ds, { split: 'test', ks: [20], metrics: ['recall', 'ndcg'] }); }, { reps, warmup: 1 });
  let built = buildLists(emb, view, k, 'dissimilar', lists);
  const dis = timeIt(() => { built = buildLists(emb, view, k, 'dissimilar', lists); }, { reps, warmup: 1 });
  const sim = timeIt(() => { buildLists(emb, view, k, 'similar', lists); }, { reps, warmup: 1 });
  // A sanity check on what was timed: every user's list is full and avoids its training items.
  let full = 0;
  for (let u = 0; u < ds.numUsers; u++) if (built.lengths[u] === k) full++;
  const report = {
    bench: 'cdns', env, backend: backendInfo(), threads, dim, k, reps,
    dataset: { users: ds.numUsers, items: ds.numItems },
    evalMs: evalT.medianMs, refreshDissimilarMs: dis.medianMs, refreshSimilarMs: sim.medianMs,
    ratioDissimilar: dis.medianMs / evalT.medianMs, ratioSimilar: sim.medianMs / evalT.medianMs, target: 1.2,
    usersWithFullLists: full, recall20: evalRes.metrics['recall@20'],
  };
  if (json) {
    console.log(JSON.stringify(report));
    return 0;
  }
  console.log(formatEnv(env));
  console.log(`backend: ${JSON.stringify(report.backend)}; Gowalla ${ds.numUsers} users × ${ds.numItems} items, dim ${dim}, k ${k}, ${threads} thread(s), medians of ${reps}`);
  console.log(formatTable(['', 'ms (median)', '× evaluation'], [
    ['full-ranking evaluation (top-20, train masked)', fmtMs(evalT.medianMs), '1.00×'],
    [`refresh: ${k} least similar per user`, fmtMs(dis.medianMs), ratio(dis.medianMs, evalT.medianMs)],
    [`refresh: ${k} most similar per user`, fmtMs(sim.medianMs), ratio(sim.medianMs, evalT.medianMs)],
  ]));
  console.log(`target: refresh ≤ 1.2× evaluation; users with a full list: ${full} of ${ds.numUsers}`);
  return 0;
}
