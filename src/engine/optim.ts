// Optimisers with PyTorch semantics. Moments live on the engine heap (allocated once per parameter) so the
// kernels update them in place. Parameters without any grad in a step are skipped, as PyTorch skips `grad is None`.
//
// Row-sparse grads (sparse Parameters fed through gatherRows): lazy Adam updates only the touched rows' values and
// moments (torch.optim.SparseAdam); AdaGrad and SGD without weight decay update only touched rows too, which is
// exactly what their dense forms do with a zero grad. Otherwise a row-sparse grad is densified first.

import { heap } from './memory.js';
import { adamDense, kernels } from './kernels/index.js';
import type { AdamHyper } from './kernels/types.js';
import type { Parameter } from './param.js';

export interface OptimizerState {
  kind: string;
  params: Array<{ name: string; size: number; step: number; buffers: Record<string, Float32Array> }>;
}

export interface Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  step(): void;
  zeroGrad(): void;
  getState(): OptimizerState;
  setState(s: OptimizerState): void;
}

abstract class Base implements Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  protected readonly steps: number[];
  protected readonly slots: Array<Record<string, Float32Array>>;
  protected abstract readonly kind: string;

  constructor(params: readonly Parameter[], lr: number, slotNames: string[], fill = 0) {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new Error(`optimizer: lr must be a positive number, got ${lr}`);
    const seen = new Set<Parameter>();
    for (const p of params) {
      if (seen.has(p)) throw new Error(`optimizer: parameter ${p.name} listed twice`);
      seen.add(p);
    }
    this.params = params.slice();
    this.lr = lr;
    this.steps = params.map(() => 0);
    this.slots = params.map((p) => {
      const r: Record<string, Float32Array> = {};
      for (const n of slotNames) {
        r[n] = heap.allocF32(p.size);
        if (fill !== 0) r[n].fill(fill);
      }
      return r;
    });
  }

  abstract step(): void;

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  getState(): OptimizerState {
    return {
      kind: this.kind,
      params: this.params.map((p, i) => {
        const buffers: Record<string, Float32Array> = {};
        for (const [k, v] of Object.entries(this.slots[i])) buffers[k] = v.slice();
        return { name: p.name, size: p.size, step: this.steps[i], buffers };
      }),
    };
  }

  setState(s: OptimizerState): void {
    if (s.kind !== this.kind) throw new Error(`optimizer.setState: state is for '${s.kind}', this is '${this.kind}'`);
    if (s.params.length !== this.params.length) {
      throw new Error(`optimizer.setState: state has ${s.params.length} parameters, optimizer has ${this.params.length}`);
    }
    s.params.forEach((ps, i) => {
      const p = this.params[i];
      if (ps.size !== p.size) throw new Error(`optimizer.setState: parameter ${i} (${p.name}) has size ${p.size}, state ${ps.size}`);
      for (const k of Object.keys(this.slots[i])) {
        const b = ps.buffers[k];
        if (!b || b.length !== p.size) throw new Error(`optimizer.setState: missing or mis-sized buffer '${k}' for ${p.name}`);
        this.slots[i][k].set(b);
      }
      this.steps[i] = ps.step;
    });
  }

  /** Frees the heap buffers (the optimizer is unusable afterwards). */
  dispose(): void {
    for (const r of this.slots) for (const v of Object.values(r)) heap.free(v);
    this.slots.length = 0;
  }
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty added to the gradient (PyTorch Adam's weight_decay, not AdamW). */
  weightDecay?: number;
  /** Sparse params with row-sparse grads update only touched rows (SparseAdam). */
  lazy?: boolean;
}

export class Adam extends Base {
  protected readonly kind = 'adam';
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  readonly lazy: boolean;
  private readonly hyper: AdamHyper = { lr: 0, beta1: 0, beta2: 0, eps: 0, weightDecay: 0, step: 0 };

  constructor(params: readonly Parameter[], opts: AdamOptions) {
    super(params, opts.lr, ['m', 'v']);
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.lazy = opts.lazy ?? false;
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) {
      throw new Error(`Adam: betas must be in [0, 1), got ${this.beta1}, ${this.beta2}`);
    }
  }

  step(): void {
    const K = kernels();
    const h = this.hyper;
    h.lr = this.lr;
    h.beta1 = this.beta1;
    h.beta2 = this.beta2;
    h.eps = this.eps;
    h.weightDecay = this.weightDecay;
    this.params.forEach((p, i) => {
      if (!p.hasGrad()) return;
      h.step = ++this.steps[i];
      const { m, v } = this.slots[i];
      const rg = p.rowGrad;
      if (rg && this.lazy) K.adamRows(p.data, rg.values, rg.rows, p.cols, m, v, h);
      // Dense Adam over a row-sparse grad: one fused pass (the same numbers as densifying it first, without writing
      // and re-reading a dense gradient the size of the table).
      else if (rg) adamDense(p.data, rg.values, p.rowSlots!, p.cols, m, v, h);
      else K.adam(p.data, p.denseGrad()!, m, v, p.size, h);
    });
  }
}

export interface AdaGradOptions {
  lr: number;
  eps?: number;
  initialAccumulator?: number;
  weightDecay?: number;
}

export class AdaGrad extends Base {
  protected readonly kind = 'adagrad';
  eps: number;
  weightDecay: number;

  constructor(params: readonly Parameter[], opts: AdaGradOptions) {
    super(params, opts.lr, ['sum'], opts.initialAccumulator ?? 0);
    this.eps = opts.eps ?? 1e-10;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  // PyTorch Adagrad: g += wd·p; sum += g²; p −= lr · g / (sqrt(sum) + eps).
  step(): void {
    const lr = this.lr, eps = this.eps, wd = this.weightDecay;
    this.params.forEach((p, i) => {
      if (!p.hasGrad()) return;
      this.steps[i]++;
      const acc = this.slots[i].sum;
      const x = p.data;
      const rg = wd === 0 ? p.rowGrad : null;
      if (rg) {
        const d = p.cols, g = rg.values;
        const rows = rg.rows;
        for (let r = 0; r < rows.length; r++) {
          const po = rows[r] * d, go = r * d;
          for (let j = 0; j < d; j++) {
            const gj = g[go + j];
            acc[po + j] += gj * gj;
            x[po + j] -= lr * gj / (Math.sqrt(acc[po + j]) + eps);
          }
        }
      } else {
        const g = p.denseGrad()!;
        for (let j = 0; j < x.length; j++) {
          const gj = wd !== 0 ? g[j] + wd * x[j] : g[j];
          acc[j] += gj * gj;
          x[j] -= lr * gj / (Math.sqrt(acc[j]) + eps);
        }
      }
    });
  }
}

export interface SGDOptions {
  lr: number;
  weightDecay?: number;
}

export class SGD extends Base {
  protected readonly kind = 'sgd';
  weightDecay: number;

  constructor(params: readonly Parameter[], opts: SGDOptions) {
    super(params, opts.lr, []);
    this.weightDecay = opts.weightDecay ?? 0;
  }

  step(): void {
    const lr = this.lr, wd = this.weightDecay;
    this.params.forEach((p, i) => {
      if (!p.hasGrad()) return;
      this.steps[i]++;
      const x = p.data;
      const rg = wd === 0 ? p.rowGrad : null;
      if (rg) {
        const d = p.cols, g = rg.values;
        for (let r = 0; r < rg.rows.length; r++) {
          const po = rg.rows[r] * d, go = r * d;
          for (let j = 0; j < d; j++) x[po + j] -= lr * g[go + j];
        }
      } else {
        const g = p.denseGrad()!;
        for (let j = 0; j < x.length; j++) x[j] -= lr * (g[j] + wd * x[j]);
      }
    });
  }
}

/** Builds an optimizer from a config entry. */
export function createOptimizer(params: readonly Parameter[],
  cfg: { name: 'adam' | 'adagrad' | 'sgd'; lr: number; lazy?: boolean; weightDecay?: number; [k: string]: unknown }): Optimizer {
  switch (cfg.name) {
    case 'adam': return new Adam(params, cfg as AdamOptions);
    case 'adagrad': return new AdaGrad(params, cfg as AdaGradOptions);
    case 'sgd': return new SGD(params, cfg as SGDOptions);
    default: throw new Error(`unknown optimizer '${String((cfg as { name: unknown }).name)}' (use adam, adagrad or sgd)`);
  }
}
