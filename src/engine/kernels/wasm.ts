// The WebAssembly SIMD backend: kernels from assembly/kernels.ts (compiled to wasm/kernels.wasm) run on the
// calling thread plus `threads − 1` workers (pool.ts), all over the one shared heap memory. Work is split by
// output rows (columns for scatter-add), so every number is computed the same way whatever the thread count.
// Arrays that are not on the heap are copied in (and out) around the call: correct, only slower. CSR matrices
// off the heap are copied once and cached by the identity of their arrays (CSR data are treated as immutable).
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { heap } from '../memory.js';
import { MAX_CHUNKS, WorkerPool } from './pool.js';
import { applyJump, jumpPolynomial } from '../../core/rngJump.js';
import type { AdamHyper, CsrMatrix, Kernels } from './types.js';

const NAMES = ['mm', 'transpose', 'spmm', 'gather', 'scatterAdd', 'rowDot', 'scaleRows', 'adam', 'adamRows',
  'packPanels', 'scoreTopK', 'mmDeep', 'groupDot', 'gatherMean', 'scatterAddScaled', 'scaleRowsF64', 'adamDense', 'drawUniform',
  'ngcfPrep', 'ngcfAct', 'ngcfGate', 'ngcfBack', 'fillU32',
  'lseRowsScaled', 'simgclNoise', 'gaussGram', 'genScores', 'genGrad',
  'leakyRelu', 'leakyReluBack', 'copyRows', 'acceptRows', 'ewBinary', 'ewBinaryBack', 'axpyF64', 'l2NormRows',
  'l2NormRowsBack', 'fillU32Chunks'] as const;
type Name = (typeof NAMES)[number];
const OP: Record<Name, number> = Object.fromEntries(NAMES.map((n, i) => [n, i])) as Record<Name, number>;
type Fn = (...a: number[]) => void;

/**
 * Kernels estimated to take less than this (ns on one thread, 250 µs) run on the calling thread alone: waking a worker
 * costs microseconds when it is spinning and much more when it sleeps or the machine is busy. Estimates below
 * (NS_*) were measured on the 2-core dev machine (AMD EPYC, Node 20).
 */
const PAR_MIN_NS = 250_000;
const NS_MADD = 0.05; // register-blocked matmul / scoring, per multiply-add
const NS_SPMM = 0.15; // per non-zero × column
const NS_ROW = 0.2; // gather, scatter-add, rowDot, scaleRows, transpose, packing: per element
const NS_ADAM = 0.7; // per parameter
const NS_RNG = 1.0; // xoshiro128** words: a serial chain per stream
/** Parallel stream fills cut chunks of at least this many words (each chunk start costs a 128-step jump). */
const FILL_CHUNK_MIN = 16384;
const CHUNKS_PER_THREAD = 4;
/** Reductions at least this long (and ≥ 4·m) take the reduction-blocked matmul (assembly mmDeep). */
const DEEP_K = 1024;
/** gatherMean's most tables (layer sets hold at most 65 layers: 0..64). */
const MAX_MEAN_TABLES = 128;

/**
 * The two builds of assembly/kernels.ts: 'simd' (kernels.wasm, plain WebAssembly SIMD) and 'fma' (kernels-fma.wasm,
 * relaxed SIMD: every SIMD multiply-add of matmul, scoring, spmm and the row ops is one fused f32x4.relaxed_madd).
 * They differ in the last bits of those kernels' results; each is bit-identical across thread counts.
 */
export type KernelSet = 'simd' | 'fma';
/** What a caller asks for: a set, or 'auto' (fma when this engine validates it, simd otherwise). */
export type KernelSetRequest = KernelSet | 'auto';

// dist-NAME/src/engine/kernels/ → dist-NAME/wasm/kernels.wasm, else <repo>/dist/wasm/kernels.wasm.
export function locateKernelsWasm(set: KernelSet = 'simd'): string {
  const file = set === 'fma' ? 'kernels-fma.wasm' : 'kernels.wasm';
  const candidates = [
    fileURLToPath(new URL(`../../../wasm/${file}`, import.meta.url)),
    fileURLToPath(new URL(`../../../../dist/wasm/${file}`, import.meta.url)),
  ];
  for (const p of candidates) if (existsSync(p)) return p;
  throw new Error(`wasm kernels: ${file} not found (looked in ${candidates.join(', ')}); run \`npm run build:wasm\``);
}

const compiled = new Map<KernelSet, WebAssembly.Module>();
function kernelsModule(set: KernelSet): WebAssembly.Module {
  let m = compiled.get(set);
  if (!m) {
    const bytes = readFileSync(locateKernelsWasm(set));
    // Node 20 (V8 11.3) has relaxed SIMD behind a flag; from Node 21 on it is on by default. The flag must be set
    // before the module is compiled; setting it does nothing else.
    if (set === 'fma' && !WebAssembly.validate(bytes)) setFlagsFromString('--experimental-wasm-relaxed-simd');
    m = new WebAssembly.Module(bytes);
    compiled.set(set, m);
  }
  return m;
}

let fmaCheck: { ok: boolean; reason: string | null } | null = null;

/**
 * Whether the FMA kernel set can run here, checked once: the module compiles (relaxed SIMD enabled), says it is the
 * FMA build, and its madd really fuses on this CPU (relaxed_madd may legally round the product first: then the set
 * would only be a slower copy of 'simd' with other numbers, so it is refused). `reason` says why not.
 */
export function fmaKernelsStatus(): { ok: boolean; reason: string | null } {
  if (fmaCheck) return fmaCheck;
  try {
    const inst = new WebAssembly.Instance(kernelsModule('fma'), {
      env: { memory: heap.memory, abort: () => { throw new Error('wasm abort'); } },
    });
    const set = (inst.exports.kernelSet as () => number)();
    const a = 1 + 2 ** -12;
    const r = (inst.exports.fmaProbe as (a: number, b: number, c: number) => number)(a, a, -(1 + 2 ** -11));
    if (set !== 1) fmaCheck = { ok: false, reason: 'kernels-fma.wasm is not the FMA build (rebuild with npm run build:wasm)' };
    else if (r !== 2 ** -24) fmaCheck = { ok: false, reason: `relaxed_madd does not fuse on this CPU (probe gave ${r})` };
    else fmaCheck = { ok: true, reason: null };
  } catch (e) {
    fmaCheck = { ok: false, reason: `relaxed SIMD unavailable: ${e instanceof Error ? e.message : String(e)}` };
  }
  return fmaCheck;
}

/** The set a request resolves to here ('fma' when requested but unusable throws, naming the reason). */
export function resolveKernelSet(req: KernelSetRequest): { set: KernelSet; reason: string | null } {
  if (req === 'simd') return { set: 'simd', reason: null };
  const st = fmaKernelsStatus();
  if (req === 'fma') {
    if (!st.ok) throw new Error(`FMA kernels requested but not usable: ${st.reason}`);
    return { set: 'fma', reason: null };
  }
  return st.ok ? { set: 'fma', reason: null } : { set: 'simd', reason: st.reason };
}

type View = Float32Array | Int32Array | Float64Array;

export interface WasmKernelOptions {
  /** Estimated single-thread ns below which a kernel stays on the calling thread (default 250 µs); tests set 0. */
  minParallelWork?: number;
  /** Which build of the kernels to run (default 'auto': 'fma' when validated here, else 'simd'). */
  kernels?: KernelSetRequest;
}

export class WasmKernels implements Kernels {
  readonly name = 'wasm';
  readonly threads: number;
  /** The kernel build this backend runs. */
  readonly kernelSet: KernelSet;
  /** Why 'auto' chose 'simd' (the FMA set is not usable here); null otherwise. */
  readonly kernelSetReason: string | null;
  private readonly fns: Fn[];
  private readonly pool: WorkerPool | null;
  private readonly scoreScratchBytes: (k: number) => number;
  /** Heap copies of views that were not on the heap, for the current call. */
  private staged: { tmp: View; orig: View; back: boolean }[] = [];
  private readonly csrCache = new WeakMap<View, View>();

  private readonly minParallelWork: number;
  private meanPtrs: Int32Array | null = null;
  private rngState: Int32Array | null = null;
  private drawMask: Int32Array | null = null;
  private jumpCache: { k: number; poly: Uint32Array } | null = null;

  constructor(threads: number, opts: WasmKernelOptions = {}) {
    this.minParallelWork = opts.minParallelWork ?? PAR_MIN_NS;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`createWasmKernels: threads must be a positive integer, got ${threads}`);
    }
    this.threads = threads;
    const { set, reason } = resolveKernelSet(opts.kernels ?? 'auto');
    this.kernelSet = set;
    this.kernelSetReason = reason;
    const module = kernelsModule(set);
    const inst = new WebAssembly.Instance(module, {
      env: { memory: heap.memory, abort: () => { throw new Error('wasm abort'); } },
    });
    this.fns = NAMES.map((n) => {
      const f = inst.exports[n];
      if (typeof f !== 'function') throw new Error(`wasm kernels: export '${n}' missing; rebuild kernels.wasm`);
      return f as Fn;
    });
    this.scoreScratchBytes = inst.exports.scoreScratchBytes as (k: number) => number;
    // Optional, so an older kernels.wasm still loads: the heap then zeroes with TypedArray.fill.
    if (typeof inst.exports.zeroBytes === 'function') heap.setBulkZero(inst.exports.zeroBytes as (p: number, b: number) => void);
    this.pool = threads > 1 ? new WorkerPool(module, heap.memory, threads, [...NAMES]) : null;
  }

  /** Stops the worker threads; the object must not be used afterwards. */
  dispose(): void {
    this.pool?.close();
    if (this.meanPtrs) heap.free(this.meanPtrs);
    if (this.rngState) heap.free(this.rngState);
    if (this.drawMask) heap.free(this.drawMask);
    this.meanPtrs = this.rngState = this.drawMask = null;
  }

  // ------------------------------------------------------------------------------------------------ dispatch

  /** Runs kernel `name` over [0, total) split in `grain`-aligned slices, or on this thread when `work` (ns) is small. */
  private par(name: Name, args: number[], total: number, grain: number, work: number, bounds?: number[]): void {
    if (total <= 0) return;
    const f = this.fns[OP[name]]!;
    if (!this.pool || work < this.minParallelWork || total <= grain) {
      f(...args, 0, total, 0);
      return;
    }
    // Several chunks per thread: threads claim them dynamically, so a thread the OS has descheduled (a busy
    // machine) delays the call by one chunk at most, not by its whole share.
    const chunks = Math.min(MAX_CHUNKS, this.threads * CHUNKS_PER_THREAD);
    const b = bounds ?? evenBounds(total, chunks, grain);
    this.pool.run(OP[name], args, b, (s, e) => f(...args, s, e, 0));
  }

  /** Heap byte offset of `v`, staging a copy when it is not on the heap (copied back after when `back`). */
  private p(v: View, back: boolean): number {
    if (heap.owns(v)) return v.byteOffset;
    const tmp = v instanceof Float32Array ? heap.allocF32(v.length) : v instanceof Float64Array ? heap.allocF64(v.length)
      : heap.allocI32(v.length);
    tmp.set(v as never);
    this.staged.push({ tmp, orig: v, back });
    return tmp.byteOffset;
  }

  /** Heap offset of a constant CSR array, copied once and cached when off the heap. */
  private pc(v: View): number {
    if (heap.owns(v)) return v.byteOffset;
    let c = this.csrCache.get(v);
    if (!c) {
      c = v instanceof Float32Array ? heap.allocF32(v.length) : heap.allocI32(v.length);
      c.set(v as never);
      this.csrCache.set(v, c);
    }
    return c.byteOffset;
  }

  private done(): void {
    for (const s of this.staged) {
      if (s.back) s.orig.set(s.tmp as never);
      heap.free(s.tmp);
    }
    this.staged = [];
  }

  // ------------------------------------------------------------------------------------------------- kernels

  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number,
    transA: boolean, transB: boolean, accumulate: boolean): void {
    need('matmul', 'a', a, m * k);
    need('matmul', 'b', b, k * n);
    need('matmul', 'c', c, m * n);
    if (m === 0 || n === 0) return;
    let bt: Float32Array | null = null;
    let part: Float32Array | null = null;
    try {
      const pa = this.p(a, false), pcc = this.p(c, true);
      let pb = this.p(b, false);
      if (transB) {
        // op(B) = Bᵀ with B n×k: transpose it into a k×n scratch so the micro-kernel reads rows of 8 columns.
        bt = heap.allocF32(k * n);
        this.par('transpose', [pb, n, k, bt.byteOffset], k, 1, k * n * NS_ROW);
        pb = bt.byteOffset;
      }
      const rsa = transA ? 1 : k, psa = transA ? m : 1;
      if (k >= DEEP_K && k >= 4 * m && m % 4 === 0 && n % 8 === 0) {
        // A long reduction (a weight gradient Aᵀ·G over every row of a table): reduction-blocked, same numbers.
        // One chunk per thread: every chunk streams the whole reduction once, so more chunks cost memory traffic.
        part = heap.allocF32Uninit(m * n);
        this.par('mmDeep', [pa, rsa, psa, pb, n, pcc, n, k, accumulate ? 1 : 0, part.byteOffset], m, 4,
          m * n * k * NS_MADD, this.pool ? evenBounds(m, this.threads, 4) : undefined);
      } else {
        this.par('mm', [pa, rsa, psa, pb, n, pcc, n, k, accumulate ? 1 : 0], m, 4, m * n * k * NS_MADD);
      }
    } finally {
      if (bt) heap.free(bt);
      if (part) heap.free(part);
      this.done();
    }
  }

  spmm(s: CsrMatrix, x: Float32Array, d: number, y: Float32Array, accumulate: boolean): void {
    checkCsr('spmm', s);
    need('spmm', 'x', x, s.cols * d);
    need('spmm', 'y', y, s.rows * d);
    try {
      const args = [this.pc(s.indptr), this.pc(s.indices), s.values ? this.pc(s.values) : 0, this.p(x, false), d,
        this.p(y, true), accumulate ? 1 : 0];
      const nnz = s.indptr[s.rows]!;
      // Balance the slices by non-zeros rather than rows (degrees are skewed).
      const bounds = this.pool ? nnzBounds(s.indptr, s.rows, Math.min(MAX_CHUNKS, this.threads * CHUNKS_PER_THREAD)) : undefined;
      this.par('spmm', args, s.rows, 1, (nnz + s.rows) * d * NS_SPMM, bounds);
    } finally {
      this.done();
    }
  }

  gatherRows(src: Float32Array, d: number, idx: Int32Array, out: Float32Array): void {
    const n = idx.length;
    need('gatherRows', 'out', out, n * d);
    checkIndices('gatherRows', idx, n, Math.floor(src.length / Math.max(d, 1)));
    try {
      this.par('gather', [this.p(src, false), d, this.p(idx, false), this.p(out, true)], n, 1, n * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  scatterAddRows(rows: Float32Array, d: number, idx: Int32Array, target: Float32Array): void {
    const n = idx.length;
    need('scatterAddRows', 'rows', rows, n * d);
    checkIndices('scatterAddRows', idx, n, Math.floor(target.length / Math.max(d, 1)));
    try {
      // Split over groups of 4 columns: each thread adds every row r in order, to its own columns.
      this.par('scatterAdd', [this.p(rows, false), d, this.p(idx, false), n, this.p(target, true)],
        Math.ceil(d / 4), 1, n * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  rowDot(a: Float32Array, b: Float32Array, rows: number, d: number, out: Float32Array): void {
    need('rowDot', 'a', a, rows * d);
    need('rowDot', 'b', b, rows * d);
    need('rowDot', 'out', out, rows);
    try {
      this.par('rowDot', [this.p(a, false), this.p(b, false), d, this.p(out, true)], rows, 1, rows * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  groupDot(q: Float32Array, K: number, table: Float32Array, idx: Int32Array, R: number, M: number, d: number,
    out: Float32Array): void {
    need('groupDot', 'q', q, Math.ceil(R / Math.max(K, 1)) * d);
    need('groupDot', 'idx', idx, R * M);
    need('groupDot', 'out', out, R * M);
    if (!Number.isInteger(K) || K < 1) throw new RangeError(`groupDot: K must be a positive integer, got ${K}`);
    checkIndices('groupDot', idx, R * M, Math.floor(table.length / Math.max(d, 1)));
    try {
      this.par('groupDot', [this.p(q, false), K, this.p(table, false), this.p(idx, false), M, d, this.p(out, true)],
        R, 1, R * M * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  gatherMean(tables: readonly Float32Array[], d: number, idx: Int32Array, out: Float32Array): void {
    const L = tables.length, n = idx.length;
    if (L < 1 || L > MAX_MEAN_TABLES) throw new RangeError(`gatherMean: ${L} tables (1..${MAX_MEAN_TABLES})`);
    need('gatherMean', 'out', out, n * d);
    let limit = Infinity;
    for (const t of tables) limit = Math.min(limit, Math.floor(t.length / Math.max(d, 1)));
    checkIndices('gatherMean', idx, n, limit);
    try {
      // The table offsets go in a scratch array kept for the backend's life (calls never overlap).
      const ptrs = (this.meanPtrs ??= heap.allocI32(MAX_MEAN_TABLES));
      for (let k = 0; k < L; k++) ptrs[k] = this.p(tables[k]!, false);
      this.par('gatherMean', [ptrs.byteOffset, L, this.p(idx, false), d, 1 / L, L > 4 ? 1 : 0, this.p(out, true)], n, 1,
        n * d * L * NS_ROW);
    } finally {
      this.done();
    }
  }

  scatterAddScaled(rows: Float32Array, d: number, idx: Int32Array, f: number, target: Float32Array): void {
    const n = idx.length;
    need('scatterAddScaled', 'rows', rows, n * d);
    checkIndices('scatterAddScaled', idx, n, Math.floor(target.length / Math.max(d, 1)));
    try {
      this.par('scatterAddScaled', [this.p(rows, false), d, this.p(idx, false), n, f, this.p(target, true)],
        Math.ceil(d / 4), 1, n * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  scaleRowsF64(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array, accumulate: boolean): void {
    need('scaleRowsF64', 'src', src, rows * d);
    need('scaleRowsF64', 'coef', coef, rows);
    need('scaleRowsF64', 'out', out, rows * d);
    try {
      this.par('scaleRowsF64', [this.p(src, false), this.p(coef, false), d, this.p(out, true), accumulate ? 1 : 0],
        rows, 1, rows * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  ngcfPrep(side: Float32Array, e: Float32Array, rows: number, d: number, f: Float32Array | null, p: Float32Array): void {
    const n = rows * d;
    need('ngcfPrep', 'side', side, n);
    need('ngcfPrep', 'e', e, n);
    need('ngcfPrep', 'p', p, n);
    if (f) need('ngcfPrep', 'f', f, n);
    try {
      this.par('ngcfPrep', [this.p(side, false), this.p(e, false), d, f ? this.p(f, true) : 0, this.p(p, true)],
        rows, 1, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  ngcfAct(pre: Float32Array, bias: Float32Array, rows: number, d: number, bits: Uint32Array | null, cut: number,
    keep: number, slope: number, out: Float32Array, factor: Float32Array): void {
    const n = rows * d;
    need('ngcfAct', 'pre', pre, n);
    need('ngcfAct', 'bias', bias, d);
    need('ngcfAct', 'out', out, n);
    need('ngcfAct', 'factor', factor, n);
    if (bits) {
      need('ngcfAct', 'bits', bits, n);
      if (!heap.owns(bits)) throw new Error("ngcfAct: 'bits' must live on the engine heap");
    }
    checkCut('ngcfAct', cut);
    try {
      this.par('ngcfAct', [this.p(pre, false), this.p(bias, false), d, bits ? bits.byteOffset : 0, cut, keep, slope,
        this.p(out, true), this.p(factor, true)], rows, 1, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  ngcfGate(g: Float32Array, factor: Float32Array, rows: number, d: number, out: Float32Array): void {
    const n = rows * d;
    need('ngcfGate', 'g', g, n);
    need('ngcfGate', 'factor', factor, n);
    need('ngcfGate', 'out', out, n);
    try {
      this.par('ngcfGate', [this.p(g, false), this.p(factor, false), d, this.p(out, true)], rows, 1, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  ngcfBack(gF: Float32Array, gP: Float32Array, side: Float32Array, e: Float32Array, rows: number, d: number,
    gSide: Float32Array, gE: Float32Array, addSelf: boolean): void {
    const n = rows * d;
    for (const [nm, v] of [['gF', gF], ['gP', gP], ['side', side], ['e', e], ['gSide', gSide], ['gE', gE]] as const) {
      need('ngcfBack', nm, v, n);
    }
    try {
      this.par('ngcfBack', [this.p(gF, false), this.p(gP, false), this.p(side, false), this.p(e, false), d,
        this.p(gSide, true), this.p(gE, true), addSelf ? 1 : 0], rows, 1, n * NS_ROW * 2);
    } finally {
      this.done();
    }
  }

  /** Extra (not in the Kernels seam): out[r] = (accumulate ? out[r] : 0) + (alpha·coef[r])·src[r]. */
  scaleRows(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array, alpha: number,
    accumulate: boolean): void {
    need('scaleRows', 'src', src, rows * d);
    need('scaleRows', 'coef', coef, rows);
    need('scaleRows', 'out', out, rows * d);
    try {
      this.par('scaleRows', [this.p(src, false), this.p(coef, false), d, this.p(out, true), alpha,
        accumulate ? 1 : 0], rows, 1, rows * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  scoreTopK(users: Float32Array, items: Float32Array, nu: number, ni: number, d: number, k: number,
    mask: CsrMatrix | null, maskRowOffset: number, itemBias: Float32Array | null,
    outIdx: Int32Array, outScore: Float32Array, prepacked?: Float32Array | null): void {
    need('scoreTopK', 'users', users, nu * d);
    need('scoreTopK', 'items', items, ni * d);
    need('scoreTopK', 'outIdx', outIdx, nu * k);
    need('scoreTopK', 'outScore', outScore, nu * k);
    if (itemBias) need('scoreTopK', 'itemBias', itemBias, ni);
    if (mask) {
      checkCsr('scoreTopK mask', mask);
      if (maskRowOffset < 0 || maskRowOffset + nu > mask.rows) {
        throw new RangeError(`scoreTopK: mask rows ${maskRowOffset}..${maskRowOffset + nu} outside the mask's ${mask.rows} rows`);
      }
    }
    if (nu === 0 || k <= 0) return;
    const panels = Math.ceil(ni / 8);
    if (prepacked && (!heap.owns(prepacked) || prepacked.length !== Math.max(1, panels * 8 * d))) {
      throw new RangeError(`scoreTopK: packed items must be packScoreItems' ${Math.max(1, panels * 8 * d)} heap floats for ${ni} × ${d}, got ${prepacked.length}`);
    }
    let packed: Float32Array | null = null;
    let scratch: Float32Array | null = null;
    try {
      const pu = this.p(users, false);
      let packedAt: number;
      if (prepacked) packedAt = prepacked.byteOffset;
      else {
        const pi = this.p(items, false);
        packed = heap.allocF32(Math.max(1, panels * 8 * d));
        this.par('packPanels', [pi, ni, d, packed.byteOffset], panels, 1, panels * 8 * d * NS_ROW);
        packedAt = packed.byteOffset;
      }
      scratch = heap.allocF32((this.threads * this.scoreScratchBytes(k)) / 4);
      const args = [pu, packedAt, ni, d, k,
        mask ? this.pc(mask.indptr) : 0, mask ? this.pc(mask.indices) : 0, maskRowOffset,
        itemBias ? this.p(itemBias, false) : 0, this.p(outIdx, true), this.p(outScore, true), scratch.byteOffset];
      this.par('scoreTopK', args, nu, 4, nu * ni * d * NS_MADD);
    } finally {
      if (packed) heap.free(packed);
      if (scratch) heap.free(scratch);
      this.done();
    }
  }

  packScoreItems(items: Float32Array, ni: number, d: number): Float32Array {
    need('packScoreItems', 'items', items, ni * d);
    const panels = Math.ceil(ni / 8);
    const packed = heap.allocF32(Math.max(1, panels * 8 * d));
    try {
      this.par('packPanels', [this.p(items, false), ni, d, packed.byteOffset], panels, 1, panels * 8 * d * NS_ROW);
    } catch (e) {
      heap.free(packed);
      throw e;
    } finally {
      this.done();
    }
    return packed;
  }

  adam(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, n: number, h: AdamHyper): void {
    for (const [nm, arr] of [['param', param], ['grad', grad], ['m', m], ['v', v]] as const) need('adam', nm, arr, n);
    checkStep('adam', h);
    const bc1 = 1 - h.beta1 ** h.step, bc2 = 1 - h.beta2 ** h.step;
    try {
      this.par('adam', [this.p(param, true), this.p(grad, false), this.p(m, true), this.p(v, true),
        h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, -(h.lr / bc1), Math.sqrt(bc2), h.eps, h.weightDecay],
      n, 16, n * NS_ADAM);
    } finally {
      this.done();
    }
  }

  lseRowsScaled(x: Float32Array, rows: number, C: number, s: number, probs: Float32Array, stats: Float32Array): void {
    need('lseRowsScaled', 'x', x, rows * C);
    need('lseRowsScaled', 'probs', probs, rows * C);
    need('lseRowsScaled', 'stats', stats, 2 * rows);
    try {
      this.par('lseRowsScaled', [this.p(x, false), C, s, this.p(probs, true), this.p(stats, true)], rows, 1,
        rows * C * NS_ROW * 4);
    } finally {
      this.done();
    }
  }

  /**
   * Through the Gram matrix: ‖a_r − b_j‖² = ‖a_r‖² + ‖b_j‖² − 2·a_r·b_j with a_r·b_j from the matmul kernel ('mm',
   * blocks of rows so the block stays ≤ 8 MiB) and the exponentials in 'gaussGram'; about 5× fewer instructions
   * than direct differences. The cancellation costs ≈ 2⁻²⁴·(‖a‖² + ‖b‖²) in each exponent (clamped at ≥ 0).
   */
  gaussRowSums(a: Float32Array, b: Float32Array, rows: number, cols: number, d: number, c: number, out: Float32Array): void {
    need('gaussRowSums', 'a', a, rows * d);
    need('gaussRowSums', 'b', b, cols * d);
    need('gaussRowSums', 'out', out, 2 * rows);
    if (rows === 0) return;
    if (cols === 0) {
      out.fill(0, 0, 2 * rows);
      return;
    }
    const an = heap.allocF32Uninit(rows), bn = heap.allocF32Uninit(cols), bt = heap.allocF32Uninit(d * cols);
    const R = Math.max(4, Math.min(rows, Math.floor((1 << 21) / cols) & ~3));
    const g = heap.allocF32Uninit(R * cols);
    try {
      for (let r = 0; r < rows; r++) an[r] = sumSquares(a, r * d, d);
      for (let j = 0; j < cols; j++) bn[j] = sumSquares(b, j * d, d);
      const pa = this.p(a, false), pb = this.p(b, false), po = this.p(out, true);
      this.par('transpose', [pb, cols, d, bt.byteOffset], d, 1, d * cols * NS_ROW);
      for (let r0 = 0; r0 < rows; r0 += R) {
        const rr = Math.min(R, rows - r0);
        this.par('mm', [pa + r0 * d * 4, d, 1, bt.byteOffset, cols, g.byteOffset, cols, d, 0], rr, 4, rr * cols * d * NS_MADD);
        this.par('gaussGram', [g.byteOffset, an.byteOffset + r0 * 4, bn.byteOffset, cols, c, po + r0 * 8], rr, 1,
          rr * cols * NS_ROW * 4);
      }
    } finally {
      for (const v of [an, bn, bt, g]) heap.free(v);
      this.done();
    }
  }

  ewBinary(kind: number, a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
    if (!(kind >= 0 && kind <= 3)) throw new RangeError(`ewBinary: kind ${kind}`);
    need('ewBinary', 'a', a, n);
    need('ewBinary', 'b', b, n);
    need('ewBinary', 'out', out, n);
    try {
      this.par('ewBinary', [kind, this.p(a, false), this.p(b, false), this.p(out, true)], n, 16, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  ewBinaryBack(kind: number, side: 0 | 1, g: Float32Array, p: Float32Array | null, q: Float32Array | null, t: Float32Array,
    n: number, accumulate: boolean): void {
    if (!(kind >= 0 && kind <= 3)) throw new RangeError(`ewBinaryBack: kind ${kind}`);
    need('ewBinaryBack', 'g', g, n);
    need('ewBinaryBack', 't', t, n);
    if (side === 0 && kind <= 1 && !accumulate) {
      t.set(g.subarray(0, n));
      return;
    }
    const needQ = kind >= 2, needP = side === 1 && kind === 3;
    if (needQ) need('ewBinaryBack', 'q', q!, n);
    if (needP) need('ewBinaryBack', 'p', p!, n);
    try {
      this.par('ewBinaryBack', [kind, side, this.p(g, false), needP ? this.p(p!, false) : 0, needQ ? this.p(q!, false) : 0,
        this.p(t, true), accumulate ? 1 : 0], n, 16, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  meanRows(tables: readonly Float32Array[], n: number, out: Float32Array): void {
    const L = tables.length;
    if (L < 1 || L > MAX_MEAN_TABLES) throw new RangeError(`meanRows: ${L} tables (1..${MAX_MEAN_TABLES})`);
    for (const t of tables) need('meanRows', 'table', t, n);
    need('meanRows', 'out', out, n);
    // gatherMean's kernel with no index (idx 0: row r itself), the n elements taken as rows of d (a divisor of n).
    const d = n % 64 === 0 ? 64 : n % 16 === 0 ? 16 : n % 4 === 0 ? 4 : 1;
    try {
      const ptrs = (this.meanPtrs ??= heap.allocI32(MAX_MEAN_TABLES));
      for (let k = 0; k < L; k++) ptrs[k] = this.p(tables[k]!, false);
      this.par('gatherMean', [ptrs.byteOffset, L, 0, d, 1 / L, L === 1 || L > 4 ? 1 : 0, this.p(out, true)], n / d,
        Math.max(1, 64 / d), n * L * NS_ROW);
    } finally {
      this.done();
    }
  }

  axpy(src: Float32Array, f: number, n: number, out: Float32Array, accumulate: boolean): void {
    need('axpy', 'src', src, n);
    need('axpy', 'out', out, n);
    try {
      this.par('axpyF64', [this.p(src, false), f, this.p(out, true), accumulate ? 1 : 0], n, 16, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  l2NormRows(x: Float32Array, R: number, C: number, eps: number, y: Float32Array, norms: Float64Array): void {
    need('l2NormRows', 'x', x, R * C);
    need('l2NormRows', 'y', y, R * C);
    need('l2NormRows', 'norms', norms, R);
    try {
      this.par('l2NormRows', [this.p(x, false), C, eps, this.p(y, true), this.p(norms, true)], R, 1, R * C * NS_ROW * 2);
    } finally {
      this.done();
    }
  }

  l2NormRowsBack(y: Float32Array, g: Float32Array, norms: Float64Array, R: number, C: number, eps: number, ga: Float32Array): void {
    need('l2NormRowsBack', 'y', y, R * C);
    need('l2NormRowsBack', 'g', g, R * C);
    need('l2NormRowsBack', 'ga', ga, R * C);
    need('l2NormRowsBack', 'norms', norms, R);
    try {
      this.par('l2NormRowsBack', [this.p(y, false), this.p(g, false), this.p(norms, false), C, eps, this.p(ga, true)], R, 1,
        R * C * NS_ROW * 2);
    } finally {
      this.done();
    }
  }

  leakyRelu(x: Float32Array, n: number, slope: number, out: Float32Array): void {
    need('leakyRelu', 'x', x, n);
    need('leakyRelu', 'out', out, n);
    try {
      this.par('leakyRelu', [this.p(x, false), slope, this.p(out, true)], n, 16, n * NS_ROW);
    } finally {
      this.done();
    }
  }

  leakyReluBack(x: Float32Array, g: Float32Array, n: number, slope: number, ga: Float32Array, accumulate: boolean): void {
    need('leakyReluBack', 'x', x, n);
    need('leakyReluBack', 'g', g, n);
    need('leakyReluBack', 'ga', ga, n);
    try {
      this.par('leakyReluBack', [this.p(x, false), this.p(g, false), slope, this.p(ga, true), accumulate ? 1 : 0], n, 16,
        n * NS_ROW);
    } finally {
      this.done();
    }
  }

  copyRows(src: Float32Array, srcStride: number, srcOff: number, dst: Float32Array, dstStride: number, dstOff: number,
    rows: number, width: number, accumulate: boolean): void {
    if (rows <= 0 || width <= 0) return;
    need('copyRows', 'src', src, (rows - 1) * srcStride + srcOff + width);
    need('copyRows', 'dst', dst, (rows - 1) * dstStride + dstOff + width);
    try {
      this.par('copyRows', [this.p(src, false), srcStride, srcOff, this.p(dst, true), dstStride, dstOff, width,
        accumulate ? 1 : 0], rows, 1, rows * width * NS_ROW);
    } finally {
      this.done();
    }
  }

  acceptRows(idx: Int32Array, n: number, g: Float32Array, d: number, slot: Int32Array, rows: Int32Array, vals: Float32Array,
    nRows: number): number {
    need('acceptRows', 'idx', idx, n);
    need('acceptRows', 'g', g, n * d);
    checkIndices('acceptRows', idx, n, slot.length);
    need('acceptRows', 'rows', rows, Math.min(slot.length, nRows + n));
    need('acceptRows', 'vals', vals, Math.min(slot.length, nRows + n) * d);
    try {
      const f = this.fns[OP.acceptRows] as unknown as (...a: number[]) => number;
      return f(this.p(idx, false), n, this.p(g, false), d, this.p(slot, true), this.p(rows, true), this.p(vals, true), nRows);
    } finally {
      this.done();
    }
  }

  genScores(P: Float32Array, Q: Float32Array, b: Float32Array, users: Int32Array, cands: Int32Array, N: number, C: number,
    d: number, out: Float64Array): void {
    need('genScores', 'users', users, N);
    need('genScores', 'cands', cands, N * C);
    need('genScores', 'out', out, N * C);
    const I = Math.min(b.length, Math.floor(Q.length / Math.max(d, 1)));
    checkIndices('genScores', users, N, Math.floor(P.length / Math.max(d, 1)));
    checkIndices('genScores', cands, N * C, I);
    try {
      this.par('genScores', [this.p(P, false), this.p(Q, false), this.p(b, false), this.p(users, false), this.p(cands, false),
        C, d, this.p(out, true)], N, 1, N * C * d * NS_ROW);
    } finally {
      this.done();
    }
  }

  genGrad(P: Float32Array, Q: Float32Array, users: Int32Array, rowOf: Int32Array, cands: Int32Array, dz: Float64Array,
    N: number, C: number, d: number, gP: Float64Array, gQ: Float64Array, gb: Float64Array, seen: Int32Array,
    touched: Int32Array, hq: Float32Array, hb: Float32Array): number {
    need('genGrad', 'users', users, N);
    need('genGrad', 'rowOf', rowOf, N);
    need('genGrad', 'cands', cands, N * C);
    need('genGrad', 'dz', dz, N * C);
    const I = Math.min(gb.length, seen.length, hb.length, Math.floor(Math.min(Q.length, gQ.length, hq.length) / Math.max(d, 1)));
    need('genGrad', 'touched', touched, Math.min(I, N * C));
    checkIndices('genGrad', users, N, Math.floor(P.length / Math.max(d, 1)));
    checkIndices('genGrad', rowOf, N, Math.floor(gP.length / Math.max(d, 1)));
    checkIndices('genGrad', cands, N * C, I);
    for (const [name, v] of [['gQ', gQ], ['gb', gb], ['seen', seen]] as const) {
      if (!heap.owns(v)) throw new Error(`genGrad: '${name}' must live on the engine heap (zeroed scratch kept between calls)`);
    }
    try {
      const f = this.fns[OP.genGrad] as unknown as (...a: number[]) => number;
      return f(this.p(P, false), this.p(Q, false), this.p(users, false), this.p(rowOf, false), this.p(cands, false),
        this.p(dz, false), N, C, d, this.p(gP, true), gQ.byteOffset, gb.byteOffset, seen.byteOffset, this.p(touched, true),
        this.p(hq, true), this.p(hb, true));
    } finally {
      this.done();
    }
  }

  simgclNoise(x: Float32Array, bits: Uint32Array, rows: number, d: number, eps: number, out: Float32Array): void {
    need('simgclNoise', 'x', x, rows * d);
    need('simgclNoise', 'bits', bits, rows * d);
    need('simgclNoise', 'out', out, rows * d);
    if (!heap.owns(bits)) throw new Error("simgclNoise: 'bits' must live on the engine heap");
    try {
      this.par('simgclNoise', [this.p(x, false), bits.byteOffset, d, eps, this.p(out, true)], rows, 1,
        rows * d * NS_ROW * 4);
    } finally {
      this.done();
    }
  }

  /**
   * Extra (not in the Kernels seam; used by fillRngU32 of kernels/index.ts): out = the next out.length words of the
   * xoshiro128** stream whose state words are `state` (updated in place), as Rng.fillU32. `out` must be on the heap.
   */
  fillU32(state: Int32Array, out: Uint32Array): void {
    if (!heap.owns(out)) throw new Error("fillU32: 'out' must live on the engine heap");
    const n = out.length;
    if (this.pool && n * NS_RNG >= this.minParallelWork && n >= 2 * FILL_CHUNK_MIN) {
      this.fillU32Parallel(state, out);
      return;
    }
    const st = (this.rngState ??= heap.allocI32(4));
    st.set(state.subarray(0, 4));
    (this.fns[OP.fillU32] as Fn)(st.byteOffset, out.byteOffset, n);
    state.set(st);
  }

  /**
   * The same words on every thread: the stream cut in chunks whose start states come from jump-ahead (one jump
   * polynomial for the chunk length, applied chunk after chunk), each chunk filled where a thread claims it.
   */
  private fillU32Parallel(state: Int32Array, out: Uint32Array): void {
    const n = out.length;
    const chunks = Math.min(MAX_CHUNKS, this.threads * CHUNKS_PER_THREAD, Math.floor(n / FILL_CHUNK_MIN));
    const chunk = Math.ceil(n / chunks);
    const count = Math.ceil(n / chunk);
    const starts = heap.allocI32(4 * count), ends = heap.allocI32(4 * count);
    try {
      // Fills repeat their sizes step after step (the same tables): keep the last chunk length's polynomial.
      if (this.jumpCache?.k !== chunk) this.jumpCache = { k: chunk, poly: jumpPolynomial(chunk) };
      const poly = this.jumpCache.poly;
      let s: ArrayLike<number> = Uint32Array.from(state.subarray(0, 4), (x) => x >>> 0);
      for (let j = 0; j < count; j++) {
        for (let w = 0; w < 4; w++) starts[4 * j + w] = s[w] | 0;
        if (j + 1 < count) s = applyJump(s, poly);
      }
      const bounds = [0];
      for (let j = 1; j <= count; j++) bounds.push(Math.min(n, j * chunk));
      this.par('fillU32Chunks', [starts.byteOffset, ends.byteOffset, out.byteOffset, chunk], n, chunk, n * NS_RNG, bounds);
      state.set(ends.subarray(4 * (count - 1), 4 * count));
    } finally {
      heap.free(starts);
      heap.free(ends);
    }
  }

  /**
   * Extra (not in the Kernels seam; used by samplers/candidates.ts): uniform candidate pools drawn from the Rng whose
   * four state words are `state` (updated in place, the same stream as Rng.int), rejecting training positives of
   * `train`: out[b·M + m] for b = b0, b0+1, … until the first user the JS side must serve itself (see assembly
   * drawUniform). Returns that b (B when done). On the calling thread.
   */
  drawUniform(state: Int32Array, train: CsrMatrix, users: Int32Array, M: number, out: Int32Array, b0: number): number {
    const B = users.length;
    need('drawUniform', 'out', out, B * M);
    checkCsr('drawUniform', train);
    if (B - b0 <= 0) return b0;
    const st = (this.rngState ??= heap.allocI32(4));
    st.set(state.subarray(0, 4));
    const words = Math.ceil(train.cols / 4);
    if (!this.drawMask || this.drawMask.length < words) {
      if (this.drawMask) heap.free(this.drawMask);
      this.drawMask = heap.allocI32(Math.max(words, 1024)); // zeroed; drawUniform leaves it zeroed
    }
    let outH: Int32Array | null = null;
    try {
      // The pools are written, never read: an off-heap output gets a heap scratch copied out, not in.
      const onHeap = heap.owns(out);
      if (!onHeap) outH = heap.allocI32Uninit(B * M);
      const po = onHeap ? out.byteOffset : outH!.byteOffset;
      const f = this.fns[OP.drawUniform] as unknown as (...a: number[]) => number;
      const stop = f(st.byteOffset, this.pc(train.indptr), this.pc(train.indices), train.rows, this.p(users, false), B, M,
        train.cols, po, this.drawMask.byteOffset, b0);
      if (outH) out.set(outH.subarray(b0 * M, stop * M), b0 * M);
      state.set(st);
      return stop;
    } finally {
      if (outH) heap.free(outH);
      this.done();
    }
  }

  adamDense(param: Float32Array, vals: Float32Array, slot: Int32Array, d: number, m: Float32Array, v: Float32Array,
    h: AdamHyper): void {
    const rows = Math.floor(param.length / Math.max(d, 1));
    for (const [nm, arr] of [['param', param], ['m', m], ['v', v]] as const) need('adamDense', nm, arr, rows * d);
    need('adamDense', 'slot', slot, rows);
    checkStep('adamDense', h);
    const bc1 = 1 - h.beta1 ** h.step, bc2 = 1 - h.beta2 ** h.step;
    try {
      this.par('adamDense', [this.p(param, true), this.p(vals, false), this.p(slot, false), d, this.p(m, true),
        this.p(v, true), h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, -(h.lr / bc1), Math.sqrt(bc2), h.eps,
        h.weightDecay], rows, Math.max(1, Math.ceil(16 / Math.max(d, 1))), rows * d * NS_ADAM);
    } finally {
      this.done();
    }
  }

  adamRows(param: Float32Array, grad: Float32Array, rows: Int32Array, d: number,
    m: Float32Array, v: Float32Array, h: AdamHyper): void {
    const n = rows.length;
    need('adamRows', 'grad', grad, n * d);
    const tableRows = Math.floor(param.length / Math.max(d, 1));
    need('adamRows', 'm', m, tableRows * d);
    need('adamRows', 'v', v, tableRows * d);
    checkIndices('adamRows', rows, n, tableRows);
    checkStep('adamRows', h);
    const bc1 = 1 - h.beta1 ** h.step, bc2 = 1 - h.beta2 ** h.step;
    try {
      this.par('adamRows', [this.p(param, true), this.p(grad, false), this.p(rows, false), d, this.p(m, true),
        this.p(v, true), h.beta1, h.beta2, 1 - h.beta1, 1 - h.beta2, -(h.lr / bc1), Math.sqrt(bc2), h.eps,
        h.weightDecay], n, 1, n * d * NS_ADAM);
    } finally {
      this.done();
    }
  }
}

/** Bounds of t chunks of [0, total), each a multiple of `grain` (except the end); chunks may be empty. */
export function evenBounds(total: number, t: number, grain: number): number[] {
  const units = Math.ceil(total / grain);
  const b = [0];
  for (let i = 1; i < t; i++) b.push(Math.min(total, Math.round((units * i) / t) * grain));
  b.push(total);
  return b;
}

/** Row bounds of t chunks with about the same number of non-zeros plus rows each. */
function nnzBounds(indptr: Int32Array, rows: number, t: number): number[] {
  const total = indptr[rows]! + rows;
  const b = [0];
  for (let i = 1; i < t; i++) {
    const target = (total * i) / t;
    let lo = b[i - 1]!, hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indptr[mid]! + mid < target) lo = mid + 1;
      else hi = mid;
    }
    b.push(lo);
  }
  b.push(rows);
  return b;
}

/** Σ v[o..o+d)² in float64, rounded to f32. */
function sumSquares(v: Float32Array, o: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += v[o + t] * v[o + t];
  return s;
}

function need(fn: string, name: string, v: ArrayLike<number>, n: number): void {
  if (v.length < n) throw new RangeError(`${fn}: '${name}' has ${v.length} numbers, needs ${n}`);
}

function checkIndices(fn: string, idx: Int32Array, n: number, limit: number): void {
  for (let i = 0; i < n; i++) {
    const x = idx[i]!;
    if (x < 0 || x >= limit) throw new RangeError(`${fn}: index ${x} at position ${i} outside [0, ${limit})`);
  }
}

function checkCsr(fn: string, s: CsrMatrix): void {
  if (s.indptr.length !== s.rows + 1) {
    throw new RangeError(`${fn}: CSR indptr has length ${s.indptr.length}, expected rows + 1 = ${s.rows + 1}`);
  }
  const nnz = s.indptr[s.rows]!;
  if (s.indices.length < nnz) throw new RangeError(`${fn}: CSR has ${s.indices.length} indices, indptr says ${nnz}`);
  if (s.values && s.values.length < nnz) throw new RangeError(`${fn}: CSR has ${s.values.length} values, needs ${nnz}`);
}

function checkCut(fn: string, cut: number): void {
  if (!(Number.isInteger(cut) && cut >= 0 && cut <= 0xffffffff)) {
    throw new RangeError(`${fn}: cut must be an integer in [0, 2^32), got ${cut}`);
  }
}

function checkStep(fn: string, h: AdamHyper): void {
  if (!(h.step >= 1)) throw new RangeError(`${fn}: step must be ≥ 1 (1-based, for bias correction), got ${h.step}`);
}

/** The WASM SIMD backend on `threads` threads (the caller plus threads − 1 workers). Synchronous. */
export function createWasmKernels(threads: number = availableParallelism(), opts: WasmKernelOptions = {}): WasmKernels {
  return new WasmKernels(threads, opts);
}
