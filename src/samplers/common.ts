// Helpers shared by the samplers: option validation, row repetition for K negatives per pair, and candidate
// scoring on typed arrays (one gather of the distinct candidates, no per-candidate tensors).
import { DedupCache } from '../core/dedup.js';
import type { OptionSchema } from '../core/options.js';
import { groupDot } from '../engine/kernels/index.js';
import { noGrad, tidy } from '../engine/tensor.js';
import { poolLayerData, tableScores } from '../encoders/candidateScores.js';
import { drawCandidates, excludedOf } from './candidates.js';

export { DedupCache, poolLayerData };

/** The pool-size and negatives-per-pair options most samplers share (registry schemas). */
export function poolOptions(m: number, kDoc = 'negatives per pair K'): OptionSchema {
  return {
    m: { type: 'integer', default: m, min: 1, doc: 'candidates per pool M' },
    k: { type: 'integer', default: 1, min: 1, doc: kDoc },
  };
}
import type { SampleContext } from './types.js';

/** Reads and validates a sampler's options; unknown keys are an error so typos do not pass silently. */
export class Options {
  private readonly used = new Set<string>(['name']);

  constructor(
    private readonly sampler: string,
    private readonly raw: Record<string, unknown>,
  ) {}

  private get(key: string): unknown {
    this.used.add(key);
    return this.raw[key];
  }

  int(key: string, def: number, min = 1): number {
    const v = this.get(key) ?? def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new RangeError(`${this.sampler}: option ${key} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  num(key: string, def: number, min: number, max = Infinity, openMin = false): number {
    const v = this.get(key) ?? def;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (openMin && v === min) || v > max) {
      const lo = openMin ? `> ${min}` : `≥ ${min}`;
      throw new RangeError(`${this.sampler}: option ${key} must be a number ${lo}${max < Infinity ? ` and ≤ ${max}` : ''}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.get(key) ?? def;
    if (typeof v !== 'boolean') throw new RangeError(`${this.sampler}: option ${key} must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  oneOf<T extends string>(key: string, def: T, values: readonly T[]): T {
    const v = this.get(key) ?? def;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      throw new RangeError(`${this.sampler}: option ${key} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v as T;
  }

  /** Call after reading every option: rejects keys the sampler does not know. */
  done(): void {
    const unknown = Object.keys(this.raw).filter((k) => !this.used.has(k));
    if (unknown.length > 0) {
      throw new RangeError(`${this.sampler}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (known: ${[...this.used].filter((k) => k !== 'name').join(', ')})`);
    }
  }
}

/** a[b] repeated k times each: [a0 ×k, a1 ×k, …] (identity copy when k = 1). */
export function repeatEach(a: Int32Array, k: number): Int32Array {
  if (k === 1) return a;
  const out = new Int32Array(a.length * k);
  for (let b = 0, w = 0; b < a.length; b++) for (let j = 0; j < k; j++) out[w++] = a[b];
  return out;
}

/** Row indices 0..n−1 each repeated k times (to gather a per-pair tensor into per-negative rows). */
export function repeatRows(n: number, k: number): Int32Array {
  const out = new Int32Array(n * k);
  for (let b = 0, w = 0; b < n; b++) for (let j = 0; j < k; j++) out[w++] = b;
  return out;
}

/** The batch's K copies of each pair (row r = b·K + j) and one pool of M training non-positives per copy. */
export function rowPools(ctx: SampleContext, K: number, M: number):
  { R: number; rowUsers: Int32Array; rowPos: Int32Array; cands: Int32Array } {
  const rowUsers = repeatEach(ctx.users, K);
  const rowPos = repeatEach(ctx.pos, K);
  const cands = drawCandidates(excludedOf(ctx.data), rowUsers, M, ctx.rng);
  return { R: ctx.users.length * K, rowUsers, rowPos, cands };
}


/**
 * Scores of pooled user rows against candidate pools through the pass's selection scorer (EncoderPass.
 * scoreCandidates): out[r·M + m] = score(user ⌊r/K⌋, cands[r·M + m]) for r < B·K. Not differentiated.
 */
export function scorePools(
  ctx: SampleContext,
  qData: Float32Array,
  P: number,
  K: number,
  cands: Int32Array,
  M: number,
  out?: Float32Array,
): Float32Array {
  return ctx.pass.scoreCandidates(qData, P, K, cands, M, ctx.users, out);
}

/** Pooled user rows of the batch (no graph; read-only): [B × P]. */
export function pooledUsers(ctx: SampleContext): { data: Float32Array; P: number } {
  // The step has computed them already (the same numbers as pool(userLayers(users))): its heap view, read-only and
  // valid for the step, is passed on as it is (the WASM scorer then reads it in place, without a copy).
  if (ctx.userRows && ctx.userRows.rows === ctx.users.length) return { data: ctx.userRows.data, P: ctx.userRows.cols };
  return tidy(() =>
    noGrad(() => {
      const t = ctx.pass.pool(ctx.pass.userLayers(ctx.users));
      return { data: Float32Array.from(t.data), P: t.shape[1] };
    }),
  );
}

/** Per-layer dot products: out[r·M + m] = <q_r, layer[slot[r·M+m]]> with q [R×d] and layer rows [U×d]. */
export function dotPools(q: Float32Array, layer: Float32Array, slot: Int32Array, R: number, M: number, d: number, out: Float32Array): void {
  groupDot(q, 1, layer, slot, R, M, d, out);
}

/** tableScores (encoders/candidateScores.ts) on the context's pass. */
export function scoreCandidateLayers(ctx: SampleContext, q: Float32Array, K: number, cands: Int32Array, M: number,
  layers: number, each: (l: number, scores: Float32Array) => void): boolean {
  return tableScores(ctx.pass, q, K, cands, M, layers, each);
}

/** Index of the largest of s[o..o+M) (first on ties; NaN never wins). */
export function argmaxRow(s: Float32Array | Float64Array, o: number, M: number): number {
  let best = 0;
  let bv = -Infinity;
  for (let m = 0; m < M; m++) {
    const v = s[o + m];
    if (v > bv) {
      bv = v;
      best = m;
    }
  }
  return best;
}

/**
 * Runs `fn` on the per-layer rows (layerSet order) of the distinct items `ids`, without recording a graph, and
 * frees them afterwards: `fn` must return plain data, not tensors.
 */
export function withItemLayers<T>(ctx: SampleContext, ids: Int32Array, fn: (layers: Float32Array[], d: number) => T): T {
  return tidy(() =>
    noGrad(() => {
      const ls = ctx.pass.itemLayers(ids);
      return fn(ls.map((t) => t.data), ls[0].shape[1]);
    }),
  );
}

/** q = mean over the pooled layers of the user rows (the MixGCF/DINS query), as a plain copy: [n × d]. */
export function meanUserLayers(ctx: SampleContext, users: Int32Array): Float32Array {
  return tidy(() =>
    noGrad(() => {
      const ls = ctx.pass.userLayers(users);
      const n = users.length;
      const d = ls[0].shape[1];
      const q = new Float32Array(n * d);
      for (const t of ls) {
        const x = t.data;
        for (let k = 0; k < n * d; k++) q[k] += x[k];
      }
      const inv = 1 / ls.length;
      for (let k = 0; k < n * d; k++) q[k] *= inv;
      return q;
    }),
  );
}

/** Logistic σ(x) on a number, without overflow for large |x|. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}
