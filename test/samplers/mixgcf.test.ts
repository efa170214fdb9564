import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { MixGcfSampler } from '../../src/samplers/mixgcf.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, bprSum, dot, gradCheck, makeDataset } from './fake.js';

function setup(layers: number, pooling: 'mean' | 'concat', dim = 4) {
  const numItems = 14;
  const ds = makeDataset([[0, 1], [2], [3, 4, 5]], numItems);
  const enc = new FakeEncoder({ numUsers: 3, numItems, dim, layers, pooling, seed: 5 });
  const users = Int32Array.from([0, 1, 2]);
  const pos = Int32Array.from([1, 2, 4]);
  const ctx = (seed: number): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(seed, 'sampler'), epoch: 0, step: 0,
  });
  return { enc, users, pos, ctx };
}

for (const [layers, pooling, K, variant] of [[3, 'mean', 1, 'paper'], [2, 'concat', 2, 'paper'], [1, 'mean', 2, 'paper'],
  [3, 'concat', 2, 'code'], [2, 'mean', 1, 'code']] as const) {
  test(`mixgcf: per-layer argmax of the positive-mixed pool, one α per (pair, layer), pooled like the encoder (L=${layers}, ${pooling}, K=${K}, ${variant})`, () => {
    const { enc, users, pos, ctx } = setup(layers, pooling);
    const M = 6;
    const s = new MixGcfSampler({ m: M, k: K, variant });
    tidy(() => {
      const neg = s.sample(ctx(3));
      assert.equal(neg.kind, 'synthetic');
      if (neg.kind !== 'synthetic') return;
      const { candidates, alpha } = s.last!;
      const R = users.length * K;
      const d = enc.dim;
      const P = pooling === 'concat' ? d * layers : d;
      assert.deepEqual(neg.pooled.shape, [R, P]);
      for (let r = 0; r < R; r++) {
        const b = Math.floor(r / K);
        const ul = enc.users.map((t) => enc.row(t, users[b]));
        const q = ul[0].map((_, k) => ul.reduce((a, x) => a + x[k], 0) / layers);
        const mixes: number[][] = [];
        for (let l = 0; l < layers; l++) {
          const a = alpha[r * layers + l];
          assert.ok(a >= 0 && a < 1);
          if (l > 0) assert.notEqual(a, alpha[r * layers + l - 1], 'α must be drawn per layer');
          const p = enc.row(enc.items[l], pos[b]);
          const ql = variant === 'code' ? ul[l] : q; // the released code queries layer l with e_u^(l)
          // The spec's rule, in float64: argmax_c <q, α p + (1−α) c> over the pool, with the same α for all c.
          let best = -Infinity;
          let bestItem = -1;
          for (let m = 0; m < M; m++) {
            const c = enc.row(enc.items[l], candidates[r * M + m]);
            const sc = dot(ql, p.map((pv, k) => a * pv + (1 - a) * c[k]));
            if (sc > best + 1e-12) {
              best = sc;
              bestItem = candidates[r * M + m];
            }
          }
          assert.equal(neg.hardItemsByLayer![r * layers + l], bestItem, `row ${r} layer ${l}`);
          const n = enc.row(enc.items[l], bestItem);
          // One scalar α for every dimension.
          mixes.push(p.map((pv, k) => a * pv + (1 - a) * n[k]));
        }
        assert.equal(neg.hardItems![r], neg.hardItemsByLayer![r * layers]);
        const want = pooling === 'concat' ? mixes.flat() : mixes[0].map((_, k) => mixes.reduce((acc, x) => acc + x[k], 0) / layers);
        for (let k = 0; k < P; k++) assert.ok(Math.abs(neg.pooled.data[r * P + k] - want[k]) < 1e-5, `row ${r} dim ${k}`);
      }
    });
  });
}

for (const [layers, pooling, K] of [[3, 'mean', 1], [2, 'concat', 2]] as const) {
  test(`mixgcf gradient check through sampler + BPR (L=${layers}, ${pooling}, K=${K})`, () => {
    const { enc, users, pos, ctx } = setup(layers, pooling, 3);
    const r = gradCheck(enc, () => {
      const c = ctx(21);
      const neg = new MixGcfSampler({ m: 5, k: K }).sample(c);
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      return { loss: bprSum(c.pass, users, pos, neg), choices: neg.hardItemsByLayer! };
    });
    assert.ok(r.nonZero > 10, `only ${r.nonZero} non-zero grads`);
  });
}

test('mixgcf: gradients reach the positive and the chosen candidates only (α constant)', () => {
  const { enc, users, pos, ctx } = setup(2, 'mean', 3);
  tidy(() => {
    const c = ctx(4);
    const neg = new MixGcfSampler({ m: 5 }).sample(c);
    if (neg.kind !== 'synthetic') return;
    enc.zeroGrad();
    // Loss on the negative alone: only the rows that built it may get a gradient.
    const loss = bprSum(c.pass, users, pos, neg);
    loss.backward();
    const touched = new Set<number>([...pos, ...neg.hardItemsByLayer!]);
    for (let l = 0; l < 2; l++) {
      const g = enc.items[l].grad!;
      for (let i = 0; i < 14; i++) {
        let nz = false;
        for (let k = 0; k < 3; k++) if (g[i * 3 + k] !== 0) nz = true;
        if (nz) assert.ok(touched.has(i), `item ${i} got a gradient at layer ${l}`);
      }
    }
    enc.zeroGrad();
  });
});

test('mixgcf is deterministic for a seed', () => {
  const { ctx } = setup(2, 'mean');
  const run = (seed: number) =>
    tidy(() => {
      const n = new MixGcfSampler({ m: 6, k: 2 }).sample(ctx(seed));
      return n.kind === 'synthetic' ? Array.from(n.pooled.data) : [];
    });
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});

test('mixgcf K > 1 loss: kPairSoftplus by default, mean BPR by kLoss; variant code = query layer', () => {
  assert.deepEqual(new MixGcfSampler({ k: 3 }).preferredLoss, { name: 'kPairSoftplus' });
  assert.equal(new MixGcfSampler({ k: 3, kLoss: 'meanBpr' }).preferredLoss, undefined);
  assert.equal(new MixGcfSampler({}).preferredLoss, undefined);
  assert.equal(new MixGcfSampler({ variant: 'code' }).query, 'layer');
  assert.throws(() => new MixGcfSampler({ variant: 'code', query: 'mean' }), /variant code means query = layer/);
});
