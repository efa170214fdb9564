// The plain-JS reference backend: straightforward loops, one thread. Every other backend is tested against it.
// Sums run in float64 (JS numbers) in a fixed order and are rounded to float32 once when stored.

import type { AdamHyper, CsrMatrix, Kernels } from './types.js';

function matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
  transA: boolean, transB: boolean, accumulate: boolean): void {
  // op(A)[i,p] = a[i*sai + p*sap]; op(B)[p,j] = b[p*sbp + j*sbj]
  const sai = transA ? 1 : k, sap = transA ? m : 1;
  const sbp = transB ? 1 : n, sbj = transB ? k : 1;
  if (!transB) {
    // i-p-j: the inner loop walks rows of B and C contiguously; a float64 row accumulator keeps precision.
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      if (accumulate) for (let j = 0; j < n; j++) acc[j] = c[ci + j];
      else acc.fill(0);
      for (let p = 0; p < k; p++) {
        const av = a[i * sai + p * sap];
        if (av === 0) continue;
        const bp = p * sbp;
        for (let j = 0; j < n; j++) acc[j] += av * b[bp + j];
      }
      for (let j = 0; j < n; j++) c[ci + j] = acc[j];
    }
  } else {
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let j = 0; j < n; j++) {
        let s = accumulate ? c[ci + j] : 0;
        const bj = j * sbj;
        for (let p = 0; p < k; p++) s += a[i * sai + p * sap] * b[bj + p * sbp];
        c[ci + j] = s;
      }
    }
  }
}

function spmm(s: CsrMatrix, x: Float32Array, d: number, y: Float32Array, accumulate: boolean): void {
  const { indptr, indices, values } = s;
  const acc = new Float64Array(d);
  for (let r = 0; r < s.rows; r++) {
    const yr = r * d;
    if (accumulate) for (let j = 0; j < d; j++) acc[j] = y[yr + j];
    else acc.fill(0);
    for (let e = indptr[r]; e < indptr[r + 1]; e++) {
      const v = values ? values[e] : 1;
      const xr = indices[e] * d;
      for (let j = 0; j < d; j++) acc[j] += v * x[xr + j];
    }
    for (let j = 0; j < d; j++) y[yr + j] = acc[j];
  }
}

function gatherRows(src: Float32Array, d: number, idx: Int32Array, out: Float32Array): void {
  const n = src.length / d;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`gatherRows: index ${i} out of range [0, ${n})`);
    const s = i * d, o = r * d;
    for (let j = 0; j < d; j++) out[o + j] = src[s + j];
  }
}

function scatterAddRows(rows: Float32Array, d: number, idx: Int32Array, target: Float32Array): void {
  const n = target.length / d;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`scatterAddRows: index ${i} out of range [0, ${n})`);
    const t = i * d, s = r * d;
    for (let j = 0; j < d; j++) target[t + j] += rows[s + j];
  }
}

function gatherMean(tables: readonly Float32Array[], d: number, idx: Int32Array, out: Float32Array): void {
  const L = tables.length, f = 1 / L;
  if (L < 1) throw new RangeError('gatherMean: no tables');
  let n = Infinity;
  for (const t of tables) n = Math.min(n, Math.floor(t.length / Math.max(d, 1)));
  const t0 = tables[0];
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`gatherMean: index ${i} out of range [0, ${n})`);
    const s = i * d, o = r * d;
    for (let j = 0; j < d; j++) {
      // meanOf's order: from t_0 (from +0 when L > 4), then each table in turn, in float64.
      let acc = L > 4 ? 0 + t0[s + j] : t0[s + j];
      for (let k = 1; k < L; k++) acc += tables[k][s + j];
      out[o + j] = acc * f;
    }
  }
}

function scatterAddScaled(rows: Float32Array, d: number, idx: Int32Array, f: number, target: Float32Array): void {
  const n = target.length / d;
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`scatterAddScaled: index ${i} out of range [0, ${n})`);
    const t = i * d, s = r * d;
    for (let j = 0; j < d; j++) target[t + j] += Math.fround(rows[s + j] * f);
  }
}

function scaleRowsF64(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array,
  accumulate: boolean): void {
  for (let i = 0; i < rows; i++) {
    const c = coef[i], o = i * d;
    if (accumulate) for (let j = 0; j < d; j++) out[o + j] += c * src[o + j];
    else for (let j = 0; j < d; j++) out[o + j] = c * src[o + j];
  }
}

// NGCF's fused passes: every operation rounded to f32 as the WASM kernels round it.
const f32 = Math.fround;

function ngcfPrep(side: Float32Array, e: Float32Array, rows: number, d: number, f: Float32Array | null,
  p: Float32Array): void {
  const n = rows * d;
  for (let i = 0; i < n; i++) {
    if (f) f[i] = side[i] + e[i];
    p[i] = side[i] * e[i];
  }
}

function ngcfAct(pre: Float32Array, bias: Float32Array, rows: number, d: number, bits: Uint32Array | null, cut: number,
  keep: number, slope: number, out: Float32Array, factor: Float32Array): void {
  const sl = f32(slope), kp = f32(keep);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    for (let j = 0; j < d; j++) {
      const z = f32(pre[o + j] + bias[j]);
      const a = z > 0 ? z : f32(z * sl);
      const g = z > 0 ? 1 : sl;
      if (bits) {
        const m = bits[o + j] < cut ? 0 : kp;
        out[o + j] = a * m;
        factor[o + j] = g * m;
      } else {
        out[o + j] = a;
        factor[o + j] = g;
      }
    }
  }
}

function ngcfGate(g: Float32Array, factor: Float32Array, rows: number, d: number, out: Float32Array): void {
  const n = rows * d;
  for (let i = 0; i < n; i++) out[i] = g[i] * factor[i];
}

function ngcfBack(gF: Float32Array, gP: Float32Array, side: Float32Array, e: Float32Array, rows: number, d: number,
  gSide: Float32Array, gE: Float32Array, addSelf: boolean): void {
  const n = rows * d;
  for (let i = 0; i < n; i++) {
    gSide[i] += f32(gF[i] + f32(gP[i] * e[i]));
    const t = f32(gP[i] * side[i]);
    gE[i] += addSelf ? f32(gF[i] + t) : t;
  }
}

function lseRowsScaled(x: Float32Array, rows: number, C: number, s: number, probs: Float32Array, stats: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * C;
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, Math.fround(x[o + j] * s));
    stats[2 * r] = m;
    if (!(m > -Infinity && m < Infinity)) {
      stats[2 * r + 1] = 0;
      probs.fill(0, o, o + C);
      continue;
    }
    let sum = 0;
    for (let j = 0; j < C; j++) {
      const e = Math.exp(Math.fround(x[o + j] * s) - m);
      probs[o + j] = e;
      sum += e;
    }
    stats[2 * r + 1] = sum;
    for (let j = 0; j < C; j++) probs[o + j] /= sum;
  }
}

function simgclNoise(x: Float32Array, bits: Uint32Array, rows: number, d: number, eps: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let c = 0; c < d; c++) {
      const u = bits[o + c] / 4294967296;
      s += u * u;
    }
    const f = eps / Math.max(Math.sqrt(s), 1e-12);
    for (let c = 0; c < d; c++) out[o + c] = Math.sign(x[o + c]) * (bits[o + c] / 4294967296) * f;
  }
}

/** float64 throughout (distances, Math.exp, the sum over j in order): the WASM kernel agrees to float rounding. */
function gaussRowSums(a: Float32Array, b: Float32Array, rows: number, cols: number, d: number, c: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      let q = 0;
      for (let t = 0; t < d; t++) {
        const v = a[r * d + t] - b[j * d + t];
        q += v * v;
      }
      s += Math.exp(-c * q);
    }
    out[2 * r] = s;
    out[2 * r + 1] = s - out[2 * r];
  }
}

/** ops.binaryEqual's loops, the reference of the WASM kernels (JS computes in float64 and rounds on the store). */
function ewBinary(kind: number, a: Float32Array, b: Float32Array, n: number, o: Float32Array): void {
  switch (kind) {
    case 0: for (let i = 0; i < n; i++) o[i] = a[i] + b[i]; break;
    case 1: for (let i = 0; i < n; i++) o[i] = a[i] - b[i]; break;
    case 2: for (let i = 0; i < n; i++) o[i] = a[i] * b[i]; break;
    case 3: for (let i = 0; i < n; i++) o[i] = a[i] / b[i]; break;
    default: throw new RangeError(`ewBinary: kind ${kind}`);
  }
}

function ewBinaryBack(kind: number, side: 0 | 1, g: Float32Array, p: Float32Array | null, q: Float32Array | null,
  t: Float32Array, n: number, accumulate: boolean): void {
  if (side === 0) {
    if (accumulate) {
      switch (kind) {
        case 0: case 1: for (let i = 0; i < n; i++) t[i] += g[i]; break;
        case 2: for (let i = 0; i < n; i++) t[i] += g[i] * q![i]; break;
        case 3: for (let i = 0; i < n; i++) t[i] += g[i] / q![i]; break;
      }
    } else {
      switch (kind) {
        case 0: case 1: t.set(g.subarray(0, n)); break;
        case 2: for (let i = 0; i < n; i++) t[i] = g[i] * q![i]; break;
        case 3: for (let i = 0; i < n; i++) t[i] = g[i] / q![i]; break;
      }
    }
    return;
  }
  // A fresh buffer starts from +0 so that a −g store equals the 0 − g of the accumulating form.
  if (!accumulate) t.fill(0, 0, n);
  switch (kind) {
    case 0: for (let i = 0; i < n; i++) t[i] += g[i]; break;
    case 1: for (let i = 0; i < n; i++) t[i] -= g[i]; break;
    case 2: for (let i = 0; i < n; i++) t[i] += g[i] * q![i]; break;
    case 3: for (let i = 0; i < n; i++) t[i] -= g[i] * p![i] / q![i]; break;
  }
}

/** ops.meanOf's loops: summed in float64 in list order (from +0 for 1 or more than 4 tables), rounded once. */
function meanRows(tables: readonly Float32Array[], len: number, y: Float32Array): void {
  const n = tables.length, f = 1 / n;
  if (n === 2) {
    const x0 = tables[0], x1 = tables[1];
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i]) * f;
  } else if (n === 3) {
    const x0 = tables[0], x1 = tables[1], x2 = tables[2];
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i] + x2[i]) * f;
  } else if (n === 4) {
    const x0 = tables[0], x1 = tables[1], x2 = tables[2], x3 = tables[3];
    for (let i = 0; i < len; i++) y[i] = (x0[i] + x1[i] + x2[i] + x3[i]) * f;
  } else {
    const acc = new Float64Array(len);
    for (const x of tables) for (let i = 0; i < len; i++) acc[i] += x[i];
    for (let i = 0; i < len; i++) y[i] = acc[i] * f;
  }
}

function axpy(src: Float32Array, f: number, n: number, out: Float32Array, accumulate: boolean): void {
  if (accumulate) for (let i = 0; i < n; i++) out[i] += src[i] * f;
  else for (let i = 0; i < n; i++) out[i] = src[i] * f;
}

function l2NormRows(x: Float32Array, R: number, C: number, eps: number, y: Float32Array, norms: Float64Array): void {
  for (let i = 0; i < R; i++) {
    const o = i * C;
    let s = 0;
    for (let j = 0; j < C; j++) s += x[o + j] * x[o + j];
    const nrm = Math.max(Math.sqrt(s), eps);
    norms[i] = nrm;
    for (let j = 0; j < C; j++) y[o + j] = x[o + j] / nrm;
  }
}

function l2NormRowsBack(y: Float32Array, g: Float32Array, norms: Float64Array, R: number, C: number, eps: number,
  ga: Float32Array): void {
  for (let i = 0; i < R; i++) {
    const o = i * C, nrm = norms[i];
    // Rows with no gradient (most rows of a table read by a few gathers) add nothing: skip them.
    let j0 = 0;
    while (j0 < C && g[o + j0] === 0) j0++;
    if (j0 === C) continue;
    if (nrm > eps) {
      // d(x/‖x‖) = (g − y·(y·g)) / ‖x‖
      let yg = 0;
      for (let j = 0; j < C; j++) yg += y[o + j] * g[o + j];
      for (let j = 0; j < C; j++) ga[o + j] += (g[o + j] - y[o + j] * yg) / nrm;
    } else {
      for (let j = 0; j < C; j++) ga[o + j] += g[o + j] / eps;
    }
  }
}

/** The engine ops' own loops (ops/unary.ts leakyRelu), the reference of the WASM kernels. */
function leakyRelu(x: Float32Array, n: number, slope: number, out: Float32Array): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = v > 0 ? v : slope * v;
  }
}

function leakyReluBack(x: Float32Array, g: Float32Array, n: number, slope: number, ga: Float32Array, accumulate: boolean): void {
  if (accumulate) for (let i = 0; i < n; i++) ga[i] += x[i] > 0 ? g[i] : slope * g[i];
  else for (let i = 0; i < n; i++) ga[i] = x[i] > 0 ? g[i] : slope * g[i];
}

function copyRows(src: Float32Array, srcStride: number, srcOff: number, dst: Float32Array, dstStride: number, dstOff: number,
  rows: number, width: number, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcStride + srcOff, d = r * dstStride + dstOff;
    if (accumulate) for (let j = 0; j < width; j++) dst[d + j] += src[s + j];
    else dst.set(src.subarray(s, s + width), d);
  }
}

function acceptRows(idx: Int32Array, n: number, g: Float32Array, d: number, slot: Int32Array, rows: Int32Array,
  vals: Float32Array, nRows: number): number {
  for (let r = 0; r < n; r++) {
    const row = idx[r];
    let s = slot[row];
    const src = r * d;
    if (s < 0) {
      s = nRows++;
      slot[row] = s;
      rows[s] = row;
      const dst = s * d;
      for (let j = 0; j < d; j++) vals[dst + j] = g[src + j];
    } else {
      const dst = s * d;
      for (let j = 0; j < d; j++) vals[dst + j] += g[src + j];
    }
  }
  return nRows;
}

/** The reference of the WASM kernel (assembly/kernels.ts `genScores`): float64, bias first, k in order. */
function genScores(P: Float32Array, Q: Float32Array, b: Float32Array, users: Int32Array, cands: Int32Array, N: number,
  C: number, d: number, out: Float64Array): void {
  for (let n = 0; n < N; n++) {
    const po = users[n] * d;
    for (let s = 0; s < C; s++) {
      const c = cands[n * C + s], qo = c * d;
      let z = b[c];
      for (let k = 0; k < d; k++) z += P[po + k] * Q[qo + k];
      out[n * C + s] = z;
    }
  }
}

/** The reference of the WASM kernel `genGrad` (see Kernels.genGrad). */
function genGrad(P: Float32Array, Q: Float32Array, users: Int32Array, rowOf: Int32Array, cands: Int32Array,
  dz: Float64Array, N: number, C: number, d: number, gP: Float64Array, gQ: Float64Array, gb: Float64Array,
  seen: Int32Array, touched: Int32Array, hq: Float32Array, hb: Float32Array): number {
  let nt = 0;
  for (let n = 0; n < N; n++) {
    const po = users[n] * d, r = rowOf[n] * d;
    for (let t = 0; t < C; t++) {
      const w = dz[n * C + t];
      if (w === 0) continue;
      const c = cands[n * C + t], qo = c * d;
      if (!seen[c]) {
        seen[c] = 1;
        touched[nt++] = c;
      }
      for (let j = 0; j < d; j++) {
        gP[r + j] += w * Q[qo + j];
        gQ[qo + j] += w * P[po + j];
      }
      gb[c] += w;
    }
  }
  for (let t = 0; t < nt; t++) {
    const c = touched[t], o = c * d;
    for (let j = 0; j < d; j++) hq[o + j] = gQ[o + j];
    gQ.fill(0, o, o + d);
    hb[c] = gb[c];
    gb[c] = 0;
    seen[c] = 0;
  }
  return nt;
}

/** Four float64 partial sums over p ≡ 0..3 (mod 4), combined as s0 + s1 + (s2 + s3) (the samplers' former loop). */
function groupDot(q: Float32Array, K: number, table: Float32Array, idx: Int32Array, R: number, M: number, d: number,
  out: Float32Array): void {
  const nt = Math.floor(table.length / Math.max(d, 1));
  for (let r = 0; r < R; r++) {
    const qo = Math.floor(r / K) * d;
    for (let m = 0; m < M; m++) {
      const t = idx[r * M + m];
      if (t < 0 || t >= nt) throw new RangeError(`groupDot: index ${t} at position ${r * M + m} out of range [0, ${nt})`);
      const to = t * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let p = 0;
      for (; p + 4 <= d; p += 4) {
        s0 += q[qo + p] * table[to + p];
        s1 += q[qo + p + 1] * table[to + p + 1];
        s2 += q[qo + p + 2] * table[to + p + 2];
        s3 += q[qo + p + 3] * table[to + p + 3];
      }
      for (; p < d; p++) s0 += q[qo + p] * table[to + p];
      out[r * M + m] = s0 + s1 + (s2 + s3);
    }
  }
}

function rowDot(a: Float32Array, b: Float32Array, rows: number, d: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * d;
    for (let j = 0; j < d; j++) s += a[o + j] * b[o + j];
    out[r] = s;
  }
}

function scoreTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
  mask: CsrMatrix | null, maskRowOffset: number, itemBias: Float32Array | null,
  outIdx: Int32Array, outScore: Float32Array): void {
  // A size-k min-heap (root = the worst kept item: lowest score, then highest id) per user.
  const hs = new Float32Array(k);
  const hi = new Int32Array(k);
  for (let u = 0; u < nu; u++) {
    let size = 0;
    let mp = 0, mEnd = 0;
    if (mask) {
      mp = mask.indptr[maskRowOffset + u];
      mEnd = mask.indptr[maskRowOffset + u + 1];
    }
    const uo = u * d;
    for (let i = 0; i < ni; i++) {
      if (mp < mEnd) {
        while (mp < mEnd && mask!.indices[mp] < i) mp++;
        if (mp < mEnd && mask!.indices[mp] === i) continue;
      }
      let s = 0;
      const io = i * d;
      for (let j = 0; j < d; j++) s += users[uo + j] * items[io + j];
      const sc = Math.fround(itemBias ? Math.fround(s) + itemBias[i] : s);
      if (size < k) {
        // sift up
        let c = size++;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (worse(sc, i, hs[p], hi[p])) {
            hs[c] = hs[p];
            hi[c] = hi[p];
            c = p;
          } else break;
        }
        hs[c] = sc;
        hi[c] = i;
      } else if (k > 0 && worse(hs[0], hi[0], sc, i)) {
        siftDown(hs, hi, size, sc, i);
      }
    }
    // Pop the heap into descending order: the worst goes last.
    const o = u * k;
    for (let r = size; r < k; r++) {
      outIdx[o + r] = -1;
      outScore[o + r] = -Infinity;
    }
    for (let r = size - 1; r >= 0; r--) {
      outIdx[o + r] = hi[0];
      outScore[o + r] = hs[0];
      const ls = hs[r], li = hi[r];
      if (r > 0) siftDown(hs, hi, r, ls, li);
    }
  }
}

/** (sa, ia) ranks below (sb, ib): lower score, or equal score and higher item id. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Places (s, i) at the root of a heap of `size` entries and sifts it down. */
function siftDown(hs: Float32Array, hi: Int32Array, size: number, s: number, i: number): void {
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(hs[r], hi[r], hs[l], hi[l]) ? r : l;
    if (worse(hs[m], hi[m], s, i)) {
      hs[c] = hs[m];
      hi[c] = hi[m];
      c = m;
    } else break;
  }
  hs[c] = s;
  hi[c] = i;
}

// PyTorch Adam: g += wd·p; m = β1 m + (1−β1) g; v = β2 v + (1−β2) g²;
// p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps). Moments are read back after their float32 store, as a
// float32 implementation sees them. The bias corrections are computed once per call, outside the loops.
function adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, h: AdamHyper): void {
  const b1 = h.beta1, b2 = h.beta2, eps = h.eps, wd = h.weightDecay;
  const stepSize = h.lr / (1 - Math.pow(b1, h.step));
  const bc2sqrt = Math.sqrt(1 - Math.pow(b2, h.step));
  for (let j = 0; j < n; j++) {
    let g = grad[j];
    if (wd !== 0) g += wd * param[j];
    m[j] = b1 * m[j] + (1 - b1) * g;
    v[j] = b2 * v[j] + (1 - b2) * g * g;
    param[j] -= stepSize * m[j] / (Math.sqrt(v[j]) / bc2sqrt + eps);
  }
}

function adamDense(param: Float32Array, vals: Float32Array, slot: Int32Array, d: number, m: Float32Array,
  v: Float32Array, h: AdamHyper): void {
  const b1 = h.beta1, b2 = h.beta2, eps = h.eps, wd = h.weightDecay;
  const stepSize = h.lr / (1 - Math.pow(b1, h.step));
  const bc2sqrt = Math.sqrt(1 - Math.pow(b2, h.step));
  const rows = Math.floor(param.length / d);
  for (let r = 0; r < rows; r++) {
    const s = slot[r], po = r * d, go = s * d;
    for (let j = 0; j < d; j++) {
      const pi = po + j;
      // As a zeroed dense buffer that received the row: 0 + value (a stored −0 becomes +0).
      let g = s >= 0 ? 0 + vals[go + j] : 0;
      if (wd !== 0) g += wd * param[pi];
      m[pi] = b1 * m[pi] + (1 - b1) * g;
      v[pi] = b2 * v[pi] + (1 - b2) * g * g;
      param[pi] -= stepSize * m[pi] / (Math.sqrt(v[pi]) / bc2sqrt + eps);
    }
  }
}

function adamRows(param: Float32Array, grad: Float32Array, rows: Int32Array, d: number,
  m: Float32Array, v: Float32Array, h: AdamHyper): void {
  const b1 = h.beta1, b2 = h.beta2, eps = h.eps, wd = h.weightDecay;
  const stepSize = h.lr / (1 - Math.pow(b1, h.step));
  const bc2sqrt = Math.sqrt(1 - Math.pow(b2, h.step));
  for (let r = 0; r < rows.length; r++) {
    const po = rows[r] * d, go = r * d;
    for (let j = 0; j < d; j++) {
      const pi = po + j;
      let g = grad[go + j];
      if (wd !== 0) g += wd * param[pi];
      m[pi] = b1 * m[pi] + (1 - b1) * g;
      v[pi] = b2 * v[pi] + (1 - b2) * g * g;
      param[pi] -= stepSize * m[pi] / (Math.sqrt(v[pi]) / bc2sqrt + eps);
    }
  }
}

export const jsKernels: Kernels = {
  name: 'js',
  threads: 1,
  matmul,
  spmm,
  gatherRows,
  scatterAddRows,
  rowDot,
  groupDot,
  gatherMean,
  scatterAddScaled,
  scaleRowsF64,
  ngcfPrep,
  ngcfAct,
  ngcfGate,
  ngcfBack,
  lseRowsScaled,
  simgclNoise,
  gaussRowSums,
  genScores,
  genGrad,
  ewBinary,
  ewBinaryBack,
  meanRows,
  axpy,
  l2NormRows,
  l2NormRowsBack,
  leakyRelu,
  leakyReluBack,
  copyRows,
  acceptRows,
  scoreTopK,
  adam,
  adamDense,
  adamRows,
};
