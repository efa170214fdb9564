// Compressed sparse rows: the one sparse layout both the engine (spmm, masked top-K) and the data layer
// (interaction sets) use. A neutral leaf so that neither has to import the other.
/** Compressed sparse rows; `indices` sorted within each row; `values` absent means all ones. */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array; // length rows + 1
  readonly indices: Int32Array; // length nnz
  readonly values?: Float32Array; // length nnz
}
