// Small hand-made datasets and an independent brute-force top-K for the evaluation tests.
import type { CsrMatrix, Kernels } from '../../src/engine/kernels/types.js';
import type { Dataset, InteractionSet } from '../../src/data/types.js';
import { Rng } from '../../src/core/rng.js';

/** CSR from per-user item lists (sorted and deduplicated here). */
export function csrOf(rows: number[][], cols: number): InteractionSet {
  const indptr = new Int32Array(rows.length + 1);
  const all: number[] = [];
  rows.forEach((r, u) => {
    const s = [...new Set(r)].sort((a, b) => a - b);
    all.push(...s);
    indptr[u + 1] = all.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(all) };
}

export function datasetOf(numItems: number, train: number[][], test: number[][], valid?: number[][]): Dataset {
  const numUsers = train.length;
  const pop = new Int32Array(numItems);
  for (const r of train) for (const i of new Set(r)) pop[i]++;
  return {
    name: 'fixture', numUsers, numItems,
    userIds: Array.from({ length: numUsers }, (_, i) => String(i)),
    itemIds: Array.from({ length: numItems }, (_, i) => String(i)),
    train: csrOf(train, numItems),
    test: csrOf(test, numItems),
    ...(valid ? { valid: csrOf(valid, numItems) } : {}),
    itemPopularity: pop, fingerprint: 'fixture', report: [],
  };
}

/** A random dataset: each user gets a few train / valid / test items (disjoint), some users with none in a split. */
export function randomDataset(numUsers: number, numItems: number, seed: number, withValid = true): Dataset {
  const rng = Rng.stream(seed, 'fixture');
  const train: number[][] = [], test: number[][] = [], valid: number[][] = [];
  for (let u = 0; u < numUsers; u++) {
    const n = 1 + rng.int(Math.min(12, numItems - 2));
    const items = [...rng.sampleWithoutReplacement(numItems, n)];
    const nt = rng.int(3); // 0..2 test items: some users have none
    const nv = withValid ? rng.int(2) : 0;
    test.push(items.slice(0, Math.min(nt, n - 1)));
    valid.push(items.slice(Math.min(nt, n - 1), Math.min(nt + nv, n - 1)));
    train.push(items.slice(Math.min(nt + nv, n - 1)));
  }
  return datasetOf(numItems, train, test, withValid ? valid : undefined);
}

/**
 * Reference scoreTopK: float64 dot products, masked items removed, sort by (score desc, item id asc).
 * Only scoreTopK is implemented; the rest of the seam throws.
 */
export function refScoreTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
  mask: CsrMatrix | null, maskRowOffset: number, itemBias: Float32Array | null, outIdx: Int32Array, outScore: Float32Array): void {
  for (let u = 0; u < nu; u++) {
    const masked = new Set<number>();
    if (mask) {
      const r = maskRowOffset + u;
      for (let p = mask.indptr[r]; p < mask.indptr[r + 1]; p++) masked.add(mask.indices[p]);
    }
    const cand: { i: number; s: number }[] = [];
    for (let i = 0; i < ni; i++) {
      if (masked.has(i)) continue;
      let s = itemBias ? itemBias[i] : 0;
      for (let c = 0; c < d; c++) s += users[u * d + c] * items[i * d + c];
      cand.push({ i, s });
    }
    cand.sort((a, b) => b.s - a.s || a.i - b.i);
    for (let j = 0; j < k; j++) {
      outIdx[u * k + j] = j < cand.length ? cand[j].i : -1;
      outScore[u * k + j] = j < cand.length ? cand[j].s : -Infinity;
    }
  }
}

export const refKernels = {
  name: 'ref', threads: 1, scoreTopK: refScoreTopK,
  matmul: nope, spmm: nope, gatherRows: nope, scatterAddRows: nope, rowDot: nope, adam: nope, adamRows: nope,
} as Kernels;

function nope(): never {
  throw new Error('refKernels: only scoreTopK exists in the evaluation test reference');
}

/** Small-integer embeddings, so float32 dot products are exact and ties are real. */
export function intEmbeddings(n: number, d: number, rng: Rng, range = 5): Float32Array {
  const a = new Float32Array(n * d);
  for (let i = 0; i < a.length; i++) a[i] = rng.int(2 * range + 1) - range;
  return a;
}
