// Finite-difference gradient checking against an independent float64 reference.
//
// The op under test runs in float32 through the engine; its analytic gradient of L = Σ W ⊙ op(x) (W random) comes
// from autograd. The reference forward runs in float64 and is differentiated by central differences, so the
// comparison measures the engine's backward, not float32 rounding in the numerical derivative.

import { Rng } from '../core/rng.js';
import { Tensor, tidy, type Shape } from './tensor.js';

export interface GradcheckInput {
  values: ArrayLike<number>;
  shape: Shape;
  /** Differentiate with respect to this input (default true). */
  requiresGrad?: boolean;
}

export interface GradcheckOptions {
  /** Draws W (default: a fixed stream). */
  rng?: Rng;
  /** Central-difference step (default 1e-6). */
  h?: number;
}

export interface GradcheckResult {
  /** Per input: ‖analytic − numeric‖₂ / max(‖numeric‖₂, 1e-6); NaN for inputs not differentiated. */
  relErrors: number[];
  maxRelError: number;
  /** max |op(x) − ref(x)| / max(1, max |ref(x)|). */
  forwardError: number;
  analytic: Float64Array[];
  numeric: Float64Array[];
}

export function gradcheck(
  op: (xs: Tensor[]) => Tensor,
  ref: (xs: Float64Array[]) => ArrayLike<number>,
  inputs: readonly GradcheckInput[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const rng = opts.rng ?? Rng.stream(0, 'gradcheck');
  const h = opts.h ?? 1e-6;
  // The engine sees float32 inputs; the reference gets exactly the same values in float64.
  const x64 = inputs.map((inp) => Float64Array.from(Float32Array.from(inp.values)));
  const ref0 = ref(x64.map((x) => x.slice()));
  const W = new Float64Array(ref0.length);
  for (let i = 0; i < W.length; i++) W[i] = 2 * rng.double() - 1;

  const { y, analytic } = tidy(() => {
    const xs = inputs.map((inp, k) => Tensor.from(x64[k], inp.shape, inp.requiresGrad ?? true));
    const out = op(xs);
    if (out.size !== W.length) throw new Error(`gradcheck: op gives ${out.size} values, reference ${W.length}`);
    const yv = Float64Array.from(out.data);
    if (out.requiresGrad) out.backward(W);
    const an = xs.map((x) => (x.grad ? Float64Array.from(x.grad) : new Float64Array(x.size)));
    return { y: yv, analytic: an };
  });

  let fwdMax = 0, refMax = 0;
  for (let i = 0; i < y.length; i++) {
    fwdMax = Math.max(fwdMax, Math.abs(y[i] - ref0[i]));
    refMax = Math.max(refMax, Math.abs(ref0[i]));
  }
  const forwardError = fwdMax / Math.max(1, refMax);

  const loss = (xs: Float64Array[]): number => {
    const r = ref(xs);
    let s = 0;
    for (let i = 0; i < r.length; i++) s += W[i] * r[i];
    return s;
  };
  const numeric: Float64Array[] = [];
  const relErrors: number[] = [];
  inputs.forEach((inp, k) => {
    const num = new Float64Array(x64[k].length);
    numeric.push(num);
    if (inp.requiresGrad === false) {
      relErrors.push(NaN);
      return;
    }
    const xs = x64.map((x) => x.slice());
    const xk = xs[k];
    for (let e = 0; e < xk.length; e++) {
      const v = xk[e];
      xk[e] = v + h;
      const fp = loss(xs);
      xk[e] = v - h;
      const fm = loss(xs);
      xk[e] = v;
      num[e] = (fp - fm) / (2 * h);
    }
    let dn = 0, nn = 0;
    const an = analytic[k];
    for (let e = 0; e < num.length; e++) {
      dn += (an[e] - num[e]) ** 2;
      nn += num[e] ** 2;
    }
    relErrors.push(Math.sqrt(dn) / Math.max(Math.sqrt(nn), 1e-6));
  });
  const maxRelError = relErrors.reduce((m, e) => (Number.isNaN(e) ? m : Math.max(m, e)), 0);
  return { relErrors, maxRelError, forwardError, analytic, numeric };
}
