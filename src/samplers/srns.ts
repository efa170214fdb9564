// SRNS baseline (methods.md "SRNS"): a per-user memory of S1 non-positive items. For a pair (u, i):
//   v_j = σ(s_uj − s_ui) for each memory slot; std_j = standard deviation of v_j over the values recorded for that
//   slot's item in the last `historyEpochs` epochs (one value per epoch, the latest); pick
//   argmax_j v_j + α·min(1, epoch/warmup)·std_j.
// After use the user's memory is refreshed: union with S2 fresh uniform non-positives, keep S1 drawn without
// replacement ∝ softmax(s_uj / τ). Items that stay keep their history; new ones start empty. Scores come from
// pass.score, so SRNS works with any scorer (the paper uses GMF). Everything drawn is a non-positive, so the
// memory never leaves the user's non-positives.
//
// A user seen several times in one batch: every pair selects from the memory as it was at the start of the step
// (scores are computed once per step), and the memory is refreshed once, with the user's last pair's scores.
import type { TrainView } from '../data/types.js';
import type { Rng } from '../core/rng.js';
import { drawCandidates, isPositive, excludedOf } from './candidates.js';
import { Options, pooledUsers, scorePools, sigmoid } from './common.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerState, SamplerEntry } from './types.js';

export interface SrnsOptions {
  /** Memory size per user (default 8). */
  s1?: number;
  /** Fresh uniform candidates per refresh (default 64). */
  s2?: number;
  /** Weight of the variance term (default 5). */
  alpha?: number;
  /** Epochs over which the variance weight ramps up linearly to α (default 50; 0 = full weight at once). */
  warmup?: number;
  /** Softmax temperature of the refresh (default 10). */
  tau?: number;
  /** Epochs of score history for the standard deviation (default 5). */
  historyEpochs?: number;
  /**
   * The loss SRNS prescribes: 'pairwise' (default; the released code, SRNS_real/Model.py, optimises
   * Σ log(1 + exp(s_uj − s_ui)) on GMF scores, i.e. BPR) or 'pointwise' (the paper's point-wise log loss,
   * softplusPointwise; hardneg's default before this option existed). A config's `loss` overrides either.
   */
  objective?: 'pairwise' | 'pointwise';
}

export class SrnsSampler implements Sampler {
  readonly name = 'srns';
  /** SRNS's loss (methods.md): pairwise BPR on its scores by default, point-wise log loss with objective 'pointwise'. */
  readonly preferredLoss: LossSpec;
  readonly objective: 'pairwise' | 'pointwise';
  readonly s1: number;
  readonly s2: number;
  readonly alpha: number;
  readonly warmup: number;
  readonly tau: number;
  readonly historyEpochs: number;
  private numUsers = 0;
  /** memory[u·S1 + s] = item. */
  private memory: Int32Array = new Int32Array(0);
  /** History per (user, slot): values and the epoch each was recorded in (−1 = empty), [u·S1 + s]·H + h. */
  private histVal = new Float32Array(0);
  private histEp = new Int32Array(0);
  private lastSeen = new Int32Array(0);
  /** The last step's memory snapshot ([B × S1]) and fresh candidates ([B × S2]), for tests and diagnostics. */
  last: { memory: Int32Array; fresh: Int32Array } | null = null;

  constructor(opts: SrnsOptions = {}) {
    const o = new Options('srns', opts as Record<string, unknown>);
    this.s1 = o.int('s1', 8);
    this.s2 = o.int('s2', 64);
    this.alpha = o.num('alpha', 5, 0);
    this.warmup = o.num('warmup', 50, 0);
    this.tau = o.num('tau', 10, 0, Infinity, true);
    this.historyEpochs = o.int('historyEpochs', 5, 2);
    this.objective = o.oneOf<'pairwise' | 'pointwise'>('objective', 'pairwise', ['pairwise', 'pointwise']);
    this.preferredLoss = this.objective === 'pairwise' ? { name: 'bpr' } : { name: 'softplusPointwise' };
    o.done();
  }

  /** Fills every user's memory with S1 uniform non-positives. */
  prepare(dataset: TrainView, rng: Rng): void {
    const U = dataset.numUsers;
    this.numUsers = U;
    const users = new Int32Array(U);
    for (let u = 0; u < U; u++) users[u] = u;
    this.memory = drawCandidates(excludedOf(dataset), users, this.s1, rng);
    this.histVal = new Float32Array(U * this.s1 * this.historyEpochs);
    this.histEp = new Int32Array(U * this.s1 * this.historyEpochs).fill(-1);
    this.lastSeen = new Int32Array(U).fill(-1);
  }

  /** The memory of user u (a copy). */
  memoryOf(u: number): Int32Array {
    return this.memory.slice(u * this.s1, (u + 1) * this.s1);
  }

  sample(ctx: SampleContext): Negatives {
    if (this.numUsers !== ctx.data.numUsers || this.memory.length === 0) this.prepare(ctx.data, ctx.rng);
    const B = ctx.users.length;
    const S1 = this.s1;
    const S2 = this.s2;
    const H = this.historyEpochs;
    const epoch = ctx.epoch;
    const q = pooledUsers(ctx);
    const mem = new Int32Array(B * S1);
    for (let b = 0; b < B; b++) mem.set(this.memory.subarray(ctx.users[b] * S1, (ctx.users[b] + 1) * S1), b * S1);
    const sMem = scorePools(ctx, q.data, q.P, 1, mem, S1);
    const sPos = scorePools(ctx, q.data, q.P, 1, ctx.pos, 1);
    const fresh = drawCandidates(excludedOf(ctx.data), ctx.users, S2, ctx.rng);
    this.last = { memory: mem, fresh };
    const sFresh = scorePools(ctx, q.data, q.P, 1, fresh, S2);
    const ramp = this.alpha * (this.warmup > 0 ? Math.min(1, epoch / this.warmup) : 1);

    // Last occurrence of each user in the batch (it refreshes the memory).
    const last = this.lastSeen;
    for (let b = 0; b < B; b++) last[ctx.users[b]] = b;

    const items = new Int32Array(B);
    const slot = epoch % H;
    const S = S1 + S2;
    const unionScore = new Float64Array(S);
    const weight = new Float64Array(S);
    const taken = new Uint8Array(S);
    const keepIdx = new Int32Array(S1);
    const oldVal = new Float32Array(S1 * H);
    const oldEp = new Int32Array(S1 * H);
    // Revealed false negatives (PDNS simulation) may sit in memories filled before they were revealed: such slots
    // are never chosen and never kept (fresh draws already reject them).
    const excluded = excludedOf(ctx.data) !== ctx.data.train ? excludedOf(ctx.data) : null;
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      let best = -1;
      let bestV = -Infinity;
      for (let s = 0; s < S1; s++) {
        if (excluded && isPositive(excluded, u, mem[b * S1 + s])) continue;
        const v = sigmoid(sMem[b * S1 + s] - sPos[b]);
        const h0 = (u * S1 + s) * H;
        this.histVal[h0 + slot] = v;
        this.histEp[h0 + slot] = epoch;
        const score = v + ramp * this.std(h0, epoch);
        if (score > bestV) {
          bestV = score;
          best = s;
        }
      }
      items[b] = best >= 0 ? mem[b * S1 + best] : fresh[b * S2];
      if (last[u] !== b) continue;
      last[u] = -1;

      // Refresh: S1 of the S1 + S2 union without replacement ∝ softmax(s / τ) (sequential weighted draws).
      for (let s = 0; s < S1; s++) unionScore[s] = excluded && isPositive(excluded, u, mem[b * S1 + s]) ? -Infinity : sMem[b * S1 + s];
      for (let t = 0; t < S2; t++) unionScore[S1 + t] = sFresh[b * S2 + t];
      // Each draw renormalises against the best remaining score, so a small τ cannot underflow every weight.
      taken.fill(0);
      for (let k = 0; k < S1; k++) {
        let mx = -Infinity;
        for (let t = 0; t < S; t++) if (taken[t] === 0 && unionScore[t] > mx) mx = unionScore[t];
        let total = 0;
        for (let t = 0; t < S; t++) total += weight[t] = taken[t] === 0 ? Math.exp((unionScore[t] - mx) / this.tau) : 0;
        let x = ctx.rng.double() * total;
        let pick = -1;
        for (let t = 0; t < S; t++) {
          if (weight[t] <= 0) continue;
          pick = t;
          x -= weight[t];
          if (x < 0) break;
        }
        if (pick < 0) pick = taken.indexOf(0); // fewer clean items than S1: keep one (selection skips it)
        keepIdx[k] = pick;
        taken[pick] = 1;
      }
      const base = u * S1;
      oldVal.set(this.histVal.subarray(base * H, (base + S1) * H));
      oldEp.set(this.histEp.subarray(base * H, (base + S1) * H));
      for (let k = 0; k < S1; k++) {
        const t = keepIdx[k];
        const h0 = (base + k) * H;
        if (t < S1) {
          this.memory[base + k] = mem[b * S1 + t];
          this.histVal.set(oldVal.subarray(t * H, (t + 1) * H), h0);
          this.histEp.set(oldEp.subarray(t * H, (t + 1) * H), h0);
        } else {
          this.memory[base + k] = fresh[b * S2 + (t - S1)];
          this.histEp.fill(-1, h0, h0 + H);
          this.histVal.fill(0, h0, h0 + H);
        }
      }
    }
    return { kind: 'items', items, k: 1 };
  }

  /** Population std of a slot's values recorded within the last H epochs (0 with fewer than two). */
  private std(h0: number, epoch: number): number {
    const H = this.historyEpochs;
    let n = 0;
    let sum = 0;
    let sq = 0;
    for (let h = 0; h < H; h++) {
      const e = this.histEp[h0 + h];
      if (e < 0 || e <= epoch - H || e > epoch) continue;
      const v = this.histVal[h0 + h];
      n++;
      sum += v;
      sq += v * v;
    }
    if (n < 2) return 0;
    const mean = sum / n;
    return Math.sqrt(Math.max(0, sq / n - mean * mean));
  }

  getState(): SamplerState {
    return {
      memory: this.memory.slice(),
      historyValues: this.histVal.slice(),
      historyEpochs: this.histEp.slice(),
      numUsers: this.numUsers,
      s1: this.s1,
      historyLength: this.historyEpochs,
    };
  }

  setState(state: SamplerState): void {
    const { memory, historyValues, historyEpochs, numUsers, s1, historyLength } = state;
    if (!(memory instanceof Int32Array) || !(historyValues instanceof Float32Array) || !(historyEpochs instanceof Int32Array)) {
      throw new Error('srns.setState: expected memory (Int32Array), historyValues (Float32Array), historyEpochs (Int32Array)');
    }
    if (s1 !== this.s1 || historyLength !== this.historyEpochs) {
      throw new Error(`srns.setState: state has s1 = ${String(s1)}, historyEpochs = ${String(historyLength)}; this sampler has ${this.s1}, ${this.historyEpochs}`);
    }
    const U = numUsers as number;
    if (memory.length !== U * this.s1 || historyValues.length !== U * this.s1 * this.historyEpochs || historyEpochs.length !== historyValues.length) {
      throw new Error(`srns.setState: array sizes do not match ${U} users × s1 ${this.s1} × ${this.historyEpochs} epochs`);
    }
    this.numUsers = U;
    this.memory = memory.slice();
    this.histVal = historyValues.slice();
    this.histEp = historyEpochs.slice();
    this.lastSeen = new Int32Array(U).fill(-1);
  }
}

/** Registry entry (samplers/index.ts). */
export const srnsEntry: SamplerEntry = {
  name: 'srns',
  describe: 'SRNS: variance-based selection from a per-user memory (GMF)',
  options: {
    s1: { type: 'integer', default: 8, min: 1, doc: 'memory size S1 per user' },
    s2: { type: 'integer', default: 64, min: 1, doc: 'fresh uniform candidates S2 per refresh' },
    alpha: { type: 'number', default: 5, min: 0, doc: 'weight α of the score variance' },
    warmup: { type: 'number', default: 50, min: 0, doc: 'epochs over which the variance weight ramps up linearly to α' },
    tau: { type: 'number', default: 10, min: 0, exclusiveMin: true, doc: 'softmax temperature τ of the refresh' },
    historyEpochs: { type: 'integer', default: 5, min: 2, doc: 'epochs of score history for the standard deviation' },
    objective: { type: 'enum', values: ['pairwise', 'pointwise'], default: 'pairwise', doc: "prescribed loss: pairwise BPR (released code) or the point-wise log loss" },
  },
  create: (o) => new SrnsSampler(o),
};
