// Backend selection. Default: the WASM SIMD backend on `os.availableParallelism()` threads; env HARDNEG_BACKEND
// ('js' | 'wasm') and HARDNEG_THREADS override. If the WASM backend cannot start, the engine falls back to the
// plain-JS backend and says so once on stderr. The WASM backend runs the FMA (relaxed-SIMD) build of its kernels
// when it validates it here, the plain SIMD build otherwise; HARDNEG_KERNELS ('simd' | 'fma' | 'auto') or
// setKernelSet() force one (a forced 'fma' that is not usable is an error, not a silent downgrade).

import { availableParallelism } from 'node:os';
import { jsKernels } from './js.js';
import { createWasmKernels, resolveKernelSet, type KernelSet, type KernelSetRequest, type WasmKernels } from './wasm.js';
import { MAX_THREADS } from './pool.js';
import { heap } from '../memory.js';
import type { Rng } from '../../core/rng.js';
import type { AdamHyper, CsrMatrix, Kernels } from './types.js';

export type BackendName = 'js' | 'wasm';

let active: Kernels | null = null;
let requested: BackendName | null = null;
/** True after setBackend (not the default or the environment): an explicit 'wasm' never falls back. */
let explicitBackend = false;
let threads: number | null = null;
let fallbackReason: string | null = null;
let warned = false;
let kernelRequest: KernelSetRequest | null = null;

function envKernels(): KernelSetRequest {
  const e = process.env.HARDNEG_KERNELS;
  if (e === undefined || e === '') return 'auto';
  if (e !== 'simd' && e !== 'fma' && e !== 'auto') throw new Error(`HARDNEG_KERNELS must be 'simd', 'fma' or 'auto', got '${e}'`);
  return e;
}

function envBackend(): BackendName {
  const e = process.env.HARDNEG_BACKEND;
  if (e === undefined || e === '') return 'wasm';
  if (e !== 'js' && e !== 'wasm') throw new Error(`HARDNEG_BACKEND must be 'js' or 'wasm', got '${e}'`);
  return e;
}

/**
 * Thread counts above what the worker pool supports are clamped with a warning (they used to make the WASM
 * backend fail to start and fall back, silently, to the slower JS backend, which is not bit-identical to it).
 */
function clampThreads(n: number, source: string): number {
  if (n <= MAX_THREADS) return n;
  process.stderr.write(`hardneg: ${source} ${n} is above the ${MAX_THREADS} threads the kernel pool supports; using ${MAX_THREADS}\n`);
  return MAX_THREADS;
}

function envThreads(): number {
  const e = process.env.HARDNEG_THREADS;
  if (e === undefined || e === '') return Math.min(MAX_THREADS, Math.max(1, availableParallelism()));
  const n = Number(e);
  if (!Number.isInteger(n) || n < 1) throw new Error(`HARDNEG_THREADS must be a positive integer, got '${e}'`);
  return clampThreads(n, 'HARDNEG_THREADS');
}

function release(k: Kernels | null): void {
  // A backend with a worker pool may expose a disposer; the interface does not require one.
  const d = (k as { dispose?: () => void } | null)?.dispose;
  if (k && k !== jsKernels && typeof d === 'function') d.call(k);
}

function start(name: BackendName, n: number, strict: boolean): Kernels {
  if (name === 'js') return jsKernels;
  kernelRequest ??= envKernels();
  try {
    const k = createWasmKernels(n, { kernels: kernelRequest });
    fallbackReason = null;
    return k;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // An explicitly forced kernel set that cannot run is the caller's error, not a reason to fall back to JS.
    if (kernelRequest === 'fma' && /FMA kernels requested/.test(msg)) throw e;
    if (strict) throw new Error(`setBackend('wasm'): the WASM backend could not start: ${msg}`);
    fallbackReason = msg;
    if (!warned) {
      warned = true;
      process.stderr.write(`hardneg: WASM kernels unavailable (${msg}); using the plain-JS backend\n`);
    }
    return jsKernels;
  }
}

/** The active kernel backend (started on first use). */
export function kernels(): Kernels {
  if (active) return active;
  requested ??= envBackend();
  threads ??= envThreads();
  active = start(requested, threads, false);
  return active;
}

/**
 * Switches backend. 'wasm' throws if the WASM backend cannot start (an explicit request is not silently
 * downgraded; only the default falls back).
 */
export function setBackend(name: BackendName): void {
  if (name !== 'js' && name !== 'wasm') throw new Error(`setBackend: unknown backend '${String(name)}' (use 'js' or 'wasm')`);
  threads ??= envThreads();
  explicitBackend = true;
  if (active && active.name === name && (name === 'js' || active.threads === threads)) {
    requested = name;
    return;
  }
  const next = start(name, threads, true);
  if (next !== active) release(active);
  active = next;
  requested = name;
}

/** Sets the thread count (restarts the WASM backend with that many threads; the JS backend is single-threaded). */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setThreads: expected a positive integer, got ${n}`);
  threads = clampThreads(n, 'setThreads');
  if (active && active !== jsKernels) {
    release(active);
    // An explicit setBackend('wasm') must not turn into the JS backend (other numbers) because a restart failed.
    active = start('wasm', threads, requested === 'wasm' && explicitBackend);
  }
}

/**
 * Chooses the WASM kernel build ('auto': FMA when validated here); restarts an active WASM backend with it. 'fma'
 * throws when relaxed SIMD is not usable here.
 */
export function setKernelSet(set: KernelSetRequest): void {
  if (set !== 'simd' && set !== 'fma' && set !== 'auto') throw new Error(`setKernelSet: unknown kernel set '${String(set)}' (use simd, fma or auto)`);
  if (active && active !== jsKernels) {
    const next = createWasmKernels(active.threads, { kernels: set });
    release(active);
    active = next;
  } else if (set === 'fma') {
    resolveKernelSet('fma'); // throws when it cannot run here
  }
  kernelRequest = set;
}

/** Whether the WASM backend can be started here (tries once; does not change the active backend). */
export function wasmAvailable(): boolean {
  if (active && active.name !== 'js') return true;
  try {
    release(createWasmKernels(1));
    return true;
  } catch {
    return false;
  }
}

export interface BackendInfo {
  name: string;
  threads: number;
  requested: BackendName;
  fallbackReason: string | null;
  /** The WASM kernel build that runs ('simd' | 'fma'); null on the JS backend. */
  kernels: KernelSet | null;
}

export function backendInfo(): BackendInfo {
  const k = kernels();
  const set = (k as Partial<WasmKernels>).kernelSet ?? null;
  return { name: k.name, threads: k.threads, requested: requested!, fallbackReason, kernels: set };
}

/**
 * Uniform candidate pools in WASM (WasmKernels.drawUniform: the Rng stream `state` advanced exactly as Rng.int
 * would), from pool b0 on; returns the first pool it left to the caller (users.length when done), or null when the
 * active backend has no such kernel (the caller draws in JS).
 */
export function drawUniformPools(state: Int32Array, train: CsrMatrix, users: Int32Array, M: number, out: Int32Array,
  b0: number): number | null {
  const k = kernels() as Partial<WasmKernels>;
  return typeof k.drawUniform === 'function' ? k.drawUniform(state, train, users, M, out, b0) : null;
}

/**
 * rng.fillU32(out) — the same words, the same state afterwards — in WASM when the active backend has the kernel and
 * `out` lives on the heap (about 4× faster for the millions of dropout draws of a graph encoder), in JS otherwise.
 */
export function fillRngU32(rng: Rng, out: Uint32Array): void {
  const k = kernels() as Partial<WasmKernels>;
  if (typeof k.fillU32 !== 'function' || !heap.owns(out) || out.length < 1024) {
    rng.fillU32(out);
    return;
  }
  const s = rng.getState();
  const w = new Int32Array([s[0], s[1], s[2], s[3]]);
  k.fillU32(w, out);
  rng.setState([w[0], w[1], w[2], w[3], s[4]]);
}

/** Kernels.adamDense on the active backend (the JS reference for a backend without it). */
export function adamDense(param: Float32Array, vals: Float32Array, slot: Int32Array, d: number, m: Float32Array,
  v: Float32Array, h: AdamHyper): void {
  const k = kernels();
  (k.adamDense ? k : jsKernels).adamDense!(param, vals, slot, d, m, v, h);
}

/** Kernels.groupDot on the active backend (the JS reference for a backend without it). */
export function groupDot(q: Float32Array, K: number, table: Float32Array, idx: Int32Array, R: number, M: number,
  d: number, out: Float32Array): void {
  const k = kernels();
  (k.groupDot ? k : jsKernels).groupDot!(q, K, table, idx, R, M, d, out);
}

/** Kernels.gatherMean on the active backend (the JS reference for a backend without it). */
export function gatherMean(tables: readonly Float32Array[], d: number, idx: Int32Array, out: Float32Array): void {
  const k = kernels();
  (k.gatherMean ? k : jsKernels).gatherMean!(tables, d, idx, out);
}

/** Kernels.scatterAddScaled on the active backend (the JS reference for a backend without it). */
export function scatterAddScaled(rows: Float32Array, d: number, idx: Int32Array, f: number, target: Float32Array): void {
  const k = kernels();
  (k.scatterAddScaled ? k : jsKernels).scatterAddScaled!(rows, d, idx, f, target);
}

/** Kernels.scaleRowsF64 on the active backend (the JS reference for a backend without it). */
export function scaleRowsF64(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array,
  accumulate: boolean): void {
  const k = kernels();
  (k.scaleRowsF64 ? k : jsKernels).scaleRowsF64!(src, coef, rows, d, out, accumulate);
}

/** The active backend's NGCF passes (Kernels.ngcfPrep …), or the JS reference where it has none. */
export function ngcfKernels(): Required<Pick<Kernels, 'ngcfPrep' | 'ngcfAct' | 'ngcfGate' | 'ngcfBack'>> {
  const k = kernels();
  return (k.ngcfPrep && k.ngcfAct && k.ngcfGate && k.ngcfBack ? k : jsKernels) as
    Required<Pick<Kernels, 'ngcfPrep' | 'ngcfAct' | 'ngcfGate' | 'ngcfBack'>>;
}

/** Kernels.lseRowsScaled on the active backend (the JS reference for a backend without it). */
export function lseRowsScaled(x: Float32Array, rows: number, C: number, s: number, probs: Float32Array,
  stats: Float32Array): void {
  const k = kernels();
  (k.lseRowsScaled ? k : jsKernels).lseRowsScaled!(x, rows, C, s, probs, stats);
}

/**
 * out[r] += (alpha·coef[r])·src[r] for rows×d (`accumulate` false: out[r] = …, for a fresh uninitialised buffer):
 * WasmKernels.scaleRows on both cores, a JS loop on other backends.
 */
export function addScaledRows(src: Float32Array, coef: Float32Array, rows: number, d: number, out: Float32Array,
  alpha: number, accumulate = true): void {
  const k = kernels() as Partial<WasmKernels>;
  if (typeof k.scaleRows === 'function') {
    k.scaleRows(src, coef, rows, d, out, alpha, accumulate);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const o = i * d, c = alpha * coef[i];
    if (accumulate) for (let j = 0; j < d; j++) out[o + j] += c * src[o + j];
    else for (let j = 0; j < d; j++) out[o + j] = c * src[o + j];
  }
}

/** Kernels.simgclNoise on the active backend (the JS reference for a backend without it or off-heap bits). */
export function simgclNoise(x: Float32Array, bits: Uint32Array, rows: number, d: number, eps: number,
  out: Float32Array): void {
  const k = kernels();
  (k.simgclNoise && heap.owns(bits) ? k : jsKernels).simgclNoise!(x, bits, rows, d, eps, out);
}

/** Kernels.gaussRowSums on the active backend (the JS reference for a backend without it). */
export function gaussRowSums(a: Float32Array, b: Float32Array, rows: number, cols: number, d: number, c: number,
  out: Float32Array): void {
  const k = kernels();
  (k.gaussRowSums ? k : jsKernels).gaussRowSums!(a, b, rows, cols, d, c, out);
}

/** Kernels.ewBinary on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function ewBinary(kind: number, a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
  const k = kernels();
  (k.ewBinary && heap.owns(a) && heap.owns(b) && heap.owns(out) ? k : jsKernels).ewBinary!(kind, a, b, n, out);
}

/** Kernels.ewBinaryBack on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function ewBinaryBack(kind: number, side: 0 | 1, g: Float32Array, p: Float32Array | null, q: Float32Array | null,
  t: Float32Array, n: number, accumulate: boolean): void {
  const k = kernels();
  const use = k.ewBinaryBack && heap.owns(g) && heap.owns(t) && (!p || heap.owns(p)) && (!q || heap.owns(q)) ? k : jsKernels;
  use.ewBinaryBack!(kind, side, g, p, q, t, n, accumulate);
}

/** Kernels.meanRows on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function meanRows(tables: readonly Float32Array[], n: number, out: Float32Array): void {
  const k = kernels();
  (k.meanRows && tables.length <= 128 && tables.every((t) => heap.owns(t)) && heap.owns(out) ? k : jsKernels).meanRows!(tables, n, out);
}

/** Kernels.axpy on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function axpy(src: Float32Array, f: number, n: number, out: Float32Array, accumulate: boolean): void {
  const k = kernels();
  (k.axpy && heap.owns(src) && heap.owns(out) ? k : jsKernels).axpy!(src, f, n, out, accumulate);
}

/** Kernels.l2NormRows on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function l2NormRows(x: Float32Array, R: number, C: number, eps: number, y: Float32Array, norms: Float64Array): void {
  const k = kernels();
  (k.l2NormRows && heap.owns(x) && heap.owns(y) && heap.owns(norms) ? k : jsKernels).l2NormRows!(x, R, C, eps, y, norms);
}

/** Kernels.l2NormRowsBack on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function l2NormRowsBack(y: Float32Array, g: Float32Array, norms: Float64Array, R: number, C: number, eps: number,
  ga: Float32Array): void {
  const k = kernels();
  (k.l2NormRowsBack && heap.owns(y) && heap.owns(g) && heap.owns(norms) && heap.owns(ga) ? k : jsKernels)
    .l2NormRowsBack!(y, g, norms, R, C, eps, ga);
}

/** Kernels.leakyRelu on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function leakyReluInto(x: Float32Array, n: number, slope: number, out: Float32Array): void {
  const k = kernels();
  (k.leakyRelu && heap.owns(x) && heap.owns(out) ? k : jsKernels).leakyRelu!(x, n, slope, out);
}

/** Kernels.leakyReluBack on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function leakyReluBackInto(x: Float32Array, g: Float32Array, n: number, slope: number, ga: Float32Array,
  accumulate: boolean): void {
  const k = kernels();
  (k.leakyReluBack && heap.owns(x) && heap.owns(g) && heap.owns(ga) ? k : jsKernels).leakyReluBack!(x, g, n, slope, ga, accumulate);
}

/** Kernels.copyRows on the active backend (WASM for heap arrays; the JS loop otherwise). */
export function copyRows(src: Float32Array, srcStride: number, srcOff: number, dst: Float32Array, dstStride: number,
  dstOff: number, rows: number, width: number, accumulate: boolean): void {
  const k = kernels();
  (k.copyRows && heap.owns(src) && heap.owns(dst) ? k : jsKernels).copyRows!(src, srcStride, srcOff, dst, dstStride, dstOff,
    rows, width, accumulate);
}

/** Kernels.acceptRows on the active backend (WASM for heap arrays; the JS loop otherwise). Indices must be checked. */
export function acceptRows(idx: Int32Array, n: number, g: Float32Array, d: number, slot: Int32Array, rows: Int32Array,
  vals: Float32Array, nRows: number): number {
  const k = kernels();
  const use = k.acceptRows && heap.owns(g) && heap.owns(slot) && heap.owns(rows) && heap.owns(vals) ? k : jsKernels;
  return use.acceptRows!(idx, n, g, d, slot, rows, vals, nRows);
}

/** Kernels.genScores on the active backend (the JS reference for a backend without it). */
export function genScores(P: Float32Array, Q: Float32Array, b: Float32Array, users: Int32Array, cands: Int32Array,
  N: number, C: number, d: number, out: Float64Array): void {
  const k = kernels();
  (k.genScores ? k : jsKernels).genScores!(P, Q, b, users, cands, N, C, d, out);
}

/** Kernels.genGrad on the active backend (the JS reference for a backend without it or with off-heap scratch). */
export function genGrad(P: Float32Array, Q: Float32Array, users: Int32Array, rowOf: Int32Array, cands: Int32Array,
  dz: Float64Array, N: number, C: number, d: number, gP: Float64Array, gQ: Float64Array, gb: Float64Array,
  seen: Int32Array, touched: Int32Array, hq: Float32Array, hb: Float32Array): number {
  const k = kernels();
  const use = k.genGrad && heap.owns(gQ) && heap.owns(gb) && heap.owns(seen) ? k : jsKernels;
  return use.genGrad!(P, Q, users, rowOf, cands, dz, N, C, d, gP, gQ, gb, seen, touched, hq, hb);
}

export type { Kernels, CsrMatrix, AdamHyper } from './types.js';
export type { KernelSet, KernelSetRequest } from './wasm.js';
export { jsKernels } from './js.js';
