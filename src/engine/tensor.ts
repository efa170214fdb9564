// Tensors, memory scopes and reverse-mode autograd.
//
// A Tensor's numbers live in the shared engine heap (memory.ts) so every kernel backend can address them in place.
// Shapes are [n] or [r, c]; a 1-D [n] reads as an n×1 column wherever rows/cols matter.
//
// Autograd is a dynamic tape: an op output that depends on a tensor requiring grad records its parents and a
// backward closure. `backward()` on a scalar sorts the reachable graph topologically and runs the closures in
// reverse order; each closure adds its contribution into its parents' grad buffers. Intermediate (non-leaf) grads
// are freed as soon as they have been propagated, so a step's peak memory holds only what is still needed.
//
// Memory: `tidy(fn)` frees every tensor created while `fn` runs, except what `fn` returns (a Tensor, or arrays /
// plain objects holding tensors), tensors passed to `keep`, and Parameters (which are never scope-tracked).

import { heap } from './memory.js';

type Scope = Tensor[];
const scopes: Scope[] = [];
let gradEnabled = true;

const EMPTY_F32 = new Float32Array(0);

export type Shape = readonly number[];

/** See Tensor._gradTarget. */
export interface GradTarget {
  buf: Float32Array;
  accumulate: boolean;
}

function checkShape(shape: Shape, where: string): void {
  if (shape.length !== 1 && shape.length !== 2) {
    throw new Error(`${where}: shape must be [n] or [r, c], got [${shape.join(', ')}]`);
  }
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`${where}: bad dimension ${s} in shape [${shape.join(', ')}]`);
  }
}

export function shapeSize(shape: Shape): number {
  return shape.length === 1 ? shape[0] : shape[0] * shape[1];
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  readonly shape: readonly number[];
  data: Float32Array;
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  /** Rows: shape[0]. */
  readonly rows: number;
  /** Columns: shape[1], or 1 for a 1-D tensor. */
  readonly cols: number;
  readonly size: number;
  /** Set by an op: the tensors this one was computed from and how to pass its grad back to them. */
  _parents: Tensor[] | null = null;
  _backward: (() => void) | null = null;
  /** Extra heap buffers (e.g. index copies, dropout masks) owned by this tensor, freed with it. */
  _aux: ArrayBufferView[] | null = null;
  /** Keep this non-leaf tensor's grad after backward (normally freed once propagated). */
  retainGrad = false;
  private _disposed = false;
  private _kept = false;

  /**
   * Wraps `data` (which must come from `heap.allocF32` and is now owned by the tensor). Prefer the factories
   * `Tensor.zeros`, `Tensor.from`, `Tensor.scalar`.
   */
  constructor(data: Float32Array, shape: Shape, requiresGrad = false, tracked = true) {
    checkShape(shape, 'Tensor');
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: data length ${data.length} does not match shape ${shapeStr(shape)} (size ${size})`);
    }
    this.shape = Object.freeze(shape.slice());
    this.data = data;
    this.rows = shape[0];
    this.cols = shape.length === 2 ? shape[1] : 1;
    this.size = size;
    this.requiresGrad = requiresGrad;
    if (tracked && scopes.length > 0) scopes[scopes.length - 1].push(this);
  }

  /** A tensor of zeros. */
  static zeros(shape: Shape, requiresGrad = false): Tensor {
    checkShape(shape, 'Tensor.zeros');
    return new Tensor(heap.allocF32(shapeSize(shape)), shape, requiresGrad);
  }

  /** A tensor holding a copy of `data` (length must match the shape; shape defaults to [data.length]). */
  static from(data: ArrayLike<number>, shape?: Shape, requiresGrad = false): Tensor {
    const s = shape ?? [data.length];
    checkShape(s, 'Tensor.from');
    if (data.length !== shapeSize(s)) {
      throw new Error(`Tensor.from: ${data.length} values do not fill shape ${shapeStr(s)}`);
    }
    const buf = heap.allocF32(data.length);
    buf.set(data);
    return new Tensor(buf, s, requiresGrad);
  }

  /** A one-element tensor of shape [1]. */
  static scalar(x: number, requiresGrad = false): Tensor {
    const buf = heap.allocF32(1);
    buf[0] = x;
    return new Tensor(buf, [1], requiresGrad);
  }

  get disposed(): boolean {
    return this._disposed;
  }

  /** True when the tensor was computed by an op (it has a backward closure). */
  get isLeaf(): boolean {
    return this._backward === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    this.assertLive('item');
    if (this.size !== 1) throw new Error(`Tensor.item: tensor has shape ${shapeStr(this.shape)}, not one element`);
    return this.data[0];
  }

  /** A plain-JS copy of the values. */
  toArray(): number[] {
    this.assertLive('toArray');
    return Array.from(this.data);
  }

  /** A new tensor with the same values and no graph (never requires grad). */
  detach(): Tensor {
    this.assertLive('detach');
    const buf = heap.allocF32Uninit(this.size);
    buf.set(this.data);
    return new Tensor(buf, this.shape, false);
  }

  /** Frees the numbers (and grad) now. Parameters are freed only by an explicit dispose(). */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    heap.free(this.data);
    this.data = EMPTY_F32;
    this.freeGrad();
    if (this._aux) {
      for (const a of this._aux) heap.free(a);
      this._aux = null;
    }
    this._parents = null;
    this._backward = null;
  }

  /** Frees this tensor's grad buffer (Parameter overrides it to keep its buffer for reuse). */
  freeGrad(): void {
    if (this.grad) {
      heap.free(this.grad);
      this.grad = null;
    }
  }

  /** The grad buffer to accumulate into, allocated (zeroed) on first use. */
  _gradBuffer(): Float32Array {
    if (!this.grad) this.grad = heap.allocF32(this.size);
    return this.grad;
  }

  /**
   * For a backward that writes EVERY element of this tensor's grad: the buffer and whether to add into it. With no
   * grad yet, the buffer is fresh and uninitialised and `accumulate` is false (the caller stores instead of adding,
   * which skips zero-filling a buffer that would be overwritten anyway); otherwise it is the existing grad.
   */
  _gradTarget(): GradTarget {
    if (this.grad) return { buf: this.grad, accumulate: true };
    this.grad = heap.allocF32Uninit(this.size);
    return { buf: this.grad, accumulate: false };
  }

  /**
   * Offered the grad of a row gather (grad rows `g`, one d-row per entry of `idx`). Returns true when it kept them
   * itself (a sparse Parameter); false means the caller scatters them into `_gradBuffer()`.
   */
  _acceptRowGrad(_idx: Int32Array, _g: Float32Array, _d: number): boolean {
    return false;
  }

  /** True when this tensor currently holds any gradient (dense or row-sparse). */
  hasGrad(): boolean {
    return this.grad !== null;
  }

  assertLive(where: string): void {
    if (this._disposed) {
      throw new Error(`${where}: tensor ${shapeStr(this.shape)} was disposed (freed by dispose() or by an enclosing tidy)`);
    }
  }

  /**
   * Reverse-mode autograd from this one-element tensor (or from any tensor with an explicit seed `grad` of the
   * same size). Gradients accumulate into `grad` of every tensor that requires them.
   */
  backward(seed?: ArrayLike<number>): void {
    this.assertLive('backward');
    if (!seed && this.size !== 1) {
      throw new Error(`backward: called on a tensor of shape ${shapeStr(this.shape)}; reduce it to a scalar (sum/mean) or pass a seed grad`);
    }
    if (seed && seed.length !== this.size) throw new Error(`backward: seed has ${seed.length} values, tensor has ${this.size}`);
    if (!this.requiresGrad) throw new Error('backward: this tensor does not depend on anything that requires grad');
    const order = topoOrder(this);
    const g = this._gradBuffer();
    if (seed) for (let i = 0; i < g.length; i++) g[i] += seed[i];
    else g[0] += 1;
    for (let n = order.length - 1; n >= 0; n--) {
      const t = order[n];
      if (t._backward === null) continue; // a leaf: its grad is the result
      if (t.grad !== null) t._backward();
      if (!t.retainGrad) t.freeGrad();
    }
  }

  /** @internal used by tidy/keep. */
  _markKept(): void {
    this._kept = true;
  }

  /** @internal */
  get _isKept(): boolean {
    return this._kept;
  }
}

/** Tensors reachable from `root` through parents that require grad, parents before children. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS (graphs of many ops would overflow a recursive one): a frame is [tensor, next parent index].
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const t = frame[0];
    if (t.disposed) {
      throw new Error(`backward: the graph reaches a disposed tensor ${shapeStr(t.shape)}; run backward inside the tidy that built the graph`);
    }
    const ps = t._parents;
    if (ps && frame[1] < ps.length) {
      const p = ps[frame[1]++];
      if (p.requiresGrad && !visited.has(p)) {
        visited.add(p);
        stack.push([p, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

/** Whether ops currently record the graph (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording any graph (evaluation, samplers' scoring). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Exempts `t` from every enclosing tidy: it lives until `t.dispose()`. */
export function keep<T extends Tensor>(t: T): T {
  t._markKept();
  for (const s of scopes) {
    const i = s.indexOf(t);
    if (i >= 0) s.splice(i, 1);
  }
  return t;
}

/**
 * Runs `fn` in a memory scope: tensors created inside (including in nested tidies whose results flowed out) are
 * freed when it returns, except those in its result (a Tensor, or arrays / plain objects holding tensors, searched
 * recursively), kept ones and Parameters. If `fn` throws, everything created inside is freed and the error passes on.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Scope = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) if (!t._isKept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result && typeof (result as { then?: unknown }).then === 'function') {
    for (const t of scope) if (!t._isKept) t.dispose();
    throw new Error('tidy: fn returned a Promise; tidy scopes are synchronous (await outside, tidy each step)');
  }
  const survivors = new Set<Tensor>();
  collectTensors(result, survivors, 0);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (t._isKept || t.disposed) continue;
    if (survivors.has(t)) {
      if (parent) parent.push(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

function collectTensors(x: unknown, out: Set<Tensor>, depth: number): void {
  if (x === null || typeof x !== 'object' || depth > 8) return;
  if (x instanceof Tensor) {
    out.add(x);
    return;
  }
  if (Array.isArray(x)) {
    for (const v of x) collectTensors(v, out, depth + 1);
    return;
  }
  if (ArrayBuffer.isView(x)) return;
  if (x instanceof Map) {
    for (const v of x.values()) collectTensors(v, out, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) {
    for (const v of Object.values(x as Record<string, unknown>)) collectTensors(v, out, depth + 1);
  }
}

/** Number of open tidy scopes (for tests and diagnostics). */
export function scopeDepth(): number {
  return scopes.length;
}
