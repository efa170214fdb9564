import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { AdasirSampler, importanceWeights } from '../../src/samplers/adasir.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, dot, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';

const NI = 30;
const TRAIN = [[0, 1, 2], [3, 4], [5], [6, 7, 8, 9]];

function setup() {
  const ds = makeDataset(TRAIN, NI);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim: 4, layers: 2 });
  const users = Int32Array.from([0, 1, 2, 3, 0, 2]);
  const pos = Int32Array.from([0, 3, 5, 6, 1, 5]);
  const ctx = (rng: Rng, epoch = 1, step = 0): SampleContext => ({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch, step });
  return { ds, enc, users, pos, ctx };
}

test('adasir importance weights equal hand-computed w ∝ exp(s/τ)/q', () => {
  // s = (1, 2, 0.5), q = (1/2, 1/4, 1/4), τ = 0.5: w ∝ (2e², 4e⁴, 4e) / (2e² + 4e⁴ + 4e).
  const w = importanceWeights(Float32Array.from([9, 1, 2, 0.5]), 1, Float64Array.from([Math.log(0.5), Math.log(0.25), Math.log(0.25)]), 0, 3, 0.5, new Float64Array(3));
  const want = [0.06055515361257353, 0.8948908542453377, 0.04455399214208879];
  for (let t = 0; t < 3; t++) assert.ok(Math.abs(w[t] - want[t]) < 1e-12, `w[${t}] = ${w[t]}, want ${want[t]}`);
  // Uniform q cancels: s = (0, ln 2, ln 3), τ = 1 → (1, 2, 3) / 6.
  const u = importanceWeights([0, Math.log(2), Math.log(3)], 0, [-Math.log(20), -Math.log(20), -Math.log(20)], 0, 3, 1, new Float64Array(3));
  assert.deepEqual(Array.from(u, (x) => Math.round(x * 1e12) / 1e12), [1 / 6, 2 / 6, 3 / 6].map((x) => Math.round(x * 1e12) / 1e12));
  // A tiny τ does not overflow: the best candidate takes (almost) all the weight.
  const hard = importanceWeights([10, 9, 0], 0, [0, 0, 0], 0, 3, 1e-3, new Float64Array(3));
  assert.ok(hard[0] > 0.999999 && Number.isFinite(hard[1]) && hard.every((x) => x >= 0));
});

for (const proposal of ['uniform', 'popularity'] as const) {
  test(`adasir (${proposal}): refresh weights are the formula's, the cache is a resample of the candidates, negatives come from it`, () => {
    const { ds, enc, users, ctx } = setup();
    const s = new AdasirSampler({ proposal, m: 6, cacheSize: 5, k: 3, tau: 0.7 });
    const neg = tidy(() => s.sample(ctx(Rng.stream(4, 'sampler'))));
    if (neg.kind !== 'items') throw new Error('items expected');
    const last = s.last!;
    // One refresh per distinct user, in batch order.
    assert.deepEqual(Array.from(last.users), [0, 1, 2, 3]);
    let popTotal = 0;
    for (let i = 0; i < NI; i++) popTotal += Math.log1p(ds.itemPopularity[i]);
    for (let r = 0; r < 4; r++) {
      const u = last.users[r];
      const cands = Array.from(last.candidates.subarray(r * 6, r * 6 + 6));
      const qu = enc.pooledUser(u);
      // Hand computation of q and w in float64 from the tables.
      let posMass = 0;
      for (const i of TRAIN[u]) posMass += Math.log1p(ds.itemPopularity[i]);
      const logQ = cands.map((j) => proposal === 'uniform' ? -Math.log(NI - TRAIN[u].length) : Math.log(Math.log1p(ds.itemPopularity[j]) / (popTotal - posMass)));
      const lw = cands.map((j, t) => dot(qu, enc.pooledItem(j)) / 0.7 - logQ[t]);
      const mx = Math.max(...lw);
      const ex = lw.map((x) => Math.exp(x - mx));
      const z = ex.reduce((a, x) => a + x, 0);
      for (let t = 0; t < 6; t++) {
        assert.ok(!isPositive(ds.train, u, cands[t]), 'candidates are non-positives');
        if (proposal === 'popularity') assert.ok(ds.itemPopularity[cands[t]] > 0, 'popularity proposal never draws unseen items');
        assert.ok(Math.abs(last.logQ[r * 6 + t] - logQ[t]) < 1e-9, `log q user ${u} #${t}`);
        assert.ok(Math.abs(last.weights[r * 6 + t] - ex[t] / z) < 1e-5, `w user ${u} #${t}: ${last.weights[r * 6 + t]} vs ${ex[t] / z}`);
      }
      const cache = Array.from(s.cacheOf(u));
      assert.equal(cache.length, 5);
      for (const c of cache) assert.ok(cands.includes(c), `cache item ${c} of user ${u} is one of its candidates`);
    }
    for (let b = 0; b < users.length; b++) {
      const cache = Array.from(s.cacheOf(users[b]));
      for (let k = 0; k < 3; k++) assert.ok(cache.includes(neg.items[b * 3 + k]), `pair ${b}: negative from the cache`);
    }
  });
}

test('adasir resampling follows the weights (high-τ-free check on many draws)', () => {
  // One user, m = 4 candidates drawn with a big cache: the cache's item frequencies match the weights.
  const { ctx } = setup();
  const s = new AdasirSampler({ m: 4, cacheSize: 20000, tau: 0.5 });
  tidy(() => s.sample(ctx(Rng.stream(8, 'sampler'))));
  const last = s.last!;
  const cache = s.cacheOf(last.users[0]);
  const freq = new Map<number, number>();
  for (const c of cache) freq.set(c, (freq.get(c) ?? 0) + 1);
  const want = new Map<number, number>();
  for (let t = 0; t < 4; t++) want.set(last.candidates[t], (want.get(last.candidates[t]) ?? 0) + last.weights[t]);
  for (const [item, p] of want) {
    const got = (freq.get(item) ?? 0) / cache.length;
    assert.ok(Math.abs(got - p) < 5 * Math.sqrt((p * (1 - p)) / cache.length) + 1e-3, `item ${item}: ${got} vs ${p}`);
  }
});

test('adasir refreshes each user once per refresh window of epochs; state round-trips', () => {
  const { ctx } = setup();
  const s = new AdasirSampler({ m: 5, cacheSize: 4, refresh: 2 });
  const rng = Rng.stream(6, 'sampler');
  tidy(() => s.sample(ctx(rng, 1, 0)));
  assert.equal(s.refreshes, 4);
  tidy(() => s.sample(ctx(rng, 1, 1)));
  tidy(() => s.sample(ctx(rng, 2, 2)));
  assert.equal(s.refreshes, 4, 'epochs 1 and 2 share a window');
  const st = s.getState();
  const rs = rng.getState();
  const b = new AdasirSampler({ m: 5, cacheSize: 4, refresh: 2 });
  b.setState(st);
  const rb = Rng.stream(0, 'sampler');
  rb.setState(rs);
  for (const [epoch, step] of [[2, 3], [3, 4], [3, 5]]) {
    assert.deepEqual(tidy(() => s.sample(ctx(rng, epoch, step))), tidy(() => b.sample(ctx(rb, epoch, step))), `epoch ${epoch}`);
  }
  assert.equal(s.refreshes, 8, 'epoch 3 opens a new window');
  assert.throws(() => new AdasirSampler({ cacheSize: 5 }).setState(st), /cacheSize/);
});

test('adasir options: unknown keys and out-of-range values throw naming the option', () => {
  assert.throws(() => createSampler('adasir', { tau: 0 }), /tau/);
  assert.throws(() => createSampler('adasir', { cacheSize: 0 }), /cacheSize/);
  assert.throws(() => createSampler('adasir', { m: 0 }), /\bm\b/);
  assert.throws(() => createSampler('adasir', { refresh: 0 }), /refresh/);
  assert.throws(() => createSampler('adasir', { proposal: 'pop' }), /proposal/);
  assert.throws(() => createSampler('adasir', { cache: 3 }), /cache/);
});

test('adasir trains one epoch identically at 1 and 2 threads (uniform on mf, popularity on lightgcn)', async () => {
  await sameAtOneAndTwoThreads({ name: 'adasir' });
  await sameAtOneAndTwoThreads({ name: 'adasir', proposal: 'popularity' }, { name: 'lightgcn', dim: 8, layers: 2 });
});

test('adasir: a run killed after a checkpoint and resumed is bit-identical to one that ran through', async () => {
  // refresh 3: the resumed epoch 3 reuses caches built in epoch 1 (restored from the checkpoint).
  await resumesBitIdentical({ name: 'adasir', refresh: 3, cacheSize: 8, m: 16 });
  await resumesBitIdentical({ name: 'adasir', proposal: 'popularity' });
});
