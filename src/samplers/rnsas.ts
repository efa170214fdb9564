// RNS-AS: the Reinforced Negative Sampler with exposure data (Ding, Quan, He, Li & Jin 2019, "Reinforced Negative
// Sampling for Recommendation with Exposure Data", IJCAI; the RecNS paper's baseline "RNS-AS", whose generator
// "samples negative items from unobserved items and exposed items respectively" and is trained by the reward).
// The recommender hardneg trains is the discriminator D; a generator G — IRGAN's generator (irgan.ts: its own MF
// g(u, j) = p_u · q_j + b_j, its own Adam, its parameters and moments as sampler state) — picks D's negatives.
//
// Source of the form. The paper's text was not reachable from the session that built this file; the form below is
// the authors' released code (github.com/dingjingtao/ReinforceNS, gan_main.py's RNS branch with `--reduced`, the
// setting its comments recommend and its sh/rns.sh runs; the full-catalogue branch is marked "Do not work" there).
// Every choice is listed here and in docs/architecture.md; what is not built is listed at the end.
//
// Split candidate set (per pair, built fresh each step): C candidates, of which C_e are drawn uniformly (with
// replacement) from the user's exposed-but-not-interacted items E_u (ExposurePool: TrainView.exposure minus
// training positives and revealed false negatives) and C_o = C − C_e uniformly from the unobserved items O_u
// (neither a positive nor exposed). Per-user fallbacks: a user with no exposed item fills its C_e slots from O_u
// (= every non-positive: the code's uniform non-positive for such users), a user with no unobserved item fills its
// C_o slots from E_u; a user with neither stops the run. Defaults C = 30, C_e = 1 (sh/rns.sh).
//
// Policy: a softmax over the candidate slots s = 1..C of pair n, items c_{n,s},
//   π(s | u, C_n) = exp(g(u, c_{n,s})/T) / Σ_{s'} exp(g(u, c_{n,s'})/T),
// and the K negatives of the pair are K slots drawn from π with replacement (one uniform each, inverse CDF). So the
// marginal probability of item j is E_{C_n}[Σ_{s: c_{n,s} = j} π(s)]: the candidate split fixes how often exposed
// items are offered (C_e of C), G's scores decide how often they are taken.
//
// Rewards of a draw (u, j), with f = f_D(u, j) the score D's loss used:
//   adversarial  r = σ(f) − 1 = −σ(−f)                     ('sigmoid', default: the released Discriminator.py)
//                r = log(1 + exp(f))                       ('log': IRGAN's J^G reward, irgan.ts)
//   exposure     e = (1 − β)·1[j ∈ E_u] + β·m             (the code's "NegID" reward mixed with its feature matching)
// where m is the feature-matching (MMD) reward of the draw: with D's features φ(u, i) = d_u ⊙ d_i (D's pooled user
// and item rows, the code's GMF feature p_u ⊙ q_i), y_n = φ(u_n, j_n) over the step's M = B·K draws and
// x_b = φ(u_b, x̃_b) for one real exposed item x̃_b per pair (uniform from E_u; a user without exposure: a uniform
// non-positive, as the code), and the Gaussian kernel k(a, c) = exp(−|a − c|²/(2σ²)),
//   m_n = 2·[(1/B) Σ_b k(x_b, y_n) − (1/M) Σ_i k(y_i, y_n)]
// (the code's per-draw term of −MMD²: high when a draw's feature is near the real exposed items' and away from the
// other draws'). The code sums the kernel over five bandwidths (sh/rns.sh: 19…23, on a pretrained GMF's features);
// here one bandwidth `sigma` (default 1, a choice for the scale of hardneg's pooled rows). β default 0.75 (sh/rns.sh;
// β = 0 is the ID reward alone and needs no D features). Cost of m: O(M·(B + M)·d) per G step, in the WASM kernel
// `gaussRowSums` on both cores (features φ rounded to f32; distances through the Gram matrix, f32; sums float64),
// nothing with β = 0.
// The REINFORCE surrogate over the M draws of a step,
//   L(θ) = −(1/M) Σ_n log π(s_n | u_n, C_n) · a_n,     a_n = (r_n − β_r) + α·(e_n − β_e),
// α default 2.5 (sh/rns.sh); the mean over draws where the code sums (Adam makes the scale immaterial up to its ε,
// and the loss stays comparable across batch sizes). Baselines β: 'epoch' (default, the code): the previous epoch's mean r and mean e over
// every draw G was trained on (0 in the first epoch); 'batch': the step's means; 'none': 0.
// Gradient (z = g/T): ∂L/∂g(u_n, c_{n,s}) = (1/(N·T)) · a_n · (π(s) − 1[s = s_n]) per slot (a candidate drawn
// twice is two slots), then ∂L/∂p_u = Σ ∂L/∂g · q_c, ∂L/∂q_c = Σ ∂L/∂g · p_u, ∂L/∂b_c = Σ ∂L/∂g, accumulated in
// float64 in pair order (the kernel `genGrad`, one thread: the result does not depend on the thread count), then one
// Adam step through IrganGenerator.apply (lazy on the step's users, dense on items and bias, as IRGAN). The logits
// g(u, c) of every candidate are the kernel `genScores` (float64 sums, both cores); the softmax and the slot draws
// stay in JS. Both kernels are float64 without FMA, so every backend and kernel set gives the same bits.
//
// Alternation: `sample` builds the candidate sets and draws; the trainer scores the draws with D and calls
// `observe` (before D's own update, with the scores the loss used: the code computes the reward in the same
// session run as D's update, i.e. from D before it); every `gEvery`-th observed step G takes one Adam step on the
// step's own draws. G's initialisation: rows uniform in [−initDelta, initDelta] from the 'sampler' stream's fork
// 'rnsas-generator', bias 0 (the code starts G from a pretrained GMF; not built here — start D and G from scratch,
// or see irgan's generatorInit for the pattern). Random draws per step, all from the 'sampler' stream: per pair in
// batch order, the C_e then C_o candidate items (ExposurePool draws), then the N·K slot uniforms; in `observe` (G
// steps with β > 0 only) one real exposed item per pair, in batch order.
//
// Not built: the code's sum over several kernel bandwidths (one σ here), G's L2 term (the code's 1e-5), the
// pretrained generator, the full-catalogue (non-reduced) policy and its entropy term.
import { Options, pooledUsers, sigmoid } from './common.js';
import { excludedOf } from './candidates.js';
import { ExposurePool } from './exposurePool.js';
import { IrganGenerator, advantages, irganReward, type GeneratorGradient } from './irgan.js';
import type { Rng } from '../core/rng.js';
import type { TrainView } from '../data/types.js';
import { gaussRowSums, genGrad, genScores } from '../engine/kernels/index.js';
import { heap } from '../engine/memory.js';
import { noGrad, tidy } from '../engine/tensor.js';
import type { EpochContext, Negatives, SampleContext, Sampler, SamplerEntry, SamplerState, StepScores } from './types.js';

export type RnsAsReward = 'sigmoid' | 'log';
export type RnsAsBaseline = 'epoch' | 'batch' | 'none';

export interface RnsAsOptions {
  /** Negatives per pair K drawn from the candidate softmax (default 1). */
  k?: number;
  /** Candidates per pair C (default 30). */
  candidates?: number;
  /** Of them, drawn from the exposed items C_e (default 1; the rest from the unobserved items). */
  exposedCandidates?: number;
  /** G's embedding dimension (default 32). */
  dim?: number;
  /** G's Adam learning rate (default 0.001). */
  lr?: number;
  /** Softmax temperature T (default 1). */
  temperature?: number;
  /** Weight α of the exposure reward (default 2.5). */
  alpha?: number;
  /** Share β of the feature-matching reward in the exposure reward (default 0.75). */
  beta?: number;
  /** Gaussian kernel bandwidth σ of the feature matching (default 1). */
  sigma?: number;
  /** 'sigmoid' σ(f) − 1 (default) or 'log' log(1 + e^f). */
  reward?: RnsAsReward;
  /** 'epoch' (default), 'batch' or 'none'. */
  baseline?: RnsAsBaseline;
  /** G updates after every gEvery-th D step (default 1). */
  gEvery?: number;
  /** G's rows start uniform in [−initDelta, initDelta] (default 0.05). */
  initDelta?: number;
}

/** The adversarial reward of a discriminator score f. */
export function rnsasReward(f: number, kind: RnsAsReward): number {
  return kind === 'log' ? irganReward(f, 'paper') : sigmoid(f) - 1;
}

/**
 * Feature-matching rewards m_n = 2·[(1/B) Σ_b k(x_b, y_n) − (1/M) Σ_i k(y_i, y_n)], k(a, c) = exp(−|a − c|²/(2σ²)),
 * for features x [B × d] (real exposed items) and y [M × d] (the draws): the two kernel sums per draw on the active
 * backend (kernels `gaussRowSums`: f32 distances and exponentials on both cores, float64 sums; the JS backend in
 * float64), the rest in float64.
 */
export function mmdRewards(x: ArrayLike<number>, y: ArrayLike<number>, d: number, sigma: number): Float64Array {
  const B = x.length / d, M = y.length / d;
  const out = new Float64Array(M);
  if (M === 0) return out;
  const c = 1 / (2 * sigma * sigma);
  const f32 = (v: ArrayLike<number>): Float32Array => (v instanceof Float32Array ? v : Float32Array.from(v));
  const fy = f32(y);
  const sx = new Float32Array(2 * M), sy = new Float32Array(2 * M);
  if (B > 0) gaussRowSums(fy, f32(x), M, B, d, c, sx);
  gaussRowSums(fy, fy, M, M, d, c, sy);
  for (let n = 0; n < M; n++) {
    const kx = B > 0 ? (sx[2 * n] + sx[2 * n + 1]) / B : 0;
    out[n] = 2 * (kx - (sy[2 * n] + sy[2 * n + 1]) / M);
  }
  return out;
}

/** x[o … o + n) ← softmax in place, given their max mx: exp(x − mx) / Σ, the sum in order. */
function softmaxInPlace(x: Float64Array, o: number, n: number, mx: number): void {
  let sum = 0;
  for (let s = o; s < o + n; s++) {
    x[s] = Math.exp(x[s] - mx);
    sum += x[s];
  }
  for (let s = o; s < o + n; s++) x[s] /= sum;
}

/** One step's candidate sets: cands[n·C + s], and whether each candidate is an exposed item of its pair's user. */
export interface CandidateSets {
  cands: Int32Array;
  exposed: Uint8Array;
  C: number;
}

/** The candidate slots' softmax and REINFORCE gradient on an IrganGenerator's parameters. */
export class CandidatePolicy {
  /**
   * float64 item-gradient accumulators on the engine heap, kept zero between calls (a 10 MB allocation per step on
   * Gowalla otherwise), and the per-item marks of the items a step touched.
   */
  private scratch: { gQ: Float64Array; gb: Float64Array; seen: Int32Array; touched: Int32Array } | null = null;

  constructor(readonly gen: IrganGenerator) {}

  private scratchFor(I: number, d: number, slots: number) {
    let s = this.scratch;
    if (!s || s.gb.length !== I || s.gQ.length !== I * d) {
      if (s) for (const v of [s.gQ, s.gb, s.seen, s.touched]) heap.free(v);
      s = { gQ: heap.allocF64(I * d), gb: heap.allocF64(I), seen: heap.allocI32(I), touched: heap.allocI32(Math.min(I, slots)) };
      this.scratch = s;
    } else if (s.touched.length < Math.min(I, slots)) {
      heap.free(s.touched);
      s.touched = heap.allocI32(Math.min(I, slots));
    }
    return s;
  }

  /** π(·| u, C) over the C slots of one pair, float64, from the parameters directly (the reference of `policies`). */
  slotPolicy(u: number, cands: Int32Array, o: number, C: number, out: Float64Array): void {
    const g = this.gen, d = g.dim, invT = 1 / g.temperature;
    let mx = -Infinity;
    for (let s = 0; s < C; s++) {
      const c = cands[o + s];
      let z = g.b[c];
      for (let k = 0; k < d; k++) z += g.P[u * d + k] * g.Q[c * d + k];
      out[s] = z * invT;
      if (out[s] > mx) mx = out[s];
    }
    softmaxInPlace(out, 0, C, mx);
  }

  /**
   * π(·| u_n, C_n) of every pair into out[n·C …]: the logits from the kernel `genScores` (the same float64 sums as
   * slotPolicy, on both cores), the softmax here, bit for bit slotPolicy's.
   */
  policies(users: Int32Array, sets: CandidateSets, out: Float64Array): void {
    const g = this.gen, { cands, C } = sets, N = users.length, invT = 1 / g.temperature;
    if (out.length < N * C) throw new RangeError('rnsas.policies: out needs C entries per pair');
    genScores(g.P, g.Q, g.b, users, cands, N, C, g.dim, out);
    for (let n = 0; n < N; n++) {
      const o = n * C;
      let mx = -Infinity;
      for (let s = o; s < o + C; s++) {
        out[s] *= invT;
        if (out[s] > mx) mx = out[s];
      }
      softmaxInPlace(out, o, C, mx);
    }
  }

  /**
   * K slots per pair from π (uniforms from rng, pair order, K each): slots[n·K + k] ∈ 0..C−1. With `probs` (N·C),
   * the policies are kept there, so `gradient` can reuse them while the parameters have not changed.
   */
  drawSlots(users: Int32Array, sets: CandidateSets, K: number, rng: Rng, probs?: Float64Array): Int32Array {
    const { C } = sets;
    const N = users.length;
    const uni = new Float64Array(N * K);
    for (let i = 0; i < uni.length; i++) uni[i] = rng.double();
    const out = new Int32Array(N * K);
    if (probs && probs.length < N * C) throw new RangeError('rnsas.drawSlots: probs needs C entries per pair');
    const p = probs ?? new Float64Array(N * C);
    this.policies(users, sets, p);
    for (let n = 0; n < N; n++) {
      const o = n * C;
      for (let k = 0; k < K; k++) {
        const t = uni[n * K + k];
        let acc = 0, s = 0;
        for (; s < C - 1; s++) {
          acc += p[o + s];
          if (t < acc) break;
        }
        out[n * K + k] = s;
      }
    }
    return out;
  }

  /**
   * The gradient of L = −(1/M) Σ_m a_m log π(slots[m] | users[m / K], C) over the M = N·K draws, and L; gQ and gb
   * are heap views (freed by the caller through `free`). `probs`: the policies drawSlots kept, valid only while the
   * generator has not stepped since (recomputed when absent). The scatter onto the parameters is the kernel
   * `genGrad` (float64 in pair order, one thread: the result does not depend on the thread count).
   */
  gradient(users: Int32Array, sets: CandidateSets, K: number, slots: Int32Array, adv: ArrayLike<number>, probs?: Float64Array): GeneratorGradient {
    const g = this.gen, d = g.dim, I = g.numItems, { cands, C } = sets;
    const N = users.length, M = N * K;
    if (slots.length !== M || adv.length !== M) throw new Error('rnsas.gradient: slots and advantages need K entries per pair');
    if (probs && probs.length < N * C) throw new RangeError('rnsas.gradient: probs needs C entries per pair');
    const rows = Int32Array.from(new Set(users)).sort();
    const at = new Map<number, number>();
    rows.forEach((u, r) => at.set(u, r));
    const rowOf = new Int32Array(N);
    for (let n = 0; n < N; n++) rowOf[n] = at.get(users[n])!;
    let p = probs;
    if (!p) {
      p = new Float64Array(N * C);
      this.policies(users, sets, p);
    }
    const dz = new Float64Array(N * C);
    const c0 = M > 0 ? 1 / (M * g.temperature) : 0;
    let loss = 0;
    for (let n = 0; n < N; n++) {
      const o = n * C;
      for (let k = 0; k < K; k++) {
        const m = n * K + k, a = adv[m], s = slots[m];
        loss -= a * Math.log(p[o + s]);
        for (let t = 0; t < C; t++) dz[o + t] += c0 * a * p[o + t];
        dz[o + s] -= c0 * a;
      }
    }
    const { gQ, gb, seen, touched } = this.scratchFor(I, d, N * C);
    const gP = new Float64Array(rows.length * d);
    // The item gradient is dense for Adam but touches at most N·C rows: the kernel copies those and clears the
    // scratch behind.
    const hq = heap.allocF32(I * d), hb = heap.allocF32(I);
    genGrad(g.P, g.Q, users, rowOf, cands, dz, N, C, d, gP, gQ, gb, seen, touched, hq, hb);
    return { rows, gP: Float32Array.from(gP), gQ: hq, gb: hb, loss: M > 0 ? loss / M : 0 };
  }

  /** log π(s | u, C) in float64 (the reference of the gradient checks). */
  logProb(u: number, cands: Int32Array, o: number, C: number, s: number): number {
    const p = new Float64Array(C);
    this.slotPolicy(u, cands, o, C, p);
    return Math.log(p[s]);
  }

  /** One Adam step on L; returns L before the step. */
  update(users: Int32Array, sets: CandidateSets, K: number, slots: Int32Array, adv: ArrayLike<number>, probs?: Float64Array): number {
    const gr = this.gradient(users, sets, K, slots, adv, probs);
    try {
      this.gen.apply(gr);
    } finally {
      heap.free(gr.gQ);
      heap.free(gr.gb);
    }
    return gr.loss;
  }
}

/** The split candidate sets of a batch (draw order: per pair, C_e exposed slots, then C_o unobserved slots). */
export function drawCandidateSets(pool: ExposurePool, users: Int32Array, C: number, Ce: number, rng: Rng, numUsers: number): CandidateSets {
  const N = users.length;
  const cands = new Int32Array(N * C), exposed = new Uint8Array(N * C);
  for (let n = 0; n < N; n++) {
    const u = users[n];
    if (!(u >= 0 && u < numUsers)) throw new RangeError(`rnsas: user ${u} is outside 0..${numUsers - 1}`);
    const hasE = pool.count(u) > 0, hasO = pool.unobservedCount(u) > 0;
    if (!hasE && !hasO) throw new Error(`rnsas: user ${u} has no exposed and no unobserved item (all ${pool.numItems} items are training positives)`);
    for (let s = 0; s < C; s++) {
      const fromE = s < Ce ? hasE : !hasO;
      cands[n * C + s] = fromE ? pool.exposed(u, rng) : pool.unobserved(u, rng);
      exposed[n * C + s] = fromE ? 1 : 0;
    }
  }
  return { cands, exposed, C };
}

export class RnsAsSampler implements Sampler {
  readonly name = 'rnsas';
  readonly needs = { exposure: true } as const;
  readonly k: number;
  readonly candidates: number;
  readonly exposedCandidates: number;
  readonly dim: number;
  readonly lr: number;
  readonly temperature: number;
  readonly alpha: number;
  readonly beta: number;
  readonly sigma: number;
  readonly reward: RnsAsReward;
  readonly baseline: RnsAsBaseline;
  readonly gEvery: number;
  readonly initDelta: number;
  private gen: IrganGenerator | null = null;
  private policy: CandidatePolicy | null = null;
  private pool: ExposurePool | null = null;
  private poolTrain: unknown = null;
  /** The step's candidate sets and drawn slots, kept from `sample` to `observe`. */
  private pending: { items: Int32Array; sets: CandidateSets; slots: Int32Array; probs: Float64Array; steps: number } | null = null;
  /** D steps observed; the current epoch's reward sums and draw count; the previous epoch's means ('epoch'). */
  private observed = 0;
  private sumR = 0;
  private sumE = 0;
  private count = 0;
  private meanR = 0;
  private meanE = 0;
  /** The last G update's surrogate loss, mean adversarial reward and exposed share (diagnostics / tests). */
  lastLoss = NaN;
  lastMeanReward = NaN;
  lastExposedShare = NaN;
  lastMeanMatching = NaN;

  constructor(opts: RnsAsOptions = {}) {
    const o = new Options('rnsas', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.candidates = o.int('candidates', 30);
    this.exposedCandidates = o.int('exposedCandidates', 1, 0);
    this.dim = o.int('dim', 32);
    this.lr = o.num('lr', 0.001, 0, Infinity, true);
    this.temperature = o.num('temperature', 1, 0, Infinity, true);
    this.alpha = o.num('alpha', 2.5, 0);
    this.beta = o.num('beta', 0.75, 0, 1);
    this.sigma = o.num('sigma', 1, 0, Infinity, true);
    this.reward = o.oneOf('reward', 'sigmoid', ['sigmoid', 'log'] as const);
    this.baseline = o.oneOf('baseline', 'epoch', ['epoch', 'batch', 'none'] as const);
    this.gEvery = o.int('gEvery', 1);
    this.initDelta = o.num('initDelta', 0.05, 0);
    o.done();
    if (this.exposedCandidates > this.candidates) {
      throw new RangeError(`rnsas: option exposedCandidates (${this.exposedCandidates}) must be ≤ candidates (${this.candidates})`);
    }
  }

  /** The generator (built by prepare, or by the first sample). */
  generator(): IrganGenerator | null {
    return this.gen;
  }

  private genFor(data: TrainView, rng: Rng | null): IrganGenerator {
    const g = this.gen;
    if (g && g.numUsers === data.numUsers && g.numItems === data.numItems) return g;
    // chunkFloats 1: IRGAN's chunked catalogue softmax is not used here, so its buffer is one row.
    this.gen = new IrganGenerator(data.numUsers, data.numItems,
      { dim: this.dim, lr: this.lr, temperature: this.temperature, initDelta: this.initDelta, chunkFloats: 1 },
      rng ? rng.fork('rnsas-generator') : null);
    this.policy = new CandidatePolicy(this.gen);
    return this.gen;
  }

  private poolFor(data: TrainView): ExposurePool {
    if (!this.pool || this.poolTrain !== excludedOf(data)) {
      this.pool = new ExposurePool(data);
      this.poolTrain = excludedOf(data);
    }
    return this.pool;
  }

  prepare(data: TrainView, rng: Rng): void {
    this.gen = null;
    this.genFor(data, rng);
    this.poolFor(data);
    this.observed = 0;
    this.sumR = this.sumE = this.count = this.meanR = this.meanE = 0;
    this.pending = null;
  }

  onEpochStart(ctx: EpochContext): void {
    // 'epoch' baseline: the previous epoch's means over the draws G was trained on (kept if no draw was).
    if (ctx.epoch > 1 && this.count > 0) {
      this.meanR = this.sumR / this.count;
      this.meanE = this.sumE / this.count;
    }
    this.sumR = this.sumE = this.count = 0;
  }

  sample(ctx: SampleContext): Negatives {
    this.genFor(ctx.data, ctx.rng);
    const pool = this.poolFor(ctx.data);
    const sets = drawCandidateSets(pool, ctx.users, this.candidates, this.exposedCandidates, ctx.rng, ctx.data.numUsers);
    const probs = new Float64Array(ctx.users.length * this.candidates);
    const slots = this.policy!.drawSlots(ctx.users, sets, this.k, ctx.rng, probs);
    const K = this.k, C = this.candidates;
    const items = new Int32Array(slots.length);
    for (let m = 0; m < slots.length; m++) items[m] = sets.cands[Math.floor(m / K) * C + slots[m]];
    this.pending = { items, sets, slots, probs, steps: this.gen!.steps };
    return { kind: 'items', items, k: K };
  }

  observe(ctx: SampleContext, neg: Negatives, scores: StepScores): void {
    const p = this.pending;
    this.pending = null;
    if (neg.kind !== 'items' || !p || p.items !== neg.items) return;
    this.observed++;
    if (this.observed % this.gEvery !== 0) return;
    const K = this.k, C = this.candidates, M = p.slots.length;
    const r = new Float64Array(M), e = new Float64Array(M);
    const mm = this.beta > 0 ? this.matching(ctx, p.items) : null;
    let sr = 0, se = 0, sid = 0;
    for (let m = 0; m < M; m++) {
      r[m] = rnsasReward(scores.neg[m], this.reward);
      const id = p.sets.exposed[Math.floor(m / K) * C + p.slots[m]];
      e[m] = mm ? (1 - this.beta) * id + this.beta * mm[m] : id;
      sr += r[m];
      se += e[m];
      sid += id;
    }
    let ar: Float64Array, ae: Float64Array;
    if (this.baseline === 'batch') {
      ar = advantages(r, true);
      ae = advantages(e, true);
    } else {
      ar = r;
      ae = e;
      if (this.baseline === 'epoch') for (let m = 0; m < M; m++) {
        ar[m] = r[m] - this.meanR;
        ae[m] = e[m] - this.meanE;
      }
    }
    const adv = new Float64Array(M);
    for (let m = 0; m < M; m++) adv[m] = ar[m] + this.alpha * ae[m];
    this.sumR += sr;
    this.sumE += se;
    this.count += M;
    this.lastMeanReward = M ? sr / M : NaN;
    this.lastExposedShare = M ? sid / M : NaN;
    this.lastMeanMatching = mm && M ? mm.reduce((a, x) => a + x, 0) / M : NaN;
    this.genFor(ctx.data, ctx.rng);
    // The kept policies hold while G has not stepped since `sample` (always, unless a caller interleaves).
    this.lastLoss = this.policy!.update(ctx.users, p.sets, K, p.slots, adv, this.gen!.steps === p.steps ? p.probs : undefined);
  }

  /** The draws' feature-matching rewards: D's features of one real exposed item per pair vs of the draws. */
  private matching(ctx: SampleContext, items: Int32Array): Float64Array {
    const pool = this.poolFor(ctx.data);
    const B = ctx.users.length, K = this.k;
    const ids = new Int32Array(B + items.length);
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      ids[b] = pool.count(u) > 0 ? pool.exposed(u, ctx.rng) : pool.unobserved(u, ctx.rng);
    }
    ids.set(items, B);
    const q = pooledUsers(ctx);
    const rows = tidy(() => noGrad(() => {
      const t = ctx.pass.pool(ctx.pass.itemLayers(ids));
      return { data: Float32Array.from(t.data), d: t.shape[1] };
    }));
    const d = rows.d;
    if (q.P !== d) throw new Error(`rnsas: feature matching needs user and item rows of one width (got ${q.P} and ${d}); set beta 0`);
    const x = new Float32Array(B * d), y = new Float32Array(items.length * d);
    for (let b = 0; b < B; b++) for (let t = 0; t < d; t++) x[b * d + t] = q.data[b * d + t] * rows.data[b * d + t];
    for (let m = 0; m < items.length; m++) {
      const b = Math.floor(m / K);
      for (let t = 0; t < d; t++) y[m * d + t] = q.data[b * d + t] * rows.data[(B + m) * d + t];
    }
    return mmdRewards(x, y, d, this.sigma);
  }

  getState(): SamplerState {
    const g = this.gen;
    return {
      ...(g ? g.state() : {}), observed: this.observed, sumR: this.sumR, sumE: this.sumE, count: this.count,
      meanR: this.meanR, meanE: this.meanE,
    };
  }

  setState(s: SamplerState): void {
    for (const k of ['observed', 'sumR', 'sumE', 'count', 'meanR', 'meanE']) {
      if (typeof s[k] !== 'number' || !Number.isFinite(s[k] as number)) throw new Error(`rnsas.setState: expected ${k} (a number)`);
    }
    if (!Number.isInteger(s.observed) || (s.observed as number) < 0) throw new Error('rnsas.setState: expected observed (a step count ≥ 0)');
    if (s.gb !== undefined || s.gP !== undefined) {
      if (!this.gen) {
        const b = s.gb, P = s.gP;
        if (!(b instanceof Float32Array) || !(P instanceof Float32Array) || P.length % this.dim !== 0) {
          throw new Error('rnsas.setState: expected gP and gb (Float32Array) sized for dim ' + this.dim);
        }
        this.gen = new IrganGenerator(P.length / this.dim, b.length,
          { dim: this.dim, lr: this.lr, temperature: this.temperature, initDelta: this.initDelta, chunkFloats: 1 }, null);
        this.policy = new CandidatePolicy(this.gen);
      }
      this.gen.restore(s);
    }
    this.observed = s.observed as number;
    this.sumR = s.sumR as number;
    this.sumE = s.sumE as number;
    this.count = s.count as number;
    this.meanR = s.meanR as number;
    this.meanE = s.meanE as number;
    this.pending = null;
  }
}

/** Registry entry (samplers/index.ts). */
export const rnsasEntry: SamplerEntry = {
  name: 'rnsas',
  describe: 'RNS-AS: a generator MF\'s softmax over a split candidate set (exposed and unobserved items), trained by REINFORCE on the recommender\'s scores and an exposure reward with feature matching (Ding et al. 2019; needs exposure data)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K drawn from the candidate softmax' },
    candidates: { type: 'integer', default: 30, min: 1, doc: 'candidates per pair C (the released sh/rns.sh: 30)' },
    exposedCandidates: { type: 'integer', default: 1, min: 0, doc: 'of the C candidates, drawn from the user\'s exposed items (the rest from its unobserved items; sh/rns.sh: 1)' },
    dim: { type: 'integer', default: 32, min: 1, doc: 'the generator\'s embedding dimension' },
    lr: { type: 'number', default: 0.001, min: 0, exclusiveMin: true, doc: 'the generator\'s Adam learning rate' },
    temperature: { type: 'number', default: 1, min: 0, exclusiveMin: true, doc: 'softmax temperature T over the candidates' },
    alpha: { type: 'number', default: 2.5, min: 0, doc: 'weight α of the exposure reward (sh/rns.sh: 2.5)' },
    beta: { type: 'number', default: 0.75, min: 0, max: 1, doc: 'exposure reward = (1 − β)·1[draw is an exposed item] + β·feature matching (MMD on the recommender\'s user ⊙ item rows; sh/rns.sh: 0.75; 0: no feature matching)' },
    sigma: { type: 'number', default: 1, min: 0, exclusiveMin: true, doc: 'Gaussian kernel bandwidth σ of the feature matching' },
    reward: { type: 'enum', values: ['sigmoid', 'log'], default: 'sigmoid', doc: "adversarial reward: 'sigmoid' σ(f_D) − 1 (the released code), or 'log' log(1 + exp(f_D)) (IRGAN's)" },
    baseline: { type: 'enum', values: ['epoch', 'batch', 'none'], default: 'epoch', doc: "rewards minus: the previous epoch's means ('epoch', the released code), the step's means ('batch'), or nothing" },
    gEvery: { type: 'integer', default: 1, min: 1, doc: 'generator updates after every gEvery-th recommender step' },
    initDelta: { type: 'number', default: 0.05, min: 0, doc: 'generator rows start uniform in [−initDelta, initDelta] (bias 0)' },
  },
  create: (o) => new RnsAsSampler(o),
};
