// IRGAN for item recommendation (Wang, Yu, Zhang, Gong, Xu, Wang, Zhang & Zhang 2017, "IRGAN: A Minimax Game for
// Unifying Generative and Discriminative Information Retrieval Models", SIGIR) as a negative sampler: the
// recommender hardneg trains is the discriminator D, and a generator G — its own matrix factorisation with user
// rows p_u, item rows q_j and an item bias b_j, its own Adam and learning rate — draws D's negatives from its
// softmax policy over the catalogue and is trained by REINFORCE to draw the items D scores highest.
//
//   g(u, j) = p_u · q_j + b_j,     p_θ(j | u) = exp(g(u, j)/T) / Σ_{j' ∈ A_u} exp(g(u, j')/T)
//
// A_u is every item, or with `excludePositives` (the default) every item but u's training positives (excludedOf:
// revealed false negatives too), so D never gets one of its own positives as a negative, as with every other
// hardneg sampler. The released code (geek-ai/irgan, item_recommendation) draws D's negatives over all items.
//
// Generator objective (the paper's eq. 5 family): G maximises E_{j∼p_θ(·|u)}[r(u, j)], with the reward
//   'paper' (default)  r = log(1 + exp(f_D(u, j)))           (the paper's J^G: −log(1 − D(j|u)), D = σ(f_D))
//   'code'             r = 2·(σ(f_D(u, j)) − 0.5)            (the released dis_model.py's `reward`)
// and the REINFORCE surrogate loss over the N = B·K draws (j_n, u_n) of a G step,
//   L(θ) = −(1/N) Σ_n log p_θ(j_n | u_n) · a_n,    a_n = r_n − β,
// β = 0, or with `baseline` the mean reward of the step's N draws (variance reduction; with equal rewards every
// a_n is 0 and the gradient vanishes). With z = g/T,
//   ∂L/∂g(u, j) = (1/(N·T)) · (A_u · p_θ(j|u) − S_uj),   A_u = Σ_{n: u_n = u} a_n,   S_uj = Σ_{n: u_n = u, j_n = j} a_n,
// i.e. ∇ log p(j|u) = ∇g(u, j) − E_{p_θ(·|u)}[∇g(u, ·)] summed over the draws; then ∂L/∂p_u = Σ_j ∂L/∂g_uj · q_j,
// ∂L/∂q_j = Σ_u ∂L/∂g_uj · p_u, ∂L/∂b_j = Σ_u ∂L/∂g_uj (a dense item gradient: the expectation touches every item).
//
// Computation: the softmax needs every item for each user, so the batch's distinct users are processed in chunks
// of rows with rows × |I| ≤ `CHUNK_FLOATS` (4 Mi floats, 16 MB; Gowalla's 41k items → ~100 users a chunk): the
// chunk's logits are one engine matmul of the bias-augmented rows [p_u, 1] · [q_j, b_j]ᵀ, the softmax of z/T is the
// kernels' `lseRowsScaled` (f32 exponentials, max-shifted, rows split across both cores), draws are inverse-CDF
// draws on the row's cumulative weights (float64), and the gradient is the kernels' row scaling plus two more
// matmuls per chunk (G_c · Q and G_cᵀ · [P_c, 1], the latter accumulated over chunks; its ones column is the bias
// gradient). No B × |I| matrix is ever held. The kernels are bit-identical at any thread count, and every uniform
// is drawn from the run's 'sampler' stream in pair order before any chunk is processed.
//
// Alternation (choices; docs/architecture.md). `schedule: 'step'` (default): `sample` draws K negatives per pair
// from p_θ; the trainer scores them with D and calls `observe` (before D's own backward and update, with the scores
// the loss used); every `gEvery`-th observed step G takes `gSteps` Adam steps: the first on the step's own draws
// with D's scores of them (the rewards of exactly the items D was trained against), each further one on K fresh
// draws per pair scored by the step's D pass. `schedule: 'epochs'` is the released code's alternation of whole
// epochs (its 100 D epochs, negatives regenerated every 5, then 50 G epochs over every user): G is frozen during
// D's epochs, and before epochs 1 + dEpochs, 1 + 2·dEpochs, … `onEpochStart` runs `gEpochs` passes of G over every
// user with training items (ascending, GEN_USERS users an Adam step), each user drawing K items per training
// positive from p_θ, rewarded by D's scores from `embeddings()` (u·i + bias: the evaluation's scores; D does not
// train meanwhile). `sampleLambda` λ adds the code's importance sampling to those passes: draws from
// p_n = (1 − λ)·p_θ + λ·uniform over u's positives, rewards × p_θ/p_n (needs excludePositives false, as the code;
// with `baseline` the mean of the weighted rewards is subtracted). Not built: the code's separate temperature for
// D's draws (0.2; here one T serves both) and G's L2 term (the code's λ is 0 for G). G's initialisation is the code's random one by default: rows uniform in [−initDelta, initDelta] from the 'sampler'
// stream's fork 'irgan-generator', bias 0. The code instead starts G from a pretrained MF; `generatorInit:
// 'fromEncoder'` copies the recommender's final user and item vectors (and item bias, else 0) into G at the first
// epoch's onEpochStart — with `initFrom` (a finished MF run) that is the code's warm start, except that D starts from
// the same weights too (the code's D starts random). The copy needs `dim` = the encoder's pooled dimension; under a
// dot, dot+bias or GMF scorer (whose weights embeddings() folds into the user vectors) it makes g(u, j) = f_D(u, j)
// at that moment.
// Adam's moments start at 0.
// G's user table is updated lazily (SparseAdam: only the step's users' rows and moments), its item table and bias
// densely (every item has a gradient). G's parameters, Adam moments and counters are sampler state, so a resumed
// run is bit-identical.
import { Options, pooledUsers, sigmoid } from './common.js';
import { excludedOf } from './candidates.js';
import type { Rng } from '../core/rng.js';
import type { CsrMatrix, TrainView } from '../data/types.js';
import { heap } from '../engine/memory.js';
import { addScaledRows, copyRows, kernels, lseRowsScaled } from '../engine/kernels/index.js';
import type { AdamHyper } from '../engine/kernels/types.js';
import type { EpochContext, Negatives, SampleContext, Sampler, SamplerEntry, SamplerState, StepScores } from './types.js';

export type IrganReward = 'paper' | 'code';

export interface IrganOptions {
  /** Negatives per pair K drawn from G's policy (default 1). */
  k?: number;
  /** ε of G's adversarial training (AdvIR; default 0: off). */
  generatorEps?: number;
  /** λ of G's adversarial term (default 1). */
  generatorAdvWeight?: number;
  /** G's embedding dimension (default 32). */
  dim?: number;
  /** G's Adam learning rate (default 0.001). */
  lr?: number;
  /** Softmax temperature T of the policy (default 1). */
  temperature?: number;
  /** 'paper' log(1 + exp(f_D)) (default) or 'code' 2(σ(f_D) − 0.5). */
  reward?: IrganReward;
  /** Subtract the mean reward of the step's draws (default false). */
  baseline?: boolean;
  /** Policy over u's non-positives (default true) or over every item (the released code). */
  excludePositives?: boolean;
  /** G updates after every gEvery-th D step (default 1). */
  gEvery?: number;
  /** G Adam steps each time (default 1). */
  gSteps?: number;
  /** G's rows start uniform in [−initDelta, initDelta] (default 0.05, the code's INIT_DELTA). */
  initDelta?: number;
  /** 'random' (default) or 'fromEncoder': G copies the recommender's final vectors (and item bias) at the first epoch. */
  generatorInit?: IrganInit;
  /** 'step' (default): G updates in observe; 'epochs': G passes between blocks of dEpochs D epochs. */
  schedule?: IrganSchedule;
  /** 'epochs' schedule: D epochs between G phases (default 1). */
  dEpochs?: number;
  /** 'epochs' schedule: G passes over every user per G phase (default 1). */
  gEpochs?: number;
  /**
   * 'epochs' schedule: share λ of G's draws taken uniformly from the user's positives, rewards × p_θ/p_n (the
   * released code's importance sampling, λ = 0.2 there; default 0: plain draws). Needs excludePositives false.
   */
  sampleLambda?: number;
}

export type IrganSchedule = 'step' | 'epochs';

export type IrganInit = 'random' | 'fromEncoder';

/** Users per G Adam step in the 'epochs' schedule's G passes. */
export const GEN_USERS = 256;

/** Items a chunk of softmax rows may hold at once (rows × numItems ≤ this). */
export const CHUNK_FLOATS = 1 << 22;

/** The reward of a discriminator score f. */
export function irganReward(f: number, kind: IrganReward): number {
  if (kind === 'code') return 2 * (sigmoid(f) - 0.5);
  return f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f));
}

/** Advantages a_n = r_n − β (β the mean of r with `baseline`, else 0), in float64. */
export function advantages(rewards: ArrayLike<number>, baseline: boolean): Float64Array {
  const n = rewards.length;
  const a = Float64Array.from(rewards);
  if (baseline && n > 0) {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i];
    const m = s / n;
    for (let i = 0; i < n; i++) a[i] -= m;
  }
  return a;
}

export interface GeneratorOptions {
  dim: number;
  lr: number;
  temperature: number;
  initDelta: number;
  /**
   * Adversarial training of G (AdvIR): each update adds λ·L(θ + Δ), Δ = ε·∇L/‖∇L‖ per row of P (the draws' users)
   * and of Q, held constant; absent or ε = 0: plain REINFORCE.
   */
  adversarial?: { eps: number; weight: number };
  /** Overrides CHUNK_FLOATS (tests use it to force several chunks). */
  chunkFloats?: number;
}

export interface GeneratorGradient {
  /** The distinct users of the draws (ascending), and their rows' gradient [rows.length × dim]. */
  rows: Int32Array;
  gP: Float32Array;
  /** Item table gradient [numItems × dim] and bias gradient [numItems] (heap views reused by the next call). */
  gQ: Float32Array;
  gb: Float32Array;
  /** The surrogate loss −(1/N) Σ a_n log p(j_n|u_n). */
  loss: number;
}

/** ε·x/‖x‖ for each of the n rows of x (n × d); a zero row stays zero. */
function unitRows(x: Float32Array, n: number, d: number, eps: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[r * d + k] * x[r * d + k];
    if (s === 0) continue;
    const f = eps / Math.sqrt(s);
    for (let k = 0; k < d; k++) out[r * d + k] = x[r * d + k] * f;
  }
  return out;
}

/** G: an MF with a softmax policy over the catalogue, chunked over users; its parameters live on the engine heap. */
export class IrganGenerator {
  readonly numUsers: number;
  readonly numItems: number;
  readonly dim: number;
  lr: number;
  readonly temperature: number;
  /** User rows [U × d], item rows [I × d], item bias [I]. */
  readonly P: Float32Array;
  readonly Q: Float32Array;
  readonly b: Float32Array;
  readonly mP: Float32Array;
  readonly vP: Float32Array;
  readonly mQ: Float32Array;
  readonly vQ: Float32Array;
  readonly mb: Float32Array;
  readonly vb: Float32Array;
  /** Adam steps taken. */
  steps = 0;
  readonly adversarial: { eps: number; weight: number } | null;
  private readonly chunkRows: number;
  private readonly buf: Float32Array;
  /** d + 1 rounded up to 4: the width of the bias-augmented rows [p, 1, 0…] and [q, b, 0…]. */
  private readonly dimA: number;
  private readonly pa: Float32Array;
  private readonly qa: Float32Array;
  private readonly gQA: Float32Array;
  private readonly stats: Float32Array;
  private readonly coef: Float32Array;
  private readonly gPc: Float32Array;
  private readonly gQ: Float32Array;
  private readonly gb: Float32Array;
  private readonly cum: Float64Array;
  private readonly hyper: AdamHyper = { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 0 };

  constructor(numUsers: number, numItems: number, o: GeneratorOptions, rng: Rng | null) {
    this.numUsers = numUsers;
    this.numItems = numItems;
    this.dim = o.dim;
    this.lr = o.lr;
    this.temperature = o.temperature;
    this.adversarial = o.adversarial && o.adversarial.eps > 0 ? { ...o.adversarial } : null;
    const d = o.dim;
    this.P = heap.allocF32(numUsers * d);
    this.Q = heap.allocF32(numItems * d);
    this.b = heap.allocF32(numItems);
    this.mP = heap.allocF32(numUsers * d);
    this.vP = heap.allocF32(numUsers * d);
    this.mQ = heap.allocF32(numItems * d);
    this.vQ = heap.allocF32(numItems * d);
    this.mb = heap.allocF32(numItems);
    this.vb = heap.allocF32(numItems);
    if (rng) {
      const delta = o.initDelta;
      for (let i = 0; i < this.P.length; i++) this.P[i] = (2 * rng.float() - 1) * delta;
      for (let i = 0; i < this.Q.length; i++) this.Q[i] = (2 * rng.float() - 1) * delta;
    }
    this.chunkRows = Math.max(1, Math.floor((o.chunkFloats ?? CHUNK_FLOATS) / Math.max(1, numItems)));
    this.buf = heap.allocF32(this.chunkRows * numItems);
    this.dimA = (d + 4) & ~3;
    this.pa = heap.allocF32(this.chunkRows * this.dimA);
    for (let r = 0; r < this.chunkRows; r++) this.pa[r * this.dimA + d] = 1;
    this.qa = heap.allocF32(numItems * this.dimA);
    this.gQA = heap.allocF32(numItems * this.dimA);
    this.stats = heap.allocF32(2 * this.chunkRows);
    this.coef = heap.allocF32(this.chunkRows);
    this.gPc = heap.allocF32(this.chunkRows * d);
    this.gQ = heap.allocF32(numItems * d);
    this.gb = heap.allocF32(numItems);
    this.cum = new Float64Array(numItems);
  }

  /**
   * Runs `fn(c, r, row)` for the policy rows of the distinct users `rows` (ascending), chunk by chunk: `row` is
   * p_θ(·|rows[c + r]) as float32 in buf[r·I …], with 0 on excluded items; `lse[c + r]` receives the row's
   * log-normaliser max z + log Σ exp(z − max) over the allowed items. `pa` holds the chunk's augmented user rows.
   */
  private forChunks(rows: Int32Array, excluded: CsrMatrix | null, lse: Float64Array,
    fn: (c: number, n: number, buf: Float32Array) => void): void {
    const I = this.numItems;
    const d = this.dim, dA = this.dimA;
    const K = kernels();
    const invT = 1 / this.temperature;
    // [Q, b, 0…] so the chunk's logits g = p·q + b come out of one matmul with [p, 1, 0…] rows.
    copyRows(this.Q, d, 0, this.qa, dA, 0, I, d, false);
    for (let j = 0; j < I; j++) this.qa[j * dA + d] = this.b[j];
    for (let c = 0; c < rows.length; c += this.chunkRows) {
      const n = Math.min(this.chunkRows, rows.length - c);
      const idx = rows.subarray(c, c + n);
      for (let r = 0; r < n; r++) this.pa.set(this.P.subarray(idx[r] * d, idx[r] * d + d), r * dA);
      const z = this.buf.subarray(0, n * I);
      K.matmul(this.pa.subarray(0, n * dA), this.qa, z, n, dA, I, false, true, false);
      if (excluded) {
        for (let r = 0; r < n; r++) {
          const u = idx[r], o = r * I;
          for (let e = excluded.indptr[u]; e < excluded.indptr[u + 1]; e++) z[o + excluded.indices[e]] = -Infinity;
        }
      }
      // The softmax of z/T per row in the kernels (f32 exponentials, both cores), in place.
      const st = this.stats.subarray(0, 2 * n);
      lseRowsScaled(z, n, I, invT, z, st);
      for (let r = 0; r < n; r++) {
        const m = st[2 * r], s = st[2 * r + 1];
        if (!(s > 0)) throw new Error(`irgan: user ${idx[r]} has no item outside its training positives`);
        lse[c + r] = m + Math.log(s);
        // Excluded items: exactly 0 (the kernel's clamped exponential leaves ~1e-38 / Σ there).
        if (excluded) {
          const u = idx[r], o = r * I;
          for (let e = excluded.indptr[u]; e < excluded.indptr[u + 1]; e++) z[o + excluded.indices[e]] = 0;
        }
      }
      fn(c, n, this.buf);
    }
  }

  /** Distinct users of `users` in ascending order, and each entry's row index among them. */
  private static distinct(users: Int32Array): { rows: Int32Array; slot: Int32Array } {
    const rows = Int32Array.from(new Set(users)).sort();
    const at = new Map<number, number>();
    rows.forEach((u, r) => at.set(u, r));
    const slot = new Int32Array(users.length);
    for (let n = 0; n < users.length; n++) slot[n] = at.get(users[n])!;
    return { rows, slot };
  }

  /** p_θ(·|u) over the catalogue, float64 (tests and diagnostics). */
  policy(u: number, excluded: CsrMatrix | null): Float64Array {
    const out = new Float64Array(this.numItems);
    const lse = new Float64Array(1);
    this.forChunks(Int32Array.of(u), excluded, lse, (_c, _n, buf) => {
      for (let j = 0; j < this.numItems; j++) out[j] = buf[j];
    });
    return out;
  }

  /** log p_θ(j|u) in float64 from the parameters directly (no kernels): the reference for gradient checks. */
  logProb(u: number, j: number, excluded: CsrMatrix | null): number {
    const I = this.numItems, d = this.dim, invT = 1 / this.temperature;
    const z = new Float64Array(I);
    for (let i = 0; i < I; i++) {
      let s = this.b[i];
      for (let k = 0; k < d; k++) s += this.P[u * d + k] * this.Q[i * d + k];
      z[i] = s * invT;
    }
    if (excluded) for (let e = excluded.indptr[u]; e < excluded.indptr[u + 1]; e++) z[excluded.indices[e]] = -Infinity;
    let mx = -Infinity;
    for (let i = 0; i < I; i++) if (z[i] > mx) mx = z[i];
    let s = 0;
    for (let i = 0; i < I; i++) s += Math.exp(z[i] - mx);
    return z[j] - mx - Math.log(s);
  }

  /**
   * K draws per entry of `users` from p_θ(·|u) (row-major: out[n·K + k]); the uniforms are drawn from `rng` in that
   * order first, so the draws do not depend on the chunking. With `mix` (the released code's importance sampling)
   * the draws come from p_n = (1 − λ)·p_θ + λ·uniform over u's rows of `mix.positives` (two uniforms a draw: the
   * coin, then the choice), and `mix.weights[n·K + k]` receives p_θ(j)/p_n(j) of each draw.
   */
  draw(users: Int32Array, K: number, excluded: CsrMatrix | null, rng: Rng,
    mix?: { lambda: number; positives: CsrMatrix; weights: Float64Array }): Int32Array {
    const N = users.length;
    const I = this.numItems;
    const per = mix ? 2 : 1;
    const uni = new Float64Array(N * K * per);
    for (let i = 0; i < uni.length; i++) uni[i] = rng.double();
    const out = new Int32Array(N * K);
    const { rows, slot } = IrganGenerator.distinct(users);
    // The entries of each distinct user, in entry order.
    const head = new Int32Array(rows.length + 1);
    for (let n = 0; n < N; n++) head[slot[n] + 1]++;
    for (let r = 0; r < rows.length; r++) head[r + 1] += head[r];
    const fillAt = head.slice(0, rows.length);
    const members = new Int32Array(N);
    for (let n = 0; n < N; n++) members[fillAt[slot[n]]++] = n;
    const lse = new Float64Array(rows.length);
    const cum = this.cum;
    this.forChunks(rows, excluded, lse, (c, n, buf) => {
      for (let r = 0; r < n; r++) {
        const o = r * I;
        let s = 0;
        let last = -1;
        for (let j = 0; j < I; j++) {
          const p = buf[o + j];
          s += p;
          cum[j] = s;
          if (p > 0) last = j;
        }
        for (let e = head[c + r]; e < head[c + r + 1]; e++) {
          const m = members[e];
          for (let k = 0; k < K; k++) {
            const i = m * K + k;
            const x = uni[i * per + per - 1];
            if (mix) {
              const u = users[m];
              const a = mix.positives.indptr[u], np = mix.positives.indptr[u + 1] - a;
              let j: number;
              if (np > 0 && uni[i * per] < mix.lambda) j = mix.positives.indices[a + Math.min(np - 1, Math.floor(x * np))];
              else j = IrganGenerator.inverseCdf(cum, I, x * s, last);
              const pt = buf[o + j] / s;
              const isPos = np > 0 && mix.positives.indices.subarray(a, a + np).includes(j);
              const pn = np > 0 ? (1 - mix.lambda) * pt + (isPos ? mix.lambda / np : 0) : pt;
              out[i] = j;
              mix.weights[i] = pt / pn;
              continue;
            }
            out[i] = IrganGenerator.inverseCdf(cum, I, x * s, last);
          }
        }
      }
    });
    return out;
  }

  /** First j with cum[j] > t (such a j has p > 0); rounding at the top falls back to the last allowed item. */
  private static inverseCdf(cum: Float64Array, I: number, t: number, last: number): number {
    let lo = 0, hi = I;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > t) hi = mid;
      else lo = mid + 1;
    }
    return lo < I ? lo : last;
  }

  /**
   * The gradient of L(θ) = −(1/N) Σ_n log p_θ(items[n] | users[n]) · adv[n] (N = users.length = items.length) with
   * respect to G's parameters, and L itself.
   */
  gradient(users: Int32Array, items: Int32Array, adv: ArrayLike<number>, excluded: CsrMatrix | null): GeneratorGradient {
    const N = users.length;
    if (items.length !== N || adv.length !== N) throw new Error('irgan.gradient: users, items and advantages must have one entry per draw');
    const I = this.numItems;
    const d = this.dim;
    const K = kernels();
    const { rows, slot } = IrganGenerator.distinct(users);
    const A = new Float64Array(rows.length);
    for (let n = 0; n < N; n++) A[slot[n]] += adv[n];
    const gP = new Float32Array(rows.length * d);
    const c0 = 1 / (N * this.temperature);
    const lse = new Float64Array(rows.length);
    // Draw entries by chunk row, to add S_uj and read log p of the drawn items.
    const byRow: number[][] = rows.length ? Array.from({ length: rows.length }, () => []) : [];
    for (let n = 0; n < N; n++) byRow[slot[n]].push(n);
    let loss = 0;
    const dA = this.dimA;
    this.forChunks(rows, excluded, lse, (c, n, buf) => {
      for (let r = 0; r < n; r++) {
        const o = r * I;
        for (const e of byRow[c + r]) {
          const p = buf[o + items[e]];
          loss -= Math.log(p > 0 ? p : Number.MIN_VALUE) * adv[e];
        }
        this.coef[r] = c0 * A[c + r];
      }
      // ∂L/∂g = c0 · (A_u p − S_u·): first A_u p (in place, in the kernels), then the draws' −a_n at their items.
      const G = buf.subarray(0, n * I);
      addScaledRows(G, this.coef.subarray(0, n), n, I, G, 1, false);
      for (let r = 0; r < n; r++) for (const e of byRow[c + r]) G[r * I + items[e]] -= c0 * adv[e];
      const gPc = this.gPc.subarray(0, n * d);
      K.matmul(G, this.Q, gPc, n, I, d, false, false, false);
      gP.set(gPc, c * d);
      // [gQ, gb] += Gcᵀ · [Pc, 1] (pa still holds the chunk's augmented user rows): the bias gradient is the ones column.
      K.matmul(G, this.pa.subarray(0, n * dA), this.gQA, I, n, dA, true, false, c > 0);
    });
    if (rows.length === 0) this.gQA.fill(0);
    copyRows(this.gQA, dA, 0, this.gQ, d, 0, I, d, false);
    for (let j = 0; j < I; j++) this.gb[j] = this.gQA[j * dA + d];
    return { rows, gP, gQ: this.gQ, gb: this.gb, loss: N > 0 ? loss / N : 0 };
  }

  /**
   * One Adam step on L (lazy on the users' rows, dense on items and bias); returns L before the step. With
   * `adversarial`, the step's gradient is ∇L(θ) + λ·∇L(θ + Δ) (adversarialGradient).
   */
  update(users: Int32Array, items: Int32Array, adv: ArrayLike<number>, excluded: CsrMatrix | null): number {
    const g = this.adversarial
      ? this.adversarialGradient(users, items, adv, excluded, this.adversarial.eps, this.adversarial.weight)
      : this.gradient(users, items, adv, excluded);
    this.apply(g);
    return g.loss;
  }

  /**
   * ∇L(θ) + λ·∇L(θ + Δ) with Δ = ε·∇L/‖∇L‖ row by row on the draws' user rows of P and on every row of Q (rows
   * with a zero gradient stay), the bias unperturbed (APR's fast-gradient step, AdvIR's adversarial training of
   * the generator); loss = L(θ). θ is restored before returning. Costs two `gradient` passes.
   */
  adversarialGradient(users: Int32Array, items: Int32Array, adv: ArrayLike<number>, excluded: CsrMatrix | null,
    eps: number, weight: number): GeneratorGradient {
    const d = this.dim;
    const g1 = this.gradient(users, items, adv, excluded);
    const gP1 = g1.gP.slice();
    const gQ1 = g1.gQ.slice();
    const gb1 = g1.gb.slice();
    const rows = g1.rows;
    const dP = unitRows(gP1, rows.length, d, eps);
    const dQ = unitRows(gQ1, this.numItems, d, eps);
    const addRows = (sign: number): void => {
      for (let r = 0; r < rows.length; r++) {
        const o = rows[r] * d;
        for (let k = 0; k < d; k++) this.P[o + k] += sign * dP[r * d + k];
      }
      for (let t = 0; t < dQ.length; t++) this.Q[t] += sign * dQ[t];
    };
    // Restoring by subtraction could differ from θ in the last bit; copies put it back exactly.
    const pRows = new Float32Array(rows.length * d);
    for (let r = 0; r < rows.length; r++) pRows.set(this.P.subarray(rows[r] * d, rows[r] * d + d), r * d);
    const qCopy = this.Q.slice();
    addRows(1);
    let g2: GeneratorGradient;
    try {
      g2 = this.gradient(users, items, adv, excluded);
    } finally {
      for (let r = 0; r < rows.length; r++) this.P.set(pRows.subarray(r * d, r * d + d), rows[r] * d);
      this.Q.set(qCopy);
    }
    const gP = new Float32Array(gP1.length);
    for (let t = 0; t < gP.length; t++) gP[t] = gP1[t] + weight * g2.gP[t];
    // g2.gQ and g2.gb are the generator's heap buffers: the sum is written into them for apply.
    for (let t = 0; t < gQ1.length; t++) g2.gQ[t] = gQ1[t] + weight * g2.gQ[t];
    for (let t = 0; t < gb1.length; t++) g2.gb[t] = gb1[t] + weight * g2.gb[t];
    return { rows, gP, gQ: g2.gQ, gb: g2.gb, loss: g1.loss };
  }

  /**
   * One Adam step from a gradient (lazy on g.rows' user rows, dense on items and bias): `update`'s second half, and
   * the step of generators that compute their own policy's gradient (RNS-AS). g.gQ and g.gb must be heap views.
   */
  apply(g: GeneratorGradient): void {
    const K = kernels();
    const h = this.hyper;
    h.lr = this.lr;
    h.step = ++this.steps;
    const gP = heap.allocF32(g.gP.length);
    try {
      gP.set(g.gP);
      K.adamRows(this.P, gP, g.rows, this.dim, this.mP, this.vP, h);
    } finally {
      heap.free(gP);
    }
    K.adam(this.Q, g.gQ, this.mQ, this.vQ, this.Q.length, h);
    K.adam(this.b, g.gb, this.mb, this.vb, this.b.length, h);
  }

  /** Copies of the parameters and moments (sampler state). */
  state(): Record<string, Float32Array | number> {
    return {
      gP: this.P.slice(), gQ: this.Q.slice(), gb: this.b.slice(),
      gmP: this.mP.slice(), gvP: this.vP.slice(), gmQ: this.mQ.slice(), gvQ: this.vQ.slice(),
      gmb: this.mb.slice(), gvb: this.vb.slice(), gSteps: this.steps,
    };
  }

  restore(s: SamplerState): void {
    const want: Array<[string, Float32Array]> = [
      ['gP', this.P], ['gQ', this.Q], ['gb', this.b], ['gmP', this.mP], ['gvP', this.vP],
      ['gmQ', this.mQ], ['gvQ', this.vQ], ['gmb', this.mb], ['gvb', this.vb],
    ];
    for (const [k, dst] of want) {
      const v = s[k];
      if (!(v instanceof Float32Array) || v.length !== dst.length) {
        throw new Error(`irgan.setState: expected ${k} (Float32Array of ${dst.length}), got ${v instanceof Float32Array ? `length ${v.length}` : typeof v}`);
      }
    }
    if (typeof s.gSteps !== 'number' || !Number.isInteger(s.gSteps) || s.gSteps < 0) throw new Error('irgan.setState: expected gSteps (a count ≥ 0)');
    for (const [k, dst] of want) dst.set(s[k] as Float32Array);
    this.steps = s.gSteps;
  }
}

export class IrganSampler implements Sampler {
  readonly name = 'irgan';
  readonly k: number;
  readonly dim: number;
  readonly lr: number;
  readonly temperature: number;
  readonly reward: IrganReward;
  readonly baseline: boolean;
  readonly excludePositives: boolean;
  readonly gEvery: number;
  readonly gSteps: number;
  readonly initDelta: number;
  readonly generatorInit: IrganInit;
  readonly schedule: IrganSchedule;
  readonly dEpochs: number;
  readonly gEpochs: number;
  readonly sampleLambda: number;
  /** ε and λ of G's adversarial training (AdvIR); ε = 0: off. */
  readonly generatorEps: number;
  readonly generatorAdvWeight: number;
  private gen: IrganGenerator | null = null;
  /** 1 once G was copied from the encoder (`generatorInit: 'fromEncoder'`). */
  private warmed = 0;
  /** D steps observed so far. */
  private observed = 0;
  /** The last G update's surrogate loss and mean reward (diagnostics / tests). */
  lastLoss = NaN;
  lastMeanReward = NaN;

  constructor(opts: IrganOptions = {}) {
    const o = new Options('irgan', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.dim = o.int('dim', 32);
    this.lr = o.num('lr', 0.001, 0, Infinity, true);
    this.temperature = o.num('temperature', 1, 0, Infinity, true);
    this.reward = o.oneOf('reward', 'paper', ['paper', 'code'] as const);
    this.baseline = o.bool('baseline', false);
    this.excludePositives = o.bool('excludePositives', true);
    this.gEvery = o.int('gEvery', 1);
    this.gSteps = o.int('gSteps', 1);
    this.initDelta = o.num('initDelta', 0.05, 0);
    this.generatorInit = o.oneOf('generatorInit', 'random', ['random', 'fromEncoder'] as const);
    this.schedule = o.oneOf('schedule', 'step', ['step', 'epochs'] as const);
    this.dEpochs = o.int('dEpochs', 1);
    this.gEpochs = o.int('gEpochs', 1);
    this.sampleLambda = o.num('sampleLambda', 0, 0, 1);
    this.generatorEps = o.num('generatorEps', 0, 0);
    this.generatorAdvWeight = o.num('generatorAdvWeight', 1, 0);
    o.done();
    if (this.sampleLambda === 1) throw new RangeError('irgan: option sampleLambda must be < 1 (λ = 1 would never draw from the policy)');
    if (this.sampleLambda > 0 && (this.excludePositives || this.schedule !== 'epochs')) {
      throw new RangeError("irgan: option sampleLambda > 0 needs excludePositives: false and schedule: 'epochs' (the released code's G passes draw positives too)");
    }
  }

  private adversarialOpts(): { eps: number; weight: number } | undefined {
    return this.generatorEps > 0 ? { eps: this.generatorEps, weight: this.generatorAdvWeight } : undefined;
  }

  /** The generator (built by prepare, or by the first sample). */
  generator(): IrganGenerator | null {
    return this.gen;
  }

  private build(data: TrainView, rng: Rng | null): IrganGenerator {
    this.gen = new IrganGenerator(data.numUsers, data.numItems,
      { dim: this.dim, lr: this.lr, temperature: this.temperature, initDelta: this.initDelta, adversarial: this.adversarialOpts() },
      rng ? rng.fork('irgan-generator') : null);
    return this.gen;
  }

  private genFor(data: TrainView, rng: Rng): IrganGenerator {
    const g = this.gen;
    if (g && g.numUsers === data.numUsers && g.numItems === data.numItems) return g;
    return this.build(data, rng);
  }

  prepare(data: TrainView, rng: Rng): void {
    this.build(data, rng);
    this.observed = 0;
    this.warmed = 0;
  }

  onEpochStart(ctx: EpochContext): void {
    if (this.generatorInit === 'fromEncoder' && !this.warmed) this.warmStart(ctx);
    if (this.schedule === 'epochs' && ctx.epoch > 1 && (ctx.epoch - 1) % this.dEpochs === 0) this.generatorPhase(ctx);
  }

  /**
   * The 'epochs' schedule's G phase: gEpochs passes over every user with training items, GEN_USERS users an Adam
   * step, K draws per training positive, rewards from D's embeddings (u·i + bias, float64).
   */
  private generatorPhase(ctx: EpochContext): void {
    const g = this.genFor(ctx.data, ctx.rng);
    const excluded = this.excluded(ctx.data);
    const train = ctx.data.train;
    const active: number[] = [];
    for (let u = 0; u < train.rows; u++) if (train.indptr[u + 1] > train.indptr[u]) active.push(u);
    const emb = ctx.embeddings();
    try {
      const d = emb.dim;
      for (let pass = 0; pass < this.gEpochs; pass++) {
        for (let c = 0; c < active.length; c += GEN_USERS) {
          const us = active.slice(c, c + GEN_USERS);
          const rows: number[] = [];
          for (const u of us) for (let e = train.indptr[u]; e < train.indptr[u + 1]; e++) rows.push(u);
          const users = Int32Array.from(rows);
          const mix = this.sampleLambda > 0 ? { lambda: this.sampleLambda, positives: train, weights: new Float64Array(users.length * this.k) } : undefined;
          const items = g.draw(users, this.k, excluded, ctx.rng, mix);
          const drawUsers = new Int32Array(items.length);
          for (let n = 0; n < users.length; n++) drawUsers.fill(users[n], n * this.k, n * this.k + this.k);
          const r = new Float64Array(items.length);
          let sum = 0;
          for (let n = 0; n < items.length; n++) {
            const uo = drawUsers[n] * d, io = items[n] * d;
            let f = emb.itemBias ? emb.itemBias[items[n]] : 0;
            for (let k = 0; k < d; k++) f += emb.users[uo + k] * emb.items[io + k];
            r[n] = irganReward(f, this.reward) * (mix ? mix.weights[n] : 1);
            sum += r[n];
          }
          this.lastMeanReward = sum / items.length;
          this.lastLoss = g.update(drawUsers, items, advantages(r, this.baseline), excluded);
        }
      }
    } finally {
      for (const v of [emb.users, emb.items, emb.itemBias]) if (v && heap.owns(v)) heap.free(v);
    }
  }

  private warmStart(ctx: EpochContext): void {
    const g = this.genFor(ctx.data, ctx.rng);
    const emb = ctx.embeddings();
    try {
      if (emb.dim !== this.dim) {
        throw new RangeError(`irgan: generatorInit 'fromEncoder' needs option dim = the encoder's pooled dimension ${emb.dim}, got dim ${this.dim}`);
      }
      if (emb.users.length !== g.P.length || emb.items.length !== g.Q.length) throw new Error('irgan: the encoder\'s embeddings do not match the training data\'s users and items');
      g.P.set(emb.users);
      g.Q.set(emb.items);
      if (emb.itemBias) g.b.set(emb.itemBias);
      else g.b.fill(0);
    } finally {
      for (const v of [emb.users, emb.items, emb.itemBias]) if (v && heap.owns(v)) heap.free(v);
    }
    this.warmed = 1;
  }

  private excluded(data: TrainView): CsrMatrix | null {
    return this.excludePositives ? excludedOf(data) : null;
  }

  sample(ctx: SampleContext): Negatives {
    const g = this.genFor(ctx.data, ctx.rng);
    return { kind: 'items', items: g.draw(ctx.users, this.k, this.excluded(ctx.data), ctx.rng), k: this.k };
  }

  observe(ctx: SampleContext, neg: Negatives, scores: StepScores): void {
    if (neg.kind !== 'items' || this.schedule !== 'step') return;
    this.observed++;
    if (this.observed % this.gEvery !== 0) return;
    const g = this.genFor(ctx.data, ctx.rng);
    const excluded = this.excluded(ctx.data);
    const K = this.k;
    const B = ctx.users.length;
    const rowUsers = new Int32Array(B * K);
    for (let b = 0; b < B; b++) rowUsers.fill(ctx.users[b], b * K, b * K + K);
    let items = neg.items;
    let f: Float32Array = scores.neg;
    for (let s = 0; s < this.gSteps; s++) {
      if (s > 0) {
        items = g.draw(ctx.users, K, excluded, ctx.rng);
        const q = pooledUsers(ctx);
        f = ctx.pass.scoreCandidates(q.data, q.P, 1, items, K, ctx.users);
      }
      const r = new Float64Array(B * K);
      let sum = 0;
      for (let n = 0; n < B * K; n++) {
        r[n] = irganReward(f[n], this.reward);
        sum += r[n];
      }
      this.lastMeanReward = sum / (B * K);
      this.lastLoss = g.update(rowUsers, items, advantages(r, this.baseline), excluded);
    }
  }

  getState(): SamplerState {
    const g = this.gen;
    return { ...(g ? g.state() : {}), observed: this.observed, warmed: this.warmed };
  }

  setState(s: SamplerState): void {
    if (typeof s.observed !== 'number' || !Number.isInteger(s.observed) || s.observed < 0) throw new Error('irgan.setState: expected observed (a step count ≥ 0)');
    if (s.gb !== undefined || s.gP !== undefined) {
      if (!this.gen) {
        const b = s.gb, p = s.gP;
        if (!(b instanceof Float32Array) || !(p instanceof Float32Array) || p.length % this.dim !== 0) {
          throw new Error('irgan.setState: expected gP and gb (Float32Array) sized for dim ' + this.dim);
        }
        this.gen = new IrganGenerator(p.length / this.dim, b.length, { dim: this.dim, lr: this.lr, temperature: this.temperature, initDelta: this.initDelta, adversarial: this.adversarialOpts() }, null);
      }
      this.gen.restore(s);
    }
    this.observed = s.observed;
    this.warmed = s.warmed === 1 ? 1 : 0;
  }
}

/** Registry entry (samplers/index.ts). */
export const irganEntry: SamplerEntry = {
  name: 'irgan',
  describe: 'IRGAN: negatives from a generator MF\'s softmax policy over the catalogue, trained by REINFORCE on the recommender\'s scores (Wang et al. 2017)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K drawn from the policy' },
    dim: { type: 'integer', default: 32, min: 1, doc: 'the generator\'s embedding dimension' },
    lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true, doc: 'the generator\'s Adam learning rate' },
    temperature: { type: 'number', default: 1, min: 0, exclusiveMin: true, doc: 'softmax temperature T of p(j|u) ∝ exp(g(u,j)/T)' },
    reward: { type: 'enum', values: ['paper', 'code'], default: 'paper', doc: "reward of a draw: 'paper' log(1 + exp(f_D)), or 'code' 2(σ(f_D) − 0.5) as in the released dis_model.py" },
    baseline: { type: 'boolean', default: false, doc: 'subtract the mean reward of the step\'s draws (REINFORCE baseline)' },
    excludePositives: { type: 'boolean', default: true, doc: 'policy over the user\'s non-positives (false: every item, as the released code draws)' },
    gEvery: { type: 'integer', default: 1, min: 1, doc: 'generator updates after every gEvery-th recommender step' },
    gSteps: { type: 'integer', default: 1, min: 1, doc: 'generator Adam steps each time (the first on the step\'s own draws, the rest on fresh ones)' },
    initDelta: { type: 'number', default: 0.05, min: 0, doc: 'generator rows start uniform in [−initDelta, initDelta] (bias 0)' },
    schedule: { type: 'enum', values: ['step', 'epochs'], default: 'step', doc: "'step': the generator updates after recommender steps (gEvery, gSteps); 'epochs': the released code's alternation, gEpochs generator passes over every user after every dEpochs recommender epochs (the generator frozen in between)" },
    dEpochs: { type: 'integer', default: 1, min: 1, doc: "schedule 'epochs': recommender epochs between generator phases" },
    gEpochs: { type: 'integer', default: 1, min: 1, doc: "schedule 'epochs': generator passes over every user in each phase" },
    sampleLambda: { type: 'number', default: 0, min: 0, max: 1, exclusiveMax: true, doc: "schedule 'epochs' with excludePositives false: share λ of the generator's draws taken uniformly from the user's positives, rewards × p/p_n (the released code's importance sampling, λ = 0.2)" },
    generatorEps: { type: 'number', default: 0, min: 0, doc: "ε of the generator's adversarial training (AdvIR): each G step adds λ·L(θ + ε·∇L/‖∇L‖ per row), twice G's cost; 0: off" },
    generatorAdvWeight: { type: 'number', default: 1, min: 0, doc: "λ of the generator's adversarial term (with generatorEps > 0)" },
    generatorInit: { type: 'enum', values: ['random', 'fromEncoder'], default: 'random', doc: "'random', or 'fromEncoder': the generator copies the recommender's final vectors and item bias at the first epoch (needs dim = its pooled dimension; with initFrom, the released code's pretrained generator)" },
  },
  create: (o) => new IrganSampler(o),
};
