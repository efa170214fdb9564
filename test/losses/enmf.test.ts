// ENMF (src/losses/enmf.ts): the closed form against a brute-force sum over every (user, item) entry, its gradients
// by finite differences, and runs through the trainer (finite, decreasing, thread-independent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { TrainView } from '../../src/data/types.js';
import { syntheticDataset } from '../../src/data/index.js';
import { gatherRows, mul, rowDot } from '../../src/engine/ops.js';
import { createEncoder } from '../../src/encoders/index.js';
import type { MfEncoder } from '../../src/encoders/mf.js';
import { createSampler } from '../../src/samplers/index.js';
import { createTrainStep } from '../../src/training/step.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { backendInfo, setThreads } from '../../src/engine/kernels/index.js';
import { buildLoss, type LossInputs, type WholeDataInputs } from '../../src/losses/index.js';
import { enmfItemWeights } from '../../src/losses/enmf.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { checkMethodOptions } from '../../src/experiments/assemble.js';
import { makeDataset } from '../samplers/fake.js';

const U = 6, I = 9, D = 4;

function smallData(): TrainView {
  // User 5 has no training item; every item has one or more.
  return makeDataset([[0, 3, 5], [1, 2], [2, 4, 7, 8], [0, 1, 6], [3, 5, 8], []], I);
}

function values(n: number, seed: number): number[] {
  const r = Rng.stream(seed, 'values');
  return Array.from({ length: n }, () => (r.double() - 0.5) * 1.4);
}

/** The step's `whole` over plain tensors: user rows P, item rows Q, GMF weights h [1×D]. */
function wholeOf(P: Tensor, Q: Tensor, h: Tensor, data: TrainView): WholeDataInputs {
  return {
    numUsers: P.rows, numItems: Q.rows, scorer: 'gmf', data,
    userRows: (ids) => gatherRows(P, ids),
    itemRows: (ids) => gatherRows(Q, ids),
    queryRows: (u) => mul(u, h),
    dropoutRng: Rng.stream(9, 'dropout'),
  };
}

function inputs(batchUsers: number[], batchPos: number[], whole: WholeDataInputs): LossInputs {
  const b = batchUsers.length;
  return { pos: Tensor.zeros([b]), neg: Tensor.zeros([b]), shared: false, batch: { users: Int32Array.from(batchUsers), pos: Int32Array.from(batchPos) }, whole };
}

const isPos = (data: TrainView, u: number, v: number): boolean => {
  for (let e = data.train.indptr[u]; e < data.train.indptr[u + 1]; e++) if (data.train.indices[e] === v) return true;
  return false;
};

/** Σ_{u∈users} Σ_v c_uv (r_uv − ŷ_uv)² − Σ_{u} |R_u| c⁺, every entry visited (float64). */
function bruteForce(users: number[], P: ArrayLike<number>, Q: ArrayLike<number>, h: ArrayLike<number>, data: TrainView,
  cNeg: ArrayLike<number>, cPos: number): number {
  let s = 0;
  for (const u of users) {
    for (let v = 0; v < I; v++) {
      let y = 0;
      for (let d = 0; d < D; d++) y += h[d] * P[u * D + d] * Q[v * D + d];
      const r = isPos(data, u, v) ? 1 : 0;
      s += (r ? cPos : cNeg[v]) * (r - y) ** 2 - (r ? cPos : 0);
    }
  }
  return s;
}

const P0 = values(U * D, 1), Q0 = values(I * D, 2), H0 = values(D, 3).map((x) => 1 + x);

for (const weighting of ['uniform', 'popularity'] as const) {
  test(`enmf (${weighting} c⁻): the closed form equals the brute-force sum over every (user, item) entry`, () => {
    const data = smallData();
    const spec = { name: 'enmf', weighting, negativeWeight: 0.3, positiveWeight: 1.5, alpha: 0.7 };
    const c = enmfItemWeights(I, data.itemPopularity, { negativeWeight: 0.3, weighting, alpha: 0.7 });
    if (weighting === 'popularity') {
      // Mean weight = negativeWeight; ∝ popularity^α.
      assert.ok(Math.abs(c.reduce((a, x) => a + x, 0) / I - 0.3) < 1e-6);
      const f = (v: number) => data.itemPopularity[v] ** 0.7;
      for (let v = 1; v < I; v++) if (f(0) > 0) assert.ok(Math.abs(c[v] / c[0] - f(v) / f(0)) < 1e-5);
    } else assert.ok(c.every((x) => Math.abs(x - 0.3) < 1e-7));
    tidy(() => {
      const P = Tensor.from(P0, [U, D]), Q = Tensor.from(Q0, [I, D]), h = Tensor.from(H0, [1, D]);
      const w = wholeOf(P, Q, h, data);
      // positives 'user': the distinct batch users with all their items; repeats and the pairs' items do not matter.
      const got = buildLoss(spec).compute(inputs([3, 0, 3, 5, 1], [7, 7, 7, 7, 7], w)).item();
      const want = bruteForce([3, 0, 5, 1], P0, Q0, H0, data, c, 1.5);
      assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, Math.abs(want)), `${got} vs ${want}`);
      // positives 'batch': an epoch of batches covering every training pair once sums to the full loss over the users
      // with training items (user 5 has none and is in no batch).
      const pairs: Array<[number, number]> = [];
      for (let u = 0; u < U; u++) for (let e = data.train.indptr[u]; e < data.train.indptr[u + 1]; e++) pairs.push([u, data.train.indices[e]]);
      const order = Rng.stream(4, 'order').permutation(pairs.length);
      const shuffled = Array.from(order, (k) => pairs[k]);
      const lb = buildLoss({ ...spec, positives: 'batch' });
      let total = 0;
      for (let s = 0; s < pairs.length; s += 4) {
        const b = shuffled.slice(s, s + 4);
        total += lb.compute(inputs(b.map((p) => p[0]), b.map((p) => p[1]), w)).item();
      }
      const full = bruteForce([0, 1, 2, 3, 4], P0, Q0, H0, data, c, 1.5);
      assert.ok(Math.abs(total - full) < 1e-4 * Math.max(1, Math.abs(full)), `${total} vs ${full}`);
    });
  });
}

for (const positives of ['user', 'batch'] as const) {
  test(`enmf (positives '${positives}'): gradients w.r.t. user rows, item rows and h match finite differences`, () => {
    const data = smallData();
    const spec = { name: 'enmf', weighting: 'popularity', negativeWeight: 0.4, positives };
    const c = enmfItemWeights(I, data.itemPopularity, { negativeWeight: 0.4, weighting: 'popularity', alpha: 0.5 });
    const bu = [2, 0, 4, 2], bp = [data.train.indices[data.train.indptr[2]], data.train.indices[data.train.indptr[0]],
      data.train.indices[data.train.indptr[4]], data.train.indices[data.train.indptr[2] + 1]];
    const nOf = (u: number) => data.train.indptr[u + 1] - data.train.indptr[u];
    const loss = buildLoss(spec);
    const ref = ([P, Q, h]: Float64Array[]): number[] => {
      if (positives === 'user') return [bruteForce([2, 0, 4], P, Q, h, data, c, 1)];
      // The batch form: Σ_pairs [(c⁺ − c⁻)ŷ² − 2c⁺ŷ] + Σ_rows (1/|R_u|) Σ_v c⁻_v ŷ².
      let s = 0;
      const y = (u: number, v: number) => { let t = 0; for (let d = 0; d < D; d++) t += h[d] * P[u * D + d] * Q[v * D + d]; return t; };
      for (let r = 0; r < bu.length; r++) {
        const yy = y(bu[r], bp[r]);
        s += (1 - c[bp[r]]) * yy * yy - 2 * yy;
        for (let v = 0; v < I; v++) s += (c[v] / nOf(bu[r])) * y(bu[r], v) ** 2;
      }
      return [s];
    };
    const g = gradcheck(
      ([P, Q, h]) => loss.compute(inputs(bu, bp, wholeOf(P, Q, h, data))),
      ref,
      [{ values: P0, shape: [U, D] }, { values: Q0, shape: [I, D] }, { values: H0, shape: [1, D] }],
    );
    assert.ok(g.maxRelError < 1e-3 && g.forwardError < 1e-4, `relative errors ${g.relErrors.join(', ')}, forward ${g.forwardError}`);
  });
}

test('enmf: bad options name the key; a scorer with biases is refused', () => {
  assert.throws(() => buildLoss({ name: 'enmf', negativeWeight: -1 }), /option 'negativeWeight' must be a finite number > 0, got -1/);
  assert.throws(() => buildLoss({ name: 'enmf', positiveWeight: 0 }), /option 'positiveWeight'/);
  assert.throws(() => buildLoss({ name: 'enmf', alpha: Number.NaN }), /option 'alpha'/);
  assert.throws(() => buildLoss({ name: 'enmf', weighting: 'pop' }), /option 'weighting' must be 'uniform' or 'popularity', got "pop"/);
  assert.throws(() => buildLoss({ name: 'enmf', positives: 'all' }), /option 'positives' must be 'user' or 'batch'/);
  assert.throws(() => buildLoss({ name: 'enmf', dropout: 1 }), /option 'dropout' must be a number in \[0, 1\), got 1/);
  assert.throws(() => buildLoss({ name: 'enmf', negWeight: 0.1 }), /loss 'enmf': unknown option 'negWeight' \(accepted: negativeWeight/);
  // Before any data loads, as every method option.
  assert.throws(() => checkMethodOptions(resolveConfig(undefined, { loss: { name: 'enmf', negativeWeight: 0 } } as never)),
    /loss: loss 'enmf': option 'negativeWeight' must be a finite number > 0, got 0/);
  const data = smallData();
  tidy(() => {
    const w = { ...wholeOf(Tensor.zeros([U, D]), Tensor.zeros([I, D]), Tensor.zeros([1, D]), data), scorer: 'dot+bias', queryRows: () => null };
    assert.throws(() => buildLoss('enmf').compute(inputs([0], [0], w)), /needs a bilinear scorer \('dot' or 'gmf'\); the encoder's scorer is 'dot\+bias'/);
    assert.throws(() => buildLoss('enmf').compute(inputs([0], [0], undefined as never)), /needs\.wholeData/);
  });
});

test('enmf trains through the trainer: finite, decreasing epoch losses, the same at 1 and 2 threads; bprmf is refused', async () => {
  const ds = syntheticDataset({ users: 120, items: 150, seed: 7 });
  const base = {
    epochs: 4, evalEvery: 4, ks: [10], encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'uniform' },
    optimizer: { name: 'adagrad', lr: 0.05 }, l2: 0,
  };
  const cases = [
    { ...base, loss: { name: 'enmf' }, batching: 'groups', groupSize: 1, batchSize: 32 },
    { ...base, loss: { name: 'enmf', weighting: 'popularity', positives: 'batch', negativeWeight: 0.2 }, batching: 'interactions', batchSize: 256 },
    { ...base, encoder: { name: 'mf', dim: 8 }, loss: { name: 'enmf', dropout: 0.3 }, batching: 'groups', groupSize: 1, batchSize: 32 },
  ];
  const before = backendInfo();
  try {
    for (const c of cases) {
      const cfg = resolveConfig(undefined, c as never);
      setThreads(1);
      const one = await train(cfg, ds);
      setThreads(2);
      const two = await train(cfg, ds);
      const losses = one.epochs.map((e) => e.loss);
      assert.equal(losses.length, 4);
      for (const l of losses) assert.ok(Number.isFinite(l), `${JSON.stringify(c.loss)}: loss ${l}`);
      for (let e = 1; e < losses.length; e++) assert.ok(losses[e] < losses[e - 1], `${JSON.stringify(c.loss)}: losses ${losses.join(', ')}`);
      assert.deepEqual(two.epochs.map((e) => e.loss), losses);
      assert.deepEqual(two.test, one.test);
    }
  } finally {
    setThreads(before.threads);
  }
  const bad = resolveConfig(undefined, { ...base, encoder: { name: 'bprmf', dim: 8 }, loss: { name: 'enmf' } } as never);
  await assert.rejects(train(bad, ds), /loss: 'enmf' needs a bilinear scorer \('dot' or 'gmf'\); encoder 'bprmf' adds biases/);
});

test("enmf through the real step on GMF and MF: the step's loss is the brute-force sum with the encoder's own weights", () => {
  const ds = makeDataset([[0, 3, 5], [1, 2], [2, 4, 7, 8], [0, 1, 6], [3, 5, 8], []], I);
  for (const name of ['gmf', 'mf'] as const) {
    const enc = createEncoder(name, ds, { dim: D, ...(name === 'gmf' ? { gmfWeightInit: 'xavier' } : {}) }, Rng.stream(5, 'init')) as MfEncoder;
    const P = Float64Array.from(enc.userEmb.data), Q = Float64Array.from(enc.itemEmb.data);
    const h = enc.gmfWeight ? Float64Array.from(enc.gmfWeight.data) : new Float64Array(D).fill(1);
    const step = createTrainStep({
      encoder: enc, sampler: createSampler('uniform', {}), lossFn: buildLoss({ name: 'enmf', negativeWeight: 0.2 }),
      optimizer: { step() {}, zeroGrad() {} }, dataset: ds, l2: 0, samplerRng: Rng.stream(1, 'sampler'),
      dropoutRng: Rng.stream(1, 'dropout'), diagnostics: null,
    });
    const r = step({ users: Int32Array.of(4, 1, 4, 2), pos: Int32Array.of(3, 1, 5, 2) }, 1, 0);
    const want = bruteForce([4, 1, 2], P, Q, h, ds, new Float32Array(I).fill(0.2), 1);
    assert.ok(Math.abs(r.terms.get('loss')! - want) < 1e-4 * Math.max(1, Math.abs(want)), `${name}: ${r.terms.get('loss')} vs ${want}`);
    // GMF's query rows are p ⊙ w, and score = ⟨q, item⟩ exactly.
    tidy(() => {
      const pass = enc.forward({ training: false, rng: Rng.stream(1, 'x') });
      const u = pass.userLayers(Int32Array.of(0, 2))[0], it = pass.itemLayers(Int32Array.of(5, 7))[0];
      const s = pass.score(u, it), q = rowDot(pass.queryRows!(u), it);
      for (let t = 0; t < 2; t++) assert.ok(Math.abs(s.data[t] - q.data[t]) < 1e-6);
    });
  }
  const bpr = createEncoder('bprmf', ds, { dim: D }, Rng.stream(5, 'init'));
  tidy(() => assert.throws(() => bpr.forward({ training: false, rng: Rng.stream(1, 'x') }).queryRows!(Tensor.zeros([1, D])), /not bilinear/));
});

test('enmf through the trainer: a run killed after a checkpoint and resumed is bit-identical (GMF, Adagrad, dropout)', async () => {
  const { resumesBitIdentical } = await import('../samplers/stateful.js');
  await resumesBitIdentical({ name: 'uniform' }, { name: 'gmf', dim: 8 }, false,
    { loss: { name: 'enmf', dropout: 0.3 }, batching: 'groups', groupSize: 1, batchSize: 32, optimizer: { name: 'adagrad', lr: 0.05 }, l2: 0 });
});
