// Contrastive DNS (methods.md "Contrastive DNS"; papers/dns-contrastive.md §3.3, eq. 4–5): "dissimilar" dynamic
// negatives.
//
// At every checkpoint — the first epoch and every `n` epochs after it (epochs 1, 1+n, 1+2n, …) — the sampler drops
// its lists and builds, for every user u, the k items with the LOWEST cosine similarity to u among the items u has
// no training interaction with (eq. 4: f_topk(−cos(e_u, E_{I_u^-}))), from the encoder's final embeddings, through
// the blocked WASM top-K (`topK(…, { normalize: true, negate: true, exclude: [train] })`). The RQ1 variants are the
// same option: `list: 'similar'` keeps the k MOST similar non-positives (the usual "hard" negatives),
// `list: 'random'` k uniform non-positives redrawn at every checkpoint from the sampler stream (with replacement).
//
// Each training instance (u, i) gets
//   j  — a static uniform non-positive (drawCandidates, the same draw as the uniform sampler), and
//   j′ — an item drawn uniformly from u's current list,
// returned as item negatives with k = 2 per pair: row b·2 = j, row b·2 + 1 = j′. The prescribed loss is eq. 5
// (`cdnsInfoNce`: −log f(u,i) / (f(u,i) + f(u,j) + f(u,j′)), f = exp(cos/τ)).
//
// Choices and deviations:
// - Cosine is computed on the pooled final embeddings (`embeddings()`: what evaluation ranks with); BPR-MF's item
//   bias is not part of the cosine (as in eq. 4).
// - Users with fewer than k non-positive items get a shorter list (all their non-positives); a user with none
//   cannot be trained with negative sampling and fails in drawCandidates, naming the user.
// - Users without training items get lists too (they are never in a batch); this keeps the lists a dense U×k table.
// - The lists (U×k, −1 padded) and their lengths are the sampler's state, so a resumed run is bit-identical: a
//   resume at a checkpoint epoch refreshes from the restored weights, otherwise the restored lists are used.
// - Driven without onEpochStart (by hand, or a step benchmark), the first sample() draws 'random' lists from the
//   sampler stream so it can still return negatives; `refreshes` and `lastRefresh` show that it happened.
import type { Rng } from '../core/rng.js';
import { heap } from '../engine/memory.js';
import { topK } from '../evaluation/topk.js';
import type { TrainView } from '../data/types.js';
import type { EncoderEmbeddings } from '../encoders/types.js';
import { complementOf, drawCandidates, isPositive, excludedOf } from './candidates.js';
import { Options } from './common.js';
import type { EpochContext, LossSpec, Negatives, SampleContext, Sampler, SamplerEntry, SamplerState } from './types.js';

export type CdnsList = 'dissimilar' | 'similar' | 'random';

export interface CdnsOptions {
  /** Refresh interval in epochs (default 5). */
  n?: number;
  /** List length per user (default 100). */
  k?: number;
  /** Which k items: least similar (default), most similar, or uniform. */
  list?: CdnsList;
}

/** Builds each user's list of at most k non-training items; result rows are −1 padded. */
export function buildLists(
  emb: Pick<EncoderEmbeddings, 'users' | 'items' | 'dim'>,
  data: TrainView,
  k: number,
  list: CdnsList,
  rng: Rng,
): { items: Int32Array; lengths: Int32Array; k: number } {
  const U = data.numUsers;
  const lengths = new Int32Array(U);
  if (list === 'random') {
    const items = new Int32Array(U * k);
    const one = new Int32Array(1);
    for (let u = 0; u < U; u++) {
      one[0] = u;
      drawCandidates(excludedOf(data), one, k, rng, items.subarray(u * k, (u + 1) * k));
      lengths[u] = k;
    }
    return { items, lengths, k };
  }
  // topK scores every user against every item with the item bias ignored under normalize.
  const r = topK({ users: emb.users, items: emb.items, dim: emb.dim, itemBias: null }, null, k, {
    exclude: [excludedOf(data)], normalize: true, negate: list === 'dissimilar',
  });
  const kk = r.k;
  const items = new Int32Array(U * k).fill(-1);
  for (let u = 0; u < U; u++) {
    let len = 0;
    for (let t = 0; t < kk; t++) {
      const it = r.items[u * kk + t];
      if (it < 0) break;
      items[u * k + len++] = it;
    }
    lengths[u] = len;
  }
  return { items, lengths, k };
}

export class CdnsSampler implements Sampler {
  readonly name = 'cdns';
  /** Eq. 5 (τ 0.2 by default; set `loss: { name: cdnsInfoNce, temperature }` to change it). */
  readonly preferredLoss: LossSpec = { name: 'cdnsInfoNce' };
  readonly n: number;
  readonly k: number;
  readonly list: CdnsList;
  /** lists[u·k + t], t < lengths[u]; the rest −1. */
  private items: Int32Array = new Int32Array(0);
  private lengths: Int32Array = new Int32Array(0);
  /** Epoch of the last refresh (0 = none yet). */
  private refreshedAt = 0;
  /** Number of refreshes in this process (diagnostics / tests). */
  refreshes = 0;

  constructor(opts: CdnsOptions = {}) {
    const o = new Options('cdns', opts as Record<string, unknown>);
    this.n = o.int('n', 5);
    this.k = o.int('k', 100);
    this.list = o.oneOf('list', 'dissimilar', ['dissimilar', 'similar', 'random'] as const);
    o.done();
  }

  /** True when `epoch` is a checkpoint: 1, 1 + n, 1 + 2n, … */
  isRefreshEpoch(epoch: number): boolean {
    return (epoch - 1) % this.n === 0;
  }

  onEpochStart(ctx: EpochContext): void {
    if (!this.isRefreshEpoch(ctx.epoch) && this.items.length === ctx.data.numUsers * this.k && this.refreshedAt > 0) return;
    if (this.list === 'random') {
      this.setLists(buildLists({ users: new Float32Array(0), items: new Float32Array(0), dim: 1 }, ctx.data, this.k, 'random', ctx.rng), ctx.epoch);
      return;
    }
    const emb = ctx.embeddings();
    try {
      this.setLists(buildLists(emb, ctx.data, this.k, this.list, ctx.rng), ctx.epoch);
    } finally {
      for (const v of [emb.users, emb.items, emb.itemBias]) if (v && heap.owns(v)) heap.free(v);
    }
  }

  private setLists(l: { items: Int32Array; lengths: Int32Array }, epoch: number): void {
    this.items = l.items;
    this.lengths = l.lengths;
    this.refreshedAt = epoch;
    this.refreshes++;
  }

  /** User u's current list (a copy; empty before the first refresh). */
  listOf(u: number): Int32Array {
    if (this.items.length === 0) return new Int32Array(0);
    return this.items.slice(u * this.k, u * this.k + this.lengths[u]);
  }

  /** The epoch of the last refresh (0: none). */
  get lastRefresh(): number {
    return this.refreshedAt;
  }

  sample(ctx: SampleContext): Negatives {
    const B = ctx.users.length;
    if (this.items.length !== ctx.data.numUsers * this.k) {
      // Driven without onEpochStart: random lists from the sampler stream, so sample() still works.
      this.setLists(buildLists({ users: new Float32Array(0), items: new Float32Array(0), dim: 1 }, ctx.data, this.k, 'random', ctx.rng), ctx.epoch);
    }
    const j = drawCandidates(excludedOf(ctx.data), ctx.users, 1, ctx.rng);
    const out = new Int32Array(B * 2);
    const excluded = excludedOf(ctx.data) !== ctx.data.train ? excludedOf(ctx.data) : null;
    for (let b = 0; b < B; b++) {
      const u = ctx.users[b];
      out[b * 2] = j[b];
      const len = this.lengths[u];
      // Lists built before a false-negative reveal (PDNS simulation) may hold revealed items: redraw from the list
      // (a few tries), then from the complement of the excluded set.
      let jj = -1;
      for (let t = 0; len > 0 && t < (excluded ? 8 : 1) && jj < 0; t++) {
        const x = this.items[u * this.k + ctx.rng.int(len)];
        if (!excluded || !isPositive(excluded, u, x)) jj = x;
      }
      if (jj >= 0) out[b * 2 + 1] = jj;
      else {
        // No list entry (cannot happen for a user with a non-positive once lists exist): fall back to its complement.
        const comp = complementOf(excludedOf(ctx.data), u);
        out[b * 2 + 1] = comp[ctx.rng.int(comp.length)];
      }
    }
    return { kind: 'items', items: out, k: 2 };
  }

  getState(): SamplerState {
    return { items: this.items, lengths: this.lengths, refreshedAt: this.refreshedAt, k: this.k };
  }

  setState(s: SamplerState): void {
    if (s.k !== this.k) throw new Error(`cdns: checkpointed lists have k = ${String(s.k)}, this sampler has k = ${this.k}`);
    if (!(s.items instanceof Int32Array) || !(s.lengths instanceof Int32Array)) throw new Error('cdns: state needs Int32Array items and lengths');
    // Lists of another shape would make sample() redraw lists silently: a resume must get exactly these back.
    if (s.items.length !== s.lengths.length * this.k || s.lengths.some((n) => n < 0 || n > this.k)) {
      throw new Error(`cdns: checkpointed lists do not fit: ${s.items.length} items for ${s.lengths.length} users × k = ${this.k}`);
    }
    this.items = Int32Array.from(s.items);
    this.lengths = Int32Array.from(s.lengths);
    this.refreshedAt = Number(s.refreshedAt);
  }
}

/** Registry entry (samplers/index.ts). */
export const cdnsEntry: SamplerEntry = {
  name: 'cdns',
  aliases: ['contrastive-dns', 'dns-contrastive'],
  describe: 'contrastive DNS: a uniform j plus j′ from per-user lists of the k least cosine-similar items, refreshed every n epochs (k = 2 per pair; loss eq. 5)',
  options: {
    n: { type: 'integer', default: 5, min: 1, doc: 'refresh interval in epochs (lists rebuilt at epochs 1, 1+n, …)' },
    k: { type: 'integer', default: 100, min: 1, doc: 'list length per user' },
    list: { type: 'enum', values: ['dissimilar', 'similar', 'random'], default: 'dissimilar', doc: "k least similar (eq. 4), most similar, or uniform (RQ1)" },
  },
  create: (o) => new CdnsSampler(o),
};
