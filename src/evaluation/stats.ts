// Statistics for comparing runs: paired t-test over users, summary statistics, relative improvement and
// Holm–Bonferroni adjustment (the protocol of the contrastive-DNS paper: paired t-test with Holm–Bonferroni).
//
// The Student-t CDF is computed from the regularized incomplete beta function,
//   P(|T| ≥ |t|) = I_x(df/2, 1/2), x = df / (df + t²),
// with I_x(a, b) evaluated by its continued fraction (modified Lentz) and ln Γ by the Lanczos approximation.
import type { EvalResult } from './fullRanking.js';

export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1 denominator); NaN for n < 2. */
  std: number;
  /** Standard error of the mean, std / √n. */
  sem: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length;
  if (n === 0) return { n: 0, mean: NaN, std: NaN, sem: NaN };
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const e = values[i] - mean;
    ss += e * e;
  }
  const std = n > 1 ? Math.sqrt(ss / (n - 1)) : NaN;
  return { n, mean, std, sem: std / Math.sqrt(n) };
}

export function mean(values: ArrayLike<number>): number {
  return summarize(values).mean;
}

export function std(values: ArrayLike<number>): number {
  return summarize(values).std;
}

/** (value − base) / |base|: +0.05 means 5% better than the baseline. NaN when base is 0. */
export function relativeImprovement(base: number, value: number): number {
  return base === 0 ? NaN : (value - base) / Math.abs(base);
}

export interface PairedTTest {
  /** Number of pairs. */
  n: number;
  /** Mean of a[i] − b[i]. */
  meanDiff: number;
  /** Sample std of the differences. */
  stdDiff: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/**
 * Paired t-test of H0: mean(a − b) = 0 over index-aligned samples (e.g. per-user NDCG of two runs on the same users).
 * All-equal differences: t = ±∞ and p = 0 when the mean difference is non-zero, t = 0 and p = 1 when it is zero.
 */
export function pairedTTest(a: ArrayLike<number>, b: ArrayLike<number>): PairedTTest {
  if (a.length !== b.length) throw new Error(`pairedTTest: samples differ in length (${a.length} vs ${b.length})`);
  const n = a.length;
  if (n < 2) throw new Error(`pairedTTest: need at least 2 pairs, got ${n}`);
  const diff = new Float64Array(n);
  for (let i = 0; i < n; i++) diff[i] = a[i] - b[i];
  const s = summarize(diff);
  const df = n - 1;
  if (s.std === 0) {
    return s.mean === 0
      ? { n, meanDiff: 0, stdDiff: 0, t: 0, df, p: 1 }
      : { n, meanDiff: s.mean, stdDiff: 0, t: s.mean > 0 ? Infinity : -Infinity, df, p: 0 };
  }
  const t = s.mean / s.sem;
  return { n, meanDiff: s.mean, stdDiff: s.std, t, df, p: studentTTwoSidedP(t, df) };
}

/** Two-sided p-value P(|T| ≥ |t|) of Student's t with df degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** CDF P(T ≤ t) of Student's t with df degrees of freedom (df may be fractional). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

function checkDf(df: number): void {
  if (!(df > 0)) throw new Error(`Student t: degrees of freedom must be positive, got ${df}`);
}

/**
 * Holm–Bonferroni step-down adjusted p-values, in the input order: sort ascending, adjusted p_(j) =
 * max_{i ≤ j} min(1, (m − i + 1) · p_(i)) (1-based). Reject H_j at level α when adjusted p_j ≤ α.
 */
export function holmBonferroni(pValues: ArrayLike<number>): number[] {
  const m = pValues.length;
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => pValues[x] - pValues[y] || x - y);
  const out = new Array<number>(m);
  let running = 0;
  for (let j = 0; j < m; j++) {
    const p = pValues[order[j]];
    if (!(p >= 0 && p <= 1)) throw new Error(`holmBonferroni: p-value ${j} is ${p}, expected a number in [0, 1]`);
    running = Math.max(running, Math.min(1, (m - j) * p));
    out[order[j]] = running;
  }
  return out;
}

// Lanczos approximation (g = 7, 9 terms) of ln Γ(x), x > 0; relative error ~1e-15.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma: x must be positive, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x); // reflection
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1]. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new Error(`incomplete beta: a and b must be positive, got a = ${a}, b = ${b}`);
  if (!(x >= 0 && x <= 1)) throw new Error(`incomplete beta: x must be in [0, 1], got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Continued fraction for I_x(a, b) (modified Lentz): 1/(1+ d1/(1+ d2/(1+ …))). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  const EPS = 1e-15;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    // even step: d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m))
    let num = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    // odd step: d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    num = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + num / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta: continued fraction did not converge (x = ${x}, a = ${a}, b = ${b})`);
}

export interface RunComparison extends PairedTTest {
  metric: string;
  /** Means over the shared users. */
  meanA: number;
  meanB: number;
  /** Relative improvement of A over B: (meanA − meanB) / |meanB|. */
  improvement: number;
}

/**
 * Paired comparison of two evaluations on one metric (e.g. 'ndcg@20'), over the users both evaluated (matched by
 * user id, so runs with different skipped users still pair correctly). A is the candidate, B the baseline.
 */
export function compareRuns(a: EvalResult, b: EvalResult, metric: string): RunComparison {
  const va = a.perUser.values[metric];
  const vb = b.perUser.values[metric];
  if (!va || !vb) throw new Error(`compareRuns: metric '${metric}' missing from ${!va ? 'the first' : 'the second'} result`);
  const posB = new Map<number, number>();
  b.perUser.users.forEach((u, i) => posB.set(u, i));
  const xa: number[] = [];
  const xb: number[] = [];
  a.perUser.users.forEach((u, i) => {
    const j = posB.get(u);
    if (j !== undefined) {
      xa.push(va[i]);
      xb.push(vb[j]);
    }
  });
  if (xa.length < 2) throw new Error(`compareRuns: the two results share ${xa.length} users; need at least 2`);
  const tt = pairedTTest(xa, xb);
  const meanA = mean(xa);
  const meanB = mean(xb);
  return { metric, ...tt, meanA, meanB, improvement: relativeImprovement(meanB, meanA) };
}
