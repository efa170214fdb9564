// SGL's graph augmentations (Wu et al., SIGIR 2021; SGL-Torch `create_adj_mat`): a sub-graph of the training graph,
// renormalised with its own degrees, Â' = D'^-½ A' D'^-½.
//   ed (edge dropout): keep exactly ⌊|E|·(1−ρ)⌋ of the distinct training edges, chosen without replacement;
//   nd (node dropout): drop exactly ⌊U·ρ⌋ users and ⌊I·ρ⌋ items with all their edges;
//   rw ("random walk"): edge dropout drawn anew for every layer.
// Draws use Floyd's algorithm into a byte mask (O(dropped) draws, no per-edge allocation).
import type { Rng } from '../core/rng.js';
import type { CsrMatrix } from '../engine/kernels/types.js';
import { heap } from '../engine/memory.js';
import type { Dataset } from '../data/types.js';

export type Augmentation = 'ed' | 'nd' | 'rw';
export const AUGMENTATIONS: readonly Augmentation[] = ['ed', 'nd', 'rw'];

/** The distinct training edges, user-major and sorted within each user (duplicates in a row count once). */
export interface Edges {
  numUsers: number;
  numItems: number;
  users: Int32Array;
  items: Int32Array;
}

export function trainEdges(dataset: Pick<Dataset, 'numUsers' | 'numItems' | 'train'>): Edges {
  const { train, numUsers } = dataset;
  let n = 0;
  for (let u = 0; u < numUsers; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) if (train.indices[p] !== prev) {
      prev = train.indices[p];
      n++;
    }
  }
  const users = new Int32Array(n);
  const items = new Int32Array(n);
  let w = 0;
  for (let u = 0; u < numUsers; u++) {
    let prev = -1;
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (i === prev) continue;
      prev = i;
      users[w] = u;
      items[w++] = i;
    }
  }
  return { numUsers, numItems: dataset.numItems, users, items };
}

/** Marks exactly k distinct indices of [0, n) in `mask` (Floyd's algorithm: k draws whatever n is). */
export function markRandom(mask: Uint8Array, n: number, k: number, rng: Rng): void {
  if (k < 0 || k > n) throw new RangeError(`markRandom: k = ${k} outside 0..${n}`);
  for (let j = n - k; j < n; j++) {
    const t = rng.int(j + 1);
    if (mask[t]) mask[j] = 1;
    else mask[t] = 1;
  }
}

/** Keep mask (1 = kept) of the edges of one augmented view. */
export function keepMask(edges: Edges, aug: 'ed' | 'nd', ratio: number, rng: Rng): Uint8Array {
  const m = edges.users.length;
  const keep = new Uint8Array(m);
  if (aug === 'ed') {
    // SGL-Torch keeps int(|E|·(1−ρ)) edges: the drop count is the rest.
    const drop = m - Math.floor(m * (1 - ratio));
    const dropped = new Uint8Array(m);
    markRandom(dropped, m, drop, rng);
    for (let e = 0; e < m; e++) keep[e] = dropped[e] ^ 1;
    return keep;
  }
  const du = new Uint8Array(edges.numUsers);
  const di = new Uint8Array(edges.numItems);
  markRandom(du, edges.numUsers, Math.floor(edges.numUsers * ratio), rng);
  markRandom(di, edges.numItems, Math.floor(edges.numItems * ratio), rng);
  for (let e = 0; e < m; e++) keep[e] = du[edges.users[e]] || di[edges.items[e]] ? 0 : 1;
  return keep;
}

/** Â' of the kept edges over the stacked node set [users; items], on the engine heap (free with freeAdjacency). */
export function adjacencyOf(edges: Edges, keep: Uint8Array | null): CsrMatrix {
  const { numUsers: nu, numItems: ni, users, items } = edges;
  const n = nu + ni;
  const deg = new Float64Array(n);
  const m = users.length;
  for (let e = 0; e < m; e++) if (!keep || keep[e]) {
    deg[users[e]]++;
    deg[nu + items[e]]++;
  }
  const indptr = heap.allocI32(n + 1);
  for (let v = 0; v < n; v++) indptr[v + 1] = indptr[v] + deg[v];
  const nnz = indptr[n];
  const indices = heap.allocI32(nnz);
  const values = heap.allocF32(nnz);
  const inv = new Float64Array(n);
  for (let v = 0; v < n; v++) inv[v] = deg[v] > 0 ? 1 / Math.sqrt(deg[v]) : 0;
  const fill = new Int32Array(n);
  for (let v = 0; v < n; v++) fill[v] = indptr[v];
  // Edges are user-major with sorted items, so user rows come out sorted, and item rows get users in ascending order.
  for (let e = 0; e < m; e++) {
    if (keep && !keep[e]) continue;
    const u = users[e];
    const i = nu + items[e];
    const w = inv[u] * inv[i];
    const a = fill[u]++;
    indices[a] = i;
    values[a] = w;
    const b = fill[i]++;
    indices[b] = u;
    values[b] = w;
  }
  return { rows: n, cols: n, indptr, indices, values };
}

export function freeAdjacency(a: CsrMatrix): void {
  heap.free(a.indptr);
  heap.free(a.indices);
  heap.free(a.values as Float32Array);
}
