import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import {
  bpr, buildLoss, createLoss, groupHinge, kPairSoftplus, marginHinge, pris, sigmoidHinge, softBpr, softplusPointwise,
  type LossFn,
} from '../../src/losses/index.js';

// float64 references, written straight from the definitions.
const sp = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
type Ref = (pos: number[], neg: number[][]) => number;

const refBpr: Ref = (p, n) => mean(n.flatMap((row, b) => row.map((s) => sp(s - p[b]))));
const refSoftBpr = (beta: number): Ref => (p, n) => mean(n.flatMap((row, b) => row.map((s) => sp(beta * (s - p[b])))));
const refKPair: Ref = (p, n) => mean(n.map((row, b) => Math.log(1 + row.reduce((a, s) => a + Math.exp(s - p[b]), 0))));
const refMargin = (g: number): Ref => (p, n) => mean(n.flatMap((row, b) => row.map((s) => Math.max(0, s - p[b] + g))));
const refSigHinge = (g: number): Ref => (p, n) => mean(n.flatMap((row, b) => row.map((s) => Math.max(0, sig(s) - sig(p[b]) + g))));
const refPointwise: Ref = (p, n) => mean(p.map((s) => sp(-s))) + mean(n.flat().map((s) => sp(s)));
function mean(xs: number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

const POS = [1.0, -0.5, 0.3];
const NEG = [[0.5, 2.0], [-1.0, 0.0], [0.3, -0.2]];

/** Loss value and grads from the engine. */
function run(loss: LossFn, pos: number[], neg: number[][], negShape?: number[]): { value: number; gp: number[]; gn: number[] } {
  return tidy(() => {
    const p = Tensor.from(pos, [pos.length], true);
    const flat = neg.flat();
    const n = Tensor.from(flat, negShape ?? [neg.length, neg[0].length], true);
    const l = loss(p, n);
    assert.equal(l.size, 1, 'loss must be a scalar');
    l.backward();
    return { value: l.item(), gp: Array.from(p.grad!), gn: Array.from(n.grad!) };
  });
}

/** Central finite differences of a float64 reference. */
function numGrad(ref: Ref, pos: number[], neg: number[][]): { gp: number[]; gn: number[] } {
  const h = 1e-6;
  const gp = pos.map((_, k) => {
    const a = pos.slice(), b = pos.slice();
    a[k] += h; b[k] -= h;
    return (ref(a, neg) - ref(b, neg)) / (2 * h);
  });
  const gn: number[] = [];
  neg.forEach((row, r) => row.forEach((_, c) => {
    const a = neg.map((x) => x.slice()), b = neg.map((x) => x.slice());
    a[r][c] += h; b[r][c] -= h;
    gn.push((ref(pos, a) - ref(pos, b)) / (2 * h));
  }));
  return { gp, gn };
}

function check(name: string, loss: LossFn, ref: Ref, pos = POS, neg = NEG): void {
  const got = run(loss, pos, neg);
  const want = ref(pos, neg);
  assert.ok(Math.abs(got.value - want) < 1e-5 * Math.max(1, Math.abs(want)), `${name}: value ${got.value} vs ${want}`);
  const ng = numGrad(ref, pos, neg);
  got.gp.forEach((g, k) => assert.ok(Math.abs(g - ng.gp[k]) < 1e-4, `${name}: d/dpos[${k}] ${g} vs ${ng.gp[k]}`));
  got.gn.forEach((g, k) => assert.ok(Math.abs(g - ng.gn[k]) < 1e-4, `${name}: d/dneg[${k}] ${g} vs ${ng.gn[k]}`));
}

test('bpr: hand-computed value for one pair', () => {
  // −log σ(2 − 0.5) = log(1 + e^−1.5)
  const v = run(bpr, [2], [[0.5]]).value;
  assert.ok(Math.abs(v - Math.log(1 + Math.exp(-1.5))) < 1e-6);
});

test('bpr, K = 2: mean over all B·K pairs, value and gradient', () => check('bpr', bpr, refBpr));

test('bpr accepts 1-D negatives [B] (K = 1)', () => {
  const pos = [1, 2], neg = [[0], [3]];
  const a = run(bpr, pos, neg, [2]);
  assert.ok(Math.abs(a.value - refBpr(pos, neg)) < 1e-6);
});

test('softBpr(β): value and gradient; β = 1 is BPR', () => {
  check('softBpr', softBpr(0.2), refSoftBpr(0.2));
  assert.ok(Math.abs(run(softBpr(1), POS, NEG).value - run(bpr, POS, NEG).value) < 1e-6);
});

test('PDNS: positive-dominated mixing α is soft BPR with β = 1 − α for dot scores', () => {
  // s(u, α e_i + (1−α) e_j) = α s⁺ + (1−α) s⁻, so BPR against the mixed item equals softBpr(1 − α).
  const alpha = 0.8;
  const mixed = NEG.map((row, b) => row.map((s) => alpha * POS[b] + (1 - alpha) * s));
  const a = run(bpr, POS, mixed).value;
  const b = run(softBpr(1 - alpha), POS, NEG).value;
  assert.ok(Math.abs(a - b) < 1e-6, `${a} vs ${b}`);
});

test('kPairSoftplus: value and gradient; equals BPR when K = 1', () => {
  check('kPairSoftplus', kPairSoftplus, refKPair);
  const pos = [0.4, -1], neg = [[1.5], [-2]];
  assert.ok(Math.abs(run(kPairSoftplus, pos, neg).value - run(bpr, pos, neg).value) < 1e-6);
  assert.ok(Math.abs(run(kPairSoftplus, pos, neg, [2]).value - refBpr(pos, neg)) < 1e-6);
});

test('kPairSoftplus is stable for large gaps', () => {
  // log(1 + e^100 + e^−100) ≈ 100; a naive exp would overflow float32.
  const v = run(kPairSoftplus, [0], [[100, -100]]).value;
  assert.ok(Math.abs(v - 100) < 1e-3, `got ${v}`);
  const w = run(kPairSoftplus, [100], [[0, 0]]).value; // log(1 + 2e^−100) ≈ 0
  assert.ok(w >= 0 && w < 1e-6, `got ${w}`);
});

test('marginHinge: hand values, zero region, gradient', () => {
  // gaps s⁻ − s⁺ + 1: pair 1: −0.5+1 = 0.5, 1+1 = 2; pair 2: −0.5+1 = 0.5, 0.5+1 = 1.5; pair 3: 1, 0.5 → mean 6/6
  const v = run(marginHinge(1), POS, NEG).value;
  assert.ok(Math.abs(v - 1.0) < 1e-6, `got ${v}`);
  const z = run(marginHinge(0.1), [5], [[0, 1]]);
  assert.equal(z.value, 0);
  assert.deepEqual(z.gp, [0]);
  check('marginHinge', marginHinge(0.7), refMargin(0.7));
});

test('sigmoidHinge: value and gradient', () => check('sigmoidHinge', sigmoidHinge(0.1), refSigHinge(0.1)));

test('softplusPointwise: hand value and gradient', () => {
  // softplus(−1) + softplus(0.5) for one pair
  const v = run(softplusPointwise, [1], [[0.5]]).value;
  assert.ok(Math.abs(v - (Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(0.5)))) < 1e-6);
  check('softplusPointwise', softplusPointwise, refPointwise);
});

test('groupHinge: per-user double sum over positive × negative groups, all reductions', () => {
  // 2 users, N = 2 positives, N' = 3 negatives, γ = 1.
  const pos = [[1, 0], [2, -1]];
  const neg = [[0.5, -2, 1], [0, 3, -3]];
  const perUser = pos.map((row, u) => row.reduce((a, ri) => a + neg[u].reduce((b, rj) => b + Math.max(0, rj - ri + 1), 0), 0));
  // by hand, user 0: r_i = 1: 0.5, 0, 1 → 1.5; r_i = 0: 1.5, 0, 2 → 3.5; total 5
  assert.equal(perUser[0], 5);
  const make = (reduce: 'meanUsers' | 'sum' | 'meanPairs'): number => tidy(() => {
    const p = Tensor.from(pos.flat(), [2, 2]);
    const n = Tensor.from(neg.flat(), [2, 3]);
    return groupHinge(1, reduce)(p, n).item();
  });
  const total = perUser[0] + perUser[1];
  assert.ok(Math.abs(make('sum') - total) < 1e-5);
  assert.ok(Math.abs(make('meanUsers') - total / 2) < 1e-5);
  assert.ok(Math.abs(make('meanPairs') - total / 12) < 1e-5);
  // gradient w.r.t. the positive scores: −(number of active hinges of that positive) / U
  const g = tidy(() => {
    const p = Tensor.from(pos.flat(), [2, 2], true);
    const n = Tensor.from(neg.flat(), [2, 3], true);
    groupHinge(1)(p, n).backward();
    return { gp: Array.from(p.grad!), gn: Array.from(n.grad!) };
  });
  const active = (ri: number, u: number): number => neg[u].filter((rj) => rj - ri + 1 > 0).length;
  assert.deepEqual(g.gp, [-active(1, 0) / 2, -active(0, 0) / 2, -active(2, 1) / 2, -active(-1, 1) / 2]);
  // d/d r_uj = (number of positives it beats the margin against) / U
  const activeNeg = (rj: number, u: number): number => pos[u].filter((ri) => rj - ri + 1 > 0).length;
  assert.deepEqual(g.gn, neg.flatMap((row, u) => row.map((rj) => activeNeg(rj, u) / 2)));
});

test('groupHinge with 1-D scores is pairwise hinge summed per user', () => {
  const v = tidy(() => groupHinge(1, 'meanPairs')(Tensor.from([1, 2]), Tensor.from([1.5, 0])).item());
  assert.ok(Math.abs(v - (1.5 + 0) / 2) < 1e-6);
});

test('createLoss: names, aliases, defaults and clear errors', () => {
  const v = (l: LossFn): number => run(l, POS, NEG).value;
  assert.equal(v(createLoss({ name: 'bpr' })), v(bpr));
  assert.equal(v(createLoss('bpr')), v(bpr));
  assert.equal(v(createLoss({ name: 'soft-bpr', beta: 0.3 })), v(softBpr(0.3)));
  assert.equal(v(createLoss({ name: 'softBpr', beta: 0.3 })), v(softBpr(0.3)));
  assert.equal(v(createLoss({ name: 'kPairSoftplus' })), v(kPairSoftplus));
  assert.equal(v(createLoss({ name: 'marginHinge' })), v(marginHinge(1)));
  assert.equal(v(createLoss({ name: 'sigmoidHinge' })), v(sigmoidHinge(0.1)));
  assert.equal(v(createLoss({ name: 'softplusPointwise' })), v(softplusPointwise));
  assert.throws(() => createLoss({ name: 'nope' }), /unknown loss 'nope'; known: bpr/);
  assert.throws(() => createLoss({ name: 'softBpr' }), /option 'beta' is required/);
  assert.throws(() => createLoss({ name: 'softBpr', beta: -1 }), /beta must be a positive number/);
  assert.throws(() => createLoss({ name: 'bpr', margin: 1 }), /unknown option 'margin'.*takes no options/);
  assert.throws(() => createLoss({ name: 'marginHinge', margin: 'x' }), /'margin' must be a finite number/);
  assert.throws(() => createLoss({ name: 'groupHinge', reduce: 'avg' }), /reduce must be/);
});

test('losses reject mismatched shapes with a message naming them', () => {
  assert.throws(() => run(bpr, [1, 2], [[1], [2], [3]]), /bpr: negative scores must be \[B\] or \[B×K\] with B = 2/);
  assert.throws(() => tidy(() => bpr(Tensor.from([1, 2, 3, 4], [2, 2]), Tensor.from([1, 2]))), /positive scores must be 1-D/);
});

test('every loss passes the engine gradcheck against its float64 reference', async () => {
  const { gradcheck } = await import('../../src/engine/gradcheck.js');
  const B = 4, K = 3;
  const rng = (await import('../../src/core/rng.js')).Rng.stream(5, 'losses');
  const pos = Array.from({ length: B }, () => 2 * rng.double() - 1);
  const neg = Array.from({ length: B * K }, () => 2 * rng.double() - 1);
  const rows = (n: Float64Array): number[][] => Array.from({ length: B }, (_, b) => Array.from(n.subarray(b * K, b * K + K)));
  const cases: Array<[string, LossFn, Ref]> = [
    ['bpr', bpr, refBpr], ['softBpr', softBpr(0.3), refSoftBpr(0.3)], ['kPairSoftplus', kPairSoftplus, refKPair],
    ['marginHinge', marginHinge(0.5), refMargin(0.5)], ['sigmoidHinge', sigmoidHinge(0.1), refSigHinge(0.1)],
    ['softplusPointwise', softplusPointwise, refPointwise],
  ];
  for (const [name, fn, ref] of cases) {
    const r = gradcheck((xs) => fn(xs[0], xs[1]), (xs) => [ref(Array.from(xs[0]), rows(xs[1]))],
      [{ values: pos, shape: [B] }, { values: neg, shape: [B, K] }]);
    assert.ok(r.forwardError < 1e-5, `${name}: forward error ${r.forwardError}`);
    assert.ok(r.maxRelError < 1e-3, `${name}: gradient error ${r.maxRelError}`);
  }
  // groupHinge: U = 2 users, N = 2, N' = K = 3 (pos as [U×N], neg as [U×N'])
  const gpos = pos.slice(0, 4), gneg = neg.slice(0, 6);
  const refGroup = (p: Float64Array, n: Float64Array): number => {
    let s = 0;
    for (let u = 0; u < 2; u++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += Math.max(0, n[u * 3 + j] - p[u * 2 + i] + 0.5);
    return s / 2;
  };
  const g = gradcheck((xs) => groupHinge(0.5)(xs[0], xs[1]), (xs) => [refGroup(xs[0], xs[1])],
    [{ values: gpos, shape: [2, 2] }, { values: gneg, shape: [2, 3] }]);
  assert.ok(g.forwardError < 1e-5 && g.maxRelError < 1e-3, `groupHinge: ${g.forwardError}, ${g.maxRelError}`);
});

test('groupHinge under group batching: the per-user sum of eq. 6 averaged over users, by hand', () => {
  // Two users, N = 2 positives each, N' = 2 negatives per group (the same in both rows of a group).
  const pos = Float32Array.of(1.0, 0.2, -0.3, 0.5);
  const negG = [[0.4, 1.5], [0.0, -1.0]];
  const neg = Float32Array.of(...negG[0], ...negG[0], ...negG[1], ...negG[1]);
  const gamma = 1;
  let total = 0;
  for (let u = 0; u < 2; u++) {
    for (let i = 0; i < 2; i++) for (const j of negG[u]) total += Math.max(0, j - pos[u * 2 + i] + gamma);
  }
  const loss = buildLoss({ name: 'groupHinge' });
  const v = tidy(() => loss.compute({ pos: Tensor.from(pos, [4]), neg: Tensor.from(neg, [4, 2]), shared: false,
    batch: { users: Int32Array.of(0, 0, 1, 1), pos: Int32Array.of(0, 1, 2, 3), groups: { size: 2 } } }).item());
  assert.ok(Math.abs(v - total / 2) < 1e-6, `${v} vs ${total / 2}`);
  // Without group structure the rows are the units (each row's sum, averaged over the 4 rows).
  const rows = tidy(() => loss.compute({ pos: Tensor.from(pos, [4]), neg: Tensor.from(neg, [4, 2]), shared: false,
    batch: { users: Int32Array.of(0, 0, 1, 1), pos: Int32Array.of(0, 1, 2, 3) } }).item());
  assert.ok(Math.abs(rows - total / 4) < 1e-6);
});

test('pris: importance-weighted BPR, weights softmax(s⁻/τ) held constant; hand-computed value and gradient; K = 1 is BPR', () => {
  // Row 0 of NEG: s⁻ = (0.5, 2.0), s⁺ = 1: w = softmax(0.5, 2.0) = (1, e^1.5)/(1 + e^1.5).
  const w0 = [1 / (1 + Math.exp(1.5)), Math.exp(1.5) / (1 + Math.exp(1.5))];
  const one = run(pris(), [1], [[0.5, 2.0]]);
  assert.ok(Math.abs(one.value - (w0[0] * sp(-0.5) + w0[1] * sp(1.0))) < 1e-6, `${one.value}`);
  // The weights are constants: d/ds⁻_k = w_k σ(s⁻_k − s⁺), d/ds⁺ = −Σ w_k σ(s⁻_k − s⁺).
  assert.ok(Math.abs(one.gn[0] - w0[0] * sig(-0.5)) < 1e-6 && Math.abs(one.gn[1] - w0[1] * sig(1.0)) < 1e-6, `${one.gn}`);
  assert.ok(Math.abs(one.gp[0] + w0[0] * sig(-0.5) + w0[1] * sig(1.0)) < 1e-6);
  // Finite differences of the loss with the weights frozen at the evaluation point, τ = 0.5, every row.
  const tau = 0.5;
  const frozen = NEG.map((row) => {
    const m = Math.max(...row);
    const e = row.map((s) => Math.exp((s - m) / tau));
    const z = e.reduce((a, x) => a + x, 0);
    return e.map((x) => x / z);
  });
  const refFrozen: Ref = (p, n) => mean(n.map((row, b) => row.reduce((a, s, k) => a + frozen[b][k] * sp(s - p[b]), 0)));
  check('pris', pris(tau), refFrozen);
  assert.ok(Math.abs(run(pris(), POS, NEG.map((r) => [r[0]])).value - refBpr(POS, NEG.map((r) => [r[0]]))) < 1e-6, 'K = 1: BPR');
  assert.equal(buildLoss({ name: 'pris', temperature: 0.5 }).name ?? 'pris', 'pris');
  assert.throws(() => pris(0), /temperature must be a positive number/);
});

test('pris through the trainer: the same run at 1 and 2 threads; a resumed run is bit-identical', async () => {
  const { sameAtOneAndTwoThreads, resumesBitIdentical } = await import('../samplers/stateful.js');
  const extra = { loss: { name: 'pris', temperature: 0.5 } };
  await sameAtOneAndTwoThreads({ name: 'uniform', k: 4 }, { dim: 8 }, false, extra);
  await resumesBitIdentical({ name: 'uniform', k: 4 }, { dim: 8 }, false, extra);
});
