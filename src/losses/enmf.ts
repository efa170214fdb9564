// ENMF (Chen, Zhang, Zhang, Liu & Ma, "Efficient Neural Matrix Factorization without Sampling for Recommendation",
// ACM TOIS 38(2), 2020; GDNS's non-sampling baseline, gdns.md Table 3): a whole-data weighted regression, every
// (user, item) entry of the batch's users a training example, target r_uv = 1 for a training positive and 0
// otherwise, weight c⁺ on positives and c⁻_v on every other entry:
//     L = Σ_{u∈B} Σ_{v∈I} c_uv (r_uv − ŷ_uv)²,     ŷ_uv = hᵀ(p_u ⊙ q_v)  (GMF; h = 1 is MF).
// Expanded without the |B|×|I| matrix (the paper's eq. 15, the released code's loss), constant Σ_{R} c⁺ dropped:
//     L = Σ_{u∈B} Σ_{v∈R_u} [ (c⁺ − c⁻_v) ŷ_uv² − 2 c⁺ ŷ_uv ]
//       + Σ_{d,d'} (Σ_{u∈B} p̃_ud p̃_ud') (Σ_{v∈I} c⁻_v q_vd q_vd'),     p̃_u = h ⊙ p_u,
// the second line an elementwise product of two d×d Gram matrices (P̃ᵀP̃ over the batch's users, Qᵀ diag(c⁻) Q over
// every item): O((|B| + |I|)·d²) per step. It is one fused op (`gramTerm`, typed-array loops in float64, no
// threads, so the result is the same at any thread count); ŷ of the positives goes through engine ops.
//
// Choices (documented, each an option):
// - c⁻ (`weighting`): 'uniform' (default; the released code chenchongthu/ENMF uses one `negative_weight` for every
//   missing entry) c⁻_v = negativeWeight; or 'popularity', the frequency-aware weights the TOIS paper discusses
//   (from eALS, He et al. 2016): c⁻_v = negativeWeight · |I| · f_v^α / Σ_j f_j^α, f = training popularity, so the
//   mean weight, and Σ_v c⁻_v, equal the uniform one's; α = `alpha` (default 0.5), read only under 'popularity'.
// - negativeWeight default 0.5: the code's own default (its ml-1m setting; its README suggests tuning in
//   [0.001, 0.5], sparser data wanting smaller). positiveWeight c⁺ default 1 (the code).
// - Positives (`positives`): 'user' (default; the paper and code) — each distinct user of the batch with all of its
//   training items R_u (the training view's CSR); the pairs' own positives are not used. Under 'groups' batching
//   with groupSize 1 every user appears in one batch per epoch, the code's user batches (the `enmf-gmf` preset);
//   under 'interactions' batching a user recurs in several batches per epoch. 'batch' — the batch's own (user,
//   positive) pairs (repeats counted), and each pair's user row in the Gram sum weighted 1/|R_u|: over an epoch of
//   'interactions' batching every pair once gives every user's negative mass exactly once, the full loss.
// - Reduction: a sum over the batch (the code), not a mean. `dropout` (default 0: off) drops entries of the batch's
//   user rows before both terms (one mask per step, from the run's 'dropout' stream), as the code does with
//   keep_prob 0.7 (= dropout 0.3). No extra L2 (the code's λ is 0): the run's l2 applies as for any loss. The step's sampler still runs (its negatives
//   are unused by the loss: use the cheap `uniform`); revealed false negatives (PDNS simulation) count as missing
//   entries, as every non-training item does.
// - Scorers: 'dot' and 'gmf' (through the pass's query rows); 'dot+bias' (BPR-MF) is refused: the biases break the
//   Gram factorisation.
import { customOp, dropout as dropoutOp, gatherRows, mul, rowDot, scale, square, sub, sum, add } from '../engine/ops.js';
import { Tensor } from '../engine/tensor.js';
import type { Loss, LossInputs, WholeDataInputs } from './types.js';

export type EnmfWeighting = 'uniform' | 'popularity';
export type EnmfPositives = 'user' | 'batch';

export interface EnmfOptions {
  /** c⁻ (uniform), or the mean c⁻ (popularity); default 0.5. */
  negativeWeight?: number;
  /** c⁺; default 1. */
  positiveWeight?: number;
  /** Default 'uniform'. */
  weighting?: EnmfWeighting;
  /** α of the popularity weights (default 0.5). */
  alpha?: number;
  /** Default 'user'. */
  positives?: EnmfPositives;
  /** Dropout rate on the batch's user rows while training (default 0; the code's keep_prob 0.7 is 0.3). */
  dropout?: number;
}

/**
 * Σ_{d,d'} (Σ_r a_r p_rd p_rd') (Σ_v c_v q_vd q_vd') → [1], differentiable in P [R×d] and Q [V×d] (a, c fixed):
 * ∂/∂p_r = 2 a_r G p_r, ∂/∂q_v = 2 c_v A q_v with A = Σ_r a_r p_r p_rᵀ, G = Σ_v c_v q_v q_vᵀ. `a` null: every a_r = 1.
 */
export function gramTerm(P: Tensor, a: Float32Array | null, Q: Tensor, c: Float32Array): Tensor {
  if (P.shape.length !== 2 || Q.shape.length !== 2 || P.cols !== Q.cols) {
    throw new Error(`enmf: Gram term needs [R×d] user and [V×d] item rows, got [${P.shape.join(', ')}] and [${Q.shape.join(', ')}]`);
  }
  const R = P.rows, V = Q.rows, d = P.cols;
  if (a && a.length !== R) throw new Error(`enmf: ${a.length} user-row weights for ${R} rows`);
  if (c.length !== V) throw new Error(`enmf: ${c.length} item weights for ${V} items`);
  const A = new Float64Array(d * d);
  const G = new Float64Array(d * d);
  return customOp({
    name: 'enmfGram',
    inputs: [P, Q] as const,
    forward: ([p, q], ctx) => {
      gram(p.data, a, R, d, A);
      gram(q.data, c, V, d, G);
      let s = 0;
      for (let t = 0; t < d * d; t++) s += A[t] * G[t];
      const out = ctx.output([1]);
      out.data[0] = s;
      return out;
    },
    backward: (g, ctx) => {
      const g0 = g[0];
      if (ctx.needsGrad(0)) addTimesGram(ctx.grad(0), P.data, a, R, d, G, 2 * g0);
      if (ctx.needsGrad(1)) addTimesGram(ctx.grad(1), Q.data, c, V, d, A, 2 * g0);
    },
  });
}

/** out = Σ_r w_r x_r x_rᵀ (d×d, float64): the upper triangle summed, then mirrored. */
function gram(x: Float32Array, w: Float32Array | null, n: number, d: number, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < n; r++) {
    const wr = w ? w[r] : 1;
    if (wr === 0) continue;
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const xi = wr * x[o + i];
      if (xi === 0) continue;
      const row = i * d;
      for (let j = i; j < d; j++) out[row + j] += xi * x[o + j];
    }
  }
  for (let i = 0; i < d; i++) for (let j = i + 1; j < d; j++) out[j * d + i] = out[i * d + j];
}

/** grad_r += k · w_r · M x_r (M symmetric d×d). */
function addTimesGram(grad: Float32Array, x: Float32Array, w: Float32Array | null, n: number, d: number, M: Float64Array, k: number): void {
  for (let r = 0; r < n; r++) {
    const f = k * (w ? w[r] : 1);
    if (f === 0) continue;
    const o = r * d;
    for (let i = 0; i < d; i++) {
      let s = 0;
      const row = i * d;
      for (let j = 0; j < d; j++) s += M[row + j] * x[o + j];
      grad[o + i] += f * s;
    }
  }
}

/**
 * The ENMF loss from its parts (exported for tests): query rows q [R×d] (h ⊙ p per user row), optional per-row
 * weights of the Gram sum, the positive pairs as (row of q, item row [n×d], item id), every item's row [V×d] and c⁻.
 */
export function enmfObjective(q: Tensor, rowWeights: Float32Array | null, pairRows: Int32Array, pairItemRows: Tensor,
  pairItems: Int32Array, allItems: Tensor, cNeg: Float32Array, cPos: number): Tensor {
  const whole = gramTerm(q, rowWeights, allItems, cNeg);
  const n = pairRows.length;
  if (n === 0) return whole;
  if (pairItemRows.rows !== n || pairItems.length !== n) {
    throw new Error(`enmf: ${n} positive pairs but ${pairItemRows.rows} item rows and ${pairItems.length} item ids`);
  }
  const y = rowDot(gatherRows(q, pairRows), pairItemRows);
  const coef = new Float32Array(n);
  for (let t = 0; t < n; t++) coef[t] = cPos - cNeg[pairItems[t]];
  const pos = sub(sum(mul(square(y), Tensor.from(coef, [n]))), scale(sum(y), 2 * cPos));
  return add(pos, whole);
}

/** c⁻ per item (see the file header). */
export function enmfItemWeights(numItems: number, popularity: ArrayLike<number>, o: Required<Pick<EnmfOptions, 'negativeWeight' | 'weighting' | 'alpha'>>): Float32Array {
  const c = new Float32Array(numItems);
  if (o.weighting === 'uniform') return c.fill(o.negativeWeight);
  if (popularity.length !== numItems) throw new Error(`enmf: popularity has ${popularity.length} items, the model ${numItems}`);
  let z = 0;
  const f = new Float64Array(numItems);
  for (let v = 0; v < numItems; v++) {
    f[v] = popularity[v] > 0 ? Math.pow(popularity[v], o.alpha) : 0;
    z += f[v];
  }
  if (!(z > 0)) return c.fill(o.negativeWeight);
  const k = o.negativeWeight * numItems / z;
  for (let v = 0; v < numItems; v++) c[v] = k * f[v];
  return c;
}

function positiveNumber(v: unknown, key: string, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (allowZero ? v < 0 : v <= 0)) {
    throw new Error(`loss 'enmf': option '${key}' must be a finite number ${allowZero ? '≥ 0' : '> 0'}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The ENMF loss (see the file header). */
export function enmf(o: EnmfOptions = {}): Loss {
  const negativeWeight = positiveNumber(o.negativeWeight ?? 0.5, 'negativeWeight');
  const cPos = positiveNumber(o.positiveWeight ?? 1, 'positiveWeight');
  const alpha = positiveNumber(o.alpha ?? 0.5, 'alpha', true);
  const weighting = o.weighting ?? 'uniform';
  if (weighting !== 'uniform' && weighting !== 'popularity') {
    throw new Error(`loss 'enmf': option 'weighting' must be 'uniform' or 'popularity', got ${JSON.stringify(weighting)}`);
  }
  const rate = o.dropout ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) {
    throw new Error(`loss 'enmf': option 'dropout' must be a number in [0, 1), got ${JSON.stringify(rate)}`);
  }
  const positives = o.positives ?? 'user';
  if (positives !== 'user' && positives !== 'batch') {
    throw new Error(`loss 'enmf': option 'positives' must be 'user' or 'batch', got ${JSON.stringify(positives)}`);
  }
  // c⁻ and the id list of every item, rebuilt when the training view changes.
  let cached: { popularity: ArrayLike<number>; numItems: number; c: Float32Array; all: Int32Array } | null = null;
  const weightsOf = (w: WholeDataInputs) => {
    const pop = w.data.itemPopularity;
    if (!cached || cached.popularity !== pop || cached.numItems !== w.numItems) {
      const all = new Int32Array(w.numItems);
      for (let v = 0; v < all.length; v++) all[v] = v;
      cached = { popularity: pop, numItems: w.numItems, c: enmfItemWeights(w.numItems, pop, { negativeWeight, weighting, alpha }), all };
    }
    return cached;
  };
  return {
    name: 'enmf',
    needs: { wholeData: true },
    compute(x: LossInputs): Tensor {
      const w = x.whole;
      if (!w) throw new Error("enmf: needs every item's rows (needs.wholeData); the step did not hand them over");
      const { c, all } = weightsOf(w);
      const train = w.data.train;
      const items = w.itemRows(all);
      const { users, pos } = x.batch;
      if (positives === 'batch') {
        const q = queryOf(w, dropped(w, w.userRows(users), rate));
        const a = new Float32Array(users.length);
        for (let r = 0; r < users.length; r++) {
          const n = train.indptr[users[r] + 1] - train.indptr[users[r]];
          a[r] = n > 0 ? 1 / n : 0;
        }
        const rows = new Int32Array(users.length);
        for (let r = 0; r < rows.length; r++) rows[r] = r;
        return enmfObjective(q, a, rows, gatherRows(items, pos), pos, items, c, cPos);
      }
      // 'user': the distinct users of the batch (first-seen order), each with all of its training items.
      const seen = new Map<number, number>();
      for (let r = 0; r < users.length; r++) if (!seen.has(users[r])) seen.set(users[r], seen.size);
      const distinct = Int32Array.from(seen.keys());
      let n = 0;
      for (const u of distinct) n += train.indptr[u + 1] - train.indptr[u];
      const pairRows = new Int32Array(n);
      const pairItems = new Int32Array(n);
      for (let r = 0, t = 0; r < distinct.length; r++) {
        const u = distinct[r];
        for (let e = train.indptr[u]; e < train.indptr[u + 1]; e++, t++) {
          pairRows[t] = r;
          pairItems[t] = train.indices[e];
        }
      }
      const q = queryOf(w, dropped(w, w.userRows(distinct), rate));
      return enmfObjective(q, null, pairRows, gatherRows(items, pairItems), pairItems, items, c, cPos);
    },
  };
}

function dropped(w: WholeDataInputs, u: Tensor, rate: number): Tensor {
  return rate > 0 ? dropoutOp(u, rate, w.dropoutRng, true) : u;
}

function queryOf(w: WholeDataInputs, u: Tensor): Tensor {
  const q = w.queryRows(u);
  if (!q) throw new Error(`enmf: needs a bilinear scorer ('dot' or 'gmf'); the encoder's scorer is '${w.scorer}' (its biases break the whole-data factorisation)`);
  return q;
}
