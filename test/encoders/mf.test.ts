import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder, MfEncoder } from '../../src/encoders/index.js';
import { heap } from '../../src/engine/memory.js';
import { sum } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { assertClose, GRAPH_4x5, ids, tinyDataset } from './fixtures.js';

const ds = tinyDataset(4, 5, GRAPH_4x5);
const rng = (): Rng => Rng.stream(7, 'init');
const ctx = { training: true, rng: Rng.stream(7, 'dropout') };

// p_u = [u+1, −u, 0.5], q_i = [0.1·i, 1, −i]
const P = Float32Array.from({ length: 12 }, (_, k) => [Math.floor(k / 3) + 1, -Math.floor(k / 3), 0.5][k % 3]);
const Q = Float32Array.from({ length: 15 }, (_, k) => [0.1 * Math.floor(k / 3), 1, -Math.floor(k / 3)][k % 3]);
const dot = (u: number, i: number): number => (u + 1) * 0.1 * i - u - 0.5 * i;

function mf(kind: 'mf' | 'bprmf' | 'gmf', opts = {}): MfEncoder {
  const e = createEncoder(kind, ds, { dim: 3, ...opts }, rng()) as MfEncoder;
  e.userEmb.copyFrom(P);
  e.itemEmb.copyFrom(Q);
  return e;
}

test('mf: scores are <p_u, q_i>, one layer, pooling is the identity', () => {
  const e = mf('mf');
  assert.equal(e.numLayers, 0);
  assert.deepEqual(e.layerSet, [0]);
  assert.equal(e.scorerKind, 'dot');
  tidy(() => {
    const pass = e.forward(ctx);
    const u = pass.pool(pass.userLayers(ids(3, 1, 0)));
    const i = pass.pool(pass.itemLayers(ids(0, 4, 2)));
    assertClose(pass.score(u, i).data, [dot(3, 0), dot(1, 4), dot(0, 2)], 1e-6, 'scores');
  });
});

test('mf: gradients are row-sparse and touch only the batch rows', () => {
  const e = mf('mf');
  tidy(() => {
    const pass = e.forward(ctx);
    // pairs (3,0), (1,4), (3,2): user 3 appears twice
    const users = ids(3, 1, 3), items = ids(0, 4, 2);
    sum(pass.score(pass.pool(pass.userLayers(users)), pass.pool(pass.itemLayers(items)))).backward();
  });
  assert.equal(e.userEmb.grad, null, 'no dense user grad');
  const ug = e.userEmb.rowGrad!;
  assert.deepEqual(Array.from(ug.rows), [3, 1]);
  // d/dp_3 = q_0 + q_2, d/dp_1 = q_4
  assertClose(ug.values, [0 + 0.2, 2, 0 - 2, 0.4, 1, -4], 1e-6, 'user row grads');
  const ig = e.itemEmb.rowGrad!;
  assert.deepEqual(Array.from(ig.rows), [0, 4, 2]);
  // d/dq_0 = p_3, d/dq_4 = p_1, d/dq_2 = p_3
  assertClose(ig.values, [4, -3, 0.5, 2, -1, 0.5, 4, -3, 0.5], 1e-6, 'item row grads');
  e.userEmb.zeroGrad();
  e.itemEmb.zeroGrad();
});

test('mf: egoL2 = ½(Σ‖p_u‖² + Σ‖q_i‖² + Σ‖q_j‖²)/B, repeats counted', () => {
  const e = mf('mf');
  const sq = (v: Float32Array, r: number): number => v[3 * r] ** 2 + v[3 * r + 1] ** 2 + v[3 * r + 2] ** 2;
  const want = 0.5 * (sq(P, 1) + sq(P, 1) + sq(P, 2) + sq(Q, 0) + sq(Q, 3) + sq(Q, 4) + sq(Q, 4) + sq(Q, 2) + sq(Q, 1)) / 2;
  const got = tidy(() => e.forward(ctx).egoL2(ids(1, 1, 2), [ids(0, 3, 4), ids(4, 2, 1)], 2).item());
  assert.ok(Math.abs(got - want) < 1e-4, `${got} vs ${want}`);
});

test('bprmf: training score = <p,q> + b_i + b_u + g; evaluation folds b_i only', () => {
  const e = mf('bprmf');
  assert.equal(e.scorerKind, 'dot+bias');
  e.itemBias!.copyFrom([0.5, -1, 2, 0, 3]);
  e.userBias!.copyFrom([1, 2, 3, 4]);
  e.globalBias!.copyFrom([10]);
  tidy(() => {
    const pass = e.forward(ctx);
    const u = pass.pool(pass.userLayers(ids(2, 0)));
    const i = pass.pool(pass.itemLayers(ids(1, 4)));
    assertClose(pass.score(u, i, ids(1, 4), ids(2, 0)).data, [dot(2, 1) - 1 + 3 + 10, dot(0, 4) + 3 + 1 + 10], 1e-6, 'full');
    assertClose(pass.score(u, i, ids(1, 4)).data, [dot(2, 1) - 1 + 10, dot(0, 4) + 3 + 10], 1e-6, 'item bias');
    // synthetic negatives (no ids): dot + global only
    assertClose(pass.score(u, i).data, [dot(2, 1) + 10, dot(0, 4) + 10], 1e-6, 'no ids');
    sum(pass.score(u, i, ids(1, 4), ids(2, 0))).backward();
  });
  assert.deepEqual(Array.from(e.itemBias!.rowGrad!.rows), [1, 4]);
  assert.deepEqual(Array.from(e.userBias!.rowGrad!.rows), [2, 0]);
  assertClose(e.globalBias!.grad!, [2], 0, 'global bias grad');
  for (const p of e.parameters()) p.zeroGrad();
  const emb = e.embeddings();
  assertClose(emb.itemBias!, [0.5, -1, 2, 0, 3], 0, 'itemBias');
  assertClose(emb.users, P, 0, 'users');
  assert.ok(heap.owns(emb.users) && heap.owns(emb.items) && heap.owns(emb.itemBias!));
  heap.free(emb.users); heap.free(emb.items); heap.free(emb.itemBias!);
});

test('gmf: score = wᵀ(p ⊙ q); evaluation folds w into users', () => {
  const e = mf('gmf');
  assert.equal(e.scorerKind, 'gmf');
  assertClose(e.gmfWeight!.data, [1, 1, 1], 0, 'w starts at ones');
  e.gmfWeight!.copyFrom([2, -1, 0.5]);
  const gmf = (u: number, i: number): number => {
    let s = 0;
    for (let k = 0; k < 3; k++) s += [2, -1, 0.5][k] * P[3 * u + k] * Q[3 * i + k];
    return s;
  };
  tidy(() => {
    const pass = e.forward(ctx);
    const u = pass.pool(pass.userLayers(ids(1, 3)));
    const i = pass.pool(pass.itemLayers(ids(2, 2)));
    assertClose(pass.score(u, i).data, [gmf(1, 2), gmf(3, 2)], 1e-6, 'gmf scores');
    sum(pass.score(u, i)).backward();
  });
  // d/dw_k = Σ_b p_k q_k
  const gw = [0, 1, 2].map((k) => P[3 + k] * Q[6 + k] + P[9 + k] * Q[6 + k]);
  assertClose(e.gmfWeight!.grad!, gw, 1e-6, 'w grad');
  for (const p of e.parameters()) p.zeroGrad();
  const emb = e.embeddings();
  for (let u = 0; u < 4; u++) for (let i = 0; i < 5; i++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s += emb.users[3 * u + k] * emb.items[3 * i + k];
    assert.ok(Math.abs(s - gmf(u, i)) < 1e-5);
  }
  heap.free(emb.users); heap.free(emb.items);
});

test('init: xavier over the stacked (U+I)×d table; normal(0, std); same seed, same tables as LightGCN', () => {
  const big = tinyDataset(50, 70, [[0, 0], [49, 69]]);
  const x = createEncoder('mf', big, { dim: 8 }, Rng.stream(3, 'init')) as MfEncoder;
  const bound = Math.sqrt(6 / (50 + 70 + 8));
  let maxAbs = 0;
  for (const v of [...x.userEmb.data, ...x.itemEmb.data]) maxAbs = Math.max(maxAbs, Math.abs(v));
  assert.ok(maxAbs <= bound && maxAbs > 0.9 * bound, `max |v| ${maxAbs}, bound ${bound}`);
  const n = createEncoder('mf', big, { dim: 8, init: 'normal', initStd: 0.1 }, Rng.stream(3, 'init')) as MfEncoder;
  const all = [...n.userEmb.data, ...n.itemEmb.data];
  const sd = Math.sqrt(all.reduce((a, v) => a + v * v, 0) / all.length);
  assert.ok(Math.abs(sd - 0.1) < 0.01, `std ${sd}`);
  const g = createEncoder('lightgcn', big, { dim: 8 }, Rng.stream(3, 'init'));
  const ego = g.parameters()[0].data;
  assertClose(ego.subarray(0, 400), x.userEmb.data, 0, 'users');
  assertClose(ego.subarray(400), x.itemEmb.data, 0, 'items');
  // 'xavierTables': one bound per table (SELFRec), √(6/(U+d)) for users and √(6/(I+d)) for items.
  const t = createEncoder('mf', big, { dim: 8, init: 'xavierTables' }, Rng.stream(3, 'init')) as MfEncoder;
  for (const [tab, n] of [[t.userEmb.data, 50], [t.itemEmb.data, 70]] as const) {
    const b = Math.sqrt(6 / (n + 8));
    let m = 0;
    for (const v of tab) m = Math.max(m, Math.abs(v));
    assert.ok(m <= b && m > 0.9 * b, `xavierTables: max |v| ${m}, bound ${b}`);
  }
});

test('createEncoder: clear errors for bad names and options', () => {
  assert.throws(() => createEncoder('mff', ds, {}, rng()), /unknown encoder 'mff'; known: mf, bprmf, gmf, lightgcn, ngcf/);
  assert.throws(() => createEncoder('mf', ds, { dim: 0 }, rng()), /'dim' must be an integer ≥ 1, got 0/);
  assert.throws(() => createEncoder('mf', ds, { dim: 2.5 }, rng()), /'dim' must be an integer/);
  assert.throws(() => createEncoder('mf', ds, { layers: 2 }, rng()), /encoder 'mf': has no propagation layers; option 'layers' must be 0/);
  assert.throws(() => createEncoder('mf', ds, { includeEgoLayer: false }, rng()), /encoder 'mf': unknown option 'includeEgoLayer'/);
  createEncoder('mf', ds, { layers: 0 }, rng());
  assert.throws(() => createEncoder('mf', ds, { init: 'uniform' as 'xavier' }, rng()), /'init' must be one of 'xavier', 'xavierTables', 'normal'/);
  assert.throws(() => createEncoder('mf', ds, { initStd: 0.1 }, rng()), /'initStd' only applies to init 'normal'/);
  assert.throws(() => createEncoder('gmf', ds, { gmfWeightInit: 'zeros' as 'ones' }, rng()), /'gmfWeightInit' must be one of/);
  assert.throws(() => createEncoder('mf', ds, { name: 'gmf' }, rng()), /disagrees/);
  assert.throws(() => createEncoder('lightgcn', ds, { layers: -1 }, rng()), /'layers' must be an integer in 0\.\.64/);
  assert.throws(() => createEncoder('lightgcn', ds, { layers: 2, layerSet: [0, 3] }, rng()), /distinct layers in 0\.\.2/);
  assert.throws(() => createEncoder('lightgcn', ds, { layerSet: [2, 1] }, rng()), /increasing order/);
  assert.throws(() => createEncoder('lightgcn', ds, { layerSet: [1], includeEgoLayer: true }, rng()), /either 'layerSet' or 'includeEgoLayer'/);
  assert.throws(() => createEncoder('lightgcn', ds, { layers: 0, includeEgoLayer: false }, rng()), /leaves nothing to pool/);
  assert.throws(() => createEncoder('ngcf', ds, { messageDropout: 1 }, rng()), /'messageDropout' must be in \[0, 1\)/);
  assert.throws(() => createEncoder('ngcf', ds, { variant: 'tf' as 'code' }, rng()), /'variant' must be one of 'paper', 'code'/);
  assert.throws(() => createEncoder('mf', tinyDataset(0, 3, []), {}, rng()), /0 users and 3 items/);
  const e = mf('mf');
  assert.throws(() => tidy(() => e.forward(ctx).userLayers(ids(4))), /mf\.userLayers: id 4 at position 0 is outside 0\.\.3/);
  assert.throws(() => tidy(() => {
    const p = e.forward(ctx);
    return p.score(p.pool(p.userLayers(ids(0, 1))), p.pool(p.itemLayers(ids(0))));
  }), /row-aligned/);
});
