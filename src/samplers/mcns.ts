// MCNS (Yang, Ding, Lou, Zhou, Jiang & Tang 2020, "Understanding Negative Sampling in Graph Representation
// Learning", KDD): negatives drawn by Metropolis–Hastings from p_n(j | u) ∝ p_d(j | u)^α, the positive
// distribution raised to a power 0 < α < 1, which the paper approximates with the model's own scores.
//
// For each pair (u, i) a chain over items runs `steps` MH iterations, then k more, each of those k states being a
// negative. One iteration from state x:
//   1. propose y from the self-contrast mixture q(y | x) = ε · 1/|I| + (1 − ε) · c_x(y)/C, where the C-entry
//      neighbour list of x holds items two hops from x on the training graph (x → a user of x → an item of that
//      user) and c_x(y) counts y in it; with probability ε (`uniformShare`, 0.5 as in the released code) the
//      proposal is uniform, otherwise an entry of x's list;
//   2. accept with probability min(1, p(y) q(x | y) / (p(x) q(y | x))), p(j) = 0 for u's training positives.
// The mixture density is the exact proposal, so the chain's stationary law is the target over u's
// non-positives (the unit test checks that empirically).
//
// Choices where the paper is open or the setting differs (documented in docs/architecture.md too):
// - Target: 'paper' (default) p(j) ∝ σ(s_uj)^α — the paper's p_d(j|u) is "approximated by the inner product",
//   which may be negative, so the model's probability σ(s) stands in for it; 'code' is the released code's
//   σ(s^α) (its get_probs), with s < 0 clamped to 0 (s^0.25 is NaN there). α defaults to 0.25, the code's power.
// - Warm start: the paper orders the users by a DFS of the graph so that each chain starts from the last sample
//   of a neighbouring user's chain. Batches here come from the trainer's batcher, so each user's chain instead
//   continues from that user's own last sample (the chain state, U ints, checkpointed); a user's first chain
//   starts from a uniform non-positive. A user appearing twice in a batch runs two chains from the same state;
//   the later pair's end state is kept.
// - Neighbour lists are built once per dataset from a fixed integer hash of (x, c), not drawn from the run's
//   stream: they are a deterministic function of the training graph (so nothing to checkpoint), I × C Int32
//   (16 MB for Gowalla at C = 100). An item nobody interacted with has no list; its proposal is uniform.
// - The released code flips one coin per batch for the proposal branch and uses the branch's own probability in
//   the ratio; here every pair flips its own coin and the ratio uses the mixture density (the correct MH ratio
//   for a mixture proposal).
// - A final state that is still a positive of u (possible only if the chain started on one, e.g. after a PDNS
//   reveal, and every proposal was rejected) is replaced by a uniform non-positive.
import { complementOf, drawCandidates, excludedOf, isPositive } from './candidates.js';
import { Options, pooledUsers } from './common.js';
import { hashPair } from '../core/hash.js';
import { transpose } from '../data/csr.js';
import type { CsrMatrix, TrainView } from '../data/types.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry, SamplerState } from './types.js';

export type McnsTarget = 'paper' | 'code';

export interface McnsOptions {
  /** Negatives per pair (default 1): the chain's states after `steps`, `steps` + 1, … iterations. */
  k?: number;
  /** Burn-in MH iterations per pair before the first negative (default 10). */
  steps?: number;
  /** Power α of the target p_d^α (default 0.25). */
  alpha?: number;
  /** Probability ε of a uniform proposal; otherwise a neighbour-list entry (default 0.5). */
  uniformShare?: number;
  /** Entries C of each item's two-hop neighbour list (default 100). */
  neighbours?: number;
  /** 'paper' σ(s)^α (default) or 'code' σ(max(s, 0)^α). */
  target?: McnsTarget;
}

/** log of the unnormalised target for a score s. */
export function logTarget(s: number, alpha: number, target: McnsTarget): number {
  if (target === 'code') {
    const t = Math.pow(s > 0 ? s : 0, alpha);
    return -Math.log1p(Math.exp(-t));
  }
  // α · log σ(s), stable for large |s|.
  return -alpha * (s >= 0 ? Math.log1p(Math.exp(-s)) : -s + Math.log1p(Math.exp(s)));
}

/** MH acceptance probability min(1, p(y) q(x|y) / (p(x) q(y|x))) from log targets and proposal densities. */
export function acceptance(logPy: number, logPx: number, qXgivenY: number, qYgivenX: number): number {
  if (logPy === -Infinity) return 0;
  if (logPx === -Infinity) return 1;
  const la = logPy - logPx + Math.log(qXgivenY) - Math.log(qYgivenX);
  return la >= 0 ? 1 : Math.exp(la);
}

/**
 * Two-hop neighbour lists: row x (C entries) holds items reached by x → a user of x → an item of that user, each
 * step a fixed hash choice; −1 rows for items without training users.
 */
export function neighbourLists(train: CsrMatrix, C: number): Int32Array {
  const itemUsers = transpose(train);
  const out = new Int32Array(train.cols * C).fill(-1);
  for (let x = 0; x < train.cols; x++) {
    const a = itemUsers.indptr[x];
    const du = itemUsers.indptr[x + 1] - a;
    if (du === 0) continue;
    for (let c = 0; c < C; c++) {
      const u = itemUsers.indices[a + (hashPair(x, 2 * c) % du)];
      const b = train.indptr[u];
      const di = train.indptr[u + 1] - b;
      out[x * C + c] = train.indices[b + (hashPair(x, 2 * c + 1) % di)];
    }
  }
  return out;
}

/** Proposal density q(y | x) of the mixture, given x's neighbour list (row x of `lists`). */
export function proposalDensity(lists: Int32Array, C: number, numItems: number, eps: number, x: number, y: number): number {
  const o = x * C;
  if (lists[o] < 0) return 1 / numItems;
  let n = 0;
  for (let c = 0; c < C; c++) if (lists[o + c] === y) n++;
  return eps / numItems + (1 - eps) * n / C;
}

export class McnsSampler implements Sampler {
  readonly name = 'mcns';
  readonly k: number;
  readonly steps: number;
  readonly alpha: number;
  readonly eps: number;
  readonly C: number;
  readonly target: McnsTarget;
  /** Each user's last sample (−1 before its first chain). */
  private chain: Int32Array = new Int32Array(0);
  private lists: Int32Array = new Int32Array(0);
  private listsFor: CsrMatrix | null = null;
  /** MH proposals made and accepted in this process (diagnostics / tests). */
  proposals = 0;
  accepted = 0;

  constructor(opts: McnsOptions = {}) {
    const o = new Options('mcns', opts as Record<string, unknown>);
    this.k = o.int('k', 1);
    this.steps = o.int('steps', 10, 0);
    this.alpha = o.num('alpha', 0.25, 0, Infinity, true);
    this.eps = o.num('uniformShare', 0.5, 0, 1);
    this.C = o.int('neighbours', 100);
    this.target = o.oneOf('target', 'paper', ['paper', 'code'] as const);
    o.done();
  }

  /** The neighbour lists of the training graph (built on first use). */
  neighbourTable(data: TrainView): Int32Array {
    if (this.listsFor !== data.train) {
      this.lists = neighbourLists(data.train, this.C);
      this.listsFor = data.train;
    }
    return this.lists;
  }

  /** User u's chain state (−1 before its first chain). */
  stateOf(u: number): number {
    return u < this.chain.length ? this.chain[u] : -1;
  }

  sample(ctx: SampleContext): Negatives {
    const data = ctx.data;
    if (this.chain.length !== data.numUsers) this.chain = new Int32Array(data.numUsers).fill(-1);
    const lists = this.neighbourTable(data);
    const excluded = excludedOf(data);
    const rng = ctx.rng;
    const B = ctx.users.length;
    const I = data.numItems;
    const C = this.C;
    const K = this.k;
    const q = pooledUsers(ctx);
    const state = new Int32Array(B);
    const prop = new Int32Array(B);
    const logPx = new Float64Array(B);
    // Chain starts: the user's last sample, else a uniform non-positive (drawn for every pair, so the stream's
    // use does not depend on which users have chains).
    const starts = drawCandidates(excluded, ctx.users, 1, rng);
    for (let b = 0; b < B; b++) {
      const x = this.chain[ctx.users[b]];
      state[b] = x >= 0 ? x : starts[b];
    }
    const sx = ctx.pass.scoreCandidates(q.data, q.P, 1, state, 1, ctx.users);
    for (let b = 0; b < B; b++) {
      logPx[b] = isPositive(excluded, ctx.users[b], state[b]) ? -Infinity : logTarget(sx[b], this.alpha, this.target);
    }
    const out = new Int32Array(B * K);
    const total = this.steps + K;
    const sy = new Float32Array(B);
    for (let t = 0; t < total; t++) {
      for (let b = 0; b < B; b++) {
        const x = state[b];
        prop[b] = rng.double() < this.eps || lists[x * C] < 0 ? rng.int(I) : lists[x * C + rng.int(C)];
      }
      ctx.pass.scoreCandidates(q.data, q.P, 1, prop, 1, ctx.users, sy);
      for (let b = 0; b < B; b++) {
        const u = ctx.users[b];
        const x = state[b];
        const y = prop[b];
        const lpY = isPositive(excluded, u, y) ? -Infinity : logTarget(sy[b], this.alpha, this.target);
        const a = acceptance(lpY, logPx[b], proposalDensity(lists, C, I, this.eps, y, x), proposalDensity(lists, C, I, this.eps, x, y));
        this.proposals++;
        if (rng.double() < a) {
          state[b] = y;
          logPx[b] = lpY;
          this.accepted++;
        }
        if (t >= this.steps) out[b * K + (t - this.steps)] = state[b];
      }
    }
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      for (let kk = 0; kk < K; kk++) {
        if (isPositive(excluded, u, out[b * K + kk])) {
          const comp = complementOf(excluded, u);
          out[b * K + kk] = comp[rng.int(comp.length)];
        }
      }
      this.chain[u] = out[b * K + K - 1];
    }
    return { kind: 'items', items: out, k: K };
  }

  getState(): SamplerState {
    return { chain: this.chain.slice() };
  }

  setState(s: SamplerState): void {
    if (!(s.chain instanceof Int32Array)) throw new Error('mcns.setState: expected chain (Int32Array, one item per user)');
    this.chain = s.chain.slice();
  }
}

/** Registry entry (samplers/index.ts). */
export const mcnsEntry: SamplerEntry = {
  name: 'mcns',
  describe: 'MCNS: Metropolis–Hastings negatives from p ∝ σ(s)^α with a uniform/two-hop self-contrast proposal (Yang et al. 2020)',
  options: {
    k: { type: 'integer', default: 1, min: 1, doc: 'negatives per pair K (successive chain states)' },
    steps: { type: 'integer', default: 10, min: 0, doc: 'burn-in MH iterations per pair before the first negative' },
    alpha: { type: 'number', default: 0.25, min: 0, exclusiveMin: true, doc: 'power α of the target p_d(j|u)^α' },
    uniformShare: { type: 'number', default: 0.5, min: 0, max: 1, doc: 'probability ε of a uniform proposal (else an entry of the state\'s two-hop neighbour list)' },
    neighbours: { type: 'integer', default: 100, min: 1, doc: 'entries C of each item\'s two-hop neighbour list' },
    target: { type: 'enum', values: ['paper', 'code'], default: 'paper', doc: "target p(j): 'paper' σ(s)^α, or 'code' σ(max(s, 0)^α) as in the released get_probs" },
  },
  create: (o) => new McnsSampler(o),
};
