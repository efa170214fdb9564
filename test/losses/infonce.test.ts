import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { buildLoss, infoNce, kPairSoftplus } from '../../src/losses/index.js';
import type { Loss, LossInputs } from '../../src/losses/types.js';

// Two pairs, P = 2, K = 2 (j, j′): pair 0 u=(1,0) i=(1,1) j=(0,1) j′=(−1,0) → cos 1/√2, 0, −1;
// pair 1 u=(0,2) i=(0,1) j=(3,4) j′=(1,0) → cos 1, 0.8, 0.
const U = [1, 0, 0, 2];
const I = [1, 1, 0, 1];
const N = [0, 1, -1, 0, 3, 4, 1, 0];
// By hand (τ = 0.2): −log e^{c⁺/τ} / (e^{c⁺/τ} + Σ e^{c⁻/τ}), then the mean of the two pairs.
const HAND = (0.02891739114628529 + 0.318175429247454) / 2;

function inputs(u: Tensor, p: Tensor, n: Tensor, k: number, shared = false, extra: Partial<LossInputs> = {}): LossInputs {
  const b = u.rows;
  // The step's scores (dot products) are what x.pos / x.neg hold; the cosine loss ignores them.
  const pos = Tensor.from(Array.from({ length: b }, (_, r) => u.data[r * 2] * p.data[r * 2] + u.data[r * 2 + 1] * p.data[r * 2 + 1]), [b]);
  const neg = Tensor.zeros(shared ? [b, n.rows] : [b, k]);
  return { pos, neg, shared, batch: { users: new Int32Array(b), pos: new Int32Array(b) }, users: u, posItems: p, negItems: n, ...extra };
}

function cosF64(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let c = 0; c < d; c++) {
    ab += a[ao + c] * b[bo + c];
    aa += a[ao + c] ** 2;
    bb += b[bo + c] ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** float64 reference from the definition: mean_b −log(e^{s⁺} / (e^{s⁺} + Σ_k e^{s⁻_k})), s = cos/τ (− logQ). */
function refLoss(u: ArrayLike<number>, p: ArrayLike<number>, n: ArrayLike<number>, d: number, shared: boolean, tau: number,
  logQ?: number[], masked?: Set<number>): number {
  const b = u.length / d;
  const rowsN = n.length / d;
  const k = shared ? rowsN : rowsN / b;
  let total = 0;
  for (let r = 0; r < b; r++) {
    const sp = Math.exp(cosF64(u, r * d, p, r * d, d) / tau);
    let den = sp;
    for (let j = 0; j < k; j++) {
      if (masked?.has(r * k + j)) continue;
      const row = shared ? j : r * k + j;
      den += Math.exp(cosF64(u, r * d, n, row * d, d) / tau - (logQ ? logQ[j] : 0));
    }
    total += -Math.log(sp / den);
  }
  return total / b;
}

test('cdnsInfoNce (eq. 5) equals the hand-computed value and the float64 definition', () => {
  const loss = buildLoss('cdnsInfoNce');
  assert.equal(loss.name, 'cdnsInfoNce');
  assert.deepEqual(loss.needs, { rows: true });
  const v = tidy(() => loss.compute(inputs(Tensor.from(U, [2, 2]), Tensor.from(I, [2, 2]), Tensor.from(N, [4, 2]), 2)).item());
  assert.ok(Math.abs(v - HAND) < 1e-6, `${v} vs ${HAND}`);
  assert.ok(Math.abs(v - refLoss(U, I, N, 2, false, 0.2)) < 1e-6);
  // Cosine is scale-free: scaling any row changes nothing.
  const v2 = tidy(() => loss.compute(inputs(Tensor.from(U.map((x) => 3 * x), [2, 2]), Tensor.from(I, [2, 2]), Tensor.from(N.map((x) => 0.5 * x), [4, 2]), 2)).item());
  assert.ok(Math.abs(v2 - v) < 1e-6);
  // Another τ.
  const t5 = tidy(() => buildLoss({ name: 'cdnsInfoNce', temperature: 0.5 }).compute(inputs(Tensor.from(U, [2, 2]), Tensor.from(I, [2, 2]), Tensor.from(N, [4, 2]), 2)).item());
  assert.ok(Math.abs(t5 - refLoss(U, I, N, 2, false, 0.5)) < 1e-6);
});

function check(loss: Loss, b: number, d: number, nRows: number, k: number, shared: boolean, extra: Partial<LossInputs> = {},
  ref?: (xs: Float64Array[]) => number): void {
  const rng = (seed: number, n: number) => {
    let x = seed;
    return Array.from({ length: n }, () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1);
  };
  const r = gradcheck(
    ([u, p, n]) => loss.compute(inputs(u, p, n, k, shared, extra)),
    (xs) => [ref ? ref(xs) : refLoss(xs[0], xs[1], xs[2], d, shared, 0.2)],
    [
      { values: rng(1, b * d), shape: [b, d] },
      { values: rng(2, b * d), shape: [b, d] },
      { values: rng(3, nRows * d), shape: [nRows, d] },
    ],
    { h: 1e-5 },
  );
  assert.ok(r.forwardError < 1e-5, `forward ${r.forwardError}`);
  assert.ok(r.maxRelError < 2e-3, `grad rel errors ${r.relErrors.join(', ')}`);
}

test('cosine InfoNCE gradient-checked: per-pair negatives (K = 1, 2, 5)', () => {
  const loss = buildLoss('cdnsInfoNce');
  for (const k of [1, 2, 5]) check(loss, 4, 3, 4 * k, k, false);
});

test('cosine InfoNCE over shared negatives: all N for every pair, log-Q subtracted from the tempered logit, masked hits stay out', () => {
  const loss = buildLoss({ name: 'infoNce', similarity: 'cosine' });
  check(loss, 3, 4, 5, 5, true);
  const logQ = [-1, -2, -0.5, -3, -1.5];
  check(loss, 3, 4, 5, 5, true, { logQ: Float32Array.from(logQ) }, (xs) => refLoss(xs[0], xs[1], xs[2], 4, true, 0.2, logQ));
  // The step marks pair 1's hit on shared item 2 with −1e9 in its scores; the loss keeps it masked.
  const negScores = Tensor.zeros([3, 5]);
  negScores.data[1 * 5 + 2] = -1e9;
  const masked = new Set([1 * 5 + 2]);
  const r = tidy(() => {
    const u = Tensor.from([0.3, -0.2, 0.5, 0.1, 0.2, 0.4, -0.3, 0.6, -0.5, 0.1, 0.2, 0.3], [3, 4]);
    const p = Tensor.from([0.1, 0.2, 0.3, 0.4, -0.1, 0.2, 0.1, 0.5, 0.3, -0.2, 0.4, 0.1], [3, 4]);
    const n = Tensor.from(Array.from({ length: 20 }, (_, t) => Math.sin(t + 1)), [5, 4]);
    const x = inputs(u, p, n, 5, true);
    x.neg = negScores;
    return { v: loss.compute(x).item(), ref: refLoss(u.data, p.data, n.data, 4, true, 0.2, undefined, masked) };
  });
  assert.ok(Math.abs(r.v - r.ref) < 1e-5, `${r.v} vs ${r.ref}`);
});

test("dot InfoNCE reads the step's scores: τ = 1 is the k-pair softplus; shared log-Q gives s/τ − log Q", () => {
  const pos = [0.4, -1.2, 2.0];
  const neg = [0.1, 0.5, -0.3, 1.0, 0.2, 2.5];
  const dot1 = infoNce({ similarity: 'dot', temperature: 1 });
  assert.equal(dot1.needs, undefined);
  tidy(() => {
    const x = { pos: Tensor.from(pos, [3]), neg: Tensor.from(neg, [3, 2]), shared: false, batch: { users: new Int32Array(3), pos: new Int32Array(3) } };
    const a = dot1.compute(x).item();
    const b = kPairSoftplus(x.pos, x.neg).item();
    assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
    // τ = 0.5, shared N = 2 with log Q (the step already subtracted it from s).
    const logQ = [-0.7, -1.9];
    const s = [[0.1, 0.5], [-0.3, 1.0], [0.2, 2.5]];
    const stepNeg = s.flat().map((v, t) => v - logQ[t % 2]);
    const l = infoNce({ similarity: 'dot', temperature: 0.5 }).compute({ ...x, neg: Tensor.from(stepNeg, [3, 2]), shared: true, logQ: Float32Array.from(logQ) }).item();
    let want = 0;
    for (let r = 0; r < 3; r++) {
      const sp = pos[r] / 0.5;
      const lse = Math.log(Math.exp(sp) + s[r].reduce((acc, v, j) => acc + Math.exp(v / 0.5 - logQ[j]), 0));
      want += (lse - sp) / 3;
    }
    assert.ok(Math.abs(l - want) < 1e-5, `${l} vs ${want}`);
  });
  assert.throws(() => infoNce({ temperature: 0 }), /temperature/);
  assert.throws(() => buildLoss({ name: 'infoNce', similarity: 'l2' }), /similarity/);
  assert.throws(() => tidy(() => buildLoss('cdnsInfoNce').compute({ pos: Tensor.zeros([2]), neg: Tensor.zeros([2, 2]), shared: false, batch: { users: new Int32Array(2), pos: new Int32Array(2) } })), /needs the pooled rows/);
});
