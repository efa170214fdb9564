import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder, LightGcnEncoder } from '../../src/encoders/index.js';
import { heap } from '../../src/engine/memory.js';
import { mul, sum } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { noGrad, Tensor, tidy } from '../../src/engine/tensor.js';
import {
  assertClose, denseNormAdj, finiteDiffCheck, GRAPH_4x5, ids, matF64, rowsOf, tensorRows, tinyDataset,
} from './fixtures.js';

const NU = 4, NI = 5, D = 3, L = 3;
const ds = tinyDataset(NU, NI, GRAPH_4x5);
const ctx = { training: true, rng: Rng.stream(1, 'dropout') };
const ALL_USERS = ids(0, 1, 2, 3);
const ALL_ITEMS = ids(0, 1, 2, 3, 4);

function encoder(opts = {}): LightGcnEncoder {
  const e = createEncoder('lightgcn', ds, { dim: D, layers: L, ...opts }, Rng.stream(5, 'init')) as LightGcnEncoder;
  // distinct, irregular ego values
  e.ego.copyFrom(Float32Array.from({ length: (NU + NI) * D }, (_, k) => Math.sin(1.7 * k + 0.3)));
  return e;
}

/** Dense float64 layers E^(l) = Â^l E^(0), l = 0..L. */
function denseLayers(e: LightGcnEncoder): Float64Array[][] {
  const a = denseNormAdj(NU, NI, GRAPH_4x5);
  const layers = [rowsOf(e.ego.data, NU + NI, D)];
  for (let l = 1; l <= L; l++) layers.push(matF64(a, layers[l - 1]));
  return layers;
}

test('lightgcn: every layer equals explicit dense Â^l E⁰ on a 4-user × 5-item graph', () => {
  const e = encoder();
  assert.deepEqual(e.layerSet, [0, 1, 2, 3]);
  const want = denseLayers(e);
  tidy(() => {
    const pass = e.forward(ctx);
    const us = pass.userLayers(ALL_USERS);
    const is = pass.itemLayers(ALL_ITEMS);
    assert.equal(us.length, L + 1);
    for (let l = 0; l <= L; l++) {
      assertClose(us[l].data, want[l].slice(0, NU).flatMap((r) => Array.from(r)), 1e-5, `users layer ${l}`);
      assertClose(is[l].data, want[l].slice(NU).flatMap((r) => Array.from(r)), 1e-5, `items layer ${l}`);
    }
    // mean pooling and dot scores
    const pu = pass.pool(us), pi = pass.pool(pass.itemLayers(ids(4, 0, 2, 2)));
    const meanRow = (node: number): number[] => [0, 1, 2].map((c) => want.reduce((s, lay) => s + lay[node][c], 0) / (L + 1));
    assertClose(pu.data, [0, 1, 2, 3].flatMap(meanRow), 1e-5, 'pooled users');
    const sc = pass.score(pu, pi);
    const dotNodes = (a: number, b: number): number => meanRow(a).reduce((s, x, c) => s + x * meanRow(b)[c], 0);
    assertClose(sc.data, [dotNodes(0, NU + 4), dotNodes(1, NU), dotNodes(2, NU + 2), dotNodes(3, NU + 2)], 1e-5, 'scores');
  });
});

test('lightgcn: includeEgoLayer false pools layers 1..L (DINS code); embeddings() match the dense mean', () => {
  const e = encoder({ includeEgoLayer: false });
  assert.deepEqual(e.layerSet, [1, 2, 3]);
  const want = denseLayers(e);
  const meanRow = (node: number): number[] => [0, 1, 2].map((c) => (want[1][node][c] + want[2][node][c] + want[3][node][c]) / 3);
  const emb = e.embeddings();
  assert.equal(emb.dim, D);
  assert.equal(emb.itemBias, null);
  assertClose(emb.users, [0, 1, 2, 3].flatMap(meanRow), 1e-5, 'users');
  assertClose(emb.items, [4, 5, 6, 7, 8].flatMap(meanRow), 1e-5, 'items');
  assert.ok(heap.owns(emb.users) && heap.owns(emb.items));
  heap.free(emb.users);
  heap.free(emb.items);
  const custom = encoder({ layerSet: [0, 2] });
  tidy(() => {
    const us = custom.forward(ctx).userLayers(ids(1));
    assert.equal(us.length, 2);
    assertClose(us[1].data, want[2][1], 1e-5, 'layer 2 of user 1');
  });
});

test('lightgcn: embeddings() leaves no live temporaries and records no graph', () => {
  const e = encoder();
  const before = heap.stats().liveBytes;
  const emb = e.embeddings();
  heap.free(emb.users);
  heap.free(emb.items);
  assert.equal(heap.stats().liveBytes, before);
  assert.equal(e.ego.hasGrad(), false);
});

test('lightgcn: egoL2 is over layer-0 rows of the batch', () => {
  const e = encoder();
  const E = e.ego.data;
  const sq = (node: number): number => E[3 * node] ** 2 + E[3 * node + 1] ** 2 + E[3 * node + 2] ** 2;
  const want = 0.5 * (sq(0) + sq(3) + sq(NU + 1) + sq(NU + 4) + sq(NU + 0) + sq(NU + 0)) / 2;
  const got = tidy(() => e.forward(ctx).egoL2(ids(0, 3), [ids(1, 4), ids(0, 0)], 2).item());
  assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
});

test('lightgcn: gradient of scores w.r.t. the ego table through propagation matches finite differences', () => {
  for (const includeEgoLayer of [true, false]) {
    const e = encoder({ includeEgoLayer });
    const users = ids(0, 2, 3, 2), pos = ids(1, 4, 4, 0), neg = ids(3, 0, 2, 1);
    const coef = Tensor.from([0.3, -1.2, 0.7, 2.0]);
    // a loss with unequal weights per pair, so sign and scale errors show
    const lossOf = (): Tensor => {
      const pass = e.forward(ctx);
      const u = pass.pool(pass.userLayers(users));
      const sp = pass.score(u, pass.pool(pass.itemLayers(pos)));
      const sn = pass.score(u, pass.pool(pass.itemLayers(neg)));
      return sum(mul(mul(sp, sn), coef));
    };
    tidy(() => lossOf().backward());
    assert.ok(e.ego.grad !== null, 'dense ego grad');
    finiteDiffCheck([{ name: 'ego', data: e.ego.data, dense: () => e.ego.denseGrad() }],
      () => noGrad(() => tidy(() => lossOf().item())));
    e.ego.zeroGrad();
    coef.dispose();
  }
});

test('lightgcn: embeddings() equal the training pass pooled rows exactly', () => {
  const e = encoder();
  const emb = e.embeddings();
  tidy(() => {
    const pass = e.forward(ctx);
    assert.deepEqual(Array.from(pass.pool(pass.userLayers(ALL_USERS)).data), Array.from(emb.users));
    assert.deepEqual(Array.from(pass.pool(pass.itemLayers(ALL_ITEMS)).data), Array.from(emb.items));
  });
  heap.free(emb.users);
  heap.free(emb.items);
});
