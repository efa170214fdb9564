// Parameters: persistent trainable tensors (never freed by tidy), with an optional row-sparse gradient.
//
// A `sparse` Parameter (an embedding table) receives the grads of `gatherRows` as rows: the touched row ids in order
// of first appearance and one merged d-row of values per id, so a lazy optimiser updates only those rows. Any
// dense contribution (a graph propagation over the whole table, a matmul, ...) turns the grad dense: the pending
// rows are scattered into the dense buffer and later row grads add into it too. All buffers are allocated once
// (the row buffers grow geometrically) and reused across steps.

import { heap } from './memory.js';
import { acceptRows } from './kernels/index.js';
import { Tensor, shapeSize, type GradTarget, type Shape } from './tensor.js';

export interface ParameterOptions {
  name?: string;
  /** Keep gradients that arrive through gatherRows row-sparse (for lazy optimisers). Default false. */
  sparse?: boolean;
  /** Initial values (copied); zeros otherwise. */
  data?: ArrayLike<number>;
}

let unnamed = 0;

export interface RowGrad {
  /** Unique row ids, in order of first appearance. */
  rows: Int32Array;
  /** One d-row per entry of `rows`. */
  values: Float32Array;
}

export class Parameter extends Tensor {
  readonly name: string;
  readonly sparse: boolean;
  /** Dense grad storage, allocated on first use and reused; `grad` points at it while a dense grad is held. */
  private gradBuf: Float32Array | null = null;
  // Row-sparse grad state: slot[row] = position in sRows, or −1.
  private slot: Int32Array | null = null;
  private sRows: Int32Array | null = null;
  private sVals: Float32Array | null = null;
  private nRows = 0;
  private rowGradView: RowGrad | null = null;

  constructor(shape: Shape, opts: ParameterOptions = {}) {
    super(heap.allocF32(shapeSize(shape)), shape, true, false);
    this.name = opts.name ?? `param${unnamed++}`;
    this.sparse = opts.sparse ?? false;
    if (opts.data) {
      if (opts.data.length !== this.size) {
        throw new Error(`Parameter ${this.name}: ${opts.data.length} initial values for shape [${shape.join(', ')}]`);
      }
      this.data.set(opts.data);
    }
  }

  /** Overwrites the values (e.g. from a checkpoint). */
  copyFrom(values: ArrayLike<number>): void {
    if (values.length !== this.size) throw new Error(`Parameter ${this.name}: copyFrom got ${values.length} values, expected ${this.size}`);
    this.data.set(values);
  }

  /** The row-sparse grad, or null when there is none or the grad is dense. */
  get rowGrad(): RowGrad | null {
    if (this.nRows === 0 || this.grad !== null) return null;
    const d = this.cols;
    if (!this.rowGradView || this.rowGradView.rows.length !== this.nRows || this.rowGradView.rows.buffer !== this.sRows!.buffer
      || this.rowGradView.rows.byteOffset !== this.sRows!.byteOffset) {
      this.rowGradView = { rows: this.sRows!.subarray(0, this.nRows), values: this.sVals!.subarray(0, this.nRows * d) };
    }
    return this.rowGradView;
  }

  /**
   * While a row-sparse grad is held (rowGrad non-null): slot[t] = the position of table row t in rowGrad.rows, or −1
   * (on the heap, so the fused dense Adam reads it in place). Null otherwise.
   */
  get rowSlots(): Int32Array | null {
    return this.rowGrad ? this.slot : null;
  }

  override hasGrad(): boolean {
    return this.grad !== null || this.nRows > 0;
  }

  /** Dense grad buffer to accumulate into; converts a pending row-sparse grad to dense. */
  override _gradBuffer(): Float32Array {
    if (this.grad) return this.grad;
    if (!this.gradBuf) this.gradBuf = heap.allocF32(this.size);
    // The kept buffer holds the last step's values (zeroGrad only lets go of it): clear it on first use, so a
    // backward that overwrites it entirely (_gradTarget) never pays for the clear.
    else heap.zero(this.gradBuf);
    this.grad = this.gradBuf;
    if (this.nRows > 0) {
      const d = this.cols;
      const g = this.grad, rows = this.sRows!, vals = this.sVals!;
      for (let k = 0; k < this.nRows; k++) {
        const dst = rows[k] * d, src = k * d;
        for (let j = 0; j < d; j++) g[dst + j] += vals[src + j];
      }
      this.clearRows();
    }
    return this.grad;
  }

  override _gradTarget(): GradTarget {
    if (this.grad || this.nRows > 0) return { buf: this._gradBuffer(), accumulate: true };
    if (!this.gradBuf) this.gradBuf = heap.allocF32Uninit(this.size);
    this.grad = this.gradBuf;
    return { buf: this.grad, accumulate: false };
  }

  /** The whole gradient as a dense buffer (densifying a row-sparse one), or null when there is none. */
  denseGrad(): Float32Array | null {
    return this.hasGrad() ? this._gradBuffer() : null;
  }

  override _acceptRowGrad(idx: Int32Array, g: Float32Array, d: number): boolean {
    if (!this.sparse || this.grad !== null) return false;
    if (d !== this.cols) throw new Error(`Parameter ${this.name}: row grad width ${d} != ${this.cols}`);
    if (!this.slot) this.slot = heap.allocI32(this.rows).fill(-1);
    const slot = this.slot;
    this.reserveRows(this.nRows + idx.length);
    const nTable = this.rows;
    // Checked before anything is accumulated, so a bad index leaves the gradient as it was.
    for (let r = 0; r < idx.length; r++) {
      const row = idx[r];
      if (!(row >= 0 && row < nTable)) throw new RangeError(`Parameter ${this.name}: row ${row} out of range [0, ${nTable})`);
    }
    // Kernel acceptRows (one thread: slots follow the order of idx), bit for bit the JS loop of kernels/js.ts.
    this.nRows = acceptRows(idx, idx.length, g, d, slot, this.sRows!, this.sVals!, this.nRows);
    this.rowGradView = null;
    return true;
  }

  /** Clears the gradient (dense and row-sparse); buffers are kept for the next step. */
  zeroGrad(): void {
    // The dense buffer is kept as it is and cleared when next taken (_gradBuffer) or overwritten (_gradTarget).
    this.grad = null;
    this.clearRows();
  }

  override freeGrad(): void {
    // Parameters are leaves: backward never frees their grad; dispose() frees the buffers.
  }

  override dispose(): void {
    if (this.disposed) return;
    this.grad = null;
    if (this.gradBuf) heap.free(this.gradBuf);
    if (this.sRows) heap.free(this.sRows);
    if (this.sVals) heap.free(this.sVals);
    if (this.slot) heap.free(this.slot);
    this.gradBuf = this.sRows = this.sVals = null;
    this.slot = null;
    this.nRows = 0;
    super.dispose();
  }

  private clearRows(): void {
    if (this.nRows === 0) return;
    const slot = this.slot!, rows = this.sRows!;
    for (let k = 0; k < this.nRows; k++) slot[rows[k]] = -1;
    this.nRows = 0;
    this.rowGradView = null;
  }

  private reserveRows(n: number): void {
    const cap = this.sRows ? this.sRows.length : 0;
    if (n <= cap) return;
    const newCap = Math.min(this.rows, Math.max(n, cap * 2, 64));
    const d = this.cols;
    // Uninitialised: every slot below nRows is copied or written before it is read.
    const rows = heap.allocI32Uninit(newCap);
    const vals = heap.allocF32Uninit(newCap * d);
    if (this.sRows) {
      rows.set(this.sRows.subarray(0, this.nRows));
      vals.set(this.sVals!.subarray(0, this.nRows * d));
      heap.free(this.sRows);
      heap.free(this.sVals!);
    }
    this.sRows = rows;
    this.sVals = vals;
    this.rowGradView = null;
  }
}
