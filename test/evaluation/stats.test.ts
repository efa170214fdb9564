import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP, pairedTTest, holmBonferroni, summarize,
  relativeImprovement, logGamma, compareRuns,
} from '../../src/evaluation/stats.js';
import type { EvalResult } from '../../src/evaluation/fullRanking.js';

const close = (a: number, b: number, tol: number, msg: string) => assert.ok(Math.abs(a - b) <= tol, `${msg}: got ${a}, want ${b}`);

test('ln Γ at known points', () => {
  close(logGamma(1), 0, 1e-13, 'ln Γ(1)');
  close(logGamma(5), Math.log(24), 1e-13, 'ln Γ(5) = ln 4!');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13, 'ln Γ(1/2) = ln √π');
  close(logGamma(101), 363.73937555556347, 1e-10, 'ln 100!');
});

test('regularized incomplete beta against closed forms', () => {
  for (const x of [0.01, 0.2, 0.5, 0.77, 0.99]) {
    close(regularizedIncompleteBeta(x, 1, 1), x, 1e-13, `I_${x}(1,1) = x`);
    close(regularizedIncompleteBeta(x, 3.5, 1), x ** 3.5, 1e-13, `I_${x}(a,1) = x^a`);
    close(regularizedIncompleteBeta(x, 1, 4.2), 1 - (1 - x) ** 4.2, 1e-13, `I_${x}(1,b) = 1 − (1−x)^b`);
    // I_x(2, 2) = 3x² − 2x³
    close(regularizedIncompleteBeta(x, 2, 2), 3 * x * x - 2 * x ** 3, 1e-13, `I_${x}(2,2)`);
    // symmetry I_x(a, b) = 1 − I_{1−x}(b, a)
    close(regularizedIncompleteBeta(x, 2.5, 7), 1 - regularizedIncompleteBeta(1 - x, 7, 2.5), 1e-13, 'symmetry');
  }
  close(regularizedIncompleteBeta(0.5, 40, 40), 0.5, 1e-13, 'I_½(a,a) = ½');
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), /x must be in \[0, 1\]/);
  assert.throws(() => regularizedIncompleteBeta(0.5, 0, 3), /must be positive/);
});

test('Student t CDF against table values and closed forms', () => {
  // Two-sided critical values from a t table: P(|T| ≥ t) = α.
  const table: [number, number, number][] = [
    [1, 12.706204736432095, 0.05], [5, 2.015048372669157, 0.10], [10, 2.2281388519649385, 0.05],
    [20, 3.849516272984231, 0.001], [30, 2.7499956535670305, 0.01],
  ];
  for (const [df, t, alpha] of table) {
    close(studentTTwoSidedP(t, df), alpha, 1e-10, `p(t=${t}, df=${df})`);
    close(studentTCdf(t, df), 1 - alpha / 2, 1e-10, `cdf(t=${t}, df=${df})`);
    close(studentTCdf(-t, df), alpha / 2, 1e-10, `cdf(−t, df=${df})`);
  }
  // df = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π. df = 2: F(t) = ½ + t / (2√(2 + t²)).
  for (const t of [-3, -0.4, 0, 0.7, 5]) {
    close(studentTCdf(t, 1), 0.5 + Math.atan(t) / Math.PI, 1e-12, `Cauchy F(${t})`);
    close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-12, `df 2 F(${t})`);
  }
  // Large df approaches the normal: Φ(1.959963984540054) = 0.975.
  close(studentTCdf(1.959963984540054, 1e7), 0.975, 1e-6, 'normal limit');
  assert.equal(studentTCdf(Infinity, 3), 1);
  assert.equal(studentTTwoSidedP(-Infinity, 3), 0);
  assert.throws(() => studentTCdf(1, 0), /degrees of freedom must be positive/);
});

test('paired t-test worked by hand', () => {
  // a − b = [−1, 0, −2, −1]: mean −1, sample var ((0)² + 1² + (−1)² + 0²) / 3 = 2/3, t = −1 / (√(2/3) / 2) = −√6.
  const r = pairedTTest([1, 2, 3, 4], [2, 2, 5, 5]);
  assert.equal(r.n, 4);
  assert.equal(r.df, 3);
  close(r.meanDiff, -1, 1e-15, 'mean diff');
  close(r.stdDiff, Math.sqrt(2 / 3), 1e-15, 'std diff');
  close(r.t, -Math.sqrt(6), 1e-12, 't');
  // df = 3 closed form: F(t) = ½ + (1/π)[ t/(√3 (1 + t²/3)) + atan(t/√3) ].
  const t = Math.sqrt(6);
  const F = 0.5 + (t / (Math.sqrt(3) * (1 + (t * t) / 3)) + Math.atan(t / Math.sqrt(3))) / Math.PI;
  close(r.p, 2 * (1 - F), 1e-12, 'two-sided p');
  close(r.p, 0.09172111331157187, 1e-12, 'p numeric');
  // Degenerate: identical samples and constant shifts.
  assert.deepEqual(pairedTTest([1, 2], [1, 2]), { n: 2, meanDiff: 0, stdDiff: 0, t: 0, df: 1, p: 1 });
  const shifted = pairedTTest([2, 3, 4], [1, 2, 3]);
  assert.equal(shifted.t, Infinity);
  assert.equal(shifted.p, 0);
  assert.throws(() => pairedTTest([1, 2], [1]), /differ in length/);
  assert.throws(() => pairedTTest([1], [1]), /at least 2 pairs/);
});

test('Holm–Bonferroni adjustment worked by hand', () => {
  // sorted 0.005, 0.01, 0.03, 0.04 × (4, 3, 2, 1) = 0.02, 0.03, 0.06, 0.04 → running max 0.02, 0.03, 0.06, 0.06.
  const adj = holmBonferroni([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((v, i) => close(adj[i], v, 1e-15, `adjusted ${i}`));
  assert.deepEqual(holmBonferroni([0.5, 0.9]), [1, 1]); // capped at 1
  assert.deepEqual(holmBonferroni([]), []);
  assert.throws(() => holmBonferroni([0.1, NaN]), /p-value/);
});

test('summary statistics and relative improvement', () => {
  const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
  close(s.mean, 5, 1e-15, 'mean');
  close(s.std, Math.sqrt(32 / 7), 1e-14, 'sample std'); // Σ(x − 5)² = 32
  close(s.sem, Math.sqrt(32 / 7) / Math.sqrt(8), 1e-14, 'sem');
  close(relativeImprovement(0.2, 0.23), 0.15, 1e-12, 'relative improvement');
  assert.ok(Number.isNaN(relativeImprovement(0, 1)));
});

test('compareRuns pairs users by id', () => {
  const mk = (users: number[], v: number[]): EvalResult => ({
    metrics: {}, perUser: { users: Int32Array.from(users), values: { 'ndcg@10': Float32Array.from(v) } },
    usersEvaluated: users.length, usersSkipped: 0, split: 'test', maskedValid: false,
  });
  // Same pairs as the hand-worked test, with B in another order and an extra user 9 only in A.
  const a = mk([0, 1, 2, 3, 9], [1, 2, 3, 4, 100]);
  const b = mk([3, 2, 1, 0], [5, 5, 2, 2]);
  const c = compareRuns(a, b, 'ndcg@10');
  assert.equal(c.n, 4);
  close(c.t, -Math.sqrt(6), 1e-12, 't');
  close(c.meanA, 2.5, 1e-12, 'meanA');
  close(c.meanB, 3.5, 1e-12, 'meanB');
  close(c.improvement, -1 / 3.5, 1e-12, 'improvement');
  assert.throws(() => compareRuns(a, b, 'recall@10'), /metric 'recall@10' missing/);
});
