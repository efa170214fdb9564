// Row gathers and scatters by index (gatherRows, gatherMean, scatterAddRows) and by mask (maskedSelect).
// gatherRows hands a sparse Parameter its grad as rows (row-sparse grads for lazy optimisers).

import { heap } from '../memory.js';
import { gatherMean as gatherMeanKernel, kernels, scatterAddScaled } from '../kernels/index.js';
import { Parameter } from '../param.js';
import { Tensor, isGradEnabled, shapeStr } from '../tensor.js';
import { checkIdx, empty, heapIdx, live, recordOp } from './record.js';

/**
 * Rows `idx` of t ([n×d] → [len×d]; a 1-D [n] gives [len]). Repeated indices are allowed; their grads add up.
 * A sparse Parameter keeps the grad row-sparse.
 */
export function gatherRows(t: Tensor, idx: Int32Array): Tensor {
  live(t, 'gatherRows');
  checkIdx(idx, t.rows, 'gatherRows');
  const d = t.cols, n = idx.length;
  const out = empty(t.shape.length === 1 ? [n] : [n, d]);
  const hidx = heapIdx(idx, out);
  kernels().gatherRows(t.data, d, hidx, out.data);
  return recordOp(out, [t], (g) => {
    if (!t._acceptRowGrad(hidx, g, d)) kernels().scatterAddRows(g, d, hidx, t._gradBuffer());
  });
}

/**
 * A zero-size stand-in for one table's gathered rows in gatherMean's graph: gatherMean's output has one relay per
 * table as parents, each relay has its table as parent, so backward visits them exactly where it visited
 * meanOf(gatherRows(t_k, idx), …)'s gather nodes, and every table's grad sums its contributions in the same order.
 * Its grad is the pooled output's grad (shared, not owned), so it has nothing to free.
 */
class GatherRelay extends Tensor {
  constructor() {
    super(new Float32Array(0), [0], true, false);
  }

  override freeGrad(): void {
    this.grad = null;
  }
}

/**
 * Mean of the rows `idx` of equally shaped tables ([n×d] each) → [len×d]: bit for bit
 * meanOf(tables.map((t) => gatherRows(t, idx))) — same float64 sums, same gradients added to each table in the same
 * order — without materialising the gathered rows (one pass forward; backward scatters g·(1/L) straight into each
 * table's grad). Graph encoders' mean pooling of batch rows.
 */
export function gatherMean(tables: readonly Tensor[], idx: Int32Array): Tensor {
  const L = tables.length;
  if (L === 0) throw new Error('gatherMean: no tables');
  const t0 = tables[0];
  for (const t of tables) {
    live(t, 'gatherMean');
    if (t.shape.length !== 2 || t.rows !== t0.rows || t.cols !== t0.cols) {
      throw new Error(`gatherMean: tables must share one [n, d] shape, got ${tables.map((x) => shapeStr(x.shape)).join(', ')}`);
    }
  }
  if (L === 1) return gatherRows(t0, idx); // meanOf of one list entry is not taken by the pooling either
  checkIdx(idx, t0.rows, 'gatherMean');
  const d = t0.cols, n = idx.length, f = 1 / L;
  const out = empty([n, d]);
  const hidx = heapIdx(idx, out);
  gatherMeanKernel(tables.map((t) => t.data), d, hidx, out.data);
  if (!isGradEnabled()) return out;
  const relays: GatherRelay[] = [];
  // out's grad, handed on to the relays by out's backward step; the last relay to run frees it (unless retained).
  let pending = 0;
  let owned = false;
  for (const t of tables) {
    if (!t.requiresGrad) continue;
    const relay = new GatherRelay();
    recordOp(relay, [t], (g) => {
      if (t instanceof Parameter && t.sparse) {
        // A lazy-optimiser table keeps row grads: hand it the rows meanOf's backward would have stored.
        const rows = heap.allocF32Uninit(n * d);
        for (let i = 0; i < rows.length; i++) rows[i] = g[i] * f;
        if (!t._acceptRowGrad(hidx, rows, d)) kernels().scatterAddRows(rows, d, hidx, t._gradBuffer());
        heap.free(rows);
      } else {
        scatterAddScaled(g, d, hidx, f, t._gradBuffer());
      }
      if (--pending === 0 && owned) heap.free(g);
    });
    relays.push(relay);
  }
  // No relay (no table requires grad): recordOp leaves out off the graph.
  return recordOp(out, relays, (g) => {
    // Taken from out (whose step would free it before the relays run) unless the caller retains it.
    owned = !out.retainGrad;
    if (owned) out.grad = null;
    pending = relays.length;
    for (const r of relays) r.grad = g;
  });
}

/** out[numRows×d] with out[idx[r]] += t[r] (rows in increasing r) — the adjoint of gatherRows. */
export function scatterAddRows(t: Tensor, idx: Int32Array, numRows: number): Tensor {
  live(t, 'scatterAddRows');
  if (idx.length !== t.rows) throw new Error(`scatterAddRows: ${idx.length} indices for ${t.rows} rows`);
  if (!Number.isInteger(numRows) || numRows < 0) throw new Error(`scatterAddRows: bad numRows ${numRows}`);
  checkIdx(idx, numRows, 'scatterAddRows');
  const d = t.cols;
  // Zeroed: the kernel adds into it.
  const out = Tensor.zeros(t.shape.length === 1 ? [numRows] : [numRows, d]);
  const hidx = heapIdx(idx, out);
  kernels().scatterAddRows(t.data, d, hidx, out.data);
  return recordOp(out, [t], (g) => {
    const tmp = heap.allocF32(t.size);
    kernels().gatherRows(g, d, hidx, tmp);
    const gt = t._gradBuffer();
    for (let i = 0; i < tmp.length; i++) gt[i] += tmp[i];
    heap.free(tmp);
  });
}


/** Entries of a where mask ≠ 0 (row-major order) → 1-D. */
export function maskedSelect(a: Tensor, mask: Uint8Array): Tensor {
  live(a, 'maskedSelect');
  if (mask.length !== a.size) throw new Error(`maskedSelect: mask has ${mask.length} entries, tensor ${shapeStr(a.shape)} has ${a.size}`);
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) count++;
  const pos = new Int32Array(count);
  for (let i = 0, w = 0; i < mask.length; i++) if (mask[i] !== 0) pos[w++] = i;
  const out = empty([count]);
  const x = a.data, y = out.data;
  for (let k = 0; k < count; k++) y[k] = x[pos[k]];
  return recordOp(out, [a], (g) => {
    const ga = a._gradBuffer();
    for (let k = 0; k < count; k++) ga[pos[k]] += g[k];
  });
}
