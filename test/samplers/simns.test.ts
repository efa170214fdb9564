import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { createSampler } from '../../src/samplers/index.js';
import { SimnsSampler, spreadoutLogWeights, weightedWithoutReplacement } from '../../src/samplers/simns.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, dot, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';

// Items 18–23 have no interaction, so stage 1 never offers them.
const NI = 24;
const TRAIN = [[0, 1, 2], [3, 4], [5, 6, 7, 8, 9, 10, 11], [12, 13, 14, 15, 16, 17, 0, 3]];

test('simns stage-2 log-weights equal hand-computed (1 − (n−1)/2)·log(1 − d² + 1e-8) + log 0.2229, 0 weight for d ≤ 0', () => {
  const out = spreadoutLogWeights(Float32Array.from([9, 0.6, -0.2, 0, 0.9]), 1, 4, 4, new Float64Array(4));
  const c = Math.log(0.2228655673209082);
  // n = 4: exponent 1 − 3/2 = −1/2 (d as float32, as the cosines arrive).
  const d6 = Math.fround(0.6), d9 = Math.fround(0.9);
  assert.ok(Math.abs(out[0] - (-0.5 * Math.log(1 - d6 * d6 + 1e-8) + c)) < 1e-12);
  assert.equal(out[1], -Infinity);
  assert.equal(out[2], -Infinity);
  assert.ok(Math.abs(out[3] - (-0.5 * Math.log(1 - d9 * d9 + 1e-8) + c)) < 1e-12);
  // n = 64: closer to the positive weighs more, and |d| rounding past 1 stays finite.
  const hi = spreadoutLogWeights([0.3, 0.8, 1.0000001], 0, 3, 64, new Float64Array(3));
  assert.ok(hi[1] > hi[0] && Number.isFinite(hi[2]) && hi[2] > hi[1]);
});

test('simns stage 1 draws without replacement with the inclusion probabilities of sequential weighted draws', () => {
  const w = [1, 2, 3, 0, 4];
  const p = w.map((x) => x / 10);
  // P(i ∈ S) for |S| = 2 = p_i + Σ_{j≠i} p_j p_i / (1 − p_j); P(first = i) = p_i.
  const incl = p.map((pi, i) => pi + p.reduce((a, pj, j) => (j === i ? a : a + (pj * pi) / (1 - pj)), 0));
  const rng = Rng.stream(1, 'sampler');
  const T = 40000;
  const seen = new Array<number>(5).fill(0);
  const first = new Array<number>(5).fill(0);
  const out = new Int32Array(2);
  for (let t = 0; t < T; t++) {
    weightedWithoutReplacement(w, 2, rng, out);
    assert.notEqual(out[0], out[1]);
    seen[out[0]]++;
    seen[out[1]]++;
    first[out[0]]++;
  }
  assert.equal(seen[3], 0, 'a zero weight is never drawn');
  for (let i = 0; i < 5; i++) {
    const sd = Math.sqrt((incl[i] * (1 - incl[i])) / T);
    assert.ok(Math.abs(seen[i] / T - incl[i]) < 4.5 * sd + 1e-9, `inclusion of ${i}: ${seen[i] / T} vs ${incl[i]}`);
    const sf = Math.sqrt((p[i] * (1 - p[i])) / T);
    assert.ok(Math.abs(first[i] / T - p[i]) < 4.5 * sf + 1e-9, `first draw ${i}: ${first[i] / T} vs ${p[i]}`);
  }
  assert.throws(() => weightedWithoutReplacement(w, 5, rng), /only 4 items have a positive popularity weight/);
});

function setup(dim = 4) {
  const ds = makeDataset(TRAIN, NI);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim, layers: 1 });
  return { ds, enc };
}

test('simns: candidates are interacted items, cosines are the positive\'s, negatives are never positives', () => {
  const { ds, enc } = setup();
  const users = Int32Array.from([0, 1, 2, 3, 3]);
  const pos = Int32Array.from([0, 3, 5, 12, 0]);
  const s = new SimnsSampler({ candidates: 8, k: 3 });
  const rng = Rng.stream(7, 'sampler');
  for (let step = 0; step < 50; step++) {
    const ctx: SampleContext = { batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch: 1, step };
    const neg = tidy(() => s.sample(ctx));
    if (neg.kind !== 'items') throw new Error('items expected');
    const { candidates, cos, dim } = s.last!;
    assert.equal(dim, 4);
    assert.equal(new Set(candidates).size, 8);
    for (const j of candidates) assert.ok(j < 18, `item ${j} has no interaction`);
    for (let b = 0; b < users.length; b++) {
      const ei = enc.pooledItem(pos[b]);
      for (let c = 0; c < 8; c++) {
        const ec = enc.pooledItem(candidates[c]);
        const want = dot(ei, ec) / Math.sqrt(dot(ei, ei) * dot(ec, ec));
        assert.ok(Math.abs(cos[b * 8 + c] - want) < 1e-5, `cos(${pos[b]}, ${candidates[c]})`);
      }
      const row = Array.from(neg.items.subarray(b * 3, b * 3 + 3));
      for (const j of row) assert.ok(!TRAIN[users[b]].includes(j), `user ${users[b]} got its positive ${j}`);
    }
  }
});

test('simns: a pair\'s negatives follow w over its non-positive candidates (exact distribution)', () => {
  // C = every interacted item (18), so stage 1 is a permutation and each pair's weights are fixed.
  const { ds, enc } = setup();
  const B = 64;
  const users = new Int32Array(B).fill(3);
  const pos = new Int32Array(B).fill(12);
  const s = new SimnsSampler({ candidates: 100, k: 1 });
  const pass = enc.forward();
  // Hand computation: w_j over the 18 interacted items, restricted to user 3's non-positives and renormalised.
  const ei = enc.pooledItem(12);
  const w = new Array<number>(18).fill(0);
  for (let j = 0; j < 18; j++) {
    const ej = enc.pooledItem(j);
    const d = dot(ei, ej) / Math.sqrt(dot(ei, ei) * dot(ej, ej));
    w[j] = d > 0 ? Math.pow(1 - d * d + 1e-8, -0.5) : 0;
  }
  const positives = TRAIN[3];
  for (const j of positives) w[j] = 0;
  const T = w.reduce((a, x) => a + x, 0);
  assert.ok(T > 0);
  const want = new Array<number>(NI).fill(0);
  for (let j = 0; j < 18; j++) want[j] = w[j] / T;
  assert.ok(Math.abs(want.reduce((a, x) => a + x, 0) - 1) < 1e-9);
  const counts = new Array<number>(NI).fill(0);
  const rng = Rng.stream(3, 'sampler');
  const steps = 600;
  for (let step = 0; step < steps; step++) {
    const neg = tidy(() => s.sample({ batch: { users, pos }, users, pos, pass, data: ds, rng, epoch: 1, step }));
    if (neg.kind !== 'items') throw new Error('items expected');
    for (const j of neg.items) counts[j]++;
  }
  const N = steps * B;
  for (let j = 0; j < NI; j++) {
    const sd = Math.sqrt((want[j] * (1 - want[j])) / N);
    assert.ok(Math.abs(counts[j] / N - want[j]) < 4.5 * sd + 1e-9, `item ${j}: ${counts[j] / N} vs ${want[j]}`);
  }
});

test('simns options: unknown keys, k above the candidates', () => {
  assert.throws(() => createSampler('simns', { candidate: 3 }), /candidate/);
  const { ds, enc } = setup();
  const users = Int32Array.from([0]);
  const pos = Int32Array.from([0]);
  const s = new SimnsSampler({ candidates: 4, k: 5 });
  assert.throws(() => tidy(() => s.sample({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(1, 'sampler'), epoch: 1, step: 0 })), /k = 5 exceeds the 4 stage-1 candidates/);
  assert.equal(createSampler('two-stage').name, 'simns');
});

test('simns: same run at 1 and 2 threads; a resumed run is bit-identical', async () => {
  await sameAtOneAndTwoThreads({ name: 'simns', candidates: 40, k: 2 });
  await resumesBitIdentical({ name: 'simns', candidates: 40 });
});
