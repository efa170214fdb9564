// WebAssembly SIMD kernels of the hardneg engine (AssemblyScript, `--runtime stub`, imported shared memory).
//
// Conventions (the JS side, src/engine/kernels/wasm.ts, relies on them):
// - Pointers are byte offsets into the shared heap (src/engine/memory.ts); 0 means "absent" (the heap starts at
//   1 MiB, so no array lives at 0). Sizes and strides are in elements unless named *Bytes.
// - Every exported kernel ends with (start, end, tid): it does the slice [start, end) of its output rows (or of
//   the unit the JS side documents) and may use the scratch slot of thread `tid`. A row's numbers never depend
//   on the slice it falls in, so results are bit-identical for any thread count.
// - No allocation: scratch memory is passed in by the caller.
// - Summation orders (documented because the JS reference may sum in another order):
//   matmul / scoring / spmm: each output element is one sequential f32 sum over the reduction index, starting at
//   0, in increasing order (c = Σ_p a_p·b_p; accumulate adds the old value last: c_old + Σ). In the plain SIMD build
//   (kernels.wasm) there is no FMA, so SIMD lanes and scalar tails round identically. The FMA build
//   (kernels-fma.wasm, `--enable relaxed-simd`, ASC_FEATURE_RELAXED_SIMD) computes each SIMD step as one fused
//   multiply-add (`madd` below: f32x4.relaxed_madd), which rounds once instead of twice, so its numbers differ from
//   the plain build's in the last bits; scalar tails stay unfused. Which path an output element takes depends only
//   on its position (column, candidate), never on the thread split, so both builds are bit-identical across thread
//   counts. Adam, gathers and the float64 kernels are the same in both builds.
//   rowDot: four lane sums over p ≡ 0,1,2,3 (mod 4) for p < d & ~3, then (l0 + l1) + (l2 + l3), then the tail
//   p ≥ d & ~3 added in order.

const NEG_INF: f32 = -Infinity;

/** c + a·b per lane: fused (one rounding) in the FMA build, mul then add in the plain SIMD build. */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** 1 in the FMA build, 0 in the plain SIMD build. */
export function kernelSet(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

/**
 * Lane 0 of madd(splat(a), splat(b), splat(c)): the engine calls it with a = b = 1 + 2^-12, c = −(1 + 2^-11) to check
 * that this build's madd really fuses (2^-24) rather than rounding the product first (0) on this CPU.
 */
export function fmaProbe(a: f32, b: f32, c: f32): f32 {
  return f32x4.extract_lane(madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Dense matmul: register-blocked 4×8 micro-kernel, C = op(A)·B with B row-major (k×n, row stride ldb).
// op(A)[i,p] lives at a + i·rsa + p·psa (bytes), which covers A (rsa = 4k, psa = 4) and Aᵀ (rsa = 4, psa = 4m).

// @ts-ignore: decorator
@inline function mk4x8(pa: usize, rsa: usize, psa: usize, pb: usize, psb: usize, k: i32, pc: usize, rsc: usize,
  acc: i32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let a = pa, b = pb;
  const r2 = rsa << 1, r3 = rsa * 3;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a + rsa);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a + r2);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a + r3);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += psa;
    b += psb;
  }
  if (acc) {
    c00 = f32x4.add(v128.load(pc), c00); c01 = f32x4.add(v128.load(pc, 16), c01);
    c10 = f32x4.add(v128.load(pc + rsc), c10); c11 = f32x4.add(v128.load(pc + rsc, 16), c11);
    c20 = f32x4.add(v128.load(pc + 2 * rsc), c20); c21 = f32x4.add(v128.load(pc + 2 * rsc, 16), c21);
    c30 = f32x4.add(v128.load(pc + 3 * rsc), c30); c31 = f32x4.add(v128.load(pc + 3 * rsc, 16), c31);
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc + rsc, c10); v128.store(pc + rsc, c11, 16);
  v128.store(pc + 2 * rsc, c20); v128.store(pc + 2 * rsc, c21, 16);
  v128.store(pc + 3 * rsc, c30); v128.store(pc + 3 * rsc, c31, 16);
}

// @ts-ignore: decorator
@inline function mk1x8(pa: usize, psa: usize, pb: usize, psb: usize, k: i32, pc: usize, acc: i32): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let a = pa, b = pb;
  for (let p = 0; p < k; p++) {
    const a0 = v128.load32_splat(a);
    c0 = madd(a0, v128.load(b), c0);
    c1 = madd(a0, v128.load(b, 16), c1);
    a += psa;
    b += psb;
  }
  if (acc) {
    c0 = f32x4.add(v128.load(pc), c0);
    c1 = f32x4.add(v128.load(pc, 16), c1);
  }
  v128.store(pc, c0);
  v128.store(pc, c1, 16);
}

// @ts-ignore: decorator
@inline function mk1x4(pa: usize, psa: usize, pb: usize, psb: usize, k: i32, pc: usize, acc: i32): void {
  let c0 = f32x4.splat(0);
  let a = pa, b = pb;
  for (let p = 0; p < k; p++) {
    c0 = madd(v128.load32_splat(a), v128.load(b), c0);
    a += psa;
    b += psb;
  }
  if (acc) c0 = f32x4.add(v128.load(pc), c0);
  v128.store(pc, c0);
}

// @ts-ignore: decorator
@inline function mk1x1(pa: usize, psa: usize, pb: usize, psb: usize, k: i32, pc: usize, acc: i32): void {
  let s: f32 = 0;
  let a = pa, b = pb;
  for (let p = 0; p < k; p++) {
    s += load<f32>(a) * load<f32>(b);
    a += psa;
    b += psb;
  }
  store<f32>(pc, acc ? load<f32>(pc) + s : s);
}

/** One row of C (columns [0, n)) from op(A) row pointer pa. */
function mmRow(pa: usize, psa: usize, b: usize, psb: usize, k: i32, pc: usize, j0: i32, j1: i32, acc: i32): void {
  let j = j0;
  for (; j + 8 <= j1; j += 8) mk1x8(pa, psa, b + (<usize>j << 2), psb, k, pc + (<usize>j << 2), acc);
  for (; j + 4 <= j1; j += 4) mk1x4(pa, psa, b + (<usize>j << 2), psb, k, pc + (<usize>j << 2), acc);
  for (; j < j1; j++) mk1x1(pa, psa, b + (<usize>j << 2), psb, k, pc + (<usize>j << 2), acc);
}

/**
 * Rows [i0, i1) of C (m×n, row-major) (+)= op(A)·B, B row-major k×n with row stride ldb (elements);
 * op(A)[i,p] at a + 4·(i·rsa + p·psa). Columns are blocked by 256 so a k×256 panel of B stays in cache.
 */
export function mm(a: usize, rsa: i32, psa: i32, b: usize, ldb: i32, c: usize, n: i32, k: i32, acc: i32,
  i0: i32, i1: i32, tid: i32): void {
  const rsaB = <usize>rsa << 2, psaB = <usize>psa << 2, psb = <usize>ldb << 2, rsc = <usize>n << 2;
  for (let jb = 0; jb < n; jb += 256) {
    const je = min(n, jb + 256);
    let i = i0;
    for (; i + 4 <= i1; i += 4) {
      const pa = a + <usize>i * rsaB;
      const pc = c + <usize>i * rsc;
      let j = jb;
      for (; j + 8 <= je; j += 8) mk4x8(pa, rsaB, psaB, b + (<usize>j << 2), psb, k, pc + (<usize>j << 2), rsc, acc);
      if (j < je) {
        for (let r = 0; r < 4; r++) mmRow(pa + <usize>r * rsaB, psaB, b, psb, k, pc + <usize>r * rsc, j, je, acc);
      }
    }
    for (; i < i1; i++) mmRow(a + <usize>i * rsaB, psaB, b, psb, k, c + <usize>i * rsc, jb, je, acc);
  }
}

// @ts-ignore: decorator
@inline function mk4x8part(pa: usize, rsa: usize, psa: usize, pb: usize, psb: usize, k: i32, pp: usize, rsp: usize,
  first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (!first) {
    c00 = v128.load(pp); c01 = v128.load(pp, 16);
    c10 = v128.load(pp + rsp); c11 = v128.load(pp + rsp, 16);
    c20 = v128.load(pp + 2 * rsp); c21 = v128.load(pp + 2 * rsp, 16);
    c30 = v128.load(pp + 3 * rsp); c31 = v128.load(pp + 3 * rsp, 16);
  }
  let a = pa, b = pb;
  const r2 = rsa << 1, r3 = rsa * 3;
  for (let p = 0; p < k; p++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00);
    c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a + rsa);
    c10 = madd(a1, b0, c10);
    c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a + r2);
    c20 = madd(a2, b0, c20);
    c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a + r3);
    c30 = madd(a3, b0, c30);
    c31 = madd(a3, b1, c31);
    a += psa;
    b += psb;
  }
  v128.store(pp, c00); v128.store(pp, c01, 16);
  v128.store(pp + rsp, c10); v128.store(pp + rsp, c11, 16);
  v128.store(pp + 2 * rsp, c20); v128.store(pp + 2 * rsp, c21, 16);
  v128.store(pp + 3 * rsp, c30); v128.store(pp + 3 * rsp, c31, 16);
}

/** Reduction rows per block of mmDeep: op(A) and B panels of KB rows stay in L2 while every output block uses them. */
const KB: i32 = 256;

/**
 * mm for a long reduction (k ≫ m, n; e.g. Aᵀ·G for a weight gradient), for m % 4 == 0 and n % 8 == 0 only. Same
 * numbers as mm: each output is one sequential f32 sum over p from 0 (partial sums wait in `part`, m×n floats,
 * between reduction blocks; storing a float between additions does not change it), accumulate adds c_old last.
 * The difference is the loop order: reduction blocks outermost, so the panels are read from cache, not memory.
 */
export function mmDeep(a: usize, rsa: i32, psa: i32, b: usize, ldb: i32, c: usize, n: i32, k: i32, acc: i32,
  part: usize, i0: i32, i1: i32, tid: i32): void {
  const rsaB = <usize>rsa << 2, psaB = <usize>psa << 2, psb = <usize>ldb << 2, rsc = <usize>n << 2;
  for (let p0 = 0; p0 < k; p0 += KB) {
    const kk = min(KB, k - p0);
    const pa0 = a + <usize>p0 * psaB, pb0 = b + <usize>p0 * psb;
    for (let i = i0; i < i1; i += 4) {
      const pa = pa0 + <usize>i * rsaB;
      const pp = part + <usize>i * rsc;
      for (let j = 0; j < n; j += 8) {
        mk4x8part(pa, rsaB, psaB, pb0 + (<usize>j << 2), psb, kk, pp + (<usize>j << 2), rsc, p0 == 0);
      }
    }
  }
  if (k == 0) {
    for (let i = i0; i < i1; i++) memory.fill(part + <usize>i * rsc, 0, rsc);
  }
  const o = <usize>i0 * rsc, bytes = <usize>(i1 - i0) * rsc;
  if (acc) {
    for (let q: usize = 0; q < bytes; q += 16) {
      v128.store(c + o + q, f32x4.add(v128.load(c + o + q), v128.load(part + o + q)));
    }
  } else {
    memory.copy(c + o, part + o, bytes);
  }
}

/** dst (cols×rows) = srcᵀ for src rows×cols; does dst rows [p0, p1). */
export function transpose(src: usize, rows: i32, cols: i32, dst: usize, p0: i32, p1: i32, tid: i32): void {
  const sRow = <usize>cols << 2;
  for (let p = p0; p < p1; p++) {
    let s = src + (<usize>p << 2);
    let o = dst + <usize>p * (<usize>rows << 2);
    for (let j = 0; j < rows; j++) {
      store<f32>(o, load<f32>(s));
      s += sRow;
      o += 4;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Sparse × dense: y[r] (+)= Σ_e v_e · x[col_e] over the CSR row r, vectorised along d, 8 vectors at a time.

export function spmm(indptr: usize, indices: usize, values: usize, x: usize, d: i32, y: usize, acc: i32,
  r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  for (let r = r0; r < r1; r++) {
    const e0 = load<i32>(indptr + (<usize>r << 2)), e1 = load<i32>(indptr + (<usize>(r + 1) << 2));
    const py = y + <usize>r * rowB;
    let j = 0;
    for (; j + 32 <= d; j += 32) {
      const off = <usize>j << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
      if (values) {
        for (let e = e0; e < e1; e++) {
          const px = x + <usize>load<i32>(indices + (<usize>e << 2)) * rowB + off;
          const v = v128.load32_splat(values + (<usize>e << 2));
          s0 = madd(v, v128.load(px), s0);
          s1 = madd(v, v128.load(px, 16), s1);
          s2 = madd(v, v128.load(px, 32), s2);
          s3 = madd(v, v128.load(px, 48), s3);
          s4 = madd(v, v128.load(px, 64), s4);
          s5 = madd(v, v128.load(px, 80), s5);
          s6 = madd(v, v128.load(px, 96), s6);
          s7 = madd(v, v128.load(px, 112), s7);
        }
      } else {
        for (let e = e0; e < e1; e++) {
          const px = x + <usize>load<i32>(indices + (<usize>e << 2)) * rowB + off;
          s0 = f32x4.add(s0, v128.load(px));
          s1 = f32x4.add(s1, v128.load(px, 16));
          s2 = f32x4.add(s2, v128.load(px, 32));
          s3 = f32x4.add(s3, v128.load(px, 48));
          s4 = f32x4.add(s4, v128.load(px, 64));
          s5 = f32x4.add(s5, v128.load(px, 80));
          s6 = f32x4.add(s6, v128.load(px, 96));
          s7 = f32x4.add(s7, v128.load(px, 112));
        }
      }
      const q = py + off;
      if (acc) {
        s0 = f32x4.add(v128.load(q), s0); s1 = f32x4.add(v128.load(q, 16), s1);
        s2 = f32x4.add(v128.load(q, 32), s2); s3 = f32x4.add(v128.load(q, 48), s3);
        s4 = f32x4.add(v128.load(q, 64), s4); s5 = f32x4.add(v128.load(q, 80), s5);
        s6 = f32x4.add(v128.load(q, 96), s6); s7 = f32x4.add(v128.load(q, 112), s7);
      }
      v128.store(q, s0); v128.store(q, s1, 16); v128.store(q, s2, 32); v128.store(q, s3, 48);
      v128.store(q, s4, 64); v128.store(q, s5, 80); v128.store(q, s6, 96); v128.store(q, s7, 112);
    }
    for (; j + 4 <= d; j += 4) {
      const off = <usize>j << 2;
      let s0 = f32x4.splat(0);
      for (let e = e0; e < e1; e++) {
        const px = x + <usize>load<i32>(indices + (<usize>e << 2)) * rowB + off;
        const xv = v128.load(px);
        s0 = values ? madd(v128.load32_splat(values + (<usize>e << 2)), xv, s0) : f32x4.add(s0, xv);
      }
      const q = py + off;
      if (acc) s0 = f32x4.add(v128.load(q), s0);
      v128.store(q, s0);
    }
    for (; j < d; j++) {
      const off = <usize>j << 2;
      let s: f32 = 0;
      for (let e = e0; e < e1; e++) {
        const xv = load<f32>(x + <usize>load<i32>(indices + (<usize>e << 2)) * rowB + off);
        s += values ? load<f32>(values + (<usize>e << 2)) * xv : xv;
      }
      const q = py + off;
      store<f32>(q, acc ? load<f32>(q) + s : s);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Row gather / scatter-add / row dot / row scaling.

/** out[r] = src[idx[r]] for r in [r0, r1). */
export function gather(src: usize, d: i32, idx: usize, out: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  for (let r = r0; r < r1; r++) {
    const s = src + <usize>load<i32>(idx + (<usize>r << 2)) * rowB;
    const o = out + <usize>r * rowB;
    let j: usize = 0;
    for (; j + 16 <= rowB; j += 16) v128.store(o + j, v128.load(s + j));
    for (; j < rowB; j += 4) store<f32>(o + j, load<f32>(s + j));
  }
}

/**
 * target[idx[r]] += rows[r] for every r in [0, n), in increasing r, for the columns [4·c0, min(d, 4·c1)): the
 * work is split over column groups of 4, so repeated indices never race and every element sums in order of r.
 */
export function scatterAdd(rows: usize, d: i32, idx: usize, n: i32, target: usize, c0: i32, c1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const jb = <usize>(c0 << 2) << 2;
  const je = <usize>min(d, c1 << 2) << 2;
  for (let r = 0; r < n; r++) {
    const t = target + <usize>load<i32>(idx + (<usize>r << 2)) * rowB;
    const s = rows + <usize>r * rowB;
    let j = jb;
    for (; j + 16 <= je; j += 16) v128.store(t + j, f32x4.add(v128.load(t + j), v128.load(s + j)));
    for (; j < je; j += 4) store<f32>(t + j, load<f32>(t + j) + load<f32>(s + j));
  }
}

// @ts-ignore: decorator
@inline function loadLo(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load(p));
}

// @ts-ignore: decorator
@inline function loadHi(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p + 8));
}

// @ts-ignore: decorator
@inline function demote4(lo: v128, hi: v128): v128 {
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/**
 * Mean pooling of gathered layer rows without the gathers: out[r] = f32((t_0[i] + t_1[i] + … + t_{L−1}[i]) · f) with
 * i = idx[r], summed in float64 in table order and rounded once, exactly ops.meanOf over gatherRows of each table
 * (zeroStart: the sum starts from +0 instead of t_0, as meanOf's loop for more than 4 tables). `tables` holds L heap
 * byte offsets (i32), one per [rows × d] table. Rows [r0, r1). idx 0 (never a heap array: the heap starts above it)
 * reads row r itself, which is ops.meanOf.
 */
export function gatherMean(tables: usize, L: i32, idx: usize, d: i32, f: f64, zeroStart: i32, out: usize, r0: i32,
  r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  const fv = f64x2.splat(f);
  const t0 = <usize>load<i32>(tables);
  for (let r = r0; r < r1; r++) {
    const ro = (idx ? <usize>load<i32>(idx + (<usize>r << 2)) : <usize>r) * rowB;
    const o = out + <usize>r * rowB;
    let j: usize = 0;
    for (; j < d4; j += 16) {
      let lo = loadLo(t0 + ro + j), hi = loadHi(t0 + ro + j);
      if (zeroStart) {
        lo = f64x2.add(f64x2.splat(0), lo);
        hi = f64x2.add(f64x2.splat(0), hi);
      }
      for (let k = 1; k < L; k++) {
        const p = <usize>load<i32>(tables + (<usize>k << 2)) + ro + j;
        lo = f64x2.add(lo, loadLo(p));
        hi = f64x2.add(hi, loadHi(p));
      }
      v128.store(o + j, demote4(f64x2.mul(lo, fv), f64x2.mul(hi, fv)));
    }
    for (; j < rowB; j += 4) {
      let s = <f64>load<f32>(t0 + ro + j);
      if (zeroStart) s = 0 + s;
      for (let k = 1; k < L; k++) s += <f64>load<f32>(<usize>load<i32>(tables + (<usize>k << 2)) + ro + j);
      store<f32>(o + j, <f32>(s * f));
    }
  }
}

/**
 * target[idx[r]] += f32(rows[r] · f) for every r in [0, n), in increasing r (f in float64: the product is rounded to
 * f32 first, as a stored meanOf gradient is, then added as scatterAdd does), for the columns [4·c0, min(d, 4·c1)).
 */
export function scatterAddScaled(rows: usize, d: i32, idx: usize, n: i32, f: f64, target: usize, c0: i32, c1: i32,
  tid: i32): void {
  const rowB = <usize>d << 2;
  const jb = <usize>(c0 << 2) << 2;
  const je = <usize>min(d, c1 << 2) << 2;
  const fv = f64x2.splat(f);
  for (let r = 0; r < n; r++) {
    const t = target + <usize>load<i32>(idx + (<usize>r << 2)) * rowB;
    const s = rows + <usize>r * rowB;
    let j = jb;
    for (; j + 16 <= je; j += 16) {
      const g = demote4(f64x2.mul(loadLo(s + j), fv), f64x2.mul(loadHi(s + j), fv));
      v128.store(t + j, f32x4.add(v128.load(t + j), g));
    }
    for (; j < je; j += 4) store<f32>(t + j, load<f32>(t + j) + <f32>(<f64>load<f32>(s + j) * f));
  }
}

/**
 * out[r] (+)= coef[r]·src[r] for rows [r0, r1), the way a JS loop over Float32Arrays computes it: the product in
 * float64 (exact for two f32 numbers), added to the old value in float64 when `acc`, rounded to f32 once at the store
 * (ops.rowDot's backward).
 */
export function scaleRowsF64(src: usize, coef: usize, d: i32, out: usize, acc: i32, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  for (let r = r0; r < r1; r++) {
    const c = <f64>load<f32>(coef + (<usize>r << 2));
    const cv = f64x2.splat(c);
    const s = src + <usize>r * rowB, o = out + <usize>r * rowB;
    let j: usize = 0;
    if (acc) {
      for (; j < d4; j += 16) {
        const lo = f64x2.add(loadLo(o + j), f64x2.mul(cv, loadLo(s + j)));
        const hi = f64x2.add(loadHi(o + j), f64x2.mul(cv, loadHi(s + j)));
        v128.store(o + j, demote4(lo, hi));
      }
      for (; j < rowB; j += 4) store<f32>(o + j, <f32>(<f64>load<f32>(o + j) + c * <f64>load<f32>(s + j)));
    } else {
      // The exact product rounds once: the f32 product.
      const cf = f32x4.splat(<f32>c);
      for (; j < d4; j += 16) v128.store(o + j, f32x4.mul(cf, v128.load(s + j)));
      for (; j < rowB; j += 4) store<f32>(o + j, <f32>c * load<f32>(s + j));
    }
  }
}

/** out[r] = Σ_p a[r,p]·b[r,p] (order: see the header). */
export function rowDot(a: usize, b: usize, d: i32, out: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  for (let r = r0; r < r1; r++) {
    const pa = a + <usize>r * rowB, pb = b + <usize>r * rowB;
    let acc = f32x4.splat(0);
    let j: usize = 0;
    for (; j < d4; j += 16) acc = madd(v128.load(pa + j), v128.load(pb + j), acc);
    let s: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
      (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < rowB; j += 4) s += load<f32>(pa + j) * load<f32>(pb + j);
    store<f32>(out + (<usize>r << 2), s);
  }
}

/**
 * Scores of query rows against groups of table rows picked by index, without gathering them:
 * out[r·M + m] = Σ_p q[⌊r/K⌋, p] · table[idx[r·M + m], p] for rows r in [r0, r1) (summation order as rowDot). Four
 * candidates are scored at once (independent sums), sharing the query loads.
 */
export function groupDot(q: usize, K: i32, table: usize, idx: usize, M: i32, d: i32, out: usize, r0: i32, r1: i32,
  tid: i32): void {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  for (let r = r0; r < r1; r++) {
    const pq = q + <usize>(r / K) * rowB;
    const pi = idx + (<usize>r * <usize>M << 2);
    const po = out + (<usize>r * <usize>M << 2);
    let m = 0;
    for (; m + 4 <= M; m += 4) {
      const t0 = table + <usize>load<i32>(pi + (<usize>m << 2)) * rowB;
      const t1 = table + <usize>load<i32>(pi + (<usize>m << 2), 4) * rowB;
      const t2 = table + <usize>load<i32>(pi + (<usize>m << 2), 8) * rowB;
      const t3 = table + <usize>load<i32>(pi + (<usize>m << 2), 12) * rowB;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let j: usize = 0;
      for (; j < d4; j += 16) {
        const qv = v128.load(pq + j);
        a0 = madd(qv, v128.load(t0 + j), a0);
        a1 = madd(qv, v128.load(t1 + j), a1);
        a2 = madd(qv, v128.load(t2 + j), a2);
        a3 = madd(qv, v128.load(t3 + j), a3);
      }
      let s0: f32 = (f32x4.extract_lane(a0, 0) + f32x4.extract_lane(a0, 1)) + (f32x4.extract_lane(a0, 2) + f32x4.extract_lane(a0, 3));
      let s1: f32 = (f32x4.extract_lane(a1, 0) + f32x4.extract_lane(a1, 1)) + (f32x4.extract_lane(a1, 2) + f32x4.extract_lane(a1, 3));
      let s2: f32 = (f32x4.extract_lane(a2, 0) + f32x4.extract_lane(a2, 1)) + (f32x4.extract_lane(a2, 2) + f32x4.extract_lane(a2, 3));
      let s3: f32 = (f32x4.extract_lane(a3, 0) + f32x4.extract_lane(a3, 1)) + (f32x4.extract_lane(a3, 2) + f32x4.extract_lane(a3, 3));
      for (; j < rowB; j += 4) {
        const qs = load<f32>(pq + j);
        s0 += qs * load<f32>(t0 + j);
        s1 += qs * load<f32>(t1 + j);
        s2 += qs * load<f32>(t2 + j);
        s3 += qs * load<f32>(t3 + j);
      }
      store<f32>(po + (<usize>m << 2), s0);
      store<f32>(po + (<usize>m << 2), s1, 4);
      store<f32>(po + (<usize>m << 2), s2, 8);
      store<f32>(po + (<usize>m << 2), s3, 12);
    }
    for (; m < M; m++) {
      const t0 = table + <usize>load<i32>(pi + (<usize>m << 2)) * rowB;
      let a0 = f32x4.splat(0);
      let j: usize = 0;
      for (; j < d4; j += 16) a0 = madd(v128.load(pq + j), v128.load(t0 + j), a0);
      let s0: f32 = (f32x4.extract_lane(a0, 0) + f32x4.extract_lane(a0, 1)) + (f32x4.extract_lane(a0, 2) + f32x4.extract_lane(a0, 3));
      for (; j < rowB; j += 4) s0 += load<f32>(pq + j) * load<f32>(t0 + j);
      store<f32>(po + (<usize>m << 2), s0);
    }
  }
}

/** out[r] = (acc ? out[r] : 0) + (alpha·coef[r])·src[r] for rows [r0, r1) (row-scaling, e.g. BPR backward). */
export function scaleRows(src: usize, coef: usize, d: i32, out: usize, alpha: f32, acc: i32, r0: i32, r1: i32,
  tid: i32): void {
  const rowB = <usize>d << 2;
  for (let r = r0; r < r1; r++) {
    const c: f32 = alpha * load<f32>(coef + (<usize>r << 2));
    const cv = f32x4.splat(c);
    const s = src + <usize>r * rowB, o = out + <usize>r * rowB;
    let j: usize = 0;
    if (acc) {
      for (; j + 16 <= rowB; j += 16) v128.store(o + j, madd(cv, v128.load(s + j), v128.load(o + j)));
      for (; j < rowB; j += 4) store<f32>(o + j, load<f32>(o + j) + c * load<f32>(s + j));
    } else {
      for (; j + 16 <= rowB; j += 16) v128.store(o + j, f32x4.mul(cv, v128.load(s + j)));
      for (; j < rowB; j += 4) store<f32>(o + j, c * load<f32>(s + j));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Optimisers.

/**
 * Dense Adam (PyTorch 1.x/2.x single-tensor semantics) over elements [i0, i1):
 *   g = grad + wd·param (when wd ≠ 0); m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g·g;
 *   param += −stepSize · m / (√v · (1/bc2sqrt) + eps), with stepSize = lr / (1 − b1^t), bc2sqrt = √(1 − b2^t).
 */
export function adam(param: usize, grad: usize, m: usize, v: usize, b1: f32, b2: f32, omb1: f32, omb2: f32,
  negStep: f32, bc2sqrt: f32, eps: f32, wd: f32, i0: i32, i1: i32, tid: i32): void {
  const o = <usize>i0 << 2;
  adamSpan(param + o, grad + o, m + o, v + o, <usize>(i1 - i0) << 2, b1, b2, omb1, omb2, negStep, bc2sqrt, eps, wd);
}

// @ts-ignore: decorator
@inline function adamSpan(param: usize, grad: usize, m: usize, v: usize, bytes: usize, b1: f32, b2: f32,
  omb1: f32, omb2: f32, negStep: f32, bc2sqrt: f32, eps: f32, wd: f32): void {
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vo1 = f32x4.splat(omb1), vo2 = f32x4.splat(omb2);
  // √v·(1/bc2sqrt) instead of √v/bc2sqrt: one division fewer (division bounds this loop); differs by rounding only.
  const ibc: f32 = <f32>1 / bc2sqrt;
  const vns = f32x4.splat(negStep), vbc = f32x4.splat(ibc), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  const hasWd = wd != 0;
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) {
    const p = v128.load(param + o);
    let g = v128.load(grad + o);
    if (hasWd) g = f32x4.add(g, f32x4.mul(vwd, p));
    const mm = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vo1, g));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vo2, g), g));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vbc), veps);
    v128.store(param + o, f32x4.add(p, f32x4.mul(vns, f32x4.div(mm, den))));
  }
  for (; o < bytes; o += 4) {
    const p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (hasWd) g = g + wd * p;
    const mm = b1 * load<f32>(m + o) + omb1 * g;
    const vv = b2 * load<f32>(v + o) + (omb2 * g) * g;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    const den = sqrt<f32>(vv) * ibc + eps;
    store<f32>(param + o, p + negStep * (mm / den));
  }
}

/**
 * Dense Adam over table rows [r0, r1) when the gradient is row-sparse: row t's gradient is vals[slot[t]] when
 * slot[t] ≥ 0 and zero otherwise. One pass over param, m and v (and the touched gradient rows): the same numbers as
 * densifying the gradient into a zeroed buffer (g = 0 + vals, which turns −0 into +0) and running `adam` over it,
 * without writing and re-reading that buffer. Runs of untouched rows go through one zero-gradient span.
 */
export function adamDense(param: usize, vals: usize, slot: usize, d: i32, m: usize, v: usize, b1: f32, b2: f32,
  omb1: f32, omb2: f32, negStep: f32, bc2sqrt: f32, eps: f32, wd: f32, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  let r = r0;
  while (r < r1) {
    const s = load<i32>(slot + (<usize>r << 2));
    if (s >= 0) {
      const t = <usize>r * rowB;
      adamSpanG(param + t, vals + <usize>s * rowB, m + t, v + t, rowB, b1, b2, omb1, omb2, negStep, bc2sqrt, eps, wd, true);
      r++;
      continue;
    }
    let e = r + 1;
    while (e < r1 && load<i32>(slot + (<usize>e << 2)) < 0) e++;
    const t = <usize>r * rowB;
    adamSpanG(param + t, 0, m + t, v + t, <usize>(e - r) * rowB, b1, b2, omb1, omb2, negStep, bc2sqrt, eps, wd, false);
    r = e;
  }
}

/** adamSpan with g = 0 + grad (hasG) or g = +0 (no gradient row): see adamDense. */
// @ts-ignore: decorator
@inline function adamSpanG(param: usize, grad: usize, m: usize, v: usize, bytes: usize, b1: f32, b2: f32,
  omb1: f32, omb2: f32, negStep: f32, bc2sqrt: f32, eps: f32, wd: f32, hasG: bool): void {
  const vb1 = f32x4.splat(b1), vb2 = f32x4.splat(b2), vo1 = f32x4.splat(omb1), vo2 = f32x4.splat(omb2);
  const ibc: f32 = <f32>1 / bc2sqrt;
  const vns = f32x4.splat(negStep), vbc = f32x4.splat(ibc), veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  const zero = f32x4.splat(0);
  const hasWd = wd != 0;
  let o: usize = 0;
  for (; o + 16 <= bytes; o += 16) {
    const p = v128.load(param + o);
    let g = hasG ? f32x4.add(zero, v128.load(grad + o)) : zero;
    if (hasWd) g = f32x4.add(g, f32x4.mul(vwd, p));
    const mm = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vo1, g));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(f32x4.mul(vo2, g), g));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vbc), veps);
    v128.store(param + o, f32x4.add(p, f32x4.mul(vns, f32x4.div(mm, den))));
  }
  for (; o < bytes; o += 4) {
    const p = load<f32>(param + o);
    let g: f32 = hasG ? <f32>0 + load<f32>(grad + o) : <f32>0;
    if (hasWd) g = g + wd * p;
    const mm = b1 * load<f32>(m + o) + omb1 * g;
    const vv = b2 * load<f32>(v + o) + (omb2 * g) * g;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    const den = sqrt<f32>(vv) * ibc + eps;
    store<f32>(param + o, p + negStep * (mm / den));
  }
}

/**
 * Lazy Adam on rows rows[r] for r in [r0, r1) (the rows are unique; untouched rows keep their moments, as in
 * PyTorch SparseAdam): the dense Adam update above applied to those rows, grad[r] being row rows[r]'s gradient.
 */
export function adamRows(param: usize, grad: usize, rows: usize, d: i32, m: usize, v: usize, b1: f32, b2: f32,
  omb1: f32, omb2: f32, negStep: f32, bc2sqrt: f32, eps: f32, wd: f32, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  for (let r = r0; r < r1; r++) {
    const t = <usize>load<i32>(rows + (<usize>r << 2)) * rowB;
    adamSpan(param + t, grad + <usize>r * rowB, m + t, v + t, rowB, b1, b2, omb1, omb2, negStep, bc2sqrt, eps, wd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Scoring + masked top-k. Items are first packed into panels of 8 (panel q holds items 8q..8q+7 as d rows of 8
// floats, zero-padded), so the 4×8 micro-kernel streams one contiguous panel per 8 items.

/** Packs item panels [q0, q1) of items (ni×d) into packed (⌈ni/8⌉·d·8 floats). */
export function packPanels(items: usize, ni: i32, d: i32, packed: usize, q0: i32, q1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  for (let q = q0; q < q1; q++) {
    const base = packed + <usize>q * (rowB << 3);
    for (let l = 0; l < 8; l++) {
      const it = (q << 3) + l;
      let o = base + (<usize>l << 2);
      if (it < ni) {
        const s = items + <usize>it * rowB;
        for (let p = 0; p < d; p++) {
          store<f32>(o, load<f32>(s + (<usize>p << 2)));
          o += 32;
        }
      } else {
        for (let p = 0; p < d; p++) {
          store<f32>(o, 0);
          o += 32;
        }
      }
    }
  }
}

/** Items per block (a multiple of 8): the block's packed panels (NB·d floats) stay in L2 across a user block. */
const NB: i32 = 512;
/** Users per block: their rows stay in L1 while one item block is scored against them. */
const MB: i32 = 64;
/** Scratch bytes one thread needs: a 4×NB score buffer and MB mask cursors (plus, up to BUF_MAX_K, top-k buffers). */
export const SCORE_SCRATCH_BYTES: i32 = 4 * NB * 4 + MB * 4;
/** Largest k kept by the buffered top-k (2k entries per user of a user block); above it, the heap. */
const BUF_MAX_K: i32 = 1024;

/** Scratch bytes per thread for a top-k of k: the score buffer and cursors, and for k ≤ BUF_MAX_K MB buffers of 2k entries. */
export function scoreScratchBytes(k: i32): i32 {
  return k <= BUF_MAX_K ? SCORE_SCRATCH_BYTES + MB * (8 + 16 * k) : SCORE_SCRATCH_BYTES;
}

// The buffered top-k: a user's candidates are appended unsorted, as (score f32, id i32) entries of 8 bytes, while
// they beat `thr`; when 2k are held, a selection keeps the k best and thr becomes the k-th best's score. Appending
// is O(1) where a heap insertion costs log k mispredicted branches, so a large k (contrastive DNS's lists of 100)
// costs little more than a small one. The order (score desc, id asc) is total, so the k kept and their final order
// are the heap's exactly.
// @ts-ignore: decorator
@inline function better(sa: f32, ia: i32, sb: f32, ib: i32): bool {
  return sa > sb || (sa == sb && ia < ib);
}
// @ts-ignore: decorator
@inline function entS(p: usize, a: i32): f32 {
  return load<f32>(p + (<usize>a << 3));
}
// @ts-ignore: decorator
@inline function entI(p: usize, a: i32): i32 {
  return load<i32>(p + (<usize>a << 3), 4);
}
// @ts-ignore: decorator
@inline function entBetter(p: usize, a: i32, b: i32): bool {
  return better(entS(p, a), entI(p, a), entS(p, b), entI(p, b));
}
// @ts-ignore: decorator
@inline function entSwap(p: usize, a: i32, b: i32): void {
  const pa = p + (<usize>a << 3), pb = p + (<usize>b << 3);
  const x = load<u64>(pa);
  store<u64>(pa, load<u64>(pb));
  store<u64>(pb, x);
}

/** Partitions entries [lo, hi] around a median-of-three pivot; returns the pivot's final index (better ones before it). */
function entPartition(p: usize, lo: i32, hi: i32): i32 {
  const mid = lo + ((hi - lo) >> 1);
  if (entBetter(p, mid, lo)) entSwap(p, mid, lo);
  if (entBetter(p, hi, lo)) entSwap(p, hi, lo);
  if (entBetter(p, hi, mid)) entSwap(p, hi, mid);
  // lo ≥ mid ≥ hi in rank: the median goes to hi as the pivot.
  entSwap(p, mid, hi);
  const ps = entS(p, hi), pi = entI(p, hi);
  let i = lo;
  for (let j = lo; j < hi; j++) {
    if (better(entS(p, j), entI(p, j), ps, pi)) {
      entSwap(p, i, j);
      i++;
    }
  }
  entSwap(p, i, hi);
  return i;
}

/** Rearranges entries [0, n) so that [0, k) are the k best, the k-th best at k − 1 (0 < k < n). */
function entSelect(p: usize, n: i32, k: i32): void {
  let lo = 0, hi = n - 1;
  const t = k - 1;
  while (lo < hi) {
    const q = entPartition(p, lo, hi);
    if (q == t) return;
    if (q < t) lo = q + 1;
    else hi = q - 1;
  }
}

/** Sorts entries [lo, hi] best first (quicksort, insertion sort below 16 entries). */
function entSort(p: usize, lo: i32, hi: i32): void {
  while (hi - lo >= 16) {
    const q = entPartition(p, lo, hi);
    // Recurse on the smaller side, loop on the larger: stack depth ≤ log2 n.
    if (q - lo < hi - q) {
      entSort(p, lo, q - 1);
      lo = q + 1;
    } else {
      entSort(p, q + 1, hi);
      hi = q - 1;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const x = load<u64>(p + (<usize>i << 3));
    const xs = entS(p, i), xi = entI(p, i);
    let j = i - 1;
    while (j >= lo && better(xs, xi, entS(p, j), entI(p, j))) {
      store<u64>(p + (<usize>(j + 1) << 3), load<u64>(p + (<usize>j << 3)));
      j--;
    }
    store<u64>(p + (<usize>(j + 1) << 3), x);
  }
}

/**
 * Offers the scores buf[0..cnt) (items j0..j0+cnt) to one user's buffer: state st = (count i32, thr f32), entries at
 * ent (capacity 2k). Masked items carry −∞ and never enter (s > thr fails from the start); 8 scores are compared
 * against thr at once.
 */
function offerBuffered(buf: usize, cnt: i32, j0: i32, st: usize, ent: usize, k: i32): void {
  let n = load<i32>(st);
  let thr = load<f32>(st, 4);
  const cap = k << 1;
  let tv = f32x4.splat(thr);
  let j = 0;
  for (; j + 8 <= cnt; j += 8) {
    const o = buf + (<usize>j << 2);
    // The lanes above thr as a bit mask, visited without a branch per lane. A compaction inside the block raises
    // thr; the block's later lanes are still appended against the old one, which only adds entries that the next
    // selection drops.
    let m = i32x4.bitmask(f32x4.gt(v128.load(o), tv)) | (i32x4.bitmask(f32x4.gt(v128.load(o, 16), tv)) << 4);
    if (m == 0) continue;
    while (m != 0) {
      const l = ctz(m);
      m &= m - 1;
      const e = ent + (<usize>n << 3);
      store<f32>(e, load<f32>(o + (<usize>l << 2)));
      store<i32>(e, j0 + j + l, 4);
      if (++n == cap) {
        entSelect(ent, cap, k);
        n = k;
        thr = entS(ent, k - 1);
      }
    }
    tv = f32x4.splat(thr);
  }
  for (; j < cnt; j++) {
    const s = load<f32>(buf + (<usize>j << 2));
    if (s > thr) {
      const e = ent + (<usize>n << 3);
      store<f32>(e, s);
      store<i32>(e, j0 + j, 4);
      if (++n == cap) {
        entSelect(ent, cap, k);
        n = k;
        thr = entS(ent, k - 1);
      }
    }
  }
  store<i32>(st, n);
  store<f32>(st, thr, 4);
}

// A per-user min-heap of k (score, item) entries kept in that user's rows of outScore/outIdx; the root is the
// worst entry: lower score, or equal score and higher item id (ties go to the lower id).
// @ts-ignore: decorator
@inline function worse(sa: f32, ia: i32, sb: f32, ib: i32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

function siftDown(ps: usize, pi: usize, start: i32, n: i32): void {
  let i = start;
  const s = load<f32>(ps + (<usize>i << 2)), id = load<i32>(pi + (<usize>i << 2));
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    let cs = load<f32>(ps + (<usize>c << 2)), ci = load<i32>(pi + (<usize>c << 2));
    if (c + 1 < n) {
      const rs = load<f32>(ps + (<usize>(c + 1) << 2)), ri = load<i32>(pi + (<usize>(c + 1) << 2));
      if (worse(rs, ri, cs, ci)) {
        c++;
        cs = rs;
        ci = ri;
      }
    }
    if (!worse(cs, ci, s, id)) break;
    store<f32>(ps + (<usize>i << 2), cs);
    store<i32>(pi + (<usize>i << 2), ci);
    i = c;
  }
  store<f32>(ps + (<usize>i << 2), s);
  store<i32>(pi + (<usize>i << 2), id);
}

/**
 * Offers the scores buf[0..cnt) (items j0..j0+cnt) to the heap of one user. Items arrive in increasing id, so an
 * item enters only with a strictly higher score than the root (an equal score loses the tie to the older item).
 * Masked items carry −∞ and never enter. 8 scores are compared against the root at once.
 */
function offer(buf: usize, cnt: i32, j0: i32, ps: usize, pi: usize, k: i32): void {
  let thr = load<f32>(ps);
  let tv = f32x4.splat(thr);
  let j = 0;
  for (; j + 8 <= cnt; j += 8) {
    const o = buf + (<usize>j << 2);
    if (!v128.any_true(v128.or(f32x4.gt(v128.load(o), tv), f32x4.gt(v128.load(o, 16), tv)))) continue;
    for (let l = 0; l < 8; l++) {
      const s = load<f32>(o + (<usize>l << 2));
      if (s > thr) {
        store<f32>(ps, s);
        store<i32>(pi, j0 + j + l);
        siftDown(ps, pi, 0, k);
        thr = load<f32>(ps);
      }
    }
    tv = f32x4.splat(thr);
  }
  for (; j < cnt; j++) {
    const s = load<f32>(buf + (<usize>j << 2));
    if (s > thr) {
      store<f32>(ps, s);
      store<i32>(pi, j0 + j);
      siftDown(ps, pi, 0, k);
      thr = load<f32>(ps);
    }
  }
}

/**
 * Users [u0, u1): scores = users[u]·itemsᵀ (+ bias), the user's mask row (CSR row maskOff + u; indices sorted)
 * set to −∞, top k into outIdx/outScore rows (descending, ties by lower id; −1/−∞ fill). `packed` comes from
 * packPanels; scratch + tid·SCORE_SCRATCH_BYTES is this thread's buffer.
 */
export function scoreTopK(users: usize, packed: usize, ni: i32, d: i32, k: i32, mIndptr: usize, mIndices: usize,
  mOff: i32, bias: usize, outIdx: usize, outScore: usize, scratch: usize, u0: i32, u1: i32, tid: i32): void {
  if (k <= 0) return;
  const buf = scratch + <usize>tid * <usize>scoreScratchBytes(k);
  const cursors = buf + <usize>(4 * NB * 4);
  const rowB = <usize>d << 2;
  const panelB = rowB << 3;
  const bufRowB = <usize>NB << 2;
  const kB = <usize>k << 2;
  const buffered = k <= BUF_MAX_K;
  // Per user of the block: 8 bytes of state, then 2k entries of 8 bytes.
  const bufs = buf + <usize>SCORE_SCRATCH_BYTES;
  const userBufB = <usize>(8 + 16 * k);
  for (let ub = u0; ub < u1; ub += MB) {
    const ue = min(u1, ub + MB);
    for (let u = ub; u < ue; u++) {
      if (buffered) {
        const st = bufs + <usize>(u - ub) * userBufB;
        store<i32>(st, 0);
        store<f32>(st, NEG_INF, 4);
      } else {
        const ps = outScore + <usize>u * kB, pi = outIdx + <usize>u * kB;
        for (let t = 0; t < k; t++) {
          store<f32>(ps + (<usize>t << 2), NEG_INF);
          store<i32>(pi + (<usize>t << 2), -1);
        }
      }
      if (mIndptr) store<i32>(cursors + (<usize>(u - ub) << 2), load<i32>(mIndptr + (<usize>(mOff + u) << 2)));
    }
    for (let jb = 0; jb < ni; jb += NB) {
      const cnt = min(NB, ni - jb);
      const panels = (cnt + 7) >> 3;
      const pb0 = packed + <usize>(jb >> 3) * panelB;
      let u = ub;
      while (u < ue) {
        const rows = ue - u >= 4 ? 4 : 1;
        const pa = users + <usize>u * rowB;
        if (rows == 4) {
          for (let q = 0; q < panels; q++) {
            mk4x8(pa, rowB, 4, pb0 + <usize>q * panelB, 32, d, buf + (<usize>q << 5), bufRowB, 0);
          }
        } else {
          for (let q = 0; q < panels; q++) mk1x8(pa, 4, pb0 + <usize>q * panelB, 32, d, buf + (<usize>q << 5), 0);
        }
        for (let r = 0; r < rows; r++) {
          const uu = u + r;
          const br = buf + <usize>r * bufRowB;
          if (bias) {
            const pbias = bias + (<usize>jb << 2);
            let j: usize = 0;
            const cntB = <usize>cnt << 2;
            for (; j + 16 <= cntB; j += 16) v128.store(br + j, f32x4.add(v128.load(br + j), v128.load(pbias + j)));
            for (; j < cntB; j += 4) store<f32>(br + j, load<f32>(br + j) + load<f32>(pbias + j));
          }
          if (mIndptr) {
            const pc = cursors + (<usize>(uu - ub) << 2);
            let e = load<i32>(pc);
            const eEnd = load<i32>(mIndptr + (<usize>(mOff + uu + 1) << 2));
            const je = jb + cnt;
            while (e < eEnd) {
              const it = load<i32>(mIndices + (<usize>e << 2));
              if (it >= je) break;
              if (it >= jb) store<f32>(br + (<usize>(it - jb) << 2), NEG_INF);
              e++;
            }
            store<i32>(pc, e);
          }
          if (buffered) {
            const st = bufs + <usize>(uu - ub) * userBufB;
            offerBuffered(br, cnt, jb, st, st + 8, k);
          } else offer(br, cnt, jb, outScore + <usize>uu * kB, outIdx + <usize>uu * kB, k);
        }
        u += rows;
      }
    }
    if (buffered) {
      // The k best of each buffer, sorted best first; rows with fewer candidates are filled with −1 / −∞.
      for (let u = ub; u < ue; u++) {
        const st = bufs + <usize>(u - ub) * userBufB;
        const ent = st + 8;
        let n = load<i32>(st);
        if (n > k) {
          entSelect(ent, n, k);
          n = k;
        }
        if (n > 1) entSort(ent, 0, n - 1);
        const ps = outScore + <usize>u * kB, pi = outIdx + <usize>u * kB;
        for (let t = 0; t < n; t++) {
          store<f32>(ps + (<usize>t << 2), entS(ent, t));
          store<i32>(pi + (<usize>t << 2), entI(ent, t));
        }
        for (let t = n; t < k; t++) {
          store<f32>(ps + (<usize>t << 2), NEG_INF);
          store<i32>(pi + (<usize>t << 2), -1);
        }
      }
      continue;
    }
    // Heap-sort each user's entries: repeatedly move the worst to the end, giving best-first order.
    for (let u = ub; u < ue; u++) {
      const ps = outScore + <usize>u * kB, pi = outIdx + <usize>u * kB;
      for (let e = k - 1; e > 0; e--) {
        const o = <usize>e << 2;
        const s0 = load<f32>(ps), i0 = load<i32>(pi);
        store<f32>(ps, load<f32>(ps + o));
        store<i32>(pi, load<i32>(pi + o));
        store<f32>(ps + o, s0);
        store<i32>(pi + o, i0);
        siftDown(ps, pi, 0, e);
      }
    }
  }
}

/**
 * Zeroes `bytes` bytes at `ptr` with the bulk-memory `memory.fill`: on the shared heap it is several times faster
 * than a JS `Float32Array.fill(0)` (which V8 does not turn into a memset on shared buffers).
 */
export function zeroBytes(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}

// ---------------------------------------------------------------------------------------------------------------
// Candidate pools (src/samplers/candidates.ts): uniform draws of training non-positives, the same random stream as
// the JS Rng (xoshiro128**, Rng.int's rejection of the top remainder), so the draws are identical number for number.

/**
 * Draws M uniform items in [0, n) per user users[b], b = b0, b0+1, …, each redrawn while it is one of the user's
 * training positives (CSR row, sorted), into out[b·M + m]. `state` holds the Rng's four 32-bit words (read, then
 * written back). `mask` is a zeroed scratch of n bytes (left zeroed). Stops at the first user it must not serve
 * (outside [0, rows), no free item, or few enough free items that the JS side serves it from a complement list:
 * free·8 < n) and returns that b; returns B when every pool is drawn. Single-threaded: the stream is sequential.
 */
export function drawUniform(state: usize, indptr: usize, indices: usize, rows: i32, users: usize, B: i32, M: i32,
  n: i32, out: usize, mask: usize, b0: i32): i32 {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  const nn = <u64>n;
  const limit = (<u64>0x100000000 / nn) * nn;
  let b = b0;
  for (; b < B; b++) {
    const u = load<i32>(users + (<usize>b << 2));
    if (u < 0 || u >= rows) break;
    const start = load<i32>(indptr + (<usize>u << 2)), end = load<i32>(indptr + (<usize>(u + 1) << 2));
    const free = n - (end - start);
    if (free <= 0 || <i64>free * 8 < <i64>n) break;
    const po = out + (<usize>b * <usize>M << 2);
    const useMask = end - start <= M * 4;
    if (useMask) for (let p = start; p < end; p++) store<u8>(mask + <usize>load<i32>(indices + (<usize>p << 2)), 1);
    for (let m = 0; m < M; m++) {
      let j: i32 = 0;
      for (;;) {
        // Rng.int(n): r = nextU32() until r < limit, then r mod n.
        let r: u32 = 0;
        for (;;) {
          r = rotl<u32>(s1 * 5, 7) * 9;
          const t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = rotl<u32>(s3, 11);
          if (<u64>r < limit) break;
        }
        j = <i32>(r % <u32>n);
        let pos = false;
        if (useMask) pos = load<u8>(mask + <usize>j) != 0;
        else {
          // Binary search in the sorted row (sortedIncludes).
          let lo = start, hi = end;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            const x = load<i32>(indices + (<usize>mid << 2));
            if (x < j) lo = mid + 1;
            else hi = mid;
          }
          pos = lo < end && load<i32>(indices + (<usize>lo << 2)) == j;
        }
        if (!pos) break;
      }
      store<i32>(po + (<usize>m << 2), j);
    }
    if (useMask) for (let p = start; p < end; p++) store<u8>(mask + <usize>load<i32>(indices + (<usize>p << 2)), 0);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// NGCF's fused element-wise passes (encoders/ngcfLayer.ts). Flat over rows [r0, r1) of d columns, every element
// its own f32 arithmetic (no FMA in either build, so the JS reference and both builds agree bit for bit).

/** P = side ⊙ e and, when f ≠ 0, F = side + e. */
export function ngcfPrep(side: usize, e: usize, d: i32, f: usize, p: usize, r0: i32, r1: i32, tid: i32): void {
  const s = <usize>r0 * <usize>d << 2, end = <usize>r1 * <usize>d << 2;
  const end4 = s + ((end - s) & ~(<usize>15));
  let j = s;
  if (f) {
    for (; j < end4; j += 16) {
      const a = v128.load(side + j), b = v128.load(e + j);
      v128.store(f + j, f32x4.add(a, b));
      v128.store(p + j, f32x4.mul(a, b));
    }
    for (; j < end; j += 4) {
      const a = load<f32>(side + j), b = load<f32>(e + j);
      store<f32>(f + j, a + b);
      store<f32>(p + j, a * b);
    }
  } else {
    for (; j < end4; j += 16) v128.store(p + j, f32x4.mul(v128.load(side + j), v128.load(e + j)));
    for (; j < end; j += 4) store<f32>(p + j, load<f32>(side + j) * load<f32>(e + j));
  }
}

/**
 * z = pre + bias (bias a d-row), a = z > 0 ? z : slope·z, m = keep, or 0 where bits[i] < cut (dropout; bits = 0:
 * no dropout, m = 1); out = a·m and factor = (z > 0 ? 1 : slope)·m, the gate backward multiplies by.
 */
export function ngcfAct(pre: usize, bias: usize, d: i32, bits: usize, cut: u32, keep: f32, slope: f32, out: usize,
  factor: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  const zero = f32x4.splat(0), one = f32x4.splat(1), sl = f32x4.splat(slope), kp = f32x4.splat(keep);
  const cv = i32x4.splat(<i32>cut);
  for (let r = r0; r < r1; r++) {
    const o = <usize>r * rowB;
    let j: usize = 0;
    for (; j < d4; j += 16) {
      const z = f32x4.add(v128.load(pre + o + j), v128.load(bias + j));
      const pos = f32x4.gt(z, zero);
      const a = v128.bitselect(z, f32x4.mul(z, sl), pos);
      const g = v128.bitselect(one, sl, pos);
      if (bits) {
        const m = v128.andnot(kp, i32x4.lt_u(v128.load(bits + o + j), cv));
        v128.store(out + o + j, f32x4.mul(a, m));
        v128.store(factor + o + j, f32x4.mul(g, m));
      } else {
        v128.store(out + o + j, a);
        v128.store(factor + o + j, g);
      }
    }
    for (; j < rowB; j += 4) {
      const z = load<f32>(pre + o + j) + load<f32>(bias + j);
      const a: f32 = z > 0 ? z : z * slope;
      const g: f32 = z > 0 ? 1 : slope;
      const m: f32 = bits ? (load<u32>(bits + o + j) < cut ? 0 : keep) : 1;
      store<f32>(out + o + j, bits ? a * m : a);
      store<f32>(factor + o + j, bits ? g * m : g);
    }
  }
}

/** out = g ⊙ factor. */
export function ngcfGate(g: usize, factor: usize, d: i32, out: usize, r0: i32, r1: i32, tid: i32): void {
  const s = <usize>r0 * <usize>d << 2, end = <usize>r1 * <usize>d << 2;
  const end4 = s + ((end - s) & ~(<usize>15));
  let j = s;
  for (; j < end4; j += 16) v128.store(out + j, f32x4.mul(v128.load(g + j), v128.load(factor + j)));
  for (; j < end; j += 4) store<f32>(out + j, load<f32>(g + j) * load<f32>(factor + j));
}

/** gSide += gF + gP ⊙ e;  gE += gP ⊙ side, plus gF when addSelf (the paper's (Â + I)E term). */
export function ngcfBack(gF: usize, gP: usize, side: usize, e: usize, d: i32, gSide: usize, gE: usize, addSelf: i32,
  r0: i32, r1: i32, tid: i32): void {
  const s = <usize>r0 * <usize>d << 2, end = <usize>r1 * <usize>d << 2;
  const end4 = s + ((end - s) & ~(<usize>15));
  let j = s;
  for (; j < end4; j += 16) {
    const f = v128.load(gF + j), p = v128.load(gP + j);
    v128.store(gSide + j, f32x4.add(v128.load(gSide + j), f32x4.add(f, f32x4.mul(p, v128.load(e + j)))));
    const t = f32x4.mul(p, v128.load(side + j));
    v128.store(gE + j, f32x4.add(v128.load(gE + j), addSelf ? f32x4.add(f, t) : t));
  }
  for (; j < end; j += 4) {
    const f = load<f32>(gF + j), p = load<f32>(gP + j);
    store<f32>(gSide + j, load<f32>(gSide + j) + (f + p * load<f32>(e + j)));
    const t = p * load<f32>(side + j);
    store<f32>(gE + j, load<f32>(gE + j) + (addSelf ? f + t : t));
  }
}

/**
 * out[0..n) = the next n words of the xoshiro128** stream whose four state words are at `state` (updated): the
 * numbers Rng.fillU32 draws (core/rng.ts), for bulk masks (dropout). On the calling thread: the stream is sequential.
 */
export function fillU32(state: usize, out: usize, n: i32): void {
  xoshiroFill(state, state, out, 0, n);
}

/** Words [i0, i1) of out from the xoshiro128** state at st (four u32 words); the end state goes to en. */
// @ts-ignore: decorator
@inline function xoshiroFill(st: usize, en: usize, out: usize, i0: i32, i1: i32): void {
  let s0 = load<u32>(st), s1 = load<u32>(st, 4), s2 = load<u32>(st, 8), s3 = load<u32>(st, 12);
  const end = out + (<usize>i1 << 2);
  for (let o = out + (<usize>i0 << 2); o < end; o += 4) {
    store<u32>(o, rotl<u32>(s1 * 5, 7) * 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
  }
  store<u32>(en, s0);
  store<u32>(en, s1, 4);
  store<u32>(en, s2, 8);
  store<u32>(en, s3, 12);
}

/**
 * fillU32 split in chunks of `chunk` words: words [i0, i1) of the stream (i0 a multiple of chunk) from chunk
 * i0/chunk's start state (states + 16·j, four words, computed by jump-ahead: core/rngJump.ts); its end state goes
 * to ends + 16·j. Every chunk gives the words the one-thread fill gives at those positions.
 */
export function fillU32Chunks(states: usize, ends: usize, out: usize, chunk: i32, i0: i32, i1: i32, tid: i32): void {
  const j = <usize>(i0 / chunk);
  xoshiroFill(states + (j << 4), ends + (j << 4), out, i0, i1);
}

// ---------------------------------------------------------------------------------------------------------------
// Contrastive views (SimGCL / SGL): the InfoNCE log-sum-exp over a B×B similarity matrix, and SimGCL's noise.

// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  // Cephes expf on four lanes (≈ 1 ulp on [-87, 0], the only range the callers pass: t − max ≤ 0); no FMA, so both
  // builds give the same bits.
  x = f32x4.max(x, f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2);
}

/**
 * Per row r of x (rows×C): t = x·s (f32), m = max t, e_j = exp(t_j − m), sum = Σ e_j (four lane sums combined
 * (l0 + l1) + (l2 + l3), then the tail in order); writes probs[r, j] = e_j · (1/sum) (f32) and stats[2r] = m,
 * stats[2r+1] = sum, from which the caller forms lse = m + log(sum). A row whose max is ±∞ or NaN gets sum = 0 and
 * probs 0 (the caller handles it).
 */
export function lseRowsScaled(x: usize, C: i32, s: f32, probs: usize, stats: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>C << 2;
  const c4 = <usize>(C & ~3) << 2;
  const sv = f32x4.splat(s);
  for (let r = r0; r < r1; r++) {
    const px = x + <usize>r * rowB, pp = probs + <usize>r * rowB;
    let mv = f32x4.splat(-Infinity);
    let j: usize = 0;
    for (; j < c4; j += 16) mv = f32x4.max(mv, f32x4.mul(v128.load(px + j), sv));
    let m = max<f32>(max<f32>(f32x4.extract_lane(mv, 0), f32x4.extract_lane(mv, 1)),
      max<f32>(f32x4.extract_lane(mv, 2), f32x4.extract_lane(mv, 3)));
    for (; j < rowB; j += 4) m = max<f32>(m, load<f32>(px + j) * s);
    const st = stats + (<usize>r << 3);
    if (!(m > -Infinity && m < Infinity)) {
      store<f32>(st, m);
      store<f32>(st, 0, 4);
      for (j = 0; j < rowB; j += 4) store<f32>(pp + j, 0);
      continue;
    }
    const m4 = f32x4.splat(m);
    let acc = f32x4.splat(0);
    for (j = 0; j < c4; j += 16) {
      const e = exp4(f32x4.sub(f32x4.mul(v128.load(px + j), sv), m4));
      v128.store(pp + j, e);
      acc = f32x4.add(acc, e);
    }
    let sum: f32 = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
    for (; j < rowB; j += 4) {
      const e = f32x4.extract_lane(exp4(f32x4.splat(load<f32>(px + j) * s - m)), 0);
      store<f32>(pp + j, e);
      sum += e;
    }
    store<f32>(st, m);
    store<f32>(st, sum, 4);
    const inv = f32x4.splat(<f32>1 / sum), invS: f32 = <f32>1 / sum;
    for (j = 0; j < c4; j += 16) v128.store(pp + j, f32x4.mul(v128.load(pp + j), inv));
    for (; j < rowB; j += 4) store<f32>(pp + j, load<f32>(pp + j) * invS);
  }
}

/**
 * SimGCL's noise for rows of d: u_c = bits[c]/2³² (float64), f = eps / max(‖u‖₂, 1e-12) (the sum of squares in
 * order, float64), out = f32(sign(x_c)·u_c·f) — bit for bit the JS loop over Rng.float() draws it replaces.
 */
export function simgclNoise(x: usize, bits: usize, d: i32, eps: f64, out: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  const inv32: f64 = 1.0 / 4294967296.0;
  let r = r0;
  // Four rows' sums of squares at once: four independent float64 chains, each still summed in its row's order (the
  // chain's add latency, not the arithmetic, bounds one row at a time).
  for (; r + 4 <= r1; r += 4) {
    const o = <usize>r * rowB;
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
    for (let j: usize = 0; j < rowB; j += 4) {
      const p = bits + o + j;
      const u0 = <f64>load<u32>(p) * inv32, u1 = <f64>load<u32>(p + rowB) * inv32;
      const u2 = <f64>load<u32>(p + 2 * rowB) * inv32, u3 = <f64>load<u32>(p + 3 * rowB) * inv32;
      s0 += u0 * u0;
      s1 += u1 * u1;
      s2 += u2 * u2;
      s3 += u3 * u3;
    }
    noiseRow(x, bits, rowB, o, eps / max<f64>(sqrt<f64>(s0), 1e-12), out);
    noiseRow(x, bits, rowB, o + rowB, eps / max<f64>(sqrt<f64>(s1), 1e-12), out);
    noiseRow(x, bits, rowB, o + 2 * rowB, eps / max<f64>(sqrt<f64>(s2), 1e-12), out);
    noiseRow(x, bits, rowB, o + 3 * rowB, eps / max<f64>(sqrt<f64>(s3), 1e-12), out);
  }
  for (; r < r1; r++) {
    const o = <usize>r * rowB;
    let s: f64 = 0;
    for (let j: usize = 0; j < rowB; j += 4) {
      const u = <f64>load<u32>(bits + o + j) * inv32;
      s += u * u;
    }
    noiseRow(x, bits, rowB, o, eps / max<f64>(sqrt<f64>(s), 1e-12), out);
  }
}

/** One row of simgclNoise given its factor f: out = f32(sign(x)·u·f), two lanes of float64 at a time. */
// @ts-ignore: decorator
@inline function noiseRow(x: usize, bits: usize, rowB: usize, o: usize, f: f64, out: usize): void {
  const inv32: f64 = 1.0 / 4294967296.0;
  const iv = f64x2.splat(inv32), fv = f64x2.splat(f), one = f64x2.splat(1), mone = f64x2.splat(-1), zero = f64x2.splat(0);
  const r4 = rowB & ~(<usize>15);
  let j: usize = 0;
  for (; j < r4; j += 16) {
    const b4 = v128.load(bits + o + j);
    const x4 = v128.load(x + o + j);
    const uLo = f64x2.mul(f64x2.convert_low_i32x4_u(b4), iv);
    const uHi = f64x2.mul(f64x2.convert_low_i32x4_u(i32x4.shuffle(b4, b4, 2, 3, 0, 1)), iv);
    const vLo = f64x2.promote_low_f32x4(x4);
    const vHi = f64x2.promote_low_f32x4(i32x4.shuffle(x4, x4, 2, 3, 0, 1));
    // sign(v) as the JS loop: 1, −1, or v itself (±0, NaN).
    const sLo = v128.bitselect(one, v128.bitselect(mone, vLo, f64x2.lt(vLo, zero)), f64x2.gt(vLo, zero));
    const sHi = v128.bitselect(one, v128.bitselect(mone, vHi, f64x2.lt(vHi, zero)), f64x2.gt(vHi, zero));
    v128.store(out + o + j, demote4(f64x2.mul(f64x2.mul(sLo, uLo), fv), f64x2.mul(f64x2.mul(sHi, uHi), fv)));
  }
  for (; j < rowB; j += 4) {
    const u = <f64>load<u32>(bits + o + j) * inv32;
    const v = <f64>load<f32>(x + o + j);
    const sg: f64 = v > 0 ? 1.0 : v < 0 ? -1.0 : v;
    store<f32>(out + o + j, <f32>(sg * u * f));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Gaussian-kernel row sums from a Gram block (RNS-AS's feature matching, samplers/rnsas.ts; the JS side forms
// g = a·bᵀ with mm and the squared norms).

/**
 * For rows r of g (rows×cols, g[r, j] = a_r·b_j): S_r = Σ_j exp(−c·max(0, an[r] + bn[j] − 2·g[r, j])), the
 * exponentials four columns at a time (exp4, f32; no FMA, so both builds give the same bits from the same g), S_r
 * summed in float64 over j in order of the four-column groups ((e0 + e1) + (e2 + e3) per group, then the tail one
 * by one) and written as two floats, out[2r] = f32(S_r), out[2r+1] = f32(S_r − out[2r]).
 */
export function gaussGram(g: usize, an: usize, bn: usize, cols: i32, c: f32, out: usize, r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>cols << 2;
  const c4 = <usize>(cols & ~3) << 2;
  const nc = f32x4.splat(-c), two = f32x4.splat(2), zero = f32x4.splat(0);
  for (let r = r0; r < r1; r++) {
    const pg = g + <usize>r * rowB;
    const ar = load<f32>(an + (<usize>r << 2));
    const av = f32x4.splat(ar);
    let s: f64 = 0;
    let j: usize = 0;
    for (; j < c4; j += 16) {
      const q = f32x4.max(f32x4.sub(f32x4.add(av, v128.load(bn + j)), f32x4.mul(two, v128.load(pg + j))), zero);
      const e = exp4(f32x4.mul(q, nc));
      s += (<f64>f32x4.extract_lane(e, 0) + <f64>f32x4.extract_lane(e, 1)) + (<f64>f32x4.extract_lane(e, 2) + <f64>f32x4.extract_lane(e, 3));
    }
    for (; j < rowB; j += 4) {
      const q = max<f32>((ar + load<f32>(bn + j)) - <f32>2 * load<f32>(pg + j), 0);
      s += <f64>f32x4.extract_lane(exp4(f32x4.splat(q * -c)), 0);
    }
    const hi = <f32>s;
    store<f32>(out + (<usize>r << 3), hi);
    store<f32>(out + (<usize>r << 3), <f32>(s - <f64>hi), 4);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A generator MF's candidate logits and REINFORCE scatter (RNS-AS, samplers/rnsas.ts). Float64 throughout, no FMA
// in either build (an f32·f32 product is exact in float64; every add and f64 multiply rounds as the JS reference's),
// so both builds and the JS reference (kernels/js.ts) agree bit for bit.

/**
 * z[n·C + s] = b[c] + Σ_k P[u, k]·Q[c, k] for pairs n in [r0, r1), c = cands[n·C + s], u = users[n]: each logit one
 * sequential float64 sum over k starting from the bias, four candidates interleaved.
 */
export function genScores(P: usize, Q: usize, b: usize, users: usize, cands: usize, C: i32, d: i32, out: usize,
  r0: i32, r1: i32, tid: i32): void {
  const rowB = <usize>d << 2;
  for (let n = r0; n < r1; n++) {
    const pu = P + <usize>load<i32>(users + (<usize>n << 2)) * rowB;
    const pc = cands + (<usize>n * <usize>C << 2);
    const po = out + (<usize>n * <usize>C << 3);
    let s = 0;
    for (; s + 4 <= C; s += 4) {
      const c0 = load<i32>(pc + (<usize>s << 2)), c1 = load<i32>(pc + (<usize>s << 2), 4);
      const c2 = load<i32>(pc + (<usize>s << 2), 8), c3 = load<i32>(pc + (<usize>s << 2), 12);
      const q0 = Q + <usize>c0 * rowB, q1 = Q + <usize>c1 * rowB, q2 = Q + <usize>c2 * rowB, q3 = Q + <usize>c3 * rowB;
      let z0 = <f64>load<f32>(b + (<usize>c0 << 2)), z1 = <f64>load<f32>(b + (<usize>c1 << 2));
      let z2 = <f64>load<f32>(b + (<usize>c2 << 2)), z3 = <f64>load<f32>(b + (<usize>c3 << 2));
      for (let j: usize = 0; j < rowB; j += 4) {
        const p = <f64>load<f32>(pu + j);
        z0 += p * <f64>load<f32>(q0 + j);
        z1 += p * <f64>load<f32>(q1 + j);
        z2 += p * <f64>load<f32>(q2 + j);
        z3 += p * <f64>load<f32>(q3 + j);
      }
      store<f64>(po + (<usize>s << 3), z0);
      store<f64>(po + (<usize>s << 3), z1, 8);
      store<f64>(po + (<usize>s << 3), z2, 16);
      store<f64>(po + (<usize>s << 3), z3, 24);
    }
    for (; s < C; s++) {
      const c0 = load<i32>(pc + (<usize>s << 2));
      const q0 = Q + <usize>c0 * rowB;
      let z0 = <f64>load<f32>(b + (<usize>c0 << 2));
      for (let j: usize = 0; j < rowB; j += 4) z0 += <f64>load<f32>(pu + j) * <f64>load<f32>(q0 + j);
      store<f64>(po + (<usize>s << 3), z0);
    }
  }
}

/**
 * The scatter of logit gradients dz [N × C] (float64) onto a generator MF, pairs in order, slots in order, zero
 * weights skipped: gP[rowOf[n], :] += w·Q[c, :], gQ[c, :] += w·P[u, :], gb[c] += w (gP, gQ, gb float64; gQ and gb
 * scratch that is zero on entry and left zero), each touched item listed once in `touched` (seen: an i32 per item,
 * zero on entry and on exit). Then every touched row goes to hq / hb as float32. Returns the number of touched items.
 * Single-threaded: the float64 sums follow pair order.
 */
export function genGrad(P: usize, Q: usize, users: usize, rowOf: usize, cands: usize, dz: usize, N: i32, C: i32, d: i32,
  gP: usize, gQ: usize, gb: usize, seen: usize, touched: usize, hq: usize, hb: usize): i32 {
  const rowB = <usize>d << 2, rowD = <usize>d << 3;
  const d2 = <usize>(d & ~1) << 3;
  let nt = 0;
  for (let n = 0; n < N; n++) {
    const pu = P + <usize>load<i32>(users + (<usize>n << 2)) * rowB;
    const gu = gP + <usize>load<i32>(rowOf + (<usize>n << 2)) * rowD;
    for (let t = 0; t < C; t++) {
      const k = <usize>n * <usize>C + <usize>t;
      const w = load<f64>(dz + (k << 3));
      if (w == 0) continue;
      const c = load<i32>(cands + (k << 2));
      const ps = seen + (<usize>c << 2);
      if (load<i32>(ps) == 0) {
        store<i32>(ps, 1);
        store<i32>(touched + (<usize>nt << 2), c);
        nt++;
      }
      const qc = Q + <usize>c * rowB, gq = gQ + <usize>c * rowD;
      const wv = f64x2.splat(w);
      let j: usize = 0, jf: usize = 0;
      for (; j < d2; j += 16, jf += 8) {
        const qv = f64x2.promote_low_f32x4(v128.load64_zero(qc + jf));
        const pv = f64x2.promote_low_f32x4(v128.load64_zero(pu + jf));
        v128.store(gu + j, f64x2.add(v128.load(gu + j), f64x2.mul(wv, qv)));
        v128.store(gq + j, f64x2.add(v128.load(gq + j), f64x2.mul(wv, pv)));
      }
      for (; j < rowD; j += 8, jf += 4) {
        store<f64>(gu + j, load<f64>(gu + j) + w * <f64>load<f32>(qc + jf));
        store<f64>(gq + j, load<f64>(gq + j) + w * <f64>load<f32>(pu + jf));
      }
      const pb = gb + (<usize>c << 3);
      store<f64>(pb, load<f64>(pb) + w);
    }
  }
  for (let t = 0; t < nt; t++) {
    const c = load<i32>(touched + (<usize>t << 2));
    const gq = gQ + <usize>c * rowD, oq = hq + <usize>c * rowB;
    for (let j: usize = 0, jf: usize = 0; j < rowD; j += 8, jf += 4) {
      store<f32>(oq + jf, <f32>load<f64>(gq + j));
      store<f64>(gq + j, 0);
    }
    store<f32>(hb + (<usize>c << 2), <f32>load<f64>(gb + (<usize>c << 3)));
    store<f64>(gb + (<usize>c << 3), 0);
    store<i32>(seen + (<usize>c << 2), 0);
  }
  return nt;
}

// ---------------------------------------------------------------------------------------------------------------
// Element-wise engine ops (ops/unary.ts, ops/rows.ts, param.ts), bit for bit their JS loops: where JS computes in
// float64 and rounds once on the store (slope·x with a float64 slope), so do these; a float32 + float32 sum is the
// same either way (float64 has more than 2·24 + 2 bits, so rounding twice is innocuous).

/** out[i] = x[i] > 0 ? x[i] : f32(slope·x[i]) over elements [i0, i1). */
export function leakyRelu(x: usize, slope: f64, out: usize, i0: i32, i1: i32, tid: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(out + o, v > 0 ? v : <f32>(slope * <f64>v));
  }
}

/** ga[i] (+)= x[i] > 0 ? g[i] : slope·g[i] over elements [i0, i1), the sum in float64 and rounded once (as JS). */
export function leakyReluBack(x: usize, g: usize, slope: f64, ga: usize, acc: i32, i0: i32, i1: i32, tid: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = <f64>load<f32>(g + o);
    const t: f64 = load<f32>(x + o) > 0 ? gv : slope * gv;
    store<f32>(ga + o, acc ? <f32>(<f64>load<f32>(ga + o) + t) : <f32>t);
  }
}

/** dst[r·dstStride + dstOff + j] (+)= src[r·srcStride + srcOff + j] for j < width, rows [r0, r1). */
export function copyRows(src: usize, srcStride: i32, srcOff: i32, dst: usize, dstStride: i32, dstOff: i32, width: i32,
  acc: i32, r0: i32, r1: i32, tid: i32): void {
  const wB = <usize>width << 2;
  const w4 = <usize>(width & ~3) << 2;
  for (let r = r0; r < r1; r++) {
    const ps = src + ((<usize>r * <usize>srcStride + <usize>srcOff) << 2);
    const pd = dst + ((<usize>r * <usize>dstStride + <usize>dstOff) << 2);
    if (!acc) {
      memory.copy(pd, ps, wB);
      continue;
    }
    let j: usize = 0;
    for (; j < w4; j += 16) v128.store(pd + j, f32x4.add(v128.load(pd + j), v128.load(ps + j)));
    for (; j < wB; j += 4) store<f32>(pd + j, load<f32>(pd + j) + load<f32>(ps + j));
  }
}

/**
 * ops.binaryEqual's forward, out[i] = a[i] ∘ b[i] over [i0, i1) (kind 0 +, 1 −, 2 ×, 3 ÷): float32 SIMD, the same
 * numbers as JS's float64 operation rounded on the store (innocuous double rounding for + − × ÷ of float32s).
 */
export function ewBinary(kind: i32, a: usize, b: usize, out: usize, i0: i32, i1: i32, tid: i32): void {
  let i = i0;
  const i4 = i0 + ((i1 - i0) & ~3);
  for (; i < i4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o), y = v128.load(b + o);
    let z: v128;
    if (kind == 0) z = f32x4.add(x, y);
    else if (kind == 1) z = f32x4.sub(x, y);
    else if (kind == 2) z = f32x4.mul(x, y);
    else z = f32x4.div(x, y);
    v128.store(out + o, z);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(a + o), y = load<f32>(b + o);
    store<f32>(out + o, kind == 0 ? x + y : kind == 1 ? x - y : kind == 2 ? x * y : x / y);
  }
}

/**
 * ops.binaryEqual's backward into one operand over [i0, i1), in float64 and rounded once on the store, as its JS
 * loops. side 0 (the left operand a; q = b): t = [t +] g | g | g·q | g/q for kinds 0, 1, 2, 3 (the plain copy of
 * kinds 0/1 without `acc` is left to the caller). side 1 (the right operand b; p = out, q = b for kind 3, q = a for
 * kind 2): t = (acc ? t : +0) + g | − g | + g·q | − g·p/q.
 */
export function ewBinaryBack(kind: i32, side: i32, g: usize, p: usize, q: usize, t: usize, acc: i32, i0: i32, i1: i32,
  tid: i32): void {
  for (let i = i0; i < i1; i++) {
    const o = <usize>i << 2;
    const gv = <f64>load<f32>(g + o);
    let v: f64;
    if (side == 0) {
      const term: f64 = kind <= 1 ? gv : kind == 2 ? gv * <f64>load<f32>(q + o) : gv / <f64>load<f32>(q + o);
      v = acc ? <f64>load<f32>(t + o) + term : term;
    } else {
      // JS: a fresh gb starts at +0, then gb += g | −= g | += g·a | −= g·out/b.
      const base: f64 = acc ? <f64>load<f32>(t + o) : 0;
      if (kind == 0) v = base + gv;
      else if (kind == 1) v = base - gv;
      else if (kind == 2) v = base + gv * <f64>load<f32>(q + o);
      else v = base - gv * <f64>load<f32>(p + o) / <f64>load<f32>(q + o);
    }
    store<f32>(t + o, <f32>v);
  }
}

/** out[i] = f32(acc ? out[i] + src[i]·f : src[i]·f) over [i0, i1), in float64 (ops.meanOf's backward). */
export function axpyF64(src: usize, f: f64, out: usize, acc: i32, i0: i32, i1: i32, tid: i32): void {
  const fv = f64x2.splat(f);
  let i = i0;
  const i4 = i0 + ((i1 - i0) & ~3);
  for (; i < i4; i += 4) {
    const o = <usize>i << 2;
    let lo = f64x2.mul(loadLo(src + o), fv), hi = f64x2.mul(loadHi(src + o), fv);
    if (acc) {
      lo = f64x2.add(loadLo(out + o), lo);
      hi = f64x2.add(loadHi(out + o), hi);
    }
    v128.store(out + o, demote4(lo, hi));
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const v = <f64>load<f32>(src + o) * f;
    store<f32>(out + o, <f32>(acc ? <f64>load<f32>(out + o) + v : v));
  }
}

/**
 * ops.l2NormalizeRows, rows [r0, r1) of [· × C]: ‖x_r‖ as a sequential float64 sum of squares, n = max(√s, eps)
 * kept in norms (float64), y = f32(x / n), exactly the JS loop.
 */
export function l2NormRows(x: usize, C: i32, eps: f64, y: usize, norms: usize, r0: i32, r1: i32, tid: i32): void {
  for (let r = r0; r < r1; r++) {
    const px = x + ((<usize>r * <usize>C) << 2), py = y + ((<usize>r * <usize>C) << 2);
    let s: f64 = 0;
    for (let j = 0; j < C; j++) {
      const v = <f64>load<f32>(px + (<usize>j << 2));
      s += v * v;
    }
    const n = max(Math.sqrt(s), eps);
    store<f64>(norms + (<usize>r << 3), n);
    for (let j = 0; j < C; j++) store<f32>(py + (<usize>j << 2), <f32>(<f64>load<f32>(px + (<usize>j << 2)) / n));
  }
}

/**
 * l2NormRows' backward, rows [r0, r1): a row whose g is all zeros is skipped; otherwise ga += (g − y·(y·g)) / n
 * (y·g a sequential float64 sum), or ga += g / eps where n ≤ eps; float64, rounded once, as the JS loop.
 */
export function l2NormRowsBack(y: usize, g: usize, norms: usize, C: i32, eps: f64, ga: usize, r0: i32, r1: i32, tid: i32): void {
  for (let r = r0; r < r1; r++) {
    const o = (<usize>r * <usize>C) << 2;
    const py = y + o, pg = g + o, pa = ga + o;
    let j0 = 0;
    while (j0 < C && load<f32>(pg + (<usize>j0 << 2)) == 0) j0++;
    if (j0 == C) continue;
    const n = load<f64>(norms + (<usize>r << 3));
    if (n > eps) {
      let yg: f64 = 0;
      for (let j = 0; j < C; j++) yg += <f64>load<f32>(py + (<usize>j << 2)) * <f64>load<f32>(pg + (<usize>j << 2));
      for (let j = 0; j < C; j++) {
        const k = <usize>j << 2;
        store<f32>(pa + k, <f32>(<f64>load<f32>(pa + k) + (<f64>load<f32>(pg + k) - <f64>load<f32>(py + k) * yg) / n));
      }
    } else {
      for (let j = 0; j < C; j++) {
        const k = <usize>j << 2;
        store<f32>(pa + k, <f32>(<f64>load<f32>(pa + k) + <f64>load<f32>(pg + k) / eps));
      }
    }
  }
}

/**
 * A row-sparse gradient's accumulation (Parameter._acceptRowGrad): for r < n in order, row t = idx[r]: a table row
 * seen for the first time (slot[t] < 0) gets the next slot s = nRows++ (slot[t] = s, rows[s] = t) and a copy of
 * g's row r; a row seen before adds g's row r to vals' row slot[t]. Indices are checked by the caller. Returns the
 * new nRows. Single-threaded: slots follow the order of idx.
 */
export function acceptRows(idx: usize, n: i32, g: usize, d: i32, slot: usize, rows: usize, vals: usize, nRows: i32): i32 {
  const rowB = <usize>d << 2;
  const d4 = <usize>(d & ~3) << 2;
  let k = nRows;
  for (let r = 0; r < n; r++) {
    const t = load<i32>(idx + (<usize>r << 2));
    const pslot = slot + (<usize>t << 2);
    let s = load<i32>(pslot);
    const ps = g + <usize>r * rowB;
    if (s < 0) {
      s = k++;
      store<i32>(pslot, s);
      store<i32>(rows + (<usize>s << 2), t);
      memory.copy(vals + <usize>s * rowB, ps, rowB);
    } else {
      const pd = vals + <usize>s * rowB;
      let j: usize = 0;
      for (; j < d4; j += 16) v128.store(pd + j, f32x4.add(v128.load(pd + j), v128.load(ps + j)));
      for (; j < rowB; j += 4) store<f32>(pd + j, load<f32>(pd + j) + load<f32>(ps + j));
    }
  }
  return k;
}
