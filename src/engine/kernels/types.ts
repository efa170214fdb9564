// The backend seam: every hot numeric loop of the engine goes through one `Kernels` object.
// `js` (plain loops, the reference) and `wasm` (WebAssembly SIMD on a worker pool over the shared heap) implement
// it; a GPU backend would be a third. All arrays are row-major. Implementations must give bit-identical results
// whatever the thread count: work is split by output rows, and any reduction runs in a fixed order.

import type { CsrMatrix } from '../../core/csr.js';

export type { CsrMatrix };

export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count used for bias correction. */
  step: number;
}

export interface Kernels {
  readonly name: string;
  /** Worker threads + the calling thread used by kernels (1 for `js`). */
  readonly threads: number;

  /** C[m×n] (+)= op(A)·op(B); op(A) is m×k, op(B) is k×n; transA/transB read A/B transposed. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean): void;

  /** Y[rows×d] (+)= S·X with S a CSR matrix (rows×cols) and X cols×d. */
  spmm(s: CsrMatrix, x: Float32Array, d: number, y: Float32Array, accumulate: boolean): void;

  /** out[r×d] = src[idx[r]×d]. */
  gatherRows(src: Float32Array, d: number, idx: Int32Array, out: Float32Array): void;

  /** target[idx[r]] += rows[r] for every r, in increasing r (deterministic even with repeated indices). */
  scatterAddRows(rows: Float32Array, d: number, idx: Int32Array, target: Float32Array): void;

  /** out[r] = Σ_d a[r,d]·b[r,d]. */
  rowDot(a: Float32Array, b: Float32Array, rows: number, d: number, out: Float32Array): void;

  /**
   * Scores of query rows against groups of M table rows picked by index (no gather):
   * out[r·M + m] = Σ_p q[⌊r/K⌋, p] · table[idx[r·M + m], p] for r < R (q has ⌈R/K⌉ rows of d; table rows of d).
   * Optional in the seam (added later): callers use `groupDot()` from kernels/index.ts, which falls back to js.
   */
  groupDot?(q: Float32Array, K: number, table: Float32Array, idx: Int32Array, R: number, M: number, d: number,
    out: Float32Array): void;

  /**
   * Mean pooling of gathered rows (optional, like groupDot; call `gatherMean()` of kernels/index.ts):
   * out[r] = f32((t_0[idx[r]] + … + t_{L−1}[idx[r]]) · (1/L)), summed in float64 in table order (from +0 when L > 4)
   * and rounded once — bit for bit ops.meanOf over gatherRows of each table.
   */
  gatherMean?(tables: readonly Float32Array[], d: number, idx: Int32Array, out: Float32Array): void;

  /**
   * target[idx[r]] += f32(rows[r]·f) (the product in float64, rounded to f32, then added in f32) in increasing r —
   * bit for bit a stored meanOf gradient scattered by scatterAddRows. Optional (`scatterAddScaled()` of index.ts).
   */
  scatterAddScaled?(rows: Float32Array, d: number, idx: Int32Array, f: number, target: Float32Array): void;

  /**
   * out[r] = f32((accumulate ? out[r] : 0) + coef[r]·src[r]) with the product and sum in float64 (a JS loop's
   * numbers; ops.rowDot's backward). Optional (`scaleRowsF64()` of index.ts).
   */
  scaleRowsF64?(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array, accumulate: boolean): void;

  /**
   * NGCF's fused element-wise passes over rows×d arrays (encoders/ngcfLayer.ts), optional (`ngcfKernels()` of
   * kernels/index.ts falls back to the JS reference). Plain f32 arithmetic per element (no FMA), so every backend
   * and build gives the same bits. ngcfPrep: P = side⊙e and, when F is given, F = side + e.
   */
  ngcfPrep?(side: Float32Array, e: Float32Array, rows: number, d: number, f: Float32Array | null, p: Float32Array): void;
  /**
   * z = pre + bias (a d-row); out = (z > 0 ? z : slope·z)·m and factor = (z > 0 ? 1 : slope)·m, where m = 0 when
   * bits[i] < cut (dropout; `bits` on the heap), `keep` otherwise, and m = 1 without bits. slope and keep are f32.
   */
  ngcfAct?(pre: Float32Array, bias: Float32Array, rows: number, d: number, bits: Uint32Array | null, cut: number,
    keep: number, slope: number, out: Float32Array, factor: Float32Array): void;
  /** out = g ⊙ factor. */
  ngcfGate?(g: Float32Array, factor: Float32Array, rows: number, d: number, out: Float32Array): void;
  /** gSide += gF + gP⊙e; gE += gP⊙side (+ gF when addSelf). */
  ngcfBack?(gF: Float32Array, gP: Float32Array, side: Float32Array, e: Float32Array, rows: number, d: number,
    gSide: Float32Array, gE: Float32Array, addSelf: boolean): void;

  /**
   * Softmax statistics of x·s per row (x rows×C), optional (`lseRowsScaled()` of kernels/index.ts falls back to the
   * JS reference): probs[r] = softmax(x[r]·s), stats[2r] = max_j x[r,j]·s, stats[2r+1] = Σ_j exp(x[r,j]·s − max),
   * so lse = max + log(sum). A row whose max is not finite gets sum 0 and probs 0. The WASM kernel's exp is a f32
   * polynomial (≈ 1 ulp), the JS reference's Math.exp: they agree to float rounding, not bit for bit.
   */
  lseRowsScaled?(x: Float32Array, rows: number, C: number, s: number, probs: Float32Array, stats: Float32Array): void;
  /**
   * SimGCL's per-row noise: u = bits/2³², out = f32(sign(x)·u·eps/max(‖u‖, 1e-12)) in float64, bit for bit in
   * every backend (optional; `simgclNoise()` of kernels/index.ts). `bits` on the heap for WASM.
   */
  simgclNoise?(x: Float32Array, bits: Uint32Array, rows: number, d: number, eps: number, out: Float32Array): void;
  /**
   * Gaussian-kernel row sums S_r = Σ_j exp(−c·‖a_r − b_j‖²) for a rows×d and b cols×d, written as two floats per row
   * (out[2r] + out[2r+1] = S_r to ≈ 2⁻⁴⁸ relative); optional (`gaussRowSums()` of kernels/index.ts). The WASM backend
   * forms the distances through the Gram matrix in f32 (exponentials f32, sums float64), the JS reference directly in
   * float64: they agree to float rounding, each backend bit-identical across thread counts.
   */
  gaussRowSums?(a: Float32Array, b: Float32Array, rows: number, cols: number, d: number, c: number, out: Float32Array): void;
  /**
   * A generator MF's candidate logits (RNS-AS): out[n·C + s] = b[c] + Σ_k P[u, k]·Q[c, k] with u = users[n],
   * c = cands[n·C + s], one sequential float64 sum over k starting from the bias; bit for bit in every backend
   * (optional; `genScores()` of kernels/index.ts).
   */
  /**
   * Element-wise engine ops, bit for bit their JS loops (optional; `leakyReluRows()` etc. of kernels/index.ts):
   * out[i] = x[i] > 0 ? x[i] : f32(slope·x[i]) over n elements; its backward ga[i] (+)= x[i] > 0 ? g[i] : slope·g[i]
   * (float64, rounded once); strided row copies dst[r·dstStride + dstOff + j] (+)= src[r·srcStride + srcOff + j];
   * and a row-sparse gradient's accumulation (Parameter._acceptRowGrad: slots in the order of idx, indices checked by
   * the caller; returns the new row count).
   */
  /**
   * ops.binaryEqual, ops.meanOf and ops.l2NormalizeRows, bit for bit their JS loops (optional; `ewBinary()` etc.
   * of kernels/index.ts). ewBinary: out = a ∘ b (kind 0 +, 1 −, 2 ×, 3 ÷). ewBinaryBack into the left operand
   * (side 0: t (+)= g | g | g·q | g/q, q = b) or the right one (side 1: t = (acc ? t : +0) + g | − g | + g·q | − g·p/q,
   * q = a for ×, p = out and q = b for ÷), float64 rounded once. meanRows: out = f32((t_0 + … + t_{L−1})·(1/L)) in
   * float64, from +0 when L is 1 or above 4 (meanOf's loops). axpy: out = f32([out +] src·f) in float64. l2NormRows:
   * y = x / max(‖x‖, eps) per row, norms kept; l2NormRowsBack: ga += (g − y·(y·g)) / n, rows with g = 0 skipped.
   */
  ewBinary?(kind: number, a: Float32Array, b: Float32Array, n: number, out: Float32Array): void;
  ewBinaryBack?(kind: number, side: 0 | 1, g: Float32Array, p: Float32Array | null, q: Float32Array | null, t: Float32Array,
    n: number, accumulate: boolean): void;
  meanRows?(tables: readonly Float32Array[], n: number, out: Float32Array): void;
  axpy?(src: Float32Array, f: number, n: number, out: Float32Array, accumulate: boolean): void;
  l2NormRows?(x: Float32Array, R: number, C: number, eps: number, y: Float32Array, norms: Float64Array): void;
  l2NormRowsBack?(y: Float32Array, g: Float32Array, norms: Float64Array, R: number, C: number, eps: number, ga: Float32Array): void;
  leakyRelu?(x: Float32Array, n: number, slope: number, out: Float32Array): void;
  leakyReluBack?(x: Float32Array, g: Float32Array, n: number, slope: number, ga: Float32Array, accumulate: boolean): void;
  copyRows?(src: Float32Array, srcStride: number, srcOff: number, dst: Float32Array, dstStride: number, dstOff: number,
    rows: number, width: number, accumulate: boolean): void;
  acceptRows?(idx: Int32Array, n: number, g: Float32Array, d: number, slot: Int32Array, rows: Int32Array, vals: Float32Array,
    nRows: number): number;
  genScores?(P: Float32Array, Q: Float32Array, b: Float32Array, users: Int32Array, cands: Int32Array, N: number, C: number,
    d: number, out: Float64Array): void;
  /**
   * The REINFORCE scatter of logit gradients dz [N × C] onto a generator MF, pairs then slots in order, zero weights
   * skipped: gP[rowOf[n]] += w·Q[c], gQ[c] += w·P[users[n]], gb[c] += w in float64; gQ, gb (float64) and seen (one
   * int per item) are scratch, zero on entry and left zero; each touched item is listed once in `touched` and its
   * rows written to hq / hb as float32 (other entries untouched). Returns the number of touched items. Bit for bit in
   * every backend (optional; `genGrad()` of kernels/index.ts; the WASM backend needs gQ, gb, seen on the heap).
   */
  genGrad?(P: Float32Array, Q: Float32Array, users: Int32Array, rowOf: Int32Array, cands: Int32Array, dz: Float64Array,
    N: number, C: number, d: number, gP: Float64Array, gQ: Float64Array, gb: Float64Array, seen: Int32Array,
    touched: Int32Array, hq: Float32Array, hb: Float32Array): number;

  /**
   * For each of `nu` user rows: scores = users[u]·itemsᵀ (+ itemBias), masked items (CSR row u of `mask`, whose
   * row index is `maskRowOffset + u`) set to −∞, then the top k by score, ties broken by lower item id.
   * Writes outIdx[u×k], outScore[u×k] in descending order (−1 / −∞ when fewer than k items remain).
   * `packed`: `packScoreItems`' panels of these same items, so a call need not pack them again (a server's
   * many single-user calls); kernels without packing ignore it.
   */
  scoreTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
    mask: CsrMatrix | null, maskRowOffset: number, itemBias: Float32Array | null,
    outIdx: Int32Array, outScore: Float32Array, packed?: Float32Array | null): void;

  /**
   * The item rows as scoreTopK packs them (panels of 8 items), on the heap, for later calls' `packed`; null
   * when these kernels do not pack. Optional. The caller frees it (heap.free) and must not change `items` while
   * it uses the panels.
   */
  packScoreItems?(items: Float32Array, ni: number, d: number): Float32Array | null;

  /** Dense Adam (PyTorch semantics, L2 weight decay added to the gradient) over n numbers. */
  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, h: AdamHyper): void;

  /**
   * Dense Adam over a table of d columns whose gradient is row-sparse: row t's gradient is vals[slot[t]·d …] when
   * slot[t] ≥ 0, zero otherwise — bit for bit `adam` over that gradient densified into a zeroed buffer, in one pass.
   * Optional (`adamDense()` of kernels/index.ts falls back to the JS reference).
   */
  adamDense?(param: Float32Array, vals: Float32Array, slot: Int32Array, d: number, m: Float32Array, v: Float32Array,
    h: AdamHyper): void;

  /**
   * Lazy (sparse) Adam on the rows `rows` (unique) of a table with d columns; `grad` holds one d-row per entry of
   * `rows`, in that order. Untouched rows keep their moments (PyTorch SparseAdam semantics).
   */
  adamRows(param: Float32Array, grad: Float32Array, rows: Int32Array, d: number,
    m: Float32Array, v: Float32Array, h: AdamHyper): void;
}
