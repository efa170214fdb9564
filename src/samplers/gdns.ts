// GDNS (gdns.md; methods.md "GDNS"): a gain-tuning dynamic sampler for group-wise training.
//
// Batches come as user groups ('groups' batching): user u's N consecutive rows hold its positive group Δ_u (N
// positives drawn with replacement). Per group the sampler draws δ, M distinct items u has not trained on, and
// takes as the negative group Δ'_u the N items of δ with the highest G^{t−1}(u, ·) (ties: earlier draw first);
// every row of the group gets all of Δ'_u as its K = N negatives, so the loss over rows × negatives is eq. 6's
// double sum Σ_{i∈Δ_u} Σ_{j∈Δ'_u} (preferred loss: groupHinge, γ = 1).
//
// After the forward pass (`observe`, with the scores the loss used) it updates, for j ∈ Δ'_u (Algorithm 1, lines
// 13–18; the unselected items of δ keep their values):
//   H^t(u,j) = mean_{i∈Δ_u} σ(r_uj − r_ui)                                                   (eq. 4)
//   G^t(u,j) = α G^{t−1}(u,j) + (1−α) σ((H^{t−1}(u,j) − H^t(u,j)) / (H^t(u,j) + ε))         (eq. 5)
// reading H^{t−1} before writing H^t. Unvisited pairs have H = G = 1 (Algorithm 1, line 2). Because every visited
// pair ends with G < 1, each iteration takes unvisited items first, until δ holds fewer than N of them: the
// visited pairs grow by N per user and iteration towards all pairs, so the state is dense arrays (8 bytes per
// user × item pair) up to DENSE_PAIRS_LIMIT pairs and a hash table of the visited pairs beyond.
// A higher G marks a more reliable negative: false negatives keep a high H, so their gain stays low (§4.6). The
// sentence "filtering out samples with high G" contradicts the rest of the paper; we follow Algorithm 1 (top N).
//
// Ablation (Table 5, "w/o G"): select: 'expectation' ranks δ by H^{t−1} instead of G^{t−1}.
import type { TrainView } from '../data/types.js';
import { partialShuffleInto } from '../core/rng.js';
import { complementOf, isPositive } from './candidates.js';
import { Options, sigmoid } from './common.js';
import { DensePairTable, type PairStore, PairTable } from './pairTable.js';
import type { LossSpec, Negatives, SampleContext, Sampler, SamplerNeeds, SamplerState, StepScores, SamplerEntry } from './types.js';

export interface GdnsOptions {
  /** Candidates δ per user and iteration (not reported in the paper; default 4·N). */
  m?: number;
  /** Smoothing α of eq. 5 (default 0.2). */
  alpha?: number;
  /** ε of eq. 5 (default 1e-8). */
  eps?: number;
  /** 'gain' (default): top N of δ by G^{t−1}; 'expectation': by H^{t−1} (the paper's "w/o G" ablation). */
  select?: 'gain' | 'expectation';
  /** Margin γ of the preferred group hinge loss (default 1). */
  margin?: number;
  /** H/G storage: 'auto' (default: dense up to DENSE_PAIRS_LIMIT user × item pairs), 'dense' or 'hash'. */
  storage?: 'auto' | 'dense' | 'hash';
}

const H = 0;
const G = 1;
const DEFAULTS = [1, 1];
/** users × items up to which H and G are dense arrays (2^28 pairs: 2 GiB of float32 for the two fields). */
export const DENSE_PAIRS_LIMIT = 2 ** 28;

export class GdnsSampler implements Sampler {
  readonly name = 'gdns';
  readonly needs: SamplerNeeds = { groups: true };
  readonly preferredLoss: LossSpec;
  readonly m: number | null;
  readonly alpha: number;
  readonly eps: number;
  readonly select: 'gain' | 'expectation';
  readonly storageOption: 'auto' | 'dense' | 'hash';
  /** H and G per (user, item), sized for the dataset on first use. */
  private table: PairStore | null = null;
  /** The last step's groups: first row, user, and Δ'_u (N items each), for observe. */
  private last: { starts: Int32Array; users: Int32Array; chosen: Int32Array; n: number } | null = null;
  private stamp = new Int32Array(0);
  private stampId = 0;

  constructor(opts: GdnsOptions = {}) {
    const o = new Options('gdns', opts as Record<string, unknown>);
    const raw = opts as Record<string, unknown>;
    this.m = raw.m === undefined ? null : o.int('m', 1);
    this.alpha = o.num('alpha', 0.2, 0, 1);
    this.eps = o.num('eps', 1e-8, 0, Infinity, true);
    this.select = o.oneOf('select', 'gain', ['gain', 'expectation'] as const);
    const margin = o.num('margin', 1, 0);
    this.storageOption = o.oneOf('storage', 'auto', ['auto', 'dense', 'hash'] as const);
    o.done();
    this.preferredLoss = { name: 'groupHinge', margin, reduce: 'meanUsers' };
  }

  prepare(dataset: TrainView): void {
    this.table = storeFor(this.storageOption, dataset.numUsers, dataset.numItems);
    this.last = null;
  }

  /** H (field 0) or G (field 1) of (u, j); 1 when never visited. */
  value(u: number, j: number, field: 'H' | 'G'): number {
    return this.table ? this.table.get(u, j, field === 'H' ? H : G) : 1;
  }

  /** Pairs whose H/G have been written. */
  get visited(): number {
    return this.table?.size ?? 0;
  }

  /** 'dense' or 'hash' once the state exists. */
  get storage(): 'dense' | 'hash' | null {
    return this.table === null ? null : this.table instanceof DensePairTable ? 'dense' : 'hash';
  }

  sample(ctx: SampleContext): Negatives {
    const { users } = ctx;
    const B = users.length;
    const starts: number[] = [];
    let n = -1;
    const given = ctx.batch?.groups?.size;
    if (given !== undefined) {
      // Group batching states the group size (Batch.groups): groups are consecutive blocks of `given` rows.
      n = given;
      if (B % n !== 0) throw new Error(`gdns: ${B} batch rows are not whole groups of ${n}`);
      for (let r = 0; r < B; r += n) {
        for (let e = r + 1; e < r + n; e++) {
          if (users[e] !== users[r]) throw new Error(`gdns: group at row ${r} mixes users ${users[r]} and ${users[e]}`);
        }
        starts.push(r);
      }
    } else {
      // A caller without group structure: the runs of equal users, all of one size.
      for (let r = 0; r < B;) {
        let e = r + 1;
        while (e < B && users[e] === users[r]) e++;
        if (n < 0) n = e - r;
        else if (e - r !== n) {
          throw new Error(`gdns: batch rows must come as groups of equal users of one size (batching: groups); ` +
            `user ${users[r]} has ${e - r} consecutive rows, earlier groups ${n}`);
        }
        starts.push(r);
        r = e;
      }
    }
    const M = this.m ?? 4 * n;
    if (M < n) throw new RangeError(`gdns: m (${M}) must be at least the group size N (${n})`);
    const train = ctx.data.train;
    if (this.stamp.length < train.cols) this.stamp = new Int32Array(train.cols);
    const table = (this.table ??= storeFor(this.storageOption, ctx.data.numUsers, ctx.data.numItems));
    const nGroups = starts.length;
    const items = new Int32Array(B * n);
    const chosen = new Int32Array(nGroups * n);
    const groupUsers = new Int32Array(nGroups);
    const cand = new Int32Array(M);
    const key = new Float64Array(M);
    const order = new Int32Array(M);
    const field = this.select === 'gain' ? G : H;
    for (let g = 0; g < nGroups; g++) {
      const r0 = starts[g];
      const u = users[r0];
      groupUsers[g] = u;
      const mm = this.drawDistinct(ctx, u, M, n, cand);
      for (let c = 0; c < mm; c++) {
        key[c] = table.get(u, cand[c], field);
        order[c] = c;
      }
      // Top N by key, ties by draw position: a partial selection over the positions (N·M compares, no allocation).
      for (let k = 0; k < n; k++) {
        let best = k;
        for (let x = k + 1; x < mm; x++) {
          const a = order[x], b = order[best];
          if (key[a] > key[b] || (key[a] === key[b] && a < b)) best = x;
        }
        const t = order[k];
        order[k] = order[best];
        order[best] = t;
        chosen[g * n + k] = cand[order[k]];
      }
      for (let r = r0; r < r0 + n; r++) items.set(chosen.subarray(g * n, g * n + n), r * n);
    }
    this.last = { starts: Int32Array.from(starts), users: groupUsers, chosen, n };
    return { kind: 'items', items, k: n };
  }

  observe(_ctx: SampleContext, _negatives: Negatives, scores: StepScores): void {
    const last = this.last;
    if (!last) throw new Error('gdns: observe before sample');
    const { starts, users, chosen, n } = last;
    const { alpha, eps } = this;
    const table = this.table!;
    const w = table.width;
    for (let g = 0; g < starts.length; g++) {
      const r0 = starts[g];
      const u = users[g];
      for (let k = 0; k < n; k++) {
        let h = 0;
        for (let r = r0; r < r0 + n; r++) h += sigmoid(scores.neg[r * n + k] - scores.pos[r]);
        h /= n;
        const s = table.slot(u, chosen[g * n + k]);
        const v = table.values;
        const hPrev = v[s * w + H];
        v[s * w + G] = alpha * v[s * w + G] + (1 - alpha) * sigmoid((hPrev - h) / (h + eps));
        v[s * w + H] = h;
      }
    }
  }

  getState(): SamplerState {
    const e = this.table?.export() ?? { users: new Int32Array(0), items: new Int32Array(0), values: new Float32Array(0) };
    return { users: e.users, items: e.items, values: e.values };
  }

  setState(state: SamplerState): void {
    const { users, items, values } = state;
    if (!(users instanceof Int32Array) || !(items instanceof Int32Array) || !(values instanceof Float32Array)) {
      throw new Error('gdns.setState: expected users, items (Int32Array) and values (Float32Array)');
    }
    // After prepare (a resumed run) the store has the dataset's shape; otherwise a hash table of the pairs.
    const t = this.table;
    this.table = t instanceof DensePairTable ? new DensePairTable(DEFAULTS, t.numUsers, t.numItems).load({ users, items, values })
      : PairTable.from(DEFAULTS, { users, items, values });
  }

  /**
   * Writes min(M, #free) distinct items u has not trained on into `out` and returns how many; fewer than `n` free
   * items is an error (the negative group needs N of them).
   */
  private drawDistinct(ctx: SampleContext, u: number, M: number, n: number, out: Int32Array): number {
    const train = ctx.data.train;
    const free = train.cols - (train.indptr[u + 1] - train.indptr[u]);
    if (free < n) {
      throw new Error(`gdns: user ${u} has ${free} items outside its training set, fewer than the group size ${n}`);
    }
    if (free <= 2 * M) {
      // Few free items: a uniform subset of the complement list.
      const comp = complementOf(train, u).slice();
      const mm = Math.min(M, comp.length);
      partialShuffleInto(comp, comp.length, mm, ctx.rng, out, 0);
      return mm;
    }
    const id = ++this.stampId;
    if (id === 0x7fffffff) {
      this.stamp.fill(0);
      this.stampId = 1;
    }
    const stamp = this.stamp;
    const mark = this.stampId;
    for (let c = 0; c < M; c++) {
      let j = ctx.rng.int(train.cols);
      while (stamp[j] === mark || isPositive(train, u, j)) j = ctx.rng.int(train.cols);
      stamp[j] = mark;
      out[c] = j;
    }
    return M;
  }
}

function storeFor(option: 'auto' | 'dense' | 'hash', numUsers: number, numItems: number): PairStore {
  const dense = option === 'dense' || (option === 'auto' && numUsers * numItems <= DENSE_PAIRS_LIMIT);
  return dense ? new DensePairTable(DEFAULTS, numUsers, numItems) : new PairTable(DEFAULTS);
}

/** Registry entry (samplers/index.ts). */
export const gdnsEntry: SamplerEntry = {
  name: 'gdns',
  describe: 'GDNS: gain-tuned selection over user groups (batching: groups), H/G per visited pair',
  options: {
    m: { type: 'integer', min: 1, doc: 'distinct non-positives drawn per user group (default 4·N)' },
    alpha: { type: 'number', default: 0.2, min: 0, max: 1, doc: 'smoothing α of the H/G updates' },
    eps: { type: 'number', default: 1e-8, min: 0, exclusiveMin: true, doc: 'ε of the gain ratio' },
    select: { type: 'enum', values: ['gain', 'expectation'], default: 'gain', doc: "rank by gain G (paper) or expectation H ('w/o G' ablation)" },
    margin: { type: 'number', default: 1, min: 0, doc: 'hinge margin γ of the prescribed group loss' },
    storage: { type: 'enum', values: ['auto', 'dense', 'hash'], default: 'auto', doc: 'H/G store: dense array or a hash table of visited pairs' },
  },
  create: (o) => new GdnsSampler(o),
};
