// RecNS (recns.md; methods.md "RecNS"): negatives from the user's intermediate region, made harder with the
// positive's help and more reliable with exposure data, merged in embedding space. Per pair (u, i):
//  1. Region (three-region principle): C_u = M candidates uniformly without replacement from R_med(u), the items
//     within `khop` hops of u on the training graph minus u's training items (data/regions.ts). `region`
//     'distant' / 'global' draw from the rest / from all non-positives instead (RecNS-Dis / -All, Fig. 7).
//  2. Positive-assisted sampling (eq. 7): one α_c per candidate from `alpha` (U(0,1) default; U(0,0.5), N(0,1),
//     N(0,0.5) of Fig. 5, N(μ, σ²) as the paper writes it), a_c = σ(α_c s_u(c) + (1−α_c) s_i(c)) with
//     s_u(c) = <e_u, e_c>, s_i(c) = <e_i, e_c> on the pooled (final) embeddings, and k negatives v_p drawn with
//     replacement with p(c) ∝ a_c (paper) or ∝ exp(a_c) (`weights: 'expSigmoid'`, the released code's
//     tf.multinomial over σ(·) logits). `positiveAssisted: false` (Fig. 8's w/o p-a) takes the k highest s_u(c) of
//     C_u instead (the hardest items; distinct when k ≤ M).
//  3. Exposure-augmented sampling (eqs. 8–9): M_u = M of u's exposed-but-not-interacted items (without replacement
//     when u has at least M, else with replacement, as the code); β_j = |{m : M_u[m] ∈ C_u}| if j ∈ C_u else 1
//     (`betaRule: 'paper'`, counting M_u's entries), or the code's rule (`'code'`: the count of C_u's items found in
//     M_u, applied only when it is ≥ 2; a count of 1 gives β = 1 under both rules, so they differ only when M_u
//     repeats an item); v_e = argmax_j σ(β_j s_u(j)). A user with no exposure record uses M_u = C_u and β = 1 (per
//     user: the others keep theirs). `exposedNegatives` n > 1 (Fig. 9) keeps the n best; negative t merges with
//     the (t mod n)-th.
//  4. Merge (eq. 11): e⁻_t = (1/k) e_{v_e} + (1 − 1/k) e_{v_p,t}, differentiable into both items (`merge: 'paper'`);
//     the code's two-step merge (`'code'`): m = (1 − 1/k) e_{v_p,1} + (1/k) e_{v_e}, e⁻_t = (1 − 1/k) e_{v_p,t} +
//     (1/k) m. `exposure: false` (Fig. 9's w/o e-a) returns the k positive-assisted items themselves.
// Loss: the paper's augmented k-pair hinge (eq. 5, γ 0.1, losses/augmentedHinge.ts) is the preferred loss;
// `variant: 'code'` sets the released code's choices (exp(σ) weights, two-step merge, count ≥ 2 rule and its
// per-pair sigmoid hinge) as the defaults of those options.
// Every draw comes from ctx.rng in a fixed order (region candidates, exposure draws, α, picks), so runs repeat for a
// seed and the sampler has no state beyond the stream (the region index is rebuilt from the training data in
// prepare()). Candidates and exposed items are scored from one gather of their distinct pooled rows (groupDot).
import { customOp } from '../engine/ops.js';
import type { Tensor } from '../engine/tensor.js';
import { noGrad, tidy } from '../engine/tensor.js';
import { RegionIndex, type RegionKind, type RegionMode, DEFAULT_REGION_BYTES, checkKhop } from '../data/regions.js';
import { DedupCache, Options, pooledUsers, sigmoid } from './common.js';
import { groupDot } from '../engine/kernels/index.js';
import type { EncoderPass } from '../encoders/types.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerEntry, TrainView } from './types.js';
import type { CsrMatrix } from '../core/csr.js';
import type { Rng } from '../core/rng.js';

export type RecnsAlpha = 'U(0,1)' | 'U(0,0.5)' | 'N(0,1)' | 'N(0,0.5)';
export const RECNS_ALPHAS: readonly RecnsAlpha[] = ['U(0,1)', 'U(0,0.5)', 'N(0,1)', 'N(0,0.5)'];

export interface RecnsOptions {
  /** Candidates M per pair, from the region and from the exposure (default 20). */
  m?: number;
  /** Negatives per pair k (default 15). */
  k?: number;
  /** Hops that bound the intermediate region (odd, default 3). */
  khop?: number;
  region?: RegionKind;
  alpha?: RecnsAlpha;
  variant?: 'paper' | 'code';
  weights?: 'sigmoid' | 'expSigmoid';
  merge?: 'paper' | 'code';
  betaRule?: 'paper' | 'code';
  positiveAssisted?: boolean;
  exposure?: boolean;
  exposedNegatives?: number;
  /** Margin γ of the preferred loss (default 0.1). */
  margin?: number;
  regionMode?: RegionMode;
  regionMaxBytes?: number;
}

/** The draws of one call, for tests and diagnostics. */
export interface RecnsDraws {
  /** C_u per pair [B × M]. */
  candidates: Int32Array;
  /** α per candidate [B × M]. */
  alpha: Float32Array;
  /** Selection weight a_c (σ(·), or exp(σ(·)) for the code's weights) per candidate [B × M]. */
  weights: Float64Array;
  /** v_p per negative [B × k]. */
  picks: Int32Array;
  /** M_u per pair [B × M] (C_u for users without exposure) and β per entry. */
  exposed: Int32Array;
  beta: Float32Array;
  /** Whether the pair's user had exposure records. */
  hasExposure: Uint8Array;
  /** v_e per negative [B × k] (null without exposure-augmented sampling). */
  exposedPicks: Int32Array | null;
}

/** α of eq. 7 from the chosen distribution; N(μ, σ²) with σ² as written (N(0,0.5): standard deviation √0.5). */
export function drawAlpha(dist: RecnsAlpha, rng: Rng): number {
  switch (dist) {
    case 'U(0,1)': return rng.float();
    case 'U(0,0.5)': return 0.5 * rng.float();
    case 'N(0,1)': return rng.normal(0, 1);
    case 'N(0,0.5)': return rng.normal(0, Math.SQRT1_2);
  }
}

/** Eq. 9's β for M_u entries against C_u, written to beta[o..o+M). */
export function selfAmplified(cands: Int32Array, co: number, M: number, exposed: Int32Array, eo: number, ME: number,
  rule: 'paper' | 'code', beta: Float32Array): void {
  let count = 0;
  if (rule === 'paper') {
    // The number of exposed entries that are candidates.
    for (let e = 0; e < ME; e++) if (contains(cands, co, M, exposed[eo + e])) count++;
  } else {
    // The code: candidates found among the exposed items; β only when that count is ≥ 2.
    for (let c = 0; c < M; c++) if (contains(exposed, eo, ME, cands[co + c])) count++;
    if (count < 2) count = 1;
  }
  for (let e = 0; e < ME; e++) beta[eo + e] = contains(cands, co, M, exposed[eo + e]) ? count : 1;
}

function contains(a: Int32Array, o: number, n: number, x: number): boolean {
  for (let k = 0; k < n; k++) if (a[o + k] === x) return true;
  return false;
}

/** M items of u's exposure row: without replacement when it holds ≥ M, else with replacement; false when empty. */
function drawExposed(exp: CsrMatrix | undefined, u: number, M: number, rng: Rng, out: Int32Array, o: number): boolean {
  if (!exp || u >= exp.rows) return false;
  const s = exp.indptr[u];
  const n = exp.indptr[u + 1] - s;
  if (n === 0) return false;
  if (n < M) {
    for (let m = 0; m < M; m++) out[o + m] = exp.indices[s + rng.int(n)];
    return true;
  }
  // Floyd's algorithm over positions (distinct positions, so it ends even if a row repeated an item).
  for (let j = n - M, m = 0; j < n; j++, m++) {
    const t = rng.int(j + 1);
    out[o + m] = contains(out, o, m, t) ? j : t;
  }
  for (let m = 0; m < M; m++) out[o + m] = exp.indices[s + out[o + m]];
  return true;
}

export class RecnsSampler implements Sampler {
  readonly name = 'recns';
  readonly needs = { scorer: ['dot' as const] };
  readonly m: number;
  readonly k: number;
  readonly khop: number;
  readonly region: RegionKind;
  readonly alpha: RecnsAlpha;
  readonly weights: 'sigmoid' | 'expSigmoid';
  readonly merge: 'paper' | 'code';
  readonly betaRule: 'paper' | 'code';
  readonly positiveAssisted: boolean;
  readonly exposure: boolean;
  readonly exposedNegatives: number;
  readonly regionMode: RegionMode;
  readonly regionMaxBytes: number;
  readonly preferredLoss: LossSpec;
  /** The last call's draws (tests, diagnostics). */
  last: RecnsDraws | null = null;
  private readonly dedup = new DedupCache();
  private index: RegionIndex | null = null;
  private indexFor: CsrMatrix | null = null;

  constructor(opts: RecnsOptions = {}) {
    const raw = opts as Record<string, unknown>;
    const o = new Options('recns', raw);
    this.m = o.int('m', 20);
    this.k = o.int('k', 15);
    this.khop = checkKhop(o.int('khop', 3), 'recns: option khop');
    this.region = o.oneOf<RegionKind>('region', 'intermediate', ['intermediate', 'distant', 'global']);
    this.alpha = o.oneOf<RecnsAlpha>('alpha', 'U(0,1)', RECNS_ALPHAS);
    const variant = o.oneOf<'paper' | 'code'>('variant', 'paper', ['paper', 'code']);
    const code = variant === 'code';
    this.weights = o.oneOf('weights', code ? 'expSigmoid' : 'sigmoid', ['sigmoid', 'expSigmoid'] as const);
    this.merge = o.oneOf('merge', code ? 'code' : 'paper', ['paper', 'code'] as const);
    this.betaRule = o.oneOf('betaRule', code ? 'code' : 'paper', ['paper', 'code'] as const);
    this.positiveAssisted = o.bool('positiveAssisted', true);
    this.exposure = o.bool('exposure', true);
    this.exposedNegatives = o.int('exposedNegatives', 1);
    const margin = o.num('margin', 0.1, -Infinity);
    this.regionMode = o.oneOf<RegionMode>('regionMode', 'auto', ['auto', 'full', 'lazy']);
    this.regionMaxBytes = o.num('regionMaxBytes', DEFAULT_REGION_BYTES, 1);
    o.done();
    if (!this.positiveAssisted && this.k > this.m) {
      throw new RangeError(`recns: positiveAssisted false takes the k hardest of the M candidates, so it needs k ≤ m (k = ${this.k}, m = ${this.m})`);
    }
    if (this.exposedNegatives > this.m) {
      throw new RangeError(`recns: exposedNegatives (${this.exposedNegatives}) cannot exceed m (${this.m})`);
    }
    if (!this.exposure && raw.exposedNegatives !== undefined) {
      throw new RangeError('recns: exposedNegatives applies to exposure-augmented sampling, which exposure: false turns off');
    }
    this.preferredLoss = code ? { name: 'sigmoidHinge', margin } : { name: 'augmentedHinge', margin };
  }

  prepare(data: TrainView): void {
    this.indexOf(data);
  }

  /** The region index of this training matrix (built once; rebuilt when the matrix changes). */
  private indexOf(data: TrainView): RegionIndex {
    if (this.index && this.indexFor === data.train) return this.index;
    // RecNS-All needs no region bits: a khop-1 lazy index draws the global non-positives without building any.
    this.index = this.region === 'global'
      ? new RegionIndex(data.train, { khop: 1, mode: 'lazy' })
      : new RegionIndex(data.train, { khop: this.khop, mode: this.regionMode, maxBytes: this.regionMaxBytes });
    this.indexFor = data.train;
    return this.index;
  }

  /** The region index (after prepare), for diagnostics and the CLI's checks. */
  get regions(): RegionIndex | null {
    return this.index;
  }

  sample(ctx: SampleContext): Negatives {
    const { users, pos, pass, data, rng } = ctx;
    const B = users.length;
    if (pos.length !== B) throw new Error(`recns: ${B} users but ${pos.length} positives`);
    const M = this.m;
    const K = this.k;
    // 1. C_u from the region.
    const idx = this.indexOf(data);
    // Draws reject the revealed false negatives too (PDNS simulation), not only the training positives.
    idx.setExcluded(data.excluded ?? null);
    const cands = new Int32Array(B * M);
    if (this.region !== 'global') idx.load(users);
    for (let b = 0; b < B; b++) idx.draw(users[b], this.region, M, rng, cands, b * M);
    // 2. M_u and β (drawn before any scoring, so that one gather of the distinct items serves every score below).
    const exposed = new Int32Array(B * M);
    const beta = new Float32Array(B * M).fill(1);
    const hasExposure = new Uint8Array(B);
    if (this.exposure) {
      for (let b = 0; b < B; b++) {
        const o = b * M;
        if (drawExposed(data.exposure, users[b], M, rng, exposed, o)) {
          hasExposure[b] = 1;
          selfAmplified(cands, o, M, exposed, o, M, this.betaRule, beta);
        } else {
          exposed.set(cands.subarray(o, o + M), o);
        }
      }
    }
    const alpha = new Float32Array(B * M);
    if (this.positiveAssisted) for (let t = 0; t < B * M; t++) alpha[t] = drawAlpha(this.alpha, rng);
    // Scores on the pooled (final) rows, no gradient: s_u(c), s_i(c) for C_u and s_u(j) for M_u.
    const q = pooledUsers(ctx);
    const P = q.P;
    const su = new Float32Array(B * M);
    const si = this.positiveAssisted ? new Float32Array(B * M) : null;
    const se = this.exposure ? new Float32Array(B * M) : null;
    let all = cands;
    if (this.exposure) {
      all = new Int32Array(2 * B * M);
      all.set(cands);
      all.set(exposed, B * M);
    }
    const { ids, slot } = this.dedup.get(data.numItems).run(all);
    tidy(() => noGrad(() => {
      const table = pooled(pass, ids).data;
      if (table.length !== ids.length * P) throw new Error(`recns: pooled item rows have ${table.length / ids.length} numbers, pooled user rows ${P}`);
      const cSlot = slot.subarray(0, B * M);
      groupDot(q.data, 1, table, cSlot, B, M, P, su);
      if (se) groupDot(q.data, 1, table, slot.subarray(B * M, 2 * B * M), B, M, P, se);
      if (si) groupDot(pooled(pass, pos).data, 1, table, cSlot, B, M, P, si);
    }));
    // 3. Positive-assisted picks (eq. 7), or the k hardest without it.
    const weights = new Float64Array(B * M);
    const picks = new Int32Array(B * K);
    if (si) {
      const exp = this.weights === 'expSigmoid';
      for (let b = 0; b < B; b++) {
        const o = b * M;
        let total = 0;
        for (let m = 0; m < M; m++) {
          const a = alpha[o + m];
          const sg = sigmoid(a * su[o + m] + (1 - a) * si[o + m]);
          const w = exp ? Math.exp(sg) : sg;
          weights[o + m] = w;
          total += w;
        }
        for (let t = 0; t < K; t++) {
          // Inverse CDF of the M weights (float64 running sum; the last candidate takes any rounding remainder).
          const x = rng.double() * total;
          let acc = 0;
          let m = 0;
          for (; m < M - 1; m++) {
            acc += weights[o + m];
            if (x < acc) break;
          }
          picks[b * K + t] = cands[o + m];
        }
      }
    } else {
      // w/o positive-assisted: the k hardest candidates by the user's score (ties to the earlier draw).
      const work = new Float64Array(M);
      for (let b = 0; b < B; b++) {
        const o = b * M;
        for (let m = 0; m < M; m++) work[m] = su[o + m];
        for (let t = 0; t < K; t++) {
          let best = 0;
          for (let m = 1; m < M; m++) if (work[m] > work[best]) best = m;
          picks[b * K + t] = cands[o + best];
          work[best] = -Infinity;
        }
      }
    }
    // 4. Exposure-augmented picks (eq. 8): argmax σ(β s) = argmax β s (σ is increasing); the n best in order.
    let exposedPicks: Int32Array | null = null;
    if (se) {
      const n = this.exposedNegatives;
      const best = new Int32Array(n);
      const work = new Float64Array(M);
      exposedPicks = new Int32Array(B * K);
      for (let b = 0; b < B; b++) {
        const o = b * M;
        for (let m = 0; m < M; m++) work[m] = beta[o + m] * se[o + m];
        for (let t = 0; t < n; t++) {
          let bi = 0;
          for (let m = 1; m < M; m++) if (work[m] > work[bi]) bi = m;
          best[t] = exposed[o + bi];
          work[bi] = -Infinity;
        }
        for (let t = 0; t < K; t++) exposedPicks[b * K + t] = best[t % n];
      }
    }
    this.last = { candidates: cands, alpha, weights, picks, exposed, beta, hasExposure, exposedPicks };
    if (!exposedPicks) return { kind: 'items', items: picks, k: K };
    // 5. Merge in the pooled (final) embedding space, differentiable into every source item. The exposed rows are
    // gathered once per pair (n per pair), not once per negative.
    const n = this.exposedNegatives;
    const perPair = new Int32Array(B * n);
    const eRow = new Int32Array(B * K);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < n; t++) perPair[b * n + t] = exposedPicks[b * K + t];
      for (let t = 0; t < K; t++) eRow[b * K + t] = b * n + (t % n);
    }
    const inv = 1 / K;
    const eP = pooled(pass, picks);
    const eE = pooled(pass, perPair);
    if (this.merge === 'paper') {
      // e⁻ = (1 − 1/k) e_{v_p} + (1/k) e_{v_e}
      return { kind: 'synthetic', pooled: mergeRows(eP, 1 - inv, null, 0, eE, eRow, inv), k: K, hardItems: picks, sources: [exposedPicks] };
    }
    // Two-step: e⁻_t = (1 − 1/k) e_{v_p,t} + (1/k)[(1 − 1/k) e_{v_p,1} + (1/k) e_{v_e}].
    const firstRow = new Int32Array(B * K);
    const first = new Int32Array(B * K);
    for (let b = 0; b < B; b++) {
      firstRow.fill(b * K, b * K, (b + 1) * K);
      first.fill(picks[b * K], b * K, (b + 1) * K);
    }
    const pooledNeg = mergeRows(eP, 1 - inv, firstRow, inv * (1 - inv), eE, eRow, inv * inv);
    return { kind: 'synthetic', pooled: pooledNeg, k: K, hardItems: picks, sources: [exposedPicks, first] };
  }
}

/**
 * The merge as one op: out[r] = a·x[r] + c·x[f[r]] + e·y[g[r]] (f absent: c = 0), rows of width D. Backward adds
 * a·g and c·g into x's rows and e·g into y's rows (one pass, no [R×D] temporaries for the scaled terms).
 */
export function mergeRows(x: Tensor, a: number, f: Int32Array | null, c: number, y: Tensor, g: Int32Array, e: number): Tensor {
  const R = x.rows, D = x.cols;
  if (y.cols !== D || g.length !== R || (f && f.length !== R)) throw new Error(`recns merge: shapes [${x.shape}] and [${y.shape}] with ${g.length} row indices`);
  return customOp({
    name: 'recnsMerge',
    inputs: [x, y] as const,
    forward: ([xt, yt], ctx) => {
      const out = ctx.output([R, D]);
      const o = out.data, xd = xt.data, yd = yt.data;
      for (let r = 0; r < R; r++) {
        const xo = r * D, yo = g[r] * D, fo = f ? f[r] * D : 0;
        if (f) for (let k = 0; k < D; k++) o[xo + k] = a * xd[xo + k] + c * xd[fo + k] + e * yd[yo + k];
        else for (let k = 0; k < D; k++) o[xo + k] = a * xd[xo + k] + e * yd[yo + k];
      }
      return out;
    },
    backward: (gr, ctx) => {
      if (ctx.needsGrad(0)) {
        const gx = ctx.grad(0);
        for (let r = 0; r < R; r++) {
          const xo = r * D;
          for (let k = 0; k < D; k++) gx[xo + k] += a * gr[xo + k];
          if (f) {
            const fo = f[r] * D;
            for (let k = 0; k < D; k++) gx[fo + k] += c * gr[xo + k];
          }
        }
      }
      if (ctx.needsGrad(1)) {
        const gy = ctx.grad(1);
        for (let r = 0; r < R; r++) {
          const xo = r * D, yo = g[r] * D;
          for (let k = 0; k < D; k++) gy[yo + k] += e * gr[xo + k];
        }
      }
    },
  });
}

/** Pooled (final) item rows: the pass's fused path when it has one. */
function pooled(pass: EncoderPass, ids: Int32Array): Tensor {
  return pass.pooledItems ? pass.pooledItems(ids) : pass.pool(pass.itemLayers(ids));
}

/** Registry entry (samplers/index.ts). */
export const recnsEntry: SamplerEntry = {
  name: 'recns',
  describe: 'RecNS: intermediate-region candidates, positive-assisted picks merged with an exposure-augmented negative',
  options: {
    m: { type: 'integer', default: 20, min: 1, doc: 'candidates per pair M (region and exposure)' },
    k: { type: 'integer', default: 15, min: 1, doc: 'negatives per pair k' },
    khop: { type: 'integer', default: 3, min: 1, doc: 'hops bounding the intermediate region (odd)' },
    region: { type: 'enum', values: ['intermediate', 'distant', 'global'], default: 'intermediate', doc: 'candidate region: RecNS-Med, -Dis or -All (Fig. 7)' },
    alpha: { type: 'enum', values: [...RECNS_ALPHAS], default: 'U(0,1)', doc: 'distribution of the assistance coefficient α (Fig. 5; N(μ, σ²))' },
    variant: { type: 'enum', values: ['paper', 'code'], default: 'paper', doc: "'code': the released code's exp(σ) weights, two-step merge, count ≥ 2 β rule and sigmoid hinge" },
    weights: { type: 'enum', values: ['sigmoid', 'expSigmoid'], doc: 'eq. 7 sampling weights ∝ σ(·) (paper) or ∝ exp(σ(·)) (code); default by variant' },
    merge: { type: 'enum', values: ['paper', 'code'], doc: "eq. 11 merge or the code's two-step merge; default by variant" },
    betaRule: { type: 'enum', values: ['paper', 'code'], doc: "eq. 9 β or the code's count ≥ 2 rule; default by variant" },
    positiveAssisted: { type: 'boolean', default: true, doc: "false: the k hardest candidates (Fig. 8's w/o p-a)" },
    exposure: { type: 'boolean', default: true, doc: "false: no exposure-augmented merge (Fig. 9's w/o e-a)" },
    exposedNegatives: { type: 'integer', default: 1, min: 1, doc: 'exposed negatives kept (Fig. 9); negative t merges with the (t mod n)-th' },
    margin: { type: 'number', default: 0.1, doc: 'γ of the preferred hinge loss' },
    regionMode: { type: 'enum', values: ['auto', 'full', 'lazy'], default: 'auto', doc: 'region bits for every user (full), per batch (lazy), or full while they fit regionMaxBytes' },
    regionMaxBytes: { type: 'number', default: DEFAULT_REGION_BYTES, min: 1, doc: "'auto' keeps every user's region bits up to this many bytes" },
  },
  create: (o) => new RecnsSampler(o),
};
