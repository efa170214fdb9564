// `npm run bench -- pinsage [--json[=path]] [--reps 5] [--warmup 2] [--threads N] [--only name,name]`
//
// A PinSage training step (batch-local computation trees, fan-out 25/10, 2 layers) against a full-graph LightGCN step
// (3 layers of spmm over the whole Gowalla graph) at the same batch (2048) and sampler (uniform), both through the
// trainer's own step (createTrainStep, bench/train.ts benchCase: encoder pass → pooled rows → sampler → BPR + L2 →
// backward → Adam), on Gowalla (LightGCN split). Cases: LightGCN at dim 64 (the repo's reference step), PinSage at
// the RecNS dim 256 and at dim 64 (equal width), and PinSage + DNS (M 64: candidates scored batch-locally). Printed:
// median ms per step and phase, the ratio LightGCN / PinSage (the target: PinSage ≥ 3× faster), and the
// size of a PinSage step's computation trees (nodes per layer for the users + positives + negatives of one batch)
// against the graph's 70,839 nodes, which is what bounds the saving on a graph this small.
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { loadDataset } from '../src/data/load.js';
import { createEncoder } from '../src/encoders/index.js';
import { PinSageEncoder } from '../src/encoders/pinsage.js';
import { backendInfo, setThreads } from '../src/engine/kernels/index.js';
import { drawCandidates } from '../src/samplers/candidates.js';
import { interactionBatcher } from '../src/training/batching.js';
import { envReport, flagValue, fmtMs, formatEnv, formatTable, hasFlag, intFlag } from './lib/index.js';
import { benchCase, type CaseResult } from './train.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = process.env.HARDNEG_SHARED_DATA ?? join(repoRoot, '..', 'shared', 'data');

const CASES = [
  { name: 'lightgcn-64-uniform', encoder: { name: 'lightgcn', dim: 64, layers: 3 }, sampler: { name: 'uniform' }, lazy: false },
  { name: 'pinsage-256-uniform', encoder: { name: 'pinsage', dim: 256 }, sampler: { name: 'uniform' }, lazy: false },
  { name: 'pinsage-64-uniform', encoder: { name: 'pinsage', dim: 64 }, sampler: { name: 'uniform' }, lazy: false },
  { name: 'pinsage-64-dns64', encoder: { name: 'pinsage', dim: 64 }, sampler: { name: 'dns', m: 64 }, lazy: false },
];
const PHASES = ['sample', 'forward', 'backward', 'optim', 'total'] as const;

export async function main(argv: string[]): Promise<number> {
  const json = hasFlag(argv, 'json');
  const jsonPath = flagValue(argv, 'json');
  const reps = intFlag(argv, 'reps', 5);
  const warmup = intFlag(argv, 'warmup', 2);
  const threadsFlag = flagValue(argv, 'threads');
  if (threadsFlag) setThreads(Number(threadsFlag));
  const only = flagValue(argv, 'only')?.split(',');
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  const env = envReport();
  log(formatEnv(env));
  log(`backend ${JSON.stringify(backendInfo())}`);
  const gowalla = loadDataset({ name: 'gowalla', dataDir: DATA });
  const nodes = gowalla.numUsers + gowalla.numItems;
  log(`gowalla: ${gowalla.numUsers} users, ${gowalla.numItems} items (${nodes} nodes), ${gowalla.train.indices.length} train`);

  // One batch's computation trees (users, positives, uniform negatives: the three calls of a step).
  const enc = createEncoder('pinsage', gowalla, { dim: 8 }, Rng.stream(1, 'init')) as PinSageEncoder;
  const batch = interactionBatcher(gowalla.train, 2048).epoch(Rng.stream(1, 'batch'))[Symbol.iterator]().next().value!;
  const neg = drawCandidates(gowalla.train, batch.users, 1, Rng.stream(1, 'sampler'));
  const off = (ids: Int32Array) => ids.map((i) => i + gowalla.numUsers);
  const trees = [batch.users, off(batch.pos), off(neg)].map((ids) => enc.plan(ids, 1, 0).nodes.map((n) => n.length));
  const union = new Set<number>();
  for (const ids of [batch.users, off(batch.pos), off(neg)]) for (const v of enc.plan(ids, 1, 0).nodes[1]) union.add(v);
  log(`PinSage trees of one batch (nodes at layers 2, 1, 0 per call: users, positives, negatives): ` +
    trees.map((t) => `[${t.slice().reverse().join(', ')}]`).join(' ') + `; distinct layer-1 nodes over the three calls ${union.size} ` +
    `(${(100 * union.size / nodes).toFixed(0)}% of the graph)`);

  const results: CaseResult[] = [];
  for (const c of CASES) {
    if (only && !only.includes(c.name)) continue;
    const r = benchCase(c, gowalla, reps, warmup);
    results.push(r);
    log(`${c.name}: total ${fmtMs(r.median.total)} ms (steps ${r.samplesTotal.map((x) => x.toFixed(0)).join(' ')})`);
  }
  log('');
  log('Gowalla, batch 2048: median ms per step');
  log(formatTable(['case', ...PHASES], results.map((r) => [r.name, ...PHASES.map((p) => fmtMs(r.median[p]))])));
  const by = new Map(results.map((r) => [r.name, r]));
  const ref = by.get('lightgcn-64-uniform');
  const ratios: Record<string, number> = {};
  if (ref) {
    for (const r of results) {
      if (r === ref) continue;
      const q = ref.median.total / r.median.total;
      ratios[r.name] = q;
      log(`LightGCN (full graph, dim 64) step / ${r.name} step = ${q.toFixed(2)}× (target ≥ 3×: ${q >= 3 ? 'met' : 'NOT met'})`);
    }
  }
  if (json) {
    const out = JSON.stringify({ env, backend: backendInfo(), trees, layer1Union: union.size, nodes, results, ratios }, null, 2);
    if (jsonPath && jsonPath !== 'true') writeFileSync(jsonPath, out);
    else process.stdout.write(out + '\n');
  }
  return 0;
}
