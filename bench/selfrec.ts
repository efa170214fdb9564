// `npm run bench -- selfrec [--model simgcl|xsimgcl|sgl] [--epochs 20] [--threads 2] [--ref DIR] [--seed 2024] [--init xavierTables|xavier|normal]
//                       [--dataset lastfm|gowalla] [--json[=path]]`
//
// The contrastive-backbone anchor (issue 12): SimGCL (or XSimGCL, or SGL with --model sgl: SELFRec's conf/SGL.yaml) on LastFM in hardneg and in SELFRec (Coder-Yu/
// SELFRec, by SimGCL's authors, a checkout given by --ref or $HARDNEG_SELFREC; run unchanged through
// bench/torch/selfrec_run.py, which makes its .cuda() calls no-ops on CPU), with SELFRec's published settings
// (conf/SimGCL.yaml: 2 layers, dim 64, ε 0.1, τ 0.2, λ 0.5, lr 1e-3, reg 1e-4, batch 2048) on the same train/test
// files and thread count, in one run: test Recall/NDCG@20 after every epoch (both select on test, as SELFRec does),
// and seconds per training epoch, evaluation excluded. Prints both curves, the final gap and the speed ratio.
//
// SELFRec's regulariser, reg·Σ‖X‖_F/B over the batch's propagated user and positive (SGL: and negative) rows, is
// hardneg's `l2Form: 'pooledNorm(Positives)'`, and its per-table Xavier init is `init: 'xavierTables'`. Known
// difference: SELFRec draws with Python's unseeded `random`, so its numbers vary from run to run.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
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
  epochs: Array<{ epoch: number; train_ms: number; eval_ms: number; metrics: Record<string, number> }>;
}

const MODELS = {
  simgcl: { selfrec: 'SimGCL', preset: 'simgcl', l2Form: 'pooledNormPositives', encoder: { name: 'simgcl', layers: 2, eps: 0.1, clTemperature: 0.2, clWeight: 0.5 }, overrides: [] as string[] },
  xsimgcl: { selfrec: 'XSimGCL', preset: 'simgcl', l2Form: 'pooledNormPositives', encoder: { name: 'simgcl', variant: 'xsimgcl', layers: 2, clLayer: 1, eps: 0.2, clTemperature: 0.15, clWeight: 0.2 }, overrides: [] as string[] },
  // SELFRec's conf/SGL.yaml: aug_type 1 (edge dropout), drop_rate 0.1, λ 0.1, τ 0.2, 2 layers; its InfoNCE runs over
  // the batch's distinct users and items together, one denominator (hardneg's `denominator: 'joint'`).
  sgl: { selfrec: 'SGL', preset: 'sgl', l2Form: 'pooledNorm', encoder: { name: 'sgl', layers: 2, augmentation: 'ed', dropRatio: 0.1, clTemperature: 0.2, clWeight: 0.1, denominator: 'joint' }, overrides: [] as string[] },
};

export async function main(argv: string[]): Promise<number> {
  const name = (flagValue(argv, 'model') ?? 'simgcl') as keyof typeof MODELS;
  const m = MODELS[name];
  if (!m) {
    console.error(`bench selfrec: --model must be one of ${Object.keys(MODELS).join(', ')}`);
    return 2;
  }
  const epochs = intFlag(argv, 'epochs', 20);
  const threads = intFlag(argv, 'threads', 2);
  const seed = intFlag(argv, 'seed', 2024);
  const ref = flagValue(argv, 'ref') ?? process.env.HARDNEG_SELFREC ?? '';
  // SELFRec initialises its user and item tables with one xavier_uniform_ each ('xavierTables').
  const init = flagValue(argv, 'init') ?? 'xavierTables';
  // LastFM for the curves; Gowalla (--dataset gowalla --epochs 1) for the per-step time at its scale.
  const dsName = flagValue(argv, 'dataset') ?? 'lastfm';
  console.log(formatEnv(envReport()));
  setThreads(threads);
  console.log(`hardneg backend: ${JSON.stringify(backendInfo())}`);

  const dataset = loadDataset({ name: dsName });
  const config = resolveConfig(m.preset, {
    dataset: dsName, encoder: { ...m.encoder, init }, l2Form: m.l2Form, epochs, evalEvery: 1, patience: 0, selectOn: 'test', ks: [20], seed,
  });
  const ours = await trainCurve(config, dataset);

  let refOut: RefOut | null = null;
  let note = '';
  const py = detectTorch();
  if (!py?.torch) note = `PyTorch not available (${py?.reason ?? 'no python3'}): SELFRec side skipped`;
  else if (!ref || !existsSync(join(ref, 'SELFRec.py'))) {
    note = `${ref ? `SELFRec checkout not found at ${ref}` : 'no SELFRec checkout given'} (clone Coder-Yu/SELFRec and pass --ref DIR, or set HARDNEG_SELFREC)`;
  } else {
    // The same split, in SELFRec's graph format: "user item 1" lines of the original ids.
    const dir = mkdtempSync(join(tmpdir(), 'hardneg-selfrec-'));
    try {
      const lines = (s: typeof dataset.train) => {
        const out: string[] = [];
        for (let u = 0; u < s.rows; u++) for (let p = s.indptr[u]; p < s.indptr[u + 1]; p++) out.push(`${dataset.userIds[u]} ${dataset.itemIds[s.indices[p]]} 1`);
        return out.join('\n') + '\n';
      };
      writeFileSync(join(dir, 'train.txt'), lines(dataset.train));
      writeFileSync(join(dir, 'test.txt'), lines(dataset.test));
      const script = fileURLToPath(new URL('../../bench/torch/selfrec_run.py', import.meta.url));
      refOut = runPythonJson<RefOut>(py.python, script, [ref, dir, m.selfrec, String(epochs), String(threads), ...m.overrides],
        { env: { OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' }, timeoutMs: 7_200_000 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const rows = ours.map((o) => {
    const r = refOut?.epochs.find((x) => x.epoch === o.epoch);
    return [String(o.epoch), o.recall.toFixed(4), o.ndcg.toFixed(4), o.trainMs.toFixed(0),
      r ? r.metrics.Recall.toFixed(4) : '–', r ? r.metrics.NDCG.toFixed(4) : '–', r ? r.train_ms.toFixed(0) : '–'];
  });
  console.log(formatTable(['epoch', 'hardneg recall@20', 'ndcg@20', 'train ms', 'SELFRec recall@20', 'ndcg@20', 'train ms'], rows));
  const oursMs = median(ours.map((o) => o.trainMs));
  const refMs = refOut ? median(refOut.epochs.map((e) => e.train_ms)) : NaN;
  const last = ours[ours.length - 1];
  const refLast = refOut?.epochs[refOut.epochs.length - 1];
  const bestOurs = Math.max(...ours.map((o) => o.recall));
  const bestRef = refOut ? Math.max(...refOut.epochs.map((e) => e.metrics.Recall)) : NaN;
  if (refOut && refLast) {
    console.log(`final recall@20: hardneg ${last.recall.toFixed(4)} vs SELFRec ${refLast.metrics.Recall.toFixed(4)} ` +
      `(${(100 * (last.recall / refLast.metrics.Recall - 1)).toFixed(2)}%); best: ${bestOurs.toFixed(4)} vs ${bestRef.toFixed(4)} ` +
      `(${(100 * (bestOurs / bestRef - 1)).toFixed(2)}%; target within 3%)`);
    console.log(`per-epoch training time: hardneg ${oursMs.toFixed(0)} ms vs SELFRec ${refMs.toFixed(0)} ms (torch ${refOut.torch}, ` +
      `${refOut.threads} threads): ${(refMs / oursMs).toFixed(2)}× faster (target ≥ 3×)`);
    const steps = Math.ceil(dataset.train.indices.length / config.batchSize);
    console.log(`per step (${steps} steps of ${config.batchSize} an epoch on ${dsName}): hardneg ${(oursMs / steps).toFixed(1)} ms vs SELFRec ${(refMs / steps).toFixed(1)} ms`);
  }
  if (note) console.log(note);
  if (hasFlag(argv, 'json')) {
    const summary = { model: name, epochs, threads, seed, ours, reference: refOut, medianTrainMs: { ours: oursMs, reference: refMs }, note };
    const path = flagValue(argv, 'json');
    if (path) writeFileSync(path, JSON.stringify(summary, null, 2));
    else console.log(JSON.stringify(summary));
  }
  return 0;
}
