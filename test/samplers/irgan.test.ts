import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { heap } from '../../src/engine/memory.js';
import { IrganGenerator, IrganSampler, advantages, irganReward } from '../../src/samplers/irgan.js';
import { createSampler } from '../../src/samplers/index.js';
import { pooledUsers } from '../../src/samplers/common.js';
import type { CsrMatrix } from '../../src/data/types.js';
import type { EpochContext, SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';
import { checkGeneratorGradient } from '../encoders/fixtures.js';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

/** A generator with explicit parameters (no random init). */
function genWith(P: number[][], Q: number[][], b: number[], temperature = 1, chunkFloats?: number): IrganGenerator {
  const g = new IrganGenerator(P.length, Q.length, { dim: P[0].length, lr: 0.05, temperature, initDelta: 0, chunkFloats }, null);
  g.P.set(P.flat());
  g.Q.set(Q.flat());
  g.b.set(b);
  return g;
}

const P3 = [[0.5, -1], [1, 0.25], [-0.5, 0.75]];
const Q5 = [[1, 0], [0, 1], [0.5, 0.5], [-1, 0.25], [0.25, -0.75]];
const B5 = [0.1, -0.2, 0, 0.3, -0.1];
const TRAIN3 = [[0, 2], [1], [3, 4]];

function handPolicy(u: number, T: number, excluded: number[] = []): number[] {
  const z = Q5.map((q, j) => (excluded.includes(j) ? -Infinity : (P3[u][0] * q[0] + P3[u][1] * q[1] + B5[j]) / T));
  const e = z.map((x) => Math.exp(x));
  const s = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / s);
}

test('irgan policy: softmax(g/T) over the catalogue against hand-computed values, with and without positives', () => {
  const ds = makeDataset(TRAIN3, 5);
  for (const T of [1, 0.5]) {
    // chunkFloats 5: one user per chunk; the default: all in one chunk.
    for (const cf of [5, undefined]) {
      const g = genWith(P3, Q5, B5, T, cf);
      for (let u = 0; u < 3; u++) {
        const all = g.policy(u, null);
        const want = handPolicy(u, T);
        for (let j = 0; j < 5; j++) close(all[j], want[j]);
        const ex = g.policy(u, ds.train);
        const wantEx = handPolicy(u, T, TRAIN3[u]);
        for (let j = 0; j < 5; j++) close(ex[j], wantEx[j]);
        for (const j of TRAIN3[u]) assert.equal(ex[j], 0);
        for (let j = 0; j < 5; j++) close(Math.exp(g.logProb(u, j, null)), want[j], 1e-12 + 1e-6);
      }
    }
  }
  // Hand values, user 0 at T = 1: z_j = 0.5·q_j0 − q_j1 + b_j.
  const z0 = [0.6, -1.2, -0.25, -0.45, 0.775];
  const s = z0.reduce((a, x) => a + Math.exp(x), 0);
  close(genWith(P3, Q5, B5).policy(0, null)[0], Math.exp(0.6) / s);
});

test('irgan draws: empirical distribution matches the policy (TV), independent of chunking, never a positive', () => {
  const ds = makeDataset(TRAIN3, 5);
  const N = 20000;
  for (const excluded of [null, ds.train] as Array<CsrMatrix | null>) {
    const g1 = genWith(P3, Q5, B5, 0.5, 5);
    const g2 = genWith(P3, Q5, B5, 0.5);
    const users = new Int32Array(N);
    for (let n = 0; n < N; n++) users[n] = n % 3;
    const a = g1.draw(users, 2, excluded, Rng.stream(4, 'sampler'));
    const b = g2.draw(users, 2, excluded, Rng.stream(4, 'sampler'));
    assert.deepEqual(a, b, 'the chunking does not change the draws');
    for (let u = 0; u < 3; u++) {
      const counts = new Float64Array(5);
      let n = 0;
      for (let e = 0; e < N; e++) {
        if (users[e] !== u) continue;
        for (let k = 0; k < 2; k++) {
          counts[a[e * 2 + k]]++;
          n++;
        }
      }
      const p = g1.policy(u, excluded);
      let tv = 0;
      for (let j = 0; j < 5; j++) tv += Math.abs(counts[j] / n - p[j]) / 2;
      assert.ok(tv < 0.02, `user ${u}: total variation ${tv.toFixed(4)} (n = ${n})`);
      if (excluded) for (const j of TRAIN3[u]) assert.equal(counts[j], 0, `positive ${j} drawn for user ${u}`);
    }
  }
});

test('irgan importance-sampled draws (sampleLambda): the mixture p_n and the weights p_θ/p_n', () => {
  const ds = makeDataset(TRAIN3, 5);
  const g = genWith(P3, Q5, B5, 1, 5);
  const lambda = 0.3;
  const N = 30000;
  const users = new Int32Array(N);
  for (let n = 0; n < N; n++) users[n] = n % 3;
  const weights = new Float64Array(N);
  const items = g.draw(users, 1, null, Rng.stream(6, 'sampler'), { lambda, positives: ds.train, weights });
  for (let u = 0; u < 3; u++) {
    const p = g.policy(u, null);
    const pn = p.map((x, j) => (1 - lambda) * x + (TRAIN3[u].includes(j) ? lambda / TRAIN3[u].length : 0));
    const counts = new Float64Array(5);
    let n = 0;
    for (let e = 0; e < N; e++) {
      if (users[e] !== u) continue;
      counts[items[e]]++;
      n++;
      close(weights[e], p[items[e]] / pn[items[e]], 1e-6);
    }
    let tv = 0;
    for (let j = 0; j < 5; j++) tv += Math.abs(counts[j] / n - pn[j]) / 2;
    assert.ok(tv < 0.02, `user ${u}: total variation from p_n ${tv.toFixed(4)}`);
  }
  assert.throws(() => createSampler('irgan', { sampleLambda: 0.2, schedule: 'epochs' }), /sampleLambda.*excludePositives/);
  assert.throws(() => createSampler('irgan', { sampleLambda: 0.2, excludePositives: false }), /sampleLambda/);
  assert.throws(() => createSampler('irgan', { sampleLambda: 1, excludePositives: false, schedule: 'epochs' }), /sampleLambda/);
  assert.ok(createSampler('irgan', { sampleLambda: 0.2, excludePositives: false, schedule: 'epochs' }));
});

test('irgan rewards and baseline: paper log(1+e^f), code 2(σ(f) − 0.5); equal rewards give a zero gradient', () => {
  close(irganReward(0, 'paper'), Math.log(2), 1e-12);
  close(irganReward(2, 'paper'), Math.log(1 + Math.exp(2)), 1e-12);
  close(irganReward(-3, 'paper'), Math.log(1 + Math.exp(-3)), 1e-12);
  close(irganReward(800, 'paper'), 800, 1e-9);
  close(irganReward(0, 'code'), 0, 1e-12);
  close(irganReward(2, 'code'), 2 * (1 / (1 + Math.exp(-2)) - 0.5), 1e-12);
  assert.deepEqual(Array.from(advantages([1, 2, 3], true)), [-1, 0, 1]);
  assert.deepEqual(Array.from(advantages([1, 2, 3], false)), [1, 2, 3]);
  const adv = advantages([0.7, 0.7, 0.7, 0.7], true);
  assert.ok(adv.every((x) => x === 0));
  const g = genWith(P3, Q5, B5);
  const gr = g.gradient(Int32Array.of(0, 0, 1, 2), Int32Array.of(1, 3, 0, 2), adv, null);
  assert.ok(gr.gP.every((x) => x === 0) && gr.gQ.every((x) => x === 0) && gr.gb.every((x) => x === 0), 'zero gradient');
  // Without the baseline the same rewards do move G.
  const g2 = g.gradient(Int32Array.of(0, 0, 1, 2), Int32Array.of(1, 3, 0, 2), advantages([0.7, 0.7, 0.7, 0.7], false), null);
  assert.ok(g2.gb.some((x) => x !== 0));
});

test('irgan REINFORCE sign: a positive reward raises log p of the drawn item, a negative one lowers it', () => {
  const ds = makeDataset(TRAIN3, 5);
  for (const sign of [1, -1]) {
    for (const excluded of [null, ds.train] as Array<CsrMatrix | null>) {
      const g = genWith(P3, Q5, B5);
      const u = 2, j = 1;
      const before = g.logProb(u, j, excluded);
      g.update(Int32Array.of(u), Int32Array.of(j), [sign * 1.5], excluded);
      const after = g.logProb(u, j, excluded);
      assert.ok(sign > 0 ? after > before : after < before, `sign ${sign}: log p ${before} → ${after}`);
      // The gradient of L = −a log p along −∇L raises a·log p: d(a log p) = −∇L·Δ.
    }
  }
});

test('irgan REINFORCE gradient: finite differences of −(1/N) Σ a_n log p(j_n|u_n) over every parameter', () => {
  const ds = makeDataset(TRAIN3, 5);
  const rng = Rng.stream(11, 'init');
  for (const [T, excluded, cf] of [[1, null, undefined], [0.7, ds.train, 5]] as Array<[number, CsrMatrix | null, number | undefined]>) {
    const g = new IrganGenerator(3, 5, { dim: 3, lr: 0.01, temperature: T, initDelta: 0.8, chunkFloats: cf }, rng);
    for (let j = 0; j < 5; j++) g.b[j] = rng.normal(0, 0.5);
    const users = Int32Array.of(0, 0, 1, 2, 2);
    const items = excluded ? Int32Array.of(1, 3, 0, 2, 1) : Int32Array.of(0, 3, 1, 4, 4);
    const adv = [0.9, -0.4, 1.3, 0.2, -1.1];
    const L = () => {
      let s = 0;
      for (let n = 0; n < users.length; n++) s -= adv[n] * g.logProb(users[n], items[n], excluded);
      return s / users.length;
    };
    const gr = g.gradient(users, items, adv, excluded);
    close(gr.loss, L(), 1e-5);
    // The loss L calls only logProb (no kernels), so the gradient's buffers are not overwritten meanwhile.
    checkGeneratorGradient(g, gr, L, ` (T ${T})`);
  }
});

test('irgan adversarial G step (AdvIR): ∇L(θ) + λ∇L(θ + Δ), Δ = ε∇L/‖∇L‖ per row held fixed, by finite differences', () => {
  const ds = makeDataset(TRAIN3, 5);
  const rng = Rng.stream(12, 'init');
  const eps = 0.3, lam = 0.7;
  const g = new IrganGenerator(3, 5, { dim: 3, lr: 0.01, temperature: 0.8, initDelta: 0.8 }, rng);
  for (let j = 0; j < 5; j++) g.b[j] = rng.normal(0, 0.5);
  const users = Int32Array.of(0, 0, 2, 2);
  const items = Int32Array.of(1, 3, 0, 1);
  const adv = [0.9, -0.4, 1.3, -1.1];
  const excluded = ds.train;
  const L = () => {
    let t = 0;
    for (let n = 0; n < users.length; n++) t -= adv[n] * g.logProb(users[n], items[n], excluded);
    return t / users.length;
  };
  // Δ by hand from the plain gradient at θ: users 0 and 2's rows of P, every row of Q, not the bias.
  const base = g.gradient(users, items, adv, excluded);
  const dP = new Float64Array(9), dQ = new Float64Array(15);
  const unit = (src: ArrayLike<number>, so: number, dst: Float64Array, o: number) => {
    const n = Math.hypot(src[so], src[so + 1], src[so + 2]);
    for (let k = 0; k < 3; k++) dst[o + k] = n > 0 ? (eps * src[so + k]) / n : 0;
  };
  for (let r = 0; r < base.rows.length; r++) unit(base.gP, r * 3, dP, base.rows[r] * 3);
  for (let j = 0; j < 5; j++) unit(base.gQ, j * 3, dQ, j * 3);
  assert.deepEqual(Array.from(base.rows), [0, 2]);
  const shift = (sign: number) => {
    for (let t = 0; t < 9; t++) g.P[t] += sign * dP[t];
    for (let t = 0; t < 15; t++) g.Q[t] += sign * dQ[t];
  };
  const F = () => {
    const a = L();
    shift(1);
    const b = L();
    shift(-1);
    return a + lam * b;
  };
  const P0 = g.P.slice(), Q0 = g.Q.slice();
  const gr = g.adversarialGradient(users, items, adv, excluded, eps, lam);
  assert.deepEqual(Array.from(g.P), Array.from(P0), 'θ restored exactly');
  assert.deepEqual(Array.from(g.Q), Array.from(Q0), 'θ restored exactly');
  close(gr.loss, L(), 1e-5);
  checkGeneratorGradient(g, gr, F, '');
  // ε = 0 is the plain step.
  const plain = new IrganSampler({ dim: 4 }), adv0 = new IrganSampler({ dim: 4, generatorEps: 0 });
  assert.equal(plain.generatorEps, 0);
  assert.equal(adv0.generatorEps, 0);
  assert.throws(() => new IrganSampler({ generatorEps: -1 }), /generatorEps/);
});

test('irgan sampler: draws from G, observe trains G on D\'s scores, state round-trips, options checked', () => {
  const ds = makeDataset([[0, 1, 2], [2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]], 12);
  const enc = new FakeEncoder({ numUsers: 4, numItems: 12, dim: 4, layers: 1 });
  const users = Int32Array.from([0, 1, 2, 3, 1]);
  const pos = Int32Array.from([0, 2, 4, 7, 3]);
  const ctx = (rng: Rng, step: number): SampleContext => ({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch: 1, step });
  const step = (s: IrganSampler, rng: Rng, n: number) => tidy(() => {
    const c = ctx(rng, n);
    const neg = s.sample(c);
    if (neg.kind !== 'items') throw new Error('items expected');
    const q = pooledUsers(c);
    const f = c.pass.scoreCandidates(q.data, q.P, 1, neg.items, s.k, users);
    s.observe(c, neg, { pos: new Float32Array(users.length), neg: Float32Array.from(f) });
    return neg.items.slice();
  });
  const a = new IrganSampler({ k: 3, dim: 5, gSteps: 2, baseline: true });
  a.prepare(ds, Rng.stream(1, 'sampler'));
  const q0 = a.generator()!.Q.slice();
  const items = step(a, Rng.stream(2, 'sampler'), 0);
  assert.equal(items.length, 15);
  for (let b = 0; b < users.length; b++) for (let k = 0; k < 3; k++) assert.ok(!ds.train.indices.subarray(ds.train.indptr[users[b]], ds.train.indptr[users[b] + 1]).includes(items[b * 3 + k]));
  assert.equal(a.generator()!.steps, 2, 'two G steps');
  assert.ok(Number.isFinite(a.lastLoss) && Number.isFinite(a.lastMeanReward));
  assert.ok(a.generator()!.Q.some((x, i) => x !== q0[i]), 'G moved');
  // A second sampler given the first one's state continues identically.
  const b2 = new IrganSampler({ k: 3, dim: 5, gSteps: 2, baseline: true });
  b2.setState(a.getState());
  const x = step(a, Rng.stream(5, 'sampler'), 1);
  const y = step(b2, Rng.stream(5, 'sampler'), 1);
  assert.deepEqual(y, x);
  assert.deepEqual(b2.getState(), a.getState());
  // gEvery: G updates on every second observed step only.
  const e = new IrganSampler({ dim: 5, gEvery: 2 });
  e.prepare(ds, Rng.stream(1, 'sampler'));
  step(e, Rng.stream(2, 'sampler'), 0);
  assert.equal(e.generator()!.steps, 0);
  step(e, Rng.stream(2, 'sampler'), 1);
  assert.equal(e.generator()!.steps, 1);
  // Options and state checks name the key.
  assert.throws(() => createSampler('irgan', { temperature: 0 }), /temperature/);
  assert.throws(() => createSampler('irgan', { reward: 'nope' }), /reward/);
  assert.throws(() => createSampler('irgan', { gEvery: 0 }), /gEvery/);
  assert.throws(() => createSampler('irgan', { lr: -1 }), /lr/);
  assert.throws(() => createSampler('irgan', { baseline: 'yes' }), /baseline/);
  assert.throws(() => createSampler('irgan', { dimm: 8 }), /dimm/);
  assert.throws(() => new IrganSampler({ gSteps: 1.5 }), /gSteps/);
  assert.throws(() => b2.setState({ ...a.getState(), gQ: new Float32Array(3) }), /gQ/);
  assert.throws(() => b2.setState({ gP: new Float32Array(20) }), /observed/);
});

test('irgan generatorInit fromEncoder: G copies the recommender\'s vectors and bias at the first epoch, once', () => {
  const ds = makeDataset(TRAIN3, 5);
  const emb = (dim: number) => () => {
    const users = heap.allocF32(3 * dim), items = heap.allocF32(5 * dim), itemBias = heap.allocF32(5);
    users.set(P3.flat().slice(0, 3 * dim));
    items.set(Q5.flat().slice(0, 5 * dim));
    itemBias.set(B5);
    return { users, items, dim, itemBias };
  };
  const ctx = (epoch: number, dim = 2): EpochContext => ({ epoch, data: ds, rng: Rng.stream(1, 'sampler'), streams: undefined as never, embeddings: emb(dim) });
  const s = new IrganSampler({ dim: 2, generatorInit: 'fromEncoder' });
  s.prepare(ds, Rng.stream(1, 'sampler'));
  s.onEpochStart(ctx(1));
  const g = s.generator()!;
  assert.deepEqual(Array.from(g.P), Array.from(Float32Array.from(P3.flat())));
  assert.deepEqual(Array.from(g.b), Array.from(Float32Array.from(B5)));
  // The policy is then the softmax of D's dot+bias scores.
  const p = g.policy(1, ds.train);
  const want = handPolicy(1, 1, TRAIN3[1]);
  for (let j = 0; j < 5; j++) close(p[j], want[j]);
  g.P.fill(0);
  s.onEpochStart(ctx(2));
  assert.ok(g.P.every((x) => x === 0), 'copied once only');
  assert.equal(s.getState().warmed, 1);
  // The random default leaves G alone; a dimension mismatch names the option.
  const r = new IrganSampler({ dim: 2 });
  r.prepare(ds, Rng.stream(1, 'sampler'));
  const before = r.generator()!.P.slice();
  r.onEpochStart(ctx(1));
  assert.deepEqual(r.generator()!.P, before);
  const bad = new IrganSampler({ dim: 3, generatorInit: 'fromEncoder' });
  bad.prepare(ds, Rng.stream(1, 'sampler'));
  assert.throws(() => bad.onEpochStart(ctx(1, 2)), /dim/);
  assert.throws(() => createSampler('irgan', { generatorInit: 'pretrained' }), /generatorInit/);
});

test('irgan schedule epochs: G phases between D epochs raise the policy on the items D scores highest', () => {
  const ds = makeDataset(TRAIN3, 5);
  // D (2-dim embeddings): user 0 scores item 4 far above its other non-positives 1 and 3.
  const embeddings = () => {
    const users = heap.allocF32(6), items = heap.allocF32(10);
    users.set([1, 0, 1, 0, 1, 0]);
    items.set([0, 0, -2, 0, 0, 0, -2, 0, 3, 0]);
    return { users, items, dim: 2, itemBias: null };
  };
  const ctx = (epoch: number): EpochContext => ({ epoch, data: ds, rng: Rng.stream(3, 'sampler'), streams: undefined as never, embeddings });
  const s = new IrganSampler({ dim: 4, schedule: 'epochs', dEpochs: 2, gEpochs: 40, lr: 0.05, k: 2 });
  s.prepare(ds, Rng.stream(1, 'sampler'));
  const g = s.generator()!;
  const before = g.policy(0, ds.train)[4];
  s.onEpochStart(ctx(1));
  s.onEpochStart(ctx(2));
  assert.equal(g.steps, 0, 'no G phase before epoch 1 + dEpochs');
  s.onEpochStart(ctx(3));
  assert.equal(g.steps, 40, 'one Adam step per pass (3 users ≤ GEN_USERS)');
  const after = g.policy(0, ds.train)[4];
  assert.ok(after > before + 0.3, `p(4|0) ${before} → ${after}`);
  // observe does not train G in this schedule.
  const enc = new FakeEncoder({ numUsers: 3, numItems: 5, dim: 2, layers: 1 });
  const users = Int32Array.of(0, 1), pos = Int32Array.of(0, 1);
  tidy(() => {
    const c: SampleContext = { batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(4, 'sampler'), epoch: 3, step: 0 };
    const neg = s.sample(c);
    s.observe(c, neg, { pos: new Float32Array(2), neg: new Float32Array(4) });
  });
  assert.equal(g.steps, 40);
  assert.throws(() => createSampler('irgan', { schedule: 'epoch' }), /schedule/);
  assert.throws(() => createSampler('irgan', { dEpochs: 0 }), /dEpochs/);
});

test('irgan: identical at 1 and 2 threads', async () => {
  await sameAtOneAndTwoThreads({ name: 'irgan', dim: 8, gSteps: 2 });
  await sameAtOneAndTwoThreads({ name: 'irgan', dim: 8, schedule: 'epochs' });
});

test('irgan: a killed run resumes bit-identical', async () => {
  await resumesBitIdentical({ name: 'irgan', dim: 8, gSteps: 2, baseline: true, reward: 'code' });
  await resumesBitIdentical({ name: 'irgan', dim: 8, generatorInit: 'fromEncoder' });
  await resumesBitIdentical({ name: 'irgan', dim: 8, schedule: 'epochs', gEpochs: 2, sampleLambda: 0.2, excludePositives: false });
});
