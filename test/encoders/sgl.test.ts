import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { adjacencyOf, keepMask, markRandom, trainEdges } from '../../src/encoders/augment.js';
import { createEncoder, LightGcnEncoder, SglEncoder } from '../../src/encoders/index.js';
import { setThreads } from '../../src/engine/kernels/index.js';
import { tidy } from '../../src/engine/tensor.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { denseNormAdj, finiteDiffCheck, GRAPH_4x5, ids, matF64, rowsOf, tinyDataset } from './fixtures.js';

const NU = 4, NI = 5, D = 3, L = 2;
const ds = tinyDataset(NU, NI, GRAPH_4x5);

function encoder(opts = {}): SglEncoder {
  const e = createEncoder('sgl', ds, { dim: D, layers: L, ...opts }, Rng.stream(5, 'init')) as SglEncoder;
  e.ego.copyFrom(Float32Array.from({ length: (NU + NI) * D }, (_, k) => Math.sin(1.3 * k + 0.2)));
  return e;
}

/** The kept (user, item) pairs of a mask. */
function keptPairs(edges: ReturnType<typeof trainEdges>, keep: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let e = 0; e < keep.length; e++) if (keep[e]) out.push([edges.users[e], edges.items[e]]);
  return out;
}

test('markRandom marks exactly k distinct indices, every index reachable', () => {
  const rng = Rng.stream(3, 't');
  const hits = new Int32Array(10);
  for (let r = 0; r < 2000; r++) {
    const m = new Uint8Array(10);
    markRandom(m, 10, 3, rng);
    assert.equal(m.reduce((a, x) => a + x, 0), 3);
    m.forEach((x, i) => (hits[i] += x));
  }
  // Each index marked with probability 3/10: 600 of 2000, within 5 standard deviations (σ ≈ 20.5).
  for (const h of hits) assert.ok(Math.abs(h - 600) < 103, `hits ${Array.from(hits)}`);
});

test('augmentations: edge dropout keeps ⌊|E|(1−ρ)⌋ edges, node dropout removes ⌊Uρ⌋ users and ⌊Iρ⌋ items, each sub-graph renormalised', () => {
  const big = syntheticDataset({ users: 40, items: 30, seed: 2 });
  const edges = trainEdges(big);
  const m = edges.users.length;
  const ed = keepMask(edges, 'ed', 0.25, Rng.stream(1, 'v'));
  assert.equal(ed.reduce((a, x) => a + x, 0), Math.floor(m * 0.75));
  const nd = keepMask(edges, 'nd', 0.25, Rng.stream(1, 'v'));
  // The same draws by hand: ⌊40·0.25⌋ users, then ⌊30·0.25⌋ items; an edge survives when both ends do.
  const rng = Rng.stream(1, 'v');
  const du = new Uint8Array(40), di = new Uint8Array(30);
  markRandom(du, 40, 10, rng);
  markRandom(di, 30, 7, rng);
  assert.equal(du.reduce((a, x) => a + x, 0), 10);
  for (let e = 0; e < m; e++) assert.equal(nd[e], du[edges.users[e]] || di[edges.items[e]] ? 0 : 1);
  // The sub-graph's Â' equals D'^-½ A' D'^-½ of the kept pairs, built densely in float64.
  const small = trainEdges(ds);
  const keep = keepMask(small, 'ed', 0.3, Rng.stream(7, 'v'));
  const a = adjacencyOf(small, keep);
  const want = denseNormAdj(NU, NI, keptPairs(small, keep));
  const got = Array.from({ length: NU + NI }, () => new Float64Array(NU + NI));
  for (let r = 0; r < NU + NI; r++) for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) got[r][a.indices[p]] = a.values![p];
  for (let r = 0; r < NU + NI; r++) for (let c = 0; c < NU + NI; c++) assert.ok(Math.abs(got[r][c] - want[r][c]) < 1e-6, `Â'[${r}][${c}]`);
});

/** float64 LightGCN over a dense adjacency, pooled as the mean of layers 0..L. */
function viewF64(ego: Float32Array, adj: Float64Array[]): Float64Array[] {
  let e = rowsOf(ego, NU + NI, D);
  const acc = e.map((r) => Float64Array.from(r));
  for (let l = 1; l <= L; l++) {
    e = matF64(adj, e);
    for (let r = 0; r < e.length; r++) for (let c = 0; c < D; c++) acc[r][c] += e[r][c];
  }
  return acc.map((r) => r.map((x) => x / (L + 1)));
}

const unit = (x: Float64Array) => {
  const n = Math.hypot(...x);
  return Array.from(x, (v) => v / n);
};
const dot = (x: number[], y: number[]) => x.reduce((s, v, k) => s + v * y[k], 0);

/** mean over rows s of lse_t(z1_s·z2_t/τ) − z1_s·z2_s/τ, t over `others`. */
function infoNce(z1: number[][], z2: number[][], others: number[][], tau: number): number {
  let t = 0;
  for (let s = 0; s < z1.length; s++) {
    const row = others.map((y) => dot(z1[s], y) / tau);
    const mx = Math.max(...row);
    t += mx + Math.log(row.reduce((a, v) => a + Math.exp(v - mx), 0)) - dot(z1[s], z2[s]) / tau;
  }
  return t / z1.length;
}

test('sgl term: λ·InfoNCE of the two edge-dropout views over every user and every item (SGL-Torch), the batch, or the batch jointly (SELFRec), recomputed in float64', () => {
  for (const denominator of ['all', 'batch', 'joint'] as const) {
    const e = encoder({ denominator, dropRatio: 0.3 });
    const batch = { users: ids(0, 2, 0, 3), pos: ids(1, 4, 1, 0) };
    tidy(() => {
      const pass = e.forward({ training: true, rng: Rng.stream(1, 'dropout'), streams: { get: (n) => Rng.stream(9, n) } });
      const terms = pass.terms!(batch);
      assert.equal(terms.length, 1);
      assert.equal(terms[0].name, 'cl');
      assert.equal(terms[0].weight, 0.1);
      // The same two sub-graphs, redrawn from the same stream.
      const rng = Rng.stream(9, 'sgl-views');
      const edges = trainEdges(ds);
      const [v1, v2] = [0, 1].map(() => viewF64(e.ego.data, denseNormAdj(NU, NI, keptPairs(edges, keepMask(edges, 'ed', 0.3, rng))))).map((v) => v.map(unit));
      let want: number;
      if (denominator === 'all') {
        const us = Array.from(batch.users), is = Array.from(batch.pos, (i) => NU + i);
        const allU = [0, 1, 2, 3], allI = [0, 1, 2, 3, 4].map((i) => NU + i);
        want = infoNce(us.map((r) => v1[r]), us.map((r) => v2[r]), allU.map((r) => v2[r]), 0.2) +
          infoNce(is.map((r) => v1[r]), is.map((r) => v2[r]), allI.map((r) => v2[r]), 0.2);
      } else if (denominator === 'batch') {
        const us = [0, 2, 3], is = [1, 4, 0].map((i) => NU + i);
        want = infoNce(us.map((r) => v1[r]), us.map((r) => v2[r]), us.map((r) => v2[r]), 0.2) +
          infoNce(is.map((r) => v1[r]), is.map((r) => v2[r]), is.map((r) => v2[r]), 0.2);
      } else {
        // One InfoNCE over the distinct users and items together: every row's denominator holds both.
        const both = [0, 2, 3, ...[1, 4, 0].map((i) => NU + i)];
        want = infoNce(both.map((r) => v1[r]), both.map((r) => v2[r]), both.map((r) => v2[r]), 0.2);
      }
      assert.ok(Math.abs(terms[0].value.item() - want) < 1e-5, `${denominator}: ${terms[0].value.item()} vs ${want}`);
      // Evaluation passes carry no term; the clean pass is LightGCN over layers 0..L.
      assert.equal(e.forward({ training: false, rng: Rng.stream(1, 'dropout') }).terms, undefined);
      const lg = createEncoder('lightgcn', ds, { dim: D, layers: L }, Rng.stream(5, 'init')) as LightGcnEncoder;
      lg.ego.copyFrom(e.ego.data);
      assert.deepEqual(Array.from(pass.pooledUsers!(ids(0, 1, 2, 3)).data),
        Array.from(lg.forward({ training: true, rng: Rng.stream(1, 'dropout') }).pooledUsers!(ids(0, 1, 2, 3)).data));
    });
  }
});

test('sgl views: rw draws a sub-graph per layer; nd drops whole nodes; epoch starts redraw from the sgl-views stream', () => {
  const e = encoder({ augmentation: 'rw', dropRatio: 0.3 });
  const streams = { get: (n: string) => Rng.stream(4, n) };
  e.onEpochStart(1, streams);
  const t1 = tidy(() => Array.from(e.viewTable(0).data));
  e.onEpochStart(2, { get: (n: string) => Rng.stream(4, n) });
  const t2 = tidy(() => Array.from(e.viewTable(0).data));
  assert.deepEqual(t1, t2, 'the same stream state gives the same views');
  e.drawViews(Rng.stream(5, 'sgl-views'));
  const t3 = tidy(() => Array.from(e.viewTable(0).data));
  assert.notDeepEqual(t1, t3, 'another draw, other views');
  assert.throws(() => createEncoder('sgl', ds, { augmentation: 'walk' }, Rng.stream(1, 'init')), /augmentation/);
  assert.throws(() => createEncoder('sgl', ds, { dropRatio: 1 }, Rng.stream(1, 'init')), /dropRatio/);
  assert.throws(() => createEncoder('sgl', ds, { layers: 0 }, Rng.stream(1, 'init')), /layers/);
});

test('sgl contrastive term: gradient-checked against central differences (fixed views)', () => {
  for (const denominator of ['all', 'batch', 'joint'] as const) {
    const e = encoder({ denominator, augmentation: 'nd', dropRatio: 0.25 });
    e.drawViews(Rng.stream(2, 'sgl-views'));
    const batch = { users: ids(0, 1, 3), pos: ids(2, 0, 4) };
    const value = (): number => tidy(() => e.contrastive(e.viewTable(0), e.viewTable(1), batch).item());
    e.ego.zeroGrad();
    tidy(() => e.contrastive(e.viewTable(0), e.viewTable(1), batch).backward());
    const g = Float32Array.from(e.ego.grad!);
    assert.ok(g.some((x) => Math.abs(x) > 1e-3), 'a non-trivial gradient');
    e.ego.zeroGrad();
    finiteDiffCheck([{ name: 'ego', data: e.ego.data, dense: () => g }], value, 1e-3, 2e-3, 2e-2);
  }
});

test('sgl trains bit-identically at 1 and 2 threads, and a killed + resumed run equals the uninterrupted one', async () => {
  const data = () => syntheticDataset({ users: 50, items: 70, seed: 6 });
  const cfg = resolveConfig(undefined, { epochs: 5, evalEvery: 1, patience: 0, ks: [10], batchSize: 128, encoder: { name: 'sgl', dim: 8, layers: 2 } });
  const runs = [];
  for (const t of [1, 2]) {
    setThreads(t);
    runs.push(await train(cfg, data()));
  }
  setThreads(1);
  assert.ok(runs[0].epochs.every((ep) => ep.terms!.cl > 0), JSON.stringify(runs[0].epochs[0].terms));
  assert.deepEqual(runs[1].epochs.map((ep) => [ep.loss, ep.terms]), runs[0].epochs.map((ep) => [ep.loss, ep.terms]));
  assert.deepEqual(runs[1].weights!.params[0].data, runs[0].weights!.params[0].data);
  const root = mkdtempSync(join(tmpdir(), 'hn-sgl-'));
  try {
    const whole = await train(cfg, data(), { runDir: join(root, 'whole') });
    const dir = join(root, 'killed');
    await assert.rejects(train(cfg, data(), {
      runDir: dir, onEvent: (ev) => { if (ev.type === 'epoch' && ev.record.epoch === 4) throw new Error('simulated kill'); },
    }), /simulated kill/);
    const resumed = await train(cfg, data(), { runDir: dir, resume: true });
    assert.deepEqual(resumed.resumedFrom, [3]);
    assert.deepEqual(resumed.epochs.map((ep) => ep.loss), whole.epochs.map((ep) => ep.loss));
    assert.deepEqual(resumed.weights!.params[0].data, whole.weights!.params[0].data);
    assert.deepEqual(resumed.test, whole.test);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
