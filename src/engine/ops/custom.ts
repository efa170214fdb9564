// customOp: define a differentiable op (a fused kernel) in any file, with the same powers as a built-in one.
//
//   export function rowSoftmax(x: Tensor): Tensor {
//     return customOp({
//       name: 'rowSoftmax',
//       inputs: [x],
//       forward: ([x], ctx) => { const out = ctx.output(x.shape); /* write every element */ return out; },
//       backward: (g, ctx) => { const ga = ctx.grad(0); /* ga[i] += ∂L/∂x[i] from g and ctx.output */ },
//     });
//   }
//
// Semantics are exactly those of the built-in ops, because customOp is their recording primitive (`recordOp`,
// record.ts) behind checks: the inputs must be live tensors; `forward` runs with grad recording off (built-in ops
// may be used inside it as plain functions; they record nothing) and returns a new tensor, which tidy tracks like
// any op output; when recording is on and an input requires grad, the output joins the graph with the inputs as
// parents, and `backward` runs at most once per `backward()` pass, when the output received a grad `g`. It ADDS the
// op's contribution into the inputs' grads through `ctx` (grads accumulate across ops and passes like built-ins).
// Heap buffers taken with `ctx.scratchF32/I32` or copied by `ctx.heapIndices` are freed with the output (dispose or
// the enclosing tidy), so forward can keep state for backward without leaking. State may also be kept in closure
// variables of the calling function (JS arrays, numbers).

import { heap } from '../memory.js';
import { kernels } from '../kernels/index.js';
import { Parameter } from '../param.js';
import { Tensor, noGrad, shapeSize, type GradTarget, type Shape } from '../tensor.js';
import { live, recordOp } from './record.js';

export type { GradTarget } from '../tensor.js';

/** What `forward` may allocate: buffers it takes here belong to the op's output. */
export interface ForwardContext {
  /** The op's name (for error messages). */
  readonly name: string;
  /** A tensor of `shape` with UNINITIALISED values (faster): the forward must write every element. */
  output(shape: Shape): Tensor;
  /** A tensor of `shape` filled with zeros (for outputs the forward adds into). */
  zeros(shape: Shape): Tensor;
  /** n zeros on the heap, freed with the returned output (e.g. a mask or per-row norms kept for backward). */
  scratchF32(n: number): Float32Array;
  scratchI32(n: number): Int32Array;
  /** `idx` on the heap, where kernels can address it: itself when it already is, else a copy freed with the output. */
  heapIndices(idx: Int32Array): Int32Array;
}

/** How `backward` adds into the inputs' grads (indices are positions in `inputs`). */
export interface BackwardContext<In extends readonly Tensor[]> {
  readonly inputs: In;
  /** The op's output (its values, e.g. softmax probabilities, are often what backward needs). */
  readonly output: Tensor;
  /** Whether input i requires grad (only those are written; the others are left alone). */
  needsGrad(i: number): boolean;
  /** Input i's grad buffer to ADD into (`ga[j] += …`); zero-filled when it is first allocated. */
  grad(i: number): Float32Array;
  /**
   * For a backward that writes EVERY element of input i's grad: the buffer and whether to add into it. With
   * `accumulate` false the buffer is fresh and uninitialised and must be stored to (`=`), not added to.
   */
  gradTarget(i: number): GradTarget;
  /**
   * Adds row grads: `rows` holds idx.length rows of input i's width, added to rows idx[r] of its grad (repeats add
   * up). A sparse Parameter keeps them row-sparse, as gatherRows does; any other tensor gets them scattered densely.
   */
  addRows(i: number, idx: Int32Array, rows: Float32Array): void;
}

export interface CustomOpSpec<In extends readonly Tensor[]> {
  /** Names the op in error messages. */
  name: string;
  /** The tensors the op differentiates through (other arguments go in the caller's closure). */
  inputs: In;
  /** Computes the output (grad recording is off while it runs) and returns it: a new tensor, not an input. */
  forward(inputs: In, ctx: ForwardContext): Tensor;
  /** Adds the op's contribution to the inputs' grads, given the output's grad `g` (same length as the output). */
  backward(g: Float32Array, ctx: BackwardContext<In>): void;
}

class Forward implements ForwardContext {
  aux: ArrayBufferView[] | null = null;

  constructor(readonly name: string) {}

  output(shape: Shape): Tensor {
    return new Tensor(heap.allocF32Uninit(shapeSize(checked(shape, this.name))), shape);
  }

  zeros(shape: Shape): Tensor {
    return Tensor.zeros(checked(shape, this.name));
  }

  scratchF32(n: number): Float32Array {
    return this.own(heap.allocF32(count(n, this.name)));
  }

  scratchI32(n: number): Int32Array {
    return this.own(heap.allocI32(count(n, this.name)));
  }

  heapIndices(idx: Int32Array): Int32Array {
    if (!(idx instanceof Int32Array)) throw new TypeError(`${this.name}: indices must be an Int32Array`);
    if (heap.owns(idx)) return idx;
    const c = this.scratchI32(idx.length);
    c.set(idx);
    return c;
  }

  private own<T extends ArrayBufferView>(buf: T): T {
    (this.aux ??= []).push(buf);
    return buf;
  }
}

class Backward<In extends readonly Tensor[]> implements BackwardContext<In> {
  constructor(readonly inputs: In, readonly output: Tensor) {}

  needsGrad(i: number): boolean {
    return this.input(i).requiresGrad;
  }

  grad(i: number): Float32Array {
    return this.input(i)._gradBuffer();
  }

  gradTarget(i: number): GradTarget {
    return this.input(i)._gradTarget();
  }

  addRows(i: number, idx: Int32Array, rows: Float32Array): void {
    const t = this.input(i), d = t.cols;
    if (rows.length !== idx.length * d) {
      throw new Error(`addRows: ${rows.length} values for ${idx.length} rows of width ${d}`);
    }
    if (!t._acceptRowGrad(idx, rows, d)) kernels().scatterAddRows(rows, d, idx, t._gradBuffer());
  }

  private input(i: number): Tensor {
    const t = this.inputs[i];
    if (t === undefined) throw new RangeError(`customOp backward: no input ${i} (the op has ${this.inputs.length})`);
    return t;
  }
}

function checked(shape: Shape, name: string): Shape {
  if (!Array.isArray(shape)) throw new TypeError(`${name}: shape must be an array, got ${typeof shape}`);
  return shape;
}

function count(n: number, name: string): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${name}: bad buffer length ${n}`);
  return n;
}

/** Defines and runs one differentiable op (see the file header); returns its output. */
export function customOp<In extends readonly Tensor[]>(spec: CustomOpSpec<In>): Tensor {
  const { name, inputs, forward, backward } = spec;
  if (typeof name !== 'string' || name === '') throw new TypeError('customOp: name must be a non-empty string');
  if (!Array.isArray(inputs)) throw new TypeError(`${name}: inputs must be an array of tensors`);
  if (typeof forward !== 'function' || typeof backward !== 'function') {
    throw new TypeError(`${name}: forward and backward must be functions`);
  }
  for (const t of inputs) live(t, name);
  const ctx = new Forward(name);
  let out: Tensor;
  try {
    out = noGrad(() => forward(inputs, ctx));
    if (!(out instanceof Tensor)) throw new TypeError(`${name}: forward must return a Tensor, got ${typeof out}`);
    out.assertLive(name);
    if (inputs.includes(out) || out instanceof Parameter || out._backward !== null) {
      throw new Error(`${name}: forward must return a new tensor (not an input, a Parameter or another op's graph node)`);
    }
  } catch (e) {
    if (ctx.aux) for (const b of ctx.aux) heap.free(b);
    throw e;
  }
  if (ctx.aux) for (const b of ctx.aux) (out._aux ??= []).push(b);
  const parents = inputs.slice() as Tensor[];
  const bctx = new Backward(inputs.slice() as unknown as In, out);
  return recordOp(out, parents, (g) => backward(g, bctx));
}
