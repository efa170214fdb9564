// `npm run bench -- eval [--reps 5] [--rounds 3] [--threads 2] [--dim 64] [--block N] [--no-torch] [--json]`
//
// Full-ranking evaluation of every Gowalla user (29,858 users × 40,981 items, LightGCN split): seeded random
// 64-dim embeddings, training items masked, top-20, Recall@20 / NDCG@20 — hardneg's evaluateFullRanking against
// PyTorch's torch.mm + masked topk (bench/torch/eval.py) on the same arrays and thread count, in one run. hardneg is
// timed with each WASM kernel build usable here (simd, and fma where it validates; --kernels simd|fma for one). Prints
// median ms of each, the ratios (target: ours ≤ 2× PyTorch; with FMA ≥ 1.5× faster), and checks that every build
// agrees with PyTorch and with the others on the metric values. The two sides alternate in `--rounds` rounds (each
// build's reps, then PyTorch's reps, per round), so a change of machine load during the run falls on both; the
// medians pool every round's samples, and the per-round ratios are printed beside them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { heap } from '../src/engine/memory.js';
import { Rng } from '../src/core/rng.js';
import { backendInfo, setKernelSet, setThreads } from '../src/engine/kernels/index.js';
import { fmaKernelsStatus, type KernelSet } from '../src/engine/kernels/wasm.js';
import { loadLightGcn } from '../src/data/index.js';
import { evaluateFullRanking } from '../src/evaluation/fullRanking.js';
import { sharedData, hasSharedData } from '../test/helpers/paths.js';
import {
  detectTorch, envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag, median, ratio, runPythonJson, summarise, timeIt,
} from './lib/index.js';

interface TorchOut {
  torch: string; threads: number; block: number;
  coreMs: number; fullMs: number; coreSamples: number[]; fullSamples: number[];
  recall: number; ndcg: number; users: number;
}

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const threads = intFlag(argv, 'threads', 2);
  const dim = intFlag(argv, 'dim', 64);
  const block = intFlag(argv, 'block', 0) || undefined;
  const K = 20;
  const dir = flagValue(argv, 'data') ?? sharedData('gowalla', 'light_gcn_gowalla');
  if (!flagValue(argv, 'data') && !hasSharedData('gowalla', 'light_gcn_gowalla')) {
    console.error(`bench eval: Gowalla not found at ${dir} (set HARDNEG_SHARED_DATA or --data DIR)`);
    return 1;
  }
  const env = envReport();
  setThreads(threads);
  const backend = backendInfo();
  const t0 = performance.now();
  const ds = loadLightGcn(dir, { name: 'gowalla' });
  const loadMs = performance.now() - t0;

  // Seeded N(0, 0.1²) embeddings on the engine heap (as a trained encoder's would be).
  const rng = Rng.stream(2024, 'init');
  const users = rng.fillNormal(heap.allocF32(ds.numUsers * dim), 0, 0.1);
  const items = rng.fillNormal(heap.allocF32(ds.numItems * dim), 0, 0.1);
  const emb = { users, items, dim, itemBias: null };
  const opts = { split: 'test' as const, ks: [K], metrics: ['recall', 'ndcg'] as const, blockSize: block };

  const only = flagValue(argv, 'kernels') as KernelSet | undefined;
  const rounds = intFlag(argv, 'rounds', 3);
  const sets: KernelSet[] = only ? [only] : fmaKernelsStatus().ok ? ['simd', 'fma'] : ['simd'];
  const samplesBySet = new Map<KernelSet, number[]>(sets.map((k) => [k, []]));
  const resBySet = new Map<KernelSet, ReturnType<typeof evaluateFullRanking>>();
  const best = sets[sets.length - 1]!;

  let torchNote = '';
  const py = hasFlag(argv, 'no-torch') ? null : detectTorch();
  if (hasFlag(argv, 'no-torch')) torchNote = 'skipped (--no-torch)';
  else if (!py || !py.torch) torchNote = `PyTorch unavailable${py?.reason ? `: ${py.reason}` : ''}`;
  const tmp = py?.torch ? mkdtempSync(join(tmpdir(), 'hardneg-bench-eval-')) : null;
  const torchRounds: TorchOut[] = [];
  const perRound: { round: number; oursMs: number; torchCoreMs: number | null }[] = [];
  try {
    if (tmp) {
      const put = (name: string, a: Float32Array | Int32Array) => writeFileSync(join(tmp, name), new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
      put('users.f32', users);
      put('items.f32', items);
      put('train_indptr.i32', ds.train.indptr);
      put('train_indices.i32', ds.train.indices);
      put('test_indptr.i32', ds.test.indptr);
      put('test_indices.i32', ds.test.indices);
      writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ numUsers: ds.numUsers, numItems: ds.numItems, dim }));
    }
    for (let round = 1; round <= rounds; round++) {
      let oursRound = NaN;
      for (const set of sets) {
        setKernelSet(set);
        let r = evaluateFullRanking(emb, ds, opts);
        const t = timeIt(() => { r = evaluateFullRanking(emb, ds, opts); }, { reps, warmup: 1 });
        samplesBySet.get(set)!.push(...t.samples);
        resBySet.set(set, r);
        if (set === best) oursRound = t.medianMs;
      }
      setKernelSet('auto');
      let torchCore: number | null = null;
      if (tmp && py) {
        const script = fileURLToPath(new URL('../../bench/torch/eval.py', import.meta.url));
        const out = runPythonJson<TorchOut>(py.python, script, [tmp, '--threads', String(threads), '--k', String(K), '--reps', String(reps)],
          { env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) } });
        torchRounds.push(out);
        torchCore = out.coreMs;
      }
      perRound.push({ round, oursMs: oursRound, torchCoreMs: torchCore });
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  const bySet = new Map([...samplesBySet].map(([k, v]) => [k, { ours: summarise(v), res: resBySet.get(k)! }]));
  const { ours, res } = bySet.get(best)!;
  // PyTorch's medians over every round's samples (one run's figures when rounds = 1).
  const torchOut: TorchOut | null = torchRounds.length === 0 ? null : {
    ...torchRounds[0]!,
    coreSamples: torchRounds.flatMap((t) => t.coreSamples), fullSamples: torchRounds.flatMap((t) => t.fullSamples),
    coreMs: median(torchRounds.flatMap((t) => t.coreSamples)), fullMs: median(torchRounds.flatMap((t) => t.fullSamples)),
  };

  const recall = res.metrics[`recall@${K}`];
  const ndcg = res.metrics[`ndcg@${K}`];
  const agree = torchOut ? [...bySet.values()].every(({ res: r }) => Math.abs(torchOut!.recall - r.metrics[`recall@${K}`]!) < 1e-5 &&
    Math.abs(torchOut!.ndcg - r.metrics[`ndcg@${K}`]!) < 1e-5) : null;
  const setsAgree = [...bySet.values()].every(({ res: r }) => Math.abs(r.metrics[`recall@${K}`]! - recall) < 1e-5 &&
    Math.abs(r.metrics[`ndcg@${K}`]! - ndcg) < 1e-5);
  const ratioCore = torchOut ? ours.medianMs / torchOut.coreMs : null;
  const ratioFull = torchOut ? ours.medianMs / torchOut.fullMs : null;
  const report = {
    bench: 'eval', env, backend, threads, dim, k: K, block: block ?? 'default', reps, rounds, perRound,
    dataset: { name: 'gowalla', users: ds.numUsers, items: ds.numItems, train: ds.train.indices.length, test: ds.test.indices.length, loadMs },
    ours: { ...ours, kernels: best, recall, ndcg, usersEvaluated: res.usersEvaluated, usersSkipped: res.usersSkipped },
    bySet: Object.fromEntries([...bySet].map(([k, v]) => [k, { medianMs: v.ours.medianMs, samples: v.ours.samples,
      recall: v.res.metrics[`recall@${K}`], ndcg: v.res.metrics[`ndcg@${K}`],
      torchCoreOverOurs: torchOut ? torchOut.coreMs / v.ours.medianMs : null }])),
    setsAgree,
    torch: torchOut, torchNote: torchNote || undefined,
    ratioVsTorchCore: ratioCore, ratioVsTorchFull: ratioFull, target: 2, metricsAgree: agree,
  };
  if (json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(formatEnv(env));
    console.log(`backend ${backend.name} × ${backend.threads} threads; Gowalla ${ds.numUsers} users × ${ds.numItems} items, ` +
      `dim ${dim}, top-${K}, ${ds.train.indices.length} training items masked (load ${fmtMs(loadMs)} ms)`);
    const rows = [...bySet].map(([set, v]) => [`hardneg evaluateFullRanking, ${set} kernels (score+mask+topK+metrics)`,
      fmtMs(v.ours.medianMs), v.res.metrics[`recall@${K}`]!.toFixed(6), v.res.metrics[`ndcg@${K}`]!.toFixed(6),
      ratio(ours.medianMs, v.ours.medianMs)]);
    if (torchOut) {
      rows.push([`torch ${torchOut.torch} mm+mask+topk (block ${torchOut.block})`, fmtMs(torchOut.coreMs), '', '', ratio(torchOut.coreMs, ours.medianMs)]);
      rows.push(['torch mm+mask+topk+metrics', fmtMs(torchOut.fullMs), torchOut.recall.toFixed(6), torchOut.ndcg.toFixed(6), ratio(torchOut.fullMs, ours.medianMs)]);
    }
    console.log(formatTable(['implementation', 'median ms', `recall@${K}`, `ndcg@${K}`, 'speed vs ours'], rows));
    if (torchOut) {
      for (const [set, v] of bySet) {
        const sp = torchOut.coreMs / v.ours.medianMs;
        console.log(`${set}: ours / torch(mm+mask+topk) = ${(1 / sp).toFixed(2)} of its time, ${sp.toFixed(2)}× faster ` +
          `(target ≤ 2× its time${set === 'fma' ? '; FMA target ≥ 1.5× faster: ' + (sp >= 1.5 ? 'met' : 'NOT met') : ''})`);
      }
      console.log(`per round, torch(mm+mask+topk) / ours (${best}): ` +
        perRound.map((r) => r.torchCoreMs === null ? '-' : (r.torchCoreMs / r.oursMs).toFixed(2) + '×').join(', '));
      console.log(`ours (${best}) / torch(with metrics) = ${ratioFull!.toFixed(2)}; metrics agree with torch: ${agree ? 'yes' : 'NO'}; ` +
        `kernel sets agree: ${setsAgree ? 'yes' : 'NO'}; load average at start ${env.loadAvg1}`);
    } else {
      console.log(`PyTorch reference: ${torchNote}`);
    }
  }
  heap.free(users);
  heap.free(items);
  return agree === false || !setsAgree ? 1 : 0;
}
