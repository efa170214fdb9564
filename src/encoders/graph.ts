// The normalised user–item adjacency of graph encoders: Â = D^-½ A D^-½ of the bipartite graph over the stacked
// node set [users 0..U−1; items U..U+I−1], built from the TRAINING interactions only, without self-loops.
// Â is symmetric, so it is its own transpose for the backward pass of spmm.
import { heap } from '../engine/memory.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import type { Dataset } from '../data/types.js';

/**
 * Builds Â as a (U+I)×(U+I) CSR matrix on the engine heap (so kernels address it in place). Duplicate
 * (user, item) entries in the training CSR count once. Nodes without edges get empty rows.
 */
export function normalizedAdjacency(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>): CsrMatrix {
  const { numUsers: nu, numItems: ni, train } = dataset;
  if (train.rows !== nu) throw new Error(`graph: train has ${train.rows} rows but the dataset has ${nu} users`);
  const n = nu + ni;
  // Degrees with duplicates (adjacent in a sorted row) skipped.
  const deg = new Float64Array(n);
  for (let u = 0; u < nu; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (i === prev) continue;
      if (i < 0 || i >= ni) throw new Error(`graph: train has item ${i} for user ${u}, outside 0..${ni - 1}`);
      if (i < prev) throw new Error(`graph: train row ${u} is not sorted (item ${i} after ${prev})`);
      prev = i;
      deg[u]++;
      deg[nu + i]++;
    }
  }
  const indptr = heap.allocI32(n + 1);
  for (let v = 0; v < n; v++) indptr[v + 1] = indptr[v] + deg[v];
  const nnz = indptr[n];
  const indices = heap.allocI32(nnz);
  const values = heap.allocF32(nnz);
  const invSqrt = new Float64Array(n);
  for (let v = 0; v < n; v++) invSqrt[v] = deg[v] > 0 ? 1 / Math.sqrt(deg[v]) : 0;
  // User rows: items in ascending order (offset by U). Item rows are filled in ascending user order, which is
  // the order users are visited, so every row ends up sorted.
  const fill = new Int32Array(n);
  for (let v = 0; v < n; v++) fill[v] = indptr[v];
  for (let u = 0; u < nu; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (i === prev) continue;
      prev = i;
      const w = invSqrt[u] * invSqrt[nu + i];
      const a = fill[u]++;
      indices[a] = nu + i;
      values[a] = w;
      const b = fill[nu + i]++;
      indices[b] = u;
      values[b] = w;
    }
  }
  return { rows: n, cols: n, indptr, indices, values };
}
