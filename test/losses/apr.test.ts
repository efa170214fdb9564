import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { gatherRows, reshape, rowDot } from '../../src/engine/ops.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { aprPerturbations, buildLoss } from '../../src/losses/index.js';
import type { LossInputs } from '../../src/losses/types.js';
import { createSampler } from '../../src/samplers/index.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from '../samplers/stateful.js';

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const dotAt = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number => {
  let s = 0;
  for (let c = 0; c < d; c++) s += a[ao + c] * b[bo + c];
  return s;
};

/**
 * Independent float64 reference: Γ per id of mean softplus(⟨u,j⟩ − ⟨u,i⟩) over the B·K (pair, negative) rows,
 * summed per user id and per item id (positives and real negatives share the item ids), Δ = ε Γ / ‖Γ‖.
 */
function handDeltas(U: number[], I: number[], J: number[], d: number, users: number[], pos: number[], neg: number[] | null, eps: number, all: boolean) {
  const B = users.length;
  const R = J.length / d;
  const K = R / B;
  const gUser = new Map<number, number[]>();
  const gItem = new Map<string, number[]>();
  const acc = (m: Map<string, number[]> | Map<number, number[]>, key: string | number, v: number[]) => {
    const mm = m as Map<string | number, number[]>;
    const cur = mm.get(key) ?? new Array<number>(d).fill(0);
    for (let c = 0; c < d; c++) cur[c] += v[c];
    mm.set(key, cur);
  };
  for (let r = 0; r < R; r++) {
    const b = Math.floor(r / K);
    const s = dotAt(U, b * d, I, b * d, d) - dotAt(U, b * d, J, r * d, d);
    const c = -1 / (1 + Math.exp(s)) / R;
    const u = U.slice(b * d, b * d + d), i = I.slice(b * d, b * d + d), j = J.slice(r * d, r * d + d);
    acc(gUser, users[b], u.map((_, t) => c * (i[t] - j[t])));
    acc(gItem, `i${pos[b]}`, u.map((x) => c * x));
    if (all) acc(gItem, neg ? `i${neg[r]}` : `row${r}`, u.map((x) => -c * x));
  }
  const unit = (g: number[] | undefined) => {
    if (!g) return new Array<number>(d).fill(0);
    const n = Math.sqrt(g.reduce((a, x) => a + x * x, 0));
    return g.map((x) => (n > 0 ? (eps * x) / n : 0));
  };
  const dU = users.flatMap((u) => unit(gUser.get(u)));
  const dI = pos.flatMap((i) => unit(gItem.get(`i${i}`)));
  const dJ = Array.from({ length: R }, (_, r) => (all ? unit(gItem.get(neg ? `i${neg[r]}` : `row${r}`)) : new Array<number>(d).fill(0))).flat();
  return { dU, dI, dJ };
}

function refLoss(U: ArrayLike<number>, I: ArrayLike<number>, J: ArrayLike<number>, d: number, B: number, delta: { dU: number[]; dI: number[]; dJ: number[] } | null, w: number): number {
  const R = J.length / d;
  const K = R / B;
  let base = 0, adv = 0;
  for (let r = 0; r < R; r++) {
    const b = Math.floor(r / K);
    base += softplus(dotAt(U, b * d, J, r * d, d) - dotAt(U, b * d, I, b * d, d));
    if (delta) {
      const u = Array.from({ length: d }, (_, c) => U[b * d + c] + delta.dU[b * d + c]);
      const i = Array.from({ length: d }, (_, c) => I[b * d + c] + delta.dI[b * d + c]);
      const j = Array.from({ length: d }, (_, c) => J[r * d + c] + delta.dJ[r * d + c]);
      adv += softplus(dotAt(u, 0, j, 0, d) - dotAt(u, 0, i, 0, d));
    }
  }
  return base / R + w * (adv / R);
}

function inputsOf(u: Tensor, p: Tensor, n: Tensor, users: number[], pos: number[], neg: number[] | null, scorer = 'dot'): LossInputs {
  const B = users.length;
  const K = n.shape[0] / B;
  // The step's scores, through the engine so the base term's gradient reaches the rows.
  const sp = rowDot(u, p);
  const flat = rowDot(K === 1 ? u : gatherRows(u, Int32Array.from({ length: B * K }, (_, r) => Math.floor(r / K))), n);
  const sn = K === 1 ? flat : reshape(flat, [B, K]);
  return {
    pos: sp, neg: sn, shared: false, batch: { users: Int32Array.from(users), pos: Int32Array.from(pos) },
    users: u, posItems: p, negItems: n, negItemIds: neg ? Int32Array.from(neg) : null, scorer,
  };
}

test('apr perturbations equal a hand computation: Γ summed per user and item id, scaled to norm ε', () => {
  // Users 0, 0, 1; item 2 is pair 0's positive and pair 2's negative, so its Δ combines both gradients.
  const d = 3;
  const users = [0, 0, 1], pos = [2, 3, 4], neg = [5, 6, 2];
  const rng = Rng.stream(5, 'test');
  const U = Array.from({ length: 9 }, () => rng.normal(0, 1));
  const I = Array.from({ length: 9 }, () => rng.normal(0, 1));
  const J = Array.from({ length: 9 }, () => rng.normal(0, 1));
  for (const all of [true, false]) {
    for (const ids of [neg, null]) {
      const got = aprPerturbations(Float32Array.from(U), Float32Array.from(I), Float32Array.from(J), d,
        Int32Array.from(users), Int32Array.from(pos), ids ? Int32Array.from(ids) : null, 0.5, all);
      const want = handDeltas(U, I, J, d, users, pos, ids, 0.5, all);
      for (const [k, a, b] of [['dU', got.dU, want.dU], ['dI', got.dI, want.dI], ['dJ', got.dJ, want.dJ]] as const) {
        for (let t = 0; t < a.length; t++) assert.ok(Math.abs(a[t] - b[t]) < 1e-5, `${k}[${t}] (all=${all}, ids=${ids !== null}): ${a[t]} vs ${b[t]}`);
      }
    }
  }
  // Users 0's two rows get one Δ, of norm ε.
  const got = aprPerturbations(Float32Array.from(U), Float32Array.from(I), Float32Array.from(J), d, Int32Array.from(users), Int32Array.from(pos), Int32Array.from(neg), 0.5, true);
  assert.deepEqual(Array.from(got.dU.subarray(0, 3)), Array.from(got.dU.subarray(3, 6)));
  assert.ok(Math.abs(Math.hypot(...got.dU.subarray(0, 3)) - 0.5) < 1e-6);
});

for (const [K, all, ids] of [[1, true, true], [2, true, true], [2, false, true], [2, true, false]] as const) {
  test(`apr loss: value and finite-difference gradient (Δ held fixed), K = ${K}, perturb ${all ? 'all' : 'positives'}, ${ids ? 'item' : 'synthetic'} negatives`, () => {
    const d = 4;
    const users = [0, 1, 0], pos = [3, 4, 5];
    const neg = K === 1 ? [6, 3, 7] : [6, 7, 3, 8, 9, 4];
    const B = 3, R = B * K;
    const rng = Rng.stream(11 + K, 'test');
    const U = Array.from({ length: B * d }, () => rng.normal(0, 0.7));
    const I = Array.from({ length: B * d }, () => rng.normal(0, 0.7));
    const J = Array.from({ length: R * d }, () => rng.normal(0, 0.7));
    const eps = 0.3, w = 0.7;
    const loss = buildLoss({ name: 'apr', eps, weight: w, perturb: all ? 'all' : 'positives' });
    const delta = handDeltas(U, I, J, d, users, pos, ids ? neg : null, eps, all);
    const v = tidy(() => loss.compute(inputsOf(Tensor.from(U, [B, d]), Tensor.from(I, [B, d]), Tensor.from(J, [R, d]), users, pos, ids ? neg : null)).item());
    assert.ok(Math.abs(v - refLoss(U, I, J, d, B, delta, w)) < 1e-5, `loss ${v} vs ${refLoss(U, I, J, d, B, delta, w)}`);
    const r = gradcheck(
      ([u, p, n]) => loss.compute(inputsOf(u, p, n, users, pos, ids ? neg : null)),
      (xs) => [refLoss(xs[0], xs[1], xs[2], d, B, delta, w)],
      [{ values: U, shape: [B, d] }, { values: I, shape: [B, d] }, { values: J, shape: [R, d] }],
      { h: 1e-5 },
    );
    assert.ok(r.maxRelError < 2e-3, `max rel error ${r.maxRelError}`);
    assert.ok(r.forwardError < 1e-5, `forward error ${r.forwardError}`);
  });
}

test('apr: weight 0 is BPR; other scorers and shared negatives are refused', () => {
  const d = 2;
  const U = [1, 0, 0, 1], I = [0.5, 0.5, 1, 0], J = [0, 1, 1, 1];
  const mk = (scorer = 'dot') => inputsOf(Tensor.from(U, [2, d]), Tensor.from(I, [2, d]), Tensor.from(J, [2, d]), [0, 1], [0, 1], [2, 3], scorer);
  const v = tidy(() => buildLoss({ name: 'apr', weight: 0 }).compute(mk()).item());
  assert.ok(Math.abs(v - refLoss(U, I, J, d, 2, null, 0)) < 1e-6);
  assert.throws(() => tidy(() => buildLoss({ name: 'apr' }).compute(mk('gmf'))), /scores with 'gmf'/);
  assert.throws(() => tidy(() => buildLoss({ name: 'apr' }).compute({ ...mk(), shared: true })), /shared negatives/);
  assert.throws(() => buildLoss({ name: 'apr', eps: -1 }), /eps/);
});

test('advir: IRGAN negatives with the apr loss prescribed; its options are checked', () => {
  const s = createSampler('advir', { eps: 0.2, advWeight: 0.5, perturb: 'positives', dim: 8 });
  assert.deepEqual(s.preferredLoss, { name: 'apr', eps: 0.2, weight: 0.5, perturb: 'positives' });
  assert.deepEqual(s.needs?.scorer, ['dot']);
  assert.throws(() => createSampler('advir', { epsilon: 1 }), /epsilon/);
  assert.throws(() => createSampler('advir', { sampleLambda: 0.2 }), /^RangeError: advir: option sampleLambda/);
});

test('advir: same run at 1 and 2 threads; a resumed run is bit-identical', async () => {
  await sameAtOneAndTwoThreads({ name: 'advir', dim: 8 });
  await resumesBitIdentical({ name: 'advir', dim: 8 });
  // With the generator's adversarial training too.
  await sameAtOneAndTwoThreads({ name: 'advir', dim: 8, generatorEps: 0.05 });
  await resumesBitIdentical({ name: 'advir', dim: 8, generatorEps: 0.05 });
});
