// Tiny hand-made datasets and float64 reference helpers for encoder tests (independent of src/data).
import type { Dataset, InteractionSet } from '../../src/data/types.js';
import type { Tensor } from '../../src/engine/tensor.js';

/** User-major CSR from (user, item) pairs (sorted; duplicates kept as given). */
export function csrFromPairs(numUsers: number, numItems: number, pairs: Array<[number, number]>): InteractionSet {
  const sorted = pairs.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const indptr = new Int32Array(numUsers + 1);
  for (const [u] of sorted) indptr[u + 1]++;
  for (let u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u];
  return { rows: numUsers, cols: numItems, indptr, indices: Int32Array.from(sorted.map((p) => p[1])) };
}

export function tinyDataset(numUsers: number, numItems: number, train: Array<[number, number]>): Dataset {
  const pop = new Int32Array(numItems);
  for (const [, i] of train) pop[i]++;
  return {
    name: 'tiny',
    numUsers,
    numItems,
    userIds: Array.from({ length: numUsers }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: numItems }, (_, i) => `i${i}`),
    train: csrFromPairs(numUsers, numItems, train),
    test: csrFromPairs(numUsers, numItems, []),
    itemPopularity: pop,
    fingerprint: 'tiny',
    report: [],
  };
}

/** The 4-user × 5-item graph used across tests (every node has an edge; degrees differ). */
export const GRAPH_4x5: Array<[number, number]> = [
  [0, 0], [0, 1], [0, 3],
  [1, 1], [1, 2],
  [2, 0], [2, 2], [2, 3], [2, 4],
  [3, 4],
];

/** Dense float64 Â = D^-½ A D^-½ over [users; items]. */
export function denseNormAdj(numUsers: number, numItems: number, pairs: Array<[number, number]>): Float64Array[] {
  const n = numUsers + numItems;
  const a = Array.from({ length: n }, () => new Float64Array(n));
  const seen = new Set<string>();
  for (const [u, i] of pairs) {
    const key = `${u},${i}`;
    if (seen.has(key)) continue;
    seen.add(key);
    a[u][numUsers + i] = 1;
    a[numUsers + i][u] = 1;
  }
  const deg = a.map((row) => row.reduce((s, x) => s + x, 0));
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    if (a[r][c] !== 0) a[r][c] = 1 / Math.sqrt(deg[r] * deg[c]);
  }
  return a;
}

export function matF64(a: Float64Array[], x: Float64Array[]): Float64Array[] {
  const n = a.length, k = x.length, d = x[0].length;
  const out = Array.from({ length: n }, () => new Float64Array(d));
  for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) {
    const v = a[r][j];
    if (v === 0) continue;
    for (let c = 0; c < d; c++) out[r][c] += v * x[j][c];
  }
  return out;
}

/** Rows of a flat row-major array as float64 rows. */
export function rowsOf(flat: ArrayLike<number>, n: number, d: number): Float64Array[] {
  return Array.from({ length: n }, (_, r) => Float64Array.from({ length: d }, (_, c) => flat[r * d + c]));
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k], e = expected[k];
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}: element ${k} is ${a}, expected ${e} (tol ${tol})`);
    }
  }
}

export function tensorRows(t: Tensor): Float64Array[] {
  return rowsOf(t.data, t.rows, t.cols);
}

export function ids(...xs: number[]): Int32Array {
  return Int32Array.from(xs);
}

/**
 * Central finite differences (float32 forward, step h) of `loss` w.r.t. every entry of each parameter, compared
 * with the autograd gradient the same loss leaves in `p.grad` / `p.denseGrad()`.
 */
export function finiteDiffCheck(
  params: Array<{ name: string; data: Float32Array; dense: () => Float32Array | null }>,
  value: () => number,
  h = 1e-3, absTol = 2e-3, relTol = 2e-2,
): void {
  for (const p of params) {
    const g = p.dense();
    if (!g) throw new Error(`${p.name}: no gradient`);
    const analytic = Float64Array.from(g);
    for (let k = 0; k < p.data.length; k++) {
      // Divided by the step as stored (x ± h rounded to float32), not by 2h: the difference quotient stays exact.
      const x = p.data[k];
      p.data[k] = x + h;
      const up = p.data[k];
      const fp = value();
      p.data[k] = x - h;
      const dn = p.data[k];
      const fm = value();
      p.data[k] = x;
      const fd = (fp - fm) / (up - dn);
      if (!(Math.abs(fd - analytic[k]) <= absTol + relTol * Math.abs(fd))) {
        throw new Error(`${p.name}[${k}]: autograd ${analytic[k]} vs finite difference ${fd}`);
      }
    }
  }
}

/**
 * finiteDiffCheck of a generator's REINFORCE gradient (IRGAN, RNS-AS): `gr` (rows, gP for those rows, dense gQ, gb)
 * against finite differences of `value` over the generator's P, Q and b, with the tolerances of those tests.
 */
export function checkGeneratorGradient(
  g: { P: Float32Array; Q: Float32Array; b: Float32Array; dim: number },
  gr: { rows: Int32Array; gP: Float32Array; gQ: Float32Array; gb: Float32Array },
  value: () => number, tag: string,
): void {
  const d = g.dim;
  const gP = new Float32Array(g.P.length);
  for (let r = 0; r < gr.rows.length; r++) gP.set(gr.gP.subarray(r * d, r * d + d), gr.rows[r] * d);
  // Copies taken first: gradient() reuses its gQ/gb buffers for its next call.
  const gQ = gr.gQ.slice(), gb = gr.gb.slice();
  finiteDiffCheck([
    { name: `P${tag}`, data: g.P, dense: () => gP },
    { name: `Q${tag}`, data: g.Q, dense: () => gQ },
    { name: `b${tag}`, data: g.b, dense: () => gb },
  ], value, 1e-3, 2e-5, 1e-3);
}
