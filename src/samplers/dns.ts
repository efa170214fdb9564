// DNS (Zhang et al. 2013): for each pair draw a pool of M uniform non-positives and keep the one the current
// model scores highest for the user, <q, ē_c> with q and ē_c the pooled (final) embeddings (the encoder's
// scorer when it is not a plain dot product). The selection is not differentiated: DNS returns item ids and
// the trainer embeds them like any other negative, at every layer.
//
// K negatives per pair: kMode 'pools' (default) draws K independent pools of M and takes each pool's argmax;
// 'topk' draws one pool of M per pair and takes its K best distinct items (K ≤ M).
import { drawCandidates, excludedOf } from './candidates.js';
import { Options, argmaxRow, pooledUsers, repeatEach, scorePools, poolOptions } from './common.js';
import type { Negatives, SampleContext, Sampler, SamplerEntry } from './types.js';

export interface DnsOptions {
  /** Candidates per pool (default 32). */
  m?: number;
  /** Negatives per pair (default 1). */
  k?: number;
  kMode?: 'pools' | 'topk';
}

export interface DnsChoice {
  /** B·K chosen items, row b·K + k. */
  items: Int32Array;
  /** The pools: R × M items (R = B·K for 'pools', B for 'topk'). */
  candidates: Int32Array;
  /** Their scores, aligned with candidates. */
  scores: Float32Array;
}

/** Shared by DNS and PDNS: pool drawing, scoring and argmax / top-K selection. */
export function dnsSelect(ctx: SampleContext, M: number, K: number, kMode: 'pools' | 'topk'): DnsChoice {
  const B = ctx.users.length;
  if (ctx.pos.length !== B) throw new Error(`dns: ${B} users but ${ctx.pos.length} positives`);
  const q = pooledUsers(ctx);
  const items = new Int32Array(B * K);
  if (kMode === 'pools') {
    const rowUsers = repeatEach(ctx.users, K);
    const candidates = drawCandidates(excludedOf(ctx.data), rowUsers, M, ctx.rng);
    const scores = scorePools(ctx, q.data, q.P, K, candidates, M);
    for (let r = 0; r < B * K; r++) items[r] = candidates[r * M + argmaxRow(scores, r * M, M)];
    return { items, candidates, scores };
  }
  if (K > M) throw new RangeError(`dns: kMode 'topk' needs k ≤ m, got k = ${K}, m = ${M}`);
  const candidates = drawCandidates(excludedOf(ctx.data), ctx.users, M, ctx.rng);
  const scores = scorePools(ctx, q.data, q.P, 1, candidates, M);
  const work = new Float32Array(M);
  for (let b = 0; b < B; b++) {
    const o = b * M;
    work.set(scores.subarray(o, o + M));
    for (let k = 0; k < K; k++) {
      let m = argmaxRow(work, 0, M);
      if (!(work[m] > -Infinity)) {
        // Fewer than K distinct items in the pool: allow repeats from the original scores.
        work.set(scores.subarray(o, o + M));
        m = argmaxRow(work, 0, M);
      }
      const item = candidates[o + m];
      items[b * K + k] = item;
      // Mask every copy of the chosen item so the K picks are distinct when the pool allows it.
      for (let t = 0; t < M; t++) if (candidates[o + t] === item) work[t] = -Infinity;
    }
  }
  return { items, candidates, scores };
}

export class DnsSampler implements Sampler {
  readonly name = 'dns';
  readonly m: number;
  readonly k: number;
  readonly kMode: 'pools' | 'topk';
  /** The last step's pools and scores (diagnostics). */
  last: DnsChoice | null = null;

  constructor(opts: DnsOptions = {}) {
    const o = new Options('dns', opts as Record<string, unknown>);
    this.m = o.int('m', 32);
    this.k = o.int('k', 1);
    this.kMode = o.oneOf('kMode', 'pools', ['pools', 'topk'] as const);
    o.done();
    if (this.kMode === 'topk' && this.k > this.m) {
      throw new RangeError(`dns: kMode 'topk' needs k ≤ m, got k = ${this.k}, m = ${this.m}`);
    }
  }

  sample(ctx: SampleContext): Negatives {
    this.last = dnsSelect(ctx, this.m, this.k, this.kMode);
    return { kind: 'items', items: this.last.items, k: this.k };
  }
}

/** Registry entry (samplers/index.ts). */
export const dnsEntry: SamplerEntry = {
  name: 'dns',
  describe: 'dynamic negative sampling: the top-scored of M uniform candidates (Zhang et al. 2013)',
  options: {
    ...poolOptions(32),
    kMode: { type: 'enum', values: ['pools', 'topk'], default: 'pools', doc: "K > 1: one pool per negative ('pools') or the top K of one pool ('topk')" },
  },
  create: (o) => new DnsSampler(o),
};
