// The recording primitive every op goes through, and the helpers the op files share (engine-internal: the barrel
// `../ops.ts` does not re-export this file; code outside the engine defines ops with `customOp`, custom.ts).
//
// `recordOp(out, inputs, backward)` is the only place an op's output enters the autograd graph: when grad recording
// is on and any input requires grad, `out` gets the inputs as its parents and a backward step that calls
// `backward(out.grad)`. Every built-in op (ops/*.ts) computes its output and returns `recordOp(...)`; `customOp`
// is recordOp behind input checks and forward helpers; gatherMean's per-table relays are recorded with it too.

import { heap } from '../memory.js';
import { Tensor, isGradEnabled, shapeSize, type Shape } from '../tensor.js';

/** An op's backward step: adds this op's contribution to its inputs' grads; `g` is the output's grad. */
export type BackwardFn = (g: Float32Array) => void;

/**
 * Records the graph edge when needed and returns `out`. `inputs` becomes out's parent list as it is (pass a fresh
 * array); `backward` runs at most once per `backward()` pass, only when out received a grad, and reads it as `g`.
 */
export function recordOp(out: Tensor, inputs: Tensor[], backward: BackwardFn): Tensor {
  if (!isGradEnabled()) return out;
  let any = false;
  for (const p of inputs) if (p.requiresGrad) any = true;
  if (!any) return out;
  out.requiresGrad = true;
  out._parents = inputs;
  out._backward = () => backward(out.grad!);
  return out;
}

/** An op's output, UNINITIALISED: every op that uses it writes each element (scatterAddRows uses `zeros`). */
export function empty(shape: Shape): Tensor {
  return new Tensor(heap.allocF32Uninit(shapeSize(shape)), shape);
}

export function live(t: Tensor, where: string): void {
  if (!(t instanceof Tensor)) throw new TypeError(`${where}: expected a Tensor, got ${typeof t}`);
  t.assertLive(where);
}

/** Makes `buf` (a heap block) part of `t`: freed when t is disposed. */
export function addAux(t: Tensor, buf: ArrayBufferView): void {
  (t._aux ??= []).push(buf);
}

/** `idx` on the heap (kernels address it by offset): the view itself, or a heap copy owned by `owner`. */
export function heapIdx(idx: Int32Array, owner: Tensor): Int32Array {
  if (heap.owns(idx)) return idx;
  const c = heap.allocI32(idx.length);
  c.set(idx);
  addAux(owner, c);
  return c;
}

export function checkIdx(idx: Int32Array, n: number, where: string): void {
  if (!(idx instanceof Int32Array)) throw new TypeError(`${where}: indices must be an Int32Array`);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r];
    if (i < 0 || i >= n) throw new RangeError(`${where}: index ${i} at position ${r} out of range [0, ${n})`);
  }
}

export function asTensor(x: Tensor | number): Tensor {
  return typeof x === 'number' ? Tensor.scalar(x) : x;
}
