// `npm run bench -- sgltorch [--epochs 20] [--threads 2] [--ref DIR] [--seed 2024] [--json[=path]]`
//
// SGL's anchor against its authors' own code (issue 12): SGL-ED on LastFM in hardneg and in SGL-Torch (wujcan/
// SGL-Torch, a checkout given by --ref or $HARDNEG_SGLTORCH, run unchanged through bench/torch/sgltorch_run.py) with
// SGL-Torch's published settings (its conf/SGL.ini: 3 layers, dim 64, edge dropout ρ 0.1 redrawn every epoch,
// InfoNCE over all users / all items τ 0.2, λ 0.1, Adam lr 1e-3, reg 1e-4, batch 2048, Xavier per table) on the same
// train/test files and thread count, in one run: test Recall/NDCG@20 after every epoch (SGL-Torch selects on test,
// and so does this comparison) and the time of each training epoch, evaluation excluded.
//
// hardneg's side is the `sgl` preset (denominator 'all', the code's form) with `batching: 'users'`, the code's
// sampler (users uniformly with replacement, a positive and a negative uniformly per draw). Sums against means: the
// code sums its BPR, InfoNCE and ½‖e⁰‖² terms over the batch, hardneg averages all three, which scales the whole
// loss by B and so changes nothing under Adam but its ε. Known difference: SGL-Torch's own seeding (numpy, its
// Cython sampler) draws other batches and views than hardneg's seeded streams, so the curves agree in law, not in
// every draw. The checkout needs its Cython evaluator built once: `python3 local_compile_setup.py build_ext
// --inplace` (Debian: cython3, python3-dev, python3-pandas, python3-torch).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/data/index.js';
import { setThreads, backendInfo } from '../src/engine/kernels/index.js';
import { resolveConfig } from '../src/experiments/presets.js';
import { detectTorch, envReport, flagValue, formatEnv, formatTable, hasFlag, intFlag, median, runPythonJson, trainCurve } from './lib/index.js';

interface RefOut {
  torch: string;
  threads: number;
  conf: Record<string, unknown>;
  epochs: Array<{ epoch: number; train_ms: number; eval_ms: number; metrics: Record<string, number> }>;
}

export async function main(argv: string[]): Promise<number> {
  const epochs = intFlag(argv, 'epochs', 20);
  const threads = intFlag(argv, 'threads', 2);
  const seed = intFlag(argv, 'seed', 2024);
  const ref = flagValue(argv, 'ref') ?? process.env.HARDNEG_SGLTORCH ?? '';
  console.log(formatEnv(envReport()));
  setThreads(threads);
  console.log(`hardneg backend: ${JSON.stringify(backendInfo())}`);

  const dataset = loadDataset({ name: 'lastfm' });
  const config = resolveConfig('sgl', {
    batching: 'users', epochs, evalEvery: 1, patience: 0, selectOn: 'test', ks: [20], seed,
  });
  const ours = await trainCurve(config, dataset);

  let refOut: RefOut | null = null;
  let note = '';
  const py = detectTorch();
  if (!py?.torch) note = `PyTorch not available (${py?.reason ?? 'no python3'}): SGL-Torch side skipped`;
  else if (!ref || !existsSync(join(ref, 'model', 'general_recommender', 'SGL.py'))) {
    note = `${ref ? `SGL-Torch checkout not found at ${ref}` : 'no SGL-Torch checkout given'} (clone wujcan/SGL-Torch, build its evaluator, and pass --ref DIR or set HARDNEG_SGLTORCH)`;
  } else {
    // The same split in SGL-Torch's NeuRec format: "user,item" lines of hardneg's 0-based ids.
    const dir = mkdtempSync(join(tmpdir(), 'hardneg-sgltorch-'));
    try {
      const lines = (s: typeof dataset.train) => {
        const out: string[] = [];
        for (let u = 0; u < s.rows; u++) for (let p = s.indptr[u]; p < s.indptr[u + 1]; p++) out.push(`${u},${s.indices[p]}`);
        return out.join('\n') + '\n';
      };
      mkdirSync(join(dir, 'lastfm'));
      writeFileSync(join(dir, 'lastfm', 'lastfm.train'), lines(dataset.train));
      writeFileSync(join(dir, 'lastfm', 'lastfm.test'), lines(dataset.test));
      const script = fileURLToPath(new URL('../../bench/torch/sgltorch_run.py', import.meta.url));
      refOut = runPythonJson<RefOut>(py.python, script, [ref, dir, String(epochs), String(threads)],
        { env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' }, timeoutMs: 7_200_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const rows = ours.map((o) => {
    const r = refOut?.epochs.find((x) => x.epoch === o.epoch);
    return [String(o.epoch), o.recall.toFixed(4), o.ndcg.toFixed(4), o.trainMs.toFixed(0),
      r ? r.metrics['Recall@20'].toFixed(4) : '–', r ? r.metrics['NDCG@20'].toFixed(4) : '–', r ? r.train_ms.toFixed(0) : '–'];
  });
  console.log(formatTable(['epoch', 'hardneg recall@20', 'ndcg@20', 'train ms', 'SGL-Torch recall@20', 'ndcg@20', 'train ms'], rows));
  const oursMs = median(ours.map((o) => o.trainMs));
  const refMs = refOut && refOut.epochs.length > 0 ? median(refOut.epochs.map((e) => e.train_ms)) : NaN;
  if (refOut && refOut.epochs.length > 0) {
    const n = Math.min(ours.length, refOut.epochs.length);
    const last = ours[n - 1];
    const refLast = refOut.epochs[n - 1];
    const bestOurs = Math.max(...ours.slice(0, n).map((o) => o.recall));
    const bestRef = Math.max(...refOut.epochs.slice(0, n).map((e) => e.metrics['Recall@20']));
    console.log(`recall@20 at epoch ${n}: hardneg ${last.recall.toFixed(4)} vs SGL-Torch ${refLast.metrics['Recall@20'].toFixed(4)} ` +
      `(${(100 * (last.recall / refLast.metrics['Recall@20'] - 1)).toFixed(2)}%); best: ${bestOurs.toFixed(4)} vs ${bestRef.toFixed(4)} ` +
      `(${(100 * (bestOurs / bestRef - 1)).toFixed(2)}%; target within 3%)`);
    console.log(`per-epoch training time: hardneg ${oursMs.toFixed(0)} ms vs SGL-Torch ${refMs.toFixed(0)} ms (torch ${refOut.torch}, ` +
      `${refOut.threads} threads): ${(refMs / oursMs).toFixed(2)}× faster (target ≥ 3×)`);
    if (refOut.epochs.length < epochs) console.log(`SGL-Torch stopped early after ${refOut.epochs.length} epochs (its stop_cnt)`);
  }
  if (note) console.log(note);
  if (hasFlag(argv, 'json')) {
    const summary = { epochs, threads, seed, config: { encoder: config.encoder, batching: config.batching }, ours, reference: refOut, medianTrainMs: { ours: oursMs, reference: refMs }, note };
    const path = flagValue(argv, 'json');
    if (path) writeFileSync(path, JSON.stringify(summary, null, 2));
    else console.log(JSON.stringify(summary));
  }
  return 0;
}
