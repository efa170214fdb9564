// `npm run bench -- lightgcn [--epochs 20] [--ref DIR] [--threads 2] [--json[=path]]`
//
// LightGCN on LastFM under the official LightGCN-PyTorch protocol (3 layers, dim 64, lr 1e-3, L2 1e-4, batch 2048 by
// users, one uniform negative): seconds per training epoch of hardneg and of the official code
// (gusye1234/LightGCN-PyTorch, a checkout given by --ref or $HARDNEG_LIGHTGCN_PYTORCH; run unchanged through
// bench/torch/lightgcn_pytorch_epoch.py), both on the same number of threads, in one run. Epoch = sampling +
// shuffling + every BPR step; one full-ranking test pass is timed separately.
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../src/experiments/presets.js';
import { train } from '../src/experiments/run.js';
import { type EpochRecord, type EvalRecord } from '../src/training/types.js';
import { loadDataset } from '../src/data/index.js';
import { setThreads, backendInfo } from '../src/engine/kernels/index.js';
import { detectTorch, envReport, formatEnv, flagValue, formatTable, hasFlag, intFlag, median, runPythonJson } from './lib/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');

interface RefResult { epoch_ms: number[]; test_ms: number; torch: string; threads: number; recall20: number; ndcg20: number }

export async function main(argv: string[]): Promise<number> {
  const epochs = intFlag(argv, 'epochs', 20);
  const threads = intFlag(argv, 'threads', 2);
  const ref = flagValue(argv, 'ref') ?? process.env.HARDNEG_LIGHTGCN_PYTORCH ?? '';
  console.log(formatEnv(envReport()));
  setThreads(threads);
  console.log(`hardneg backend: ${JSON.stringify(backendInfo())}`);

  const dataset = loadDataset({ name: 'lastfm' });
  const config = resolveConfig('lightgcn-pytorch', { dataset: 'lastfm', epochs, evalEvery: epochs, seed: 2020 });
  const epochMs: number[] = [];
  let evalMs = 0;
  let ours: Record<string, number> = {};
  await train(config, dataset, {
    onEvent: (e) => {
      if (e.type === 'epoch') epochMs.push((e.record as EpochRecord).seconds * 1000);
      if (e.type === 'eval') {
        evalMs = (e.record as EvalRecord).seconds * 1000;
        ours = (e.record as EvalRecord).metrics;
      }
    },
  });
  // The first epoch includes JIT warm-up and graph construction on both sides; medians skip nothing but are robust.
  const oursEpoch = median(epochMs);

  let refRes: RefResult | null = null;
  let note = '';
  const py = detectTorch();
  if (!py?.torch) note = `PyTorch not available (${py?.reason ?? 'no python3'}): reference side skipped`;
  else if (!ref || !existsSync(join(ref, 'code', 'main.py'))) {
    note = `${ref ? `official LightGCN-PyTorch checkout not found at ${ref}` : 'no official LightGCN-PyTorch checkout given'} ` +
      '(clone gusye1234/LightGCN-PyTorch and pass --ref DIR, or set HARDNEG_LIGHTGCN_PYTORCH)';
  } else {
    refRes = runPythonJson<RefResult>(py.python, join(repo, 'bench', 'torch', 'lightgcn_pytorch_epoch.py'),
      [ref, String(epochs), String(threads)], { env: { OMP_WAIT_POLICY: 'PASSIVE' }, timeoutMs: 3_600_000 });
  }
  const header = ['', 'epoch ms (median)', 'test pass ms', `recall@20 after ${epochs} ep`, 'ndcg@20'];
  const rows: string[][] = [];
  rows.push(['hardneg', oursEpoch.toFixed(1), evalMs.toFixed(1), (ours['recall@20'] ?? NaN).toFixed(4), (ours['ndcg@20'] ?? NaN).toFixed(4)]);
  if (refRes) {
    rows.push([`LightGCN-PyTorch (torch ${refRes.torch}, ${refRes.threads} threads)`, median(refRes.epoch_ms).toFixed(1),
      refRes.test_ms.toFixed(1), refRes.recall20.toFixed(4), refRes.ndcg20.toFixed(4)]);
  }
  console.log(formatTable(header, rows));
  const ratio = refRes ? median(refRes.epoch_ms) / oursEpoch : NaN;
  if (refRes) console.log(`per-epoch speed-up over the official code: ${ratio.toFixed(2)}× (target ≥ 3×)`);
  if (note) console.log(note);
  const summary = { epochs, threads, ours: { epochMs: epochMs, medianEpochMs: oursEpoch, evalMs, metrics: ours },
    reference: refRes && { ...refRes, medianEpochMs: median(refRes.epoch_ms) }, speedup: ratio, note };
  if (hasFlag(argv, 'json')) {
    const path = flagValue(argv, 'json');
    if (path) writeFileSync(path, JSON.stringify(summary, null, 2));
    else console.log(JSON.stringify(summary));
  }
  return 0;
}
