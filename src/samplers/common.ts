// Helpers shared by the samplers: option validation, row repetition for K negatives per pair, and candidate
// scoring on typed arrays (one gather of the distinct candidates, no per-candidate tensors).
import { groupDot } from '../engine/kernels/index.js';
import { heap } from '../engine/memory.js';
import { gatherRows } from '../engine/ops.js';
import { Tensor, noGrad, tidy } from '../engine/tensor.js';
import { Deduper, drawCandidates } from './candidates.js';
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
  const cands = drawCandidates(ctx.dataset.train, rowUsers, M, ctx.rng);
  return { R: ctx.users.length * K, rowUsers, rowPos, cands };
}

/** Lazily sized deduper (per sampler instance, reused across steps). */
export class DedupCache {
  private d: Deduper | null = null;
  private n = -1;
  get(numItems: number): Deduper {
    if (!this.d || this.n !== numItems) {
      this.d = new Deduper(numItems);
      this.n = numItems;
    }
    return this.d;
  }
}

/**
 * Scores of pooled user rows against candidate pools: with B users (qData [B × P]) and K pools of M
 * candidates per user, out[r·M + m] = score(user ⌊r/K⌋, cands[r·M + m]) for r < B·K. Not differentiated.
 * For the 'dot' scorer this is a typed-array loop over one gather of the distinct candidates; other scorers
 * (GMF weights, item biases) go through pass.score so the encoder's own scoring rule applies.
 */
export function scorePools(
  ctx: SampleContext,
  qData: Float32Array,
  P: number,
  K: number,
  cands: Int32Array,
  M: number,
  dedup: DedupCache,
  out?: Float32Array,
): Float32Array {
  const B = ctx.users.length;
  const R = B * K;
  if (qData.length !== B * P) throw new Error(`scorePools: query data has ${qData.length} numbers, expected ${B}×${P}`);
  if (cands.length !== R * M) throw new Error(`scorePools: ${cands.length} candidates for ${R} pools × M = ${M}`);
  const res = out ?? new Float32Array(R * M);
  // One pooled layer (MF): score straight from the item table, no dedup or gather.
  if (ctx.encoder.scorerKind === 'dot' && ctx.pass.itemTables?.().tables.length === 1 &&
    scoreCandidateLayers(ctx, qData, K, cands, M, 1, (_l, s) => res.set(s))) {
    return res;
  }
  const { ids, slot } = dedup.get(ctx.dataset.numItems).run(cands);
  tidy(() =>
    noGrad(() => {
      const layers = ctx.pass.itemLayers(ids);
      if (ctx.encoder.scorerKind === 'dot' && (ctx.encoder.pooling === 'mean' || ctx.encoder.pooling === 'concat')) {
        const c = poolLayerData(layers, ctx.encoder.pooling);
        if (c.length !== ids.length * P) {
          throw new Error(`scorePools: pooled item rows have ${c.length / ids.length} numbers, pooled user rows ${P}`);
        }
        groupDot(qData, K, c, slot, R, M, P, res);
        return;
      }
      const pooled = ctx.pass.pool(layers);
      if (pooled.shape[1] !== P) {
        throw new Error(`scorePools: pooled item dim ${pooled.shape[1]} differs from pooled user dim ${P}`);
      }
      // Generic scorer: one row per candidate.
      const rowQuery = new Int32Array(R * M);
      for (let r = 0; r < R; r++) rowQuery.fill(Math.floor(r / K), r * M, (r + 1) * M);
      const q = Tensor.from(qData, [B, P]);
      const qRows = gatherRows(q, rowQuery);
      const cRows = gatherRows(pooled, slot.slice());
      const userIds = new Int32Array(R * M);
      for (let t = 0; t < R * M; t++) userIds[t] = ctx.users[rowQuery[t]];
      const s = ctx.pass.score(qRows, cRows, cands, userIds);
      res.set(s.data.subarray(0, R * M));
    }),
  );
  return res;
}

/**
 * The pooled rows of per-layer tensors as plain data, for selection only (mean: float32 sums in layer order, then
 * one scale; concat: per-row concatenation) — a tight loop instead of the differentiable op over many rows.
 */
export function poolLayerData(layers: Tensor[], pooling: 'mean' | 'concat'): Float32Array {
  const L = layers.length;
  const n = layers[0].shape[0];
  const d = layers[0].shape[1];
  if (L === 1) return layers[0].data;
  if (pooling === 'mean') {
    const out = new Float32Array(n * d);
    for (const t of layers) {
      const x = t.data;
      for (let k = 0; k < n * d; k++) out[k] += x[k];
    }
    const inv = 1 / L;
    for (let k = 0; k < n * d; k++) out[k] *= inv;
    return out;
  }
  const P = L * d;
  const out = new Float32Array(n * P);
  for (let l = 0; l < L; l++) {
    const x = layers[l].data;
    for (let r = 0; r < n; r++) out.set(x.subarray(r * d, (r + 1) * d), r * P + l * d);
  }
  return out;
}

/** Pooled user rows of the batch as a plain copy (no graph): [B × P]. */
export function pooledUsers(ctx: SampleContext): { data: Float32Array; P: number } {
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

/**
 * Dot scores of query rows against candidate pools at each of the first `layers` layers, read straight from the
 * encoder's full tables (EncoderPass.itemTables) with the groupDot kernel — no gather of the candidates:
 * `each(l, s)` gets s[r·M + m] = <q[⌊r/K⌋], e_{cands[r·M+m]}^(l)> (valid during the call only). Returns false, doing
 * nothing, when the pass does not expose its tables or the dims differ (callers then gather and use dotPools).
 */
export function scoreCandidateLayers(ctx: SampleContext, q: Float32Array, K: number, cands: Int32Array, M: number,
  layers: number, each: (l: number, scores: Float32Array) => void): boolean {
  const src = ctx.pass.itemTables?.();
  if (!src || src.tables.length < layers) return false;
  const d = src.dim;
  const R = cands.length / M;
  if (q.length !== Math.ceil(R / K) * d) return false;
  const s = heap.allocF32Uninit(R * M);
  try {
    // Item rows start at rowOffset: a view of each table from there takes the candidate ids as they are (no
    // per-candidate offset loop; the view stays on the heap, so the kernel reads it in place).
    const off = src.rowOffset * d;
    for (let l = 0; l < layers; l++) {
      const t = src.tables[l];
      groupDot(q, K, off ? t.subarray(off) : t, cands, R, M, d, s);
      each(l, s);
    }
  } finally {
    heap.free(s);
  }
  return true;
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
