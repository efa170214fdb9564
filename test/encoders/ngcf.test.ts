import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder, NgcfEncoder } from '../../src/encoders/index.js';
import { heap } from '../../src/engine/memory.js';
import { mul, sum } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { noGrad, Tensor, tidy } from '../../src/engine/tensor.js';
import { assertClose, finiteDiffCheck, GRAPH_4x5, ids, tinyDataset } from './fixtures.js';

// 2 users × 3 items: u0–i0, u0–i1, u1–i1, u1–i2 (nodes u0 u1 i0 i1 i2 = 0..4)
const PAIRS: Array<[number, number]> = [[0, 0], [0, 1], [1, 1], [1, 2]];
const small = tinyDataset(2, 3, PAIRS);
const ctx = (training: boolean, seed = 1) => ({ training, rng: Rng.stream(seed, 'dropout') });

const EGO = [1, 0, 0, 1, 0.5, -0.5, -1, 2, 0.25, 0.75];
const W1 = [0.5, -1, 1, 0.25];
const W2 = [-0.5, 0.2, 0.3, 1];
const B1 = [0.1, -0.2];
const B2 = [0.05, 0.3];

function oneLayer(opts = {}): NgcfEncoder {
  const e = createEncoder('ngcf', small, { dim: 2, layers: 1, messageDropout: 0, ...opts }, Rng.stream(2, 'init')) as NgcfEncoder;
  e.ego.copyFrom(EGO);
  const w = e.weights[0];
  w.w1.copyFrom(W1); w.w2.copyFrom(W2); w.b1.copyFrom(B1); w.b2.copyFrom(B2);
  return e;
}

/** One NGCF layer by hand in float64. */
function byHand(variant: 'paper' | 'code', normalize: boolean): number[][] {
  const s2 = 1 / Math.sqrt(2), h = 0.5;
  // Â entries (see graph.test.ts): u0:{i0 s2, i1 h}, u1:{i1 h, i2 s2}, i0:{u0 s2}, i1:{u0 h, u1 h}, i2:{u1 s2}
  const adj: Array<Array<[number, number]>> = [[[2, s2], [3, h]], [[3, h], [4, s2]], [[0, s2]], [[0, h], [1, h]], [[1, s2]]];
  const E = [0, 1, 2, 3, 4].map((n) => [EGO[2 * n], EGO[2 * n + 1]]);
  const lrelu = (x: number): number => (x >= 0 ? x : 0.2 * x);
  return E.map((e, n) => {
    const side = [0, 1].map((c) => adj[n].reduce((s, [m, w]) => s + w * E[m][c], 0));
    const first = variant === 'paper' ? [side[0] + e[0], side[1] + e[1]] : side;
    const bi = [side[0] * e[0], side[1] * e[1]];
    // x·W for a row x and W 2×2 row-major
    const xw = (x: number[], W: number[]): number[] => [x[0] * W[0] + x[1] * W[2], x[0] * W[1] + x[1] * W[3]];
    const a = xw(first, W1), b = xw(bi, W2);
    const out = [0, 1].map((c) => lrelu(a[c] + B1[c] + b[c] + B2[c]));
    if (!normalize) return out;
    const nrm = Math.hypot(out[0], out[1]);
    return out.map((x) => x / nrm);
  });
}

test('ngcf: one layer by hand, all variants (paper/code × normalised or not); concat pooling', () => {
  for (const variant of ['paper', 'code'] as const) {
    for (const normalizeLayers of [false, true]) {
      const e = oneLayer({ variant, normalizeLayers });
      const want = byHand(variant, normalizeLayers);
      tidy(() => {
        const pass = e.forward(ctx(false));
        const us = pass.userLayers(ids(0, 1));
        const is = pass.itemLayers(ids(0, 1, 2));
        assertClose(us[0].data, EGO.slice(0, 4), 0, 'layer 0 is the ego table');
        assertClose(us[1].data, want.slice(0, 2).flat(), 1e-5, `${variant}/${normalizeLayers} users`);
        assertClose(is[1].data, want.slice(2).flat(), 1e-5, `${variant}/${normalizeLayers} items`);
        const pooled = pass.pool(us);
        assert.deepEqual(pooled.shape, [2, 4]);
        assertClose(pooled.data, [...EGO.slice(0, 2), ...want[0], ...EGO.slice(2, 4), ...want[1]], 1e-5, 'concat');
      });
    }
  }
});

test('ngcf: defaults — paper variant is not normalised, code variant is; evaluation dim is dim·|layerSet|', () => {
  const ds = tinyDataset(4, 5, GRAPH_4x5);
  const p = createEncoder('ngcf', ds, { dim: 4 }, Rng.stream(1, 'init')) as NgcfEncoder;
  assert.equal(p.variant, 'paper');
  assert.equal(p.normalizeLayers, false);
  assert.equal(p.pooling, 'concat');
  assert.deepEqual(p.layerSet, [0, 1, 2, 3]);
  const c = createEncoder('ngcf', ds, { dim: 4, variant: 'code' }, Rng.stream(1, 'init')) as NgcfEncoder;
  assert.equal(c.normalizeLayers, true);
  const emb = c.embeddings();
  assert.equal(emb.dim, 16);
  assert.equal(emb.users.length, 4 * 16);
  assert.equal(emb.items.length, 5 * 16);
  // normalised layers 1..3 → each 4-wide block after the first has unit norm
  for (let blk = 1; blk < 4; blk++) {
    const n = Math.hypot(...emb.items.subarray(blk * 4, blk * 4 + 4));
    assert.ok(Math.abs(n - 1) < 1e-5, `block ${blk} norm ${n}`);
  }
  heap.free(emb.users);
  heap.free(emb.items);
  assert.equal(p.parameters().length, 1 + 4 * 3);
});

test('ngcf: message dropout is seeded, training-only, and inverted (survivors ×1/(1−p))', () => {
  const e = oneLayer({ messageDropout: 0.5 });
  const layer1 = (training: boolean, seed = 1): number[] => tidy(() => {
    const pass = e.forward(ctx(training, seed));
    return [...pass.userLayers(ids(0, 1))[1].data, ...pass.itemLayers(ids(0, 1, 2))[1].data];
  });
  const evalOut = layer1(false);
  const run = (seed: number): number[] => layer1(true, seed);
  const a = run(11), b = run(11), c = run(12);
  assert.deepEqual(a, b, 'same seed, same mask');
  assert.notDeepEqual(a, c, 'other seed, other mask');
  let dropped = 0;
  a.forEach((v, k) => {
    if (v === 0) dropped++;
    else assert.ok(Math.abs(v - 2 * evalOut[k]) < 1e-5, `survivor ${k}: ${v} vs 2·${evalOut[k]}`);
  });
  assert.ok(dropped > 0 && dropped < a.length);
});

test('ngcf: gradients of scores through 2 layers w.r.t. ego, W and b match finite differences', () => {
  const ds = tinyDataset(4, 5, GRAPH_4x5);
  for (const variant of ['paper', 'code'] as const) {
    const e = createEncoder('ngcf', ds, { dim: 3, layers: 2, variant, messageDropout: 0 }, Rng.stream(9, 'init')) as NgcfEncoder;
    // scale the weights up so the non-linear parts matter
    for (const w of e.weights) for (const p of [w.w1, w.w2]) for (let k = 0; k < p.size; k++) p.data[k] *= 2;
    const users = ids(0, 2, 3, 1), pos = ids(1, 4, 4, 2), neg = ids(3, 0, 2, 0);
    const coef = Tensor.from([0.5, -1, 1.5, 0.8]);
    const lossOf = (): Tensor => {
      const pass = e.forward(ctx(false));
      const u = pass.pool(pass.userLayers(users));
      const sp = pass.score(u, pass.pool(pass.itemLayers(pos)));
      const sn = pass.score(u, pass.pool(pass.itemLayers(neg)));
      return sum(mul(mul(sp, sn), coef));
    };
    tidy(() => lossOf().backward());
    finiteDiffCheck(e.parameters().map((p) => ({ name: `${variant} ${p.name}`, data: p.data, dense: () => p.denseGrad() })),
      () => noGrad(() => tidy(() => lossOf().item())));
    for (const p of e.parameters()) p.zeroGrad();
    coef.dispose();
  }
});

test('ngcf: embeddings() equal the eval-mode pass pooled (concat) rows exactly', () => {
  const ds = tinyDataset(4, 5, GRAPH_4x5);
  const e = createEncoder('ngcf', ds, { dim: 3, layers: 2, layerSet: [0, 2] }, Rng.stream(4, 'init')) as NgcfEncoder;
  const emb = e.embeddings();
  assert.equal(emb.dim, 6);
  tidy(() => {
    const pass = e.forward(ctx(false));
    assert.deepEqual(Array.from(pass.pool(pass.userLayers(ids(0, 1, 2, 3))).data), Array.from(emb.users));
    assert.deepEqual(Array.from(pass.pool(pass.itemLayers(ids(0, 1, 2, 3, 4))).data), Array.from(emb.items));
  });
  heap.free(emb.users);
  heap.free(emb.items);
});
