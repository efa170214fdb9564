// RNS-AS: the split candidate sets (C_e exposed, C_o unobserved, per-user fallbacks), the candidate softmax and its
// marginal over items against hand enumeration, empirical draws against it (TV), the rewards and baselines, the
// REINFORCE gradient's sign and a finite-difference check, the sampler's G updates, state and options, and the
// thread-count and resume checks on a dataset with exposure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { trainView } from '../../src/data/view.js';
import type { Dataset, TrainView } from '../../src/data/types.js';
import { IrganGenerator, advantages } from '../../src/samplers/irgan.js';
import { CandidatePolicy, RnsAsSampler, drawCandidateSets, mmdRewards, rnsasReward, type CandidateSets } from '../../src/samplers/rnsas.js';
import { tidy } from '../../src/engine/tensor.js';
import { heap } from '../../src/engine/memory.js';
import { checkGeneratorGradient } from '../encoders/fixtures.js';
import { ExposurePool, createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, csrFromLists, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

// 6 items. User 0: positive 0, exposed {1, 2} → E = {1, 2}, O = {3, 4, 5}. User 1: positives {0, 1}, no exposure →
// E = ∅, O = {2, 3, 4, 5}. User 2: positives {0, 1, 2}, exposed {3, 4, 5} → O = ∅. User 3: every item a positive.
const TRAIN = [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3, 4, 5]];
const EXPOSURE = [[1, 2, 0], [], [3, 4, 5], []];
const P4 = [[0.5, -1], [1, 0.25], [-0.5, 0.75], [0.2, 0.2]];
const Q6 = [[1, 0], [0, 1], [0.5, 0.5], [-1, 0.25], [0.25, -0.75], [0.6, -0.4]];
const B6 = [0.1, -0.2, 0, 0.3, -0.1, 0.05];

function view(): TrainView {
  const d: Dataset = { ...makeDataset(TRAIN, 6), exposure: csrFromLists(EXPOSURE, 6) };
  return trainView(d);
}

function genWith(T = 1): IrganGenerator {
  const g = new IrganGenerator(4, 6, { dim: 2, lr: 0.05, temperature: T, initDelta: 0, chunkFloats: 1 }, null);
  g.P.set(P4.flat());
  g.Q.set(Q6.flat());
  g.b.set(B6);
  return g;
}

const score = (u: number, j: number) => P4[u][0] * Q6[j][0] + P4[u][1] * Q6[j][1] + B6[j];

/** Hand marginal over items: each slot uniform over its pool (enumerated), then the slots' softmax of g/T. */
function handMarginal(u: number, slotPools: number[][], T: number): number[] {
  const out = new Array(6).fill(0);
  const rec = (s: number, chosen: number[], w: number) => {
    if (s === slotPools.length) {
      const e = chosen.map((j) => Math.exp(score(u, j) / T));
      const z = e.reduce((a, x) => a + x, 0);
      chosen.forEach((j, i) => (out[j] += (w * e[i]) / z));
      return;
    }
    for (const j of slotPools[s]) rec(s + 1, [...chosen, j], w / slotPools[s].length);
  };
  rec(0, [], 1);
  return out;
}

function empirical(g: IrganGenerator, pool: ExposurePool, u: number, C: number, Ce: number, K: number, N: number, seed: number) {
  const users = new Int32Array(N).fill(u);
  const rng = Rng.stream(seed, 'sampler');
  const sets = drawCandidateSets(pool, users, C, Ce, rng, 4);
  const slots = new CandidatePolicy(g).drawSlots(users, sets, K, rng);
  const counts = new Float64Array(6);
  for (let m = 0; m < slots.length; m++) counts[sets.cands[Math.floor(m / K) * C + slots[m]]]++;
  return { sets, slots, freq: Array.from(counts, (c) => c / slots.length) };
}

test('rnsas candidate sets: C_e exposed slots, C_o unobserved slots, per-user fallbacks, flags', () => {
  const pool = new ExposurePool(view());
  const users = Int32Array.of(0, 1, 2, 0);
  const sets = drawCandidateSets(pool, users, 5, 2, Rng.stream(1, 'sampler'), 4);
  for (let n = 0; n < 4; n++) {
    for (let s = 0; s < 5; s++) {
      const j = sets.cands[n * 5 + s], f = sets.exposed[n * 5 + s];
      if (users[n] === 0) {
        assert.ok(s < 2 ? [1, 2].includes(j) : [3, 4, 5].includes(j), `user 0 slot ${s}: ${j}`);
        assert.equal(f, s < 2 ? 1 : 0);
      } else if (users[n] === 1) {
        // No exposure: every slot an unobserved (= non-positive) item, none flagged exposed.
        assert.ok([2, 3, 4, 5].includes(j), `user 1 slot ${s}: ${j}`);
        assert.equal(f, 0);
      } else {
        // No unobserved item: every slot an exposed item.
        assert.ok([3, 4, 5].includes(j), `user 2 slot ${s}: ${j}`);
        assert.equal(f, 1);
      }
    }
  }
  assert.throws(() => drawCandidateSets(pool, Int32Array.of(3), 5, 2, Rng.stream(1, 'sampler'), 4), /user 3 has no exposed and no unobserved item/);
  assert.throws(() => drawCandidateSets(pool, Int32Array.of(7), 5, 2, Rng.stream(1, 'sampler'), 4), /user 7 is outside/);
});

test('rnsas policy: the candidate softmax and its marginal over items against hand values; draws match (TV)', () => {
  const pool = new ExposurePool(view());
  for (const T of [1, 0.5]) {
    const g = genWith(T);
    const pol = new CandidatePolicy(g);
    // The slots' softmax for a fixed candidate set (item 3 twice: two slots).
    const cands = Int32Array.of(1, 3, 3, 5);
    const p = new Float64Array(4);
    pol.slotPolicy(0, cands, 0, 4, p);
    const e = [1, 3, 3, 5].map((j) => Math.exp(score(0, j) / T));
    const z = e.reduce((a, x) => a + x, 0);
    for (let s = 0; s < 4; s++) close(p[s], e[s] / z, 1e-7);
    close(Math.exp(pol.logProb(0, cands, 0, 4, 1)), e[1] / z, 1e-7);
    // Marginal, user 0, C = 2, C_e = 1: slot 0 uniform over E = {1, 2}, slot 1 over O = {3, 4, 5}.
    const want0 = handMarginal(0, [[1, 2], [3, 4, 5]], T);
    // By hand for item 1: (1/2)(1/3) Σ_{y ∈ O} e1 / (e1 + e_y).
    const e1 = Math.exp(score(0, 1) / T);
    let h1 = 0;
    for (const y of [3, 4, 5]) h1 += e1 / (e1 + Math.exp(score(0, y) / T)) / 6;
    close(want0[1], h1, 1e-12);
    const r0 = empirical(g, pool, 0, 2, 1, 2, 20000, 3);
    let tv = 0;
    for (let j = 0; j < 6; j++) tv += Math.abs(r0.freq[j] - want0[j]) / 2;
    assert.ok(tv < 0.015, `user 0 T ${T}: TV ${tv.toFixed(4)}`);
    assert.equal(r0.freq[0], 0, 'a positive drawn');
    // User 1 (no exposure): both slots over O = {2, 3, 4, 5}.
    const want1 = handMarginal(1, [[2, 3, 4, 5], [2, 3, 4, 5]], T);
    const r1 = empirical(g, pool, 1, 2, 1, 1, 20000, 4);
    tv = 0;
    for (let j = 0; j < 6; j++) tv += Math.abs(r1.freq[j] - want1[j]) / 2;
    assert.ok(tv < 0.015, `user 1 T ${T}: TV ${tv.toFixed(4)}`);
    assert.equal(r1.freq[0] + r1.freq[1], 0, 'a positive drawn');
    // User 2 (no unobserved item): three slots over E = {3, 4, 5}.
    const want2 = handMarginal(2, [[3, 4, 5], [3, 4, 5], [3, 4, 5]], T);
    const r2 = empirical(g, pool, 2, 3, 1, 1, 20000, 5);
    tv = 0;
    for (let j = 0; j < 6; j++) tv += Math.abs(r2.freq[j] - want2[j]) / 2;
    assert.ok(tv < 0.015, `user 2 T ${T}: TV ${tv.toFixed(4)}`);
  }
});

test('rnsas rewards and baselines: σ(f) − 1 and log(1 + e^f); equal advantages give a zero gradient', () => {
  close(rnsasReward(0, 'sigmoid'), -0.5, 1e-12);
  close(rnsasReward(2, 'sigmoid'), 1 / (1 + Math.exp(-2)) - 1, 1e-12);
  close(rnsasReward(0, 'log'), Math.log(2), 1e-12);
  close(rnsasReward(-3, 'log'), Math.log1p(Math.exp(-3)), 1e-12);
  const g = genWith();
  const pol = new CandidatePolicy(g);
  const sets: CandidateSets = { cands: Int32Array.of(1, 3, 4, 2, 3, 5), exposed: Uint8Array.of(1, 0, 0, 0, 0, 0), C: 3 };
  const zero = pol.gradient(Int32Array.of(0, 1), sets, 1, Int32Array.of(0, 2), advantages([0.4, 0.4], true));
  assert.ok(zero.gP.every((x) => x === 0) && zero.gQ.every((x) => x === 0) && zero.gb.every((x) => x === 0));
  const some = pol.gradient(Int32Array.of(0, 1), sets, 1, Int32Array.of(0, 2), advantages([0.4, 0.4], false));
  assert.ok(some.gb.some((x) => x !== 0));
});

test('rnsas REINFORCE sign: a positive advantage raises log π of the drawn slot, a negative one lowers it', () => {
  for (const sign of [1, -1]) {
    const g = genWith();
    const pol = new CandidatePolicy(g);
    const sets: CandidateSets = { cands: Int32Array.of(1, 3, 4, 5), exposed: Uint8Array.of(1, 0, 0, 0), C: 4 };
    const before = pol.logProb(0, sets.cands, 0, 4, 2);
    pol.update(Int32Array.of(0), sets, 1, Int32Array.of(2), [sign * 1.5]);
    const after = pol.logProb(0, sets.cands, 0, 4, 2);
    assert.ok(sign > 0 ? after > before : after < before, `sign ${sign}: ${before} → ${after}`);
    assert.equal(g.steps, 1);
  }
});

test('rnsas REINFORCE gradient: finite differences of −(1/M) Σ a_m log π(s_m | u, C) over every parameter', () => {
  const rng = Rng.stream(11, 'init');
  for (const T of [1, 0.7]) {
    const g = new IrganGenerator(4, 6, { dim: 3, lr: 0.01, temperature: T, initDelta: 0.8, chunkFloats: 1 }, rng);
    for (let j = 0; j < 6; j++) g.b[j] = rng.normal(0, 0.5);
    const pol = new CandidatePolicy(g);
    const users = Int32Array.of(0, 1, 0);
    const C = 3, K = 2;
    const sets: CandidateSets = { cands: Int32Array.of(1, 3, 3, 2, 4, 5, 2, 5, 4), exposed: new Uint8Array(9), C };
    const slots = Int32Array.of(0, 2, 1, 1, 2, 0);
    const adv = [0.9, -0.4, 1.3, 0.2, -1.1, 0.6];
    const L = () => {
      let s = 0;
      for (let m = 0; m < slots.length; m++) s -= adv[m] * pol.logProb(users[Math.floor(m / K)], sets.cands, Math.floor(m / K) * C, C, slots[m]);
      return s / slots.length;
    };
    const gr = pol.gradient(users, sets, K, slots, adv);
    close(gr.loss, L(), 1e-6);
    // The loss L calls only logProb (no kernels), so the gradient's buffers are not overwritten meanwhile.
    checkGeneratorGradient(g, gr, L, ` (T ${T})`);
  }
});

test('rnsas sampler: draws from the candidates, observe trains G (exposure reward raises the exposed share), state, options', () => {
  const data = view();
  const users = Int32Array.of(0, 0, 1, 2);
  const ctx = (rng: Rng, step: number): SampleContext => ({ batch: { users, pos: users }, users, pos: users, pass: null as never, data, rng, epoch: 1, step });
  const run = (s: RnsAsSampler, rng: Rng, steps: number, from = 0) => {
    const out: Int32Array[] = [];
    for (let t = 0; t < steps; t++) {
      const c = ctx(rng, from + t);
      const neg = s.sample(c);
      if (neg.kind !== 'items') throw new Error('items expected');
      // D scores every draw 0: only the exposure reward separates them.
      s.observe(c, neg, { pos: new Float32Array(users.length), neg: new Float32Array(neg.items.length) });
      out.push(neg.items.slice());
    }
    return out;
  };
  // beta 0: the ID exposure reward alone (no D features needed; the pass is a stub here).
  const a = new RnsAsSampler({ k: 2, candidates: 4, exposedCandidates: 1, dim: 4, lr: 0.05, alpha: 2, baseline: 'batch', beta: 0 });
  assert.deepEqual(a.needs, { exposure: true });
  a.prepare(data, Rng.stream(1, 'sampler'));
  const rng = Rng.stream(2, 'sampler');
  const first = run(a, rng, 1)[0];
  assert.equal(first.length, 8);
  for (const j of first.subarray(0, 4)) assert.ok(j >= 1, `user 0 drew positive ${j}`);
  assert.equal(a.generator()!.steps, 1);
  const share0 = a.lastExposedShare;
  run(a, rng, 150, 1);
  // User 0's exposed share among its draws rises above the initial ≈ 1/4 (one exposed of four candidates).
  let exp = 0, n = 0;
  for (const items of run(a, rng, 40, 151)) for (const j of items.subarray(0, 4)) {
    n++;
    if (j === 1 || j === 2) exp++;
  }
  assert.ok(exp / n > 0.5, `user 0 exposed share ${exp / n} (first step's share over all draws ${share0})`);
  // A second sampler given the first one's state continues identically.
  const b = new RnsAsSampler({ k: 2, candidates: 4, exposedCandidates: 1, dim: 4, lr: 0.05, alpha: 2, baseline: 'batch', beta: 0 });
  b.setState(a.getState());
  assert.deepEqual(run(b, Rng.stream(5, 'sampler'), 3), run(a, Rng.stream(5, 'sampler'), 3));
  assert.deepEqual(b.getState(), a.getState());
  // The 'epoch' baseline: the previous epoch's means, taken at the epoch's start.
  const e = new RnsAsSampler({ dim: 4, candidates: 4, beta: 0 });
  e.prepare(data, Rng.stream(1, 'sampler'));
  run(e, Rng.stream(2, 'sampler'), 2);
  const st = e.getState();
  assert.equal(st.count, 8);
  close(st.sumR as number, 8 * -0.5, 1e-12);
  e.onEpochStart({ epoch: 2, data, rng: Rng.stream(1, 'sampler'), streams: undefined as never, embeddings: undefined as never });
  close(e.getState().meanR as number, -0.5, 1e-12);
  assert.equal(e.getState().count, 0);
  // gEvery: G updates on every second observed step only.
  const ge = new RnsAsSampler({ dim: 4, candidates: 4, gEvery: 2, beta: 0 });
  ge.prepare(data, Rng.stream(1, 'sampler'));
  run(ge, Rng.stream(2, 'sampler'), 1);
  assert.equal(ge.generator()!.steps, 0);
  run(ge, Rng.stream(2, 'sampler'), 1, 1);
  assert.equal(ge.generator()!.steps, 1);
  // Options and state checks name the key.
  assert.throws(() => createSampler('rnsas', { temperature: 0 }), /temperature/);
  assert.throws(() => createSampler('rnsas', { reward: 'paper' }), /reward/);
  assert.throws(() => createSampler('rnsas', { baseline: true }), /baseline/);
  assert.throws(() => createSampler('rnsas', { candidates: 0 }), /candidates/);
  assert.throws(() => createSampler('rnsas', { alpha: -1 }), /alpha/);
  assert.throws(() => createSampler('rnsas', { exposedCandidates: 1.5 }), /exposedCandidates/);
  assert.throws(() => createSampler('rnsas', { candidates: 3, exposedCandidates: 4 }), /exposedCandidates.*candidates/);
  assert.throws(() => createSampler('rnsas', { omega: 0.5 }), /omega/);
  assert.throws(() => createSampler('rnsas', { beta: 1.5 }), /beta/);
  assert.throws(() => createSampler('rnsas', { sigma: 0 }), /sigma/);
  assert.throws(() => new RnsAsSampler({ gEvery: 0 }), /gEvery/);
  assert.throws(() => b.setState({ ...a.getState(), gQ: new Float32Array(3) }), /gQ/);
  assert.throws(() => b.setState({ ...a.getState(), meanR: undefined as never }), /meanR/);
  // Without exposure data the sampler is refused.
  assert.throws(() => new RnsAsSampler().prepare(trainView(makeDataset(TRAIN, 6)), Rng.stream(1, 'sampler')), /no exposure data/);
});

test('rnsas feature matching: MMD rewards by hand; observe mixes them into the exposure reward with β', () => {
  // d = 1, x = [0], y = [0, 1], σ = 1: m_0 = 1 − e^{−1/2}, m_1 = e^{−1/2} − 1.
  const m = mmdRewards([0], [0, 1], 1, 1);
  close(m[0], 1 - Math.exp(-0.5), 1e-6);
  close(m[1], Math.exp(-0.5) - 1, 1e-6);
  // σ = 2, d = 2, two real and three drawn features, against a direct sum.
  const x = [0.1, -0.3, 0.5, 0.2], y = [0.3, 0.1, -0.4, 0.6, 0.2, 0.2];
  const kf = (a: number[], i: number, c: number[], j: number) => Math.exp(-((a[2 * i] - c[2 * j]) ** 2 + (a[2 * i + 1] - c[2 * j + 1]) ** 2) / 8);
  const m2 = mmdRewards(x, y, 2, 2);
  for (let n = 0; n < 3; n++) {
    const want = 2 * ((kf(x, 0, y, n) + kf(x, 1, y, n)) / 2 - (kf(y, 0, y, n) + kf(y, 1, y, n) + kf(y, 2, y, n)) / 3);
    close(m2[n], want, 1e-6); // f32 features and exponentials in the WASM kernel
  }
  // In observe: β > 0 reads D's pooled rows (a fake encoder here) and keeps every reward finite.
  const data = view();
  const enc = new FakeEncoder({ numUsers: 4, numItems: 6, dim: 3, layers: 1 });
  const users = Int32Array.of(0, 1, 2, 0);
  const s = new RnsAsSampler({ k: 2, candidates: 3, dim: 4, beta: 0.75, sigma: 0.5, baseline: 'batch' });
  s.prepare(data, Rng.stream(1, 'sampler'));
  tidy(() => {
    const c: SampleContext = { batch: { users, pos: users }, users, pos: users, pass: enc.forward(), data, rng: Rng.stream(2, 'sampler'), epoch: 1, step: 0 };
    const neg = s.sample(c);
    s.observe(c, neg, { pos: new Float32Array(4), neg: new Float32Array(8) });
  });
  assert.equal(s.generator()!.steps, 1);
  assert.ok(Number.isFinite(s.lastMeanMatching) && Number.isFinite(s.lastLoss), `matching ${s.lastMeanMatching}, loss ${s.lastLoss}`);
});

test('rnsas: identical at 1 and 2 threads (one epoch, dataset with exposure)', async () => {
  await sameAtOneAndTwoThreads({ name: 'rnsas', dim: 8, candidates: 8, exposedCandidates: 2, k: 2 }, { dim: 8 }, true);
});

test('rnsas: a killed run resumes bit-identical', async () => {
  await resumesBitIdentical({ name: 'rnsas', dim: 8, candidates: 8, exposedCandidates: 2 }, { dim: 8 }, true);
  await resumesBitIdentical({ name: 'rnsas', dim: 8, candidates: 6, baseline: 'batch', reward: 'log', gEvery: 2, beta: 0 }, { dim: 8 }, true);
});

test('rnsas: the policies drawSlots keeps give gradient the same numbers as recomputing them', () => {
  const g = genWith(0.7), pol = new CandidatePolicy(g);
  const pool = new ExposurePool(view());
  const users = Int32Array.of(0, 1, 2, 0, 1);
  const rng = Rng.stream(5, 'sampler');
  const C = 4, K = 2;
  const sets = drawCandidateSets(pool, users, C, 1, rng, 4);
  const probs = new Float64Array(users.length * C);
  const slots = pol.drawSlots(users, sets, K, Rng.stream(6, 'sampler'), probs);
  assert.deepEqual(pol.drawSlots(users, sets, K, Rng.stream(6, 'sampler')), slots);
  const adv = Float64Array.from({ length: slots.length }, (_, m) => (m % 3) - 1);
  const a = pol.gradient(users, sets, K, slots, adv, probs), b = pol.gradient(users, sets, K, slots, adv);
  assert.equal(a.loss, b.loss);
  assert.deepEqual(Array.from(a.gP), Array.from(b.gP));
  assert.deepEqual(Array.from(a.gQ), Array.from(b.gQ));
  assert.deepEqual(Array.from(a.gb), Array.from(b.gb));
  assert.ok(a.gQ.some((x) => x !== 0), 'a gradient that is not all zero');
  assert.throws(() => pol.gradient(users, sets, K, slots, adv, new Float64Array(3)), /probs/);
  for (const v of [a.gQ, a.gb, b.gQ, b.gb]) heap.free(v);
});
