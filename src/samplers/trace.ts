// Negative tracing (DINS Fig. 5-style analyses): record the negatives a sampler makes for a fixed set of
// (user, positive) pairs at chosen epochs, export them, and project them to 2-D with PCA.
//
// Recording never touches training: the sampler is asked again, after the epoch, for the traced pairs only, on an
// evaluation pass (no dropout), drawing from its own stream (`Rng.stream(seed, 'trace')`), so a traced run trains
// bit for bit like an untraced one. Synthetic negatives (DINS, MixGCF) are recorded as their pooled vectors; item
// negatives as the pooled embeddings of the items. Each record also holds the pooled user and positive vectors and,
// for synthetic negatives, the pooled vectors of the real items behind them (DINS's hard boundary items: the first
// pooled layer's boundary, `hardItems`), so a figure can show positive, boundary and synthetic points together.
//
// PCA: the recorded vectors of every kind and epoch are centred on their mean and projected on the two leading
// eigenvectors of their covariance (float64 power iteration with deflation from a fixed start; each component's
// sign fixed so its largest-magnitude entry is positive), so points of different epochs share one plane.
import { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import { trainView } from '../data/view.js';
import type { Encoder } from '../encoders/types.js';
import { noGrad, tidy } from '../engine/tensor.js';
import type { Sampler } from './types.js';

export interface TraceRecord {
  epoch: number;
  /** K negatives per traced pair. */
  k: number;
  dim: number;
  /** [P·K × dim] pooled negative vectors, row-major by pair. */
  negatives: Float32Array;
  /** [P × dim] pooled positive item and user vectors. */
  positives: Float32Array;
  users: Float32Array;
  /** The real items behind the negatives (hardItems of synthetic negatives), [P·K]. */
  items: Int32Array | null;
  /** [P·K × dim] pooled vectors of those items, for synthetic negatives (null for item negatives: they are the items). */
  boundary: Float32Array | null;
}

/** The traced pairs: `count` training pairs drawn uniformly (stream 'trace-pairs' of the seed), or given ones. */
export function tracePairs(dataset: Dataset, count: number, seed: number): { users: Int32Array; pos: Int32Array } {
  const train = dataset.train;
  const n = train.indices.length;
  if (!Number.isInteger(count) || count < 1 || count > n) throw new RangeError(`trace: pairs must be an integer in [1, ${n}], got ${count}`);
  const rng = Rng.stream(seed, 'trace-pairs');
  const picks = rng.sampleWithoutReplacement(n, count);
  const sorted = Array.from(picks).sort((a, b) => a - b);
  const users = new Int32Array(count);
  const pos = new Int32Array(count);
  let u = 0;
  sorted.forEach((p, t) => {
    while (train.indptr[u + 1] <= p) u++;
    users[t] = u;
    pos[t] = train.indices[p];
  });
  return { users, pos };
}

export class NegativeTracer {
  readonly records: TraceRecord[] = [];
  private readonly rng: Rng;
  private readonly epochs: Set<number>;

  constructor(readonly sampler: Sampler, readonly pairs: { users: Int32Array; pos: Int32Array }, epochs: readonly number[], seed: number) {
    if (pairs.users.length !== pairs.pos.length || pairs.users.length === 0) throw new RangeError('trace: users and pos must be equally long and non-empty');
    this.epochs = new Set(epochs);
    this.rng = Rng.stream(seed, 'trace');
  }

  /** Whether `epoch` is traced. */
  wants(epoch: number): boolean {
    return this.epochs.has(epoch);
  }

  /** Records the sampler's negatives for the traced pairs now (call after an epoch; for train's onEpochEnd). */
  record(epoch: number, encoder: Encoder, dataset: Dataset): TraceRecord | null {
    if (!this.wants(epoch)) return null;
    const { users, pos } = this.pairs;
    const P = users.length;
    const rec = tidy(() => noGrad(() => {
      const pass = encoder.forward({ training: false, rng: this.rng });
      const neg = this.sampler.sample({ batch: { users, pos }, users, pos, pass, data: trainView(dataset), rng: this.rng, epoch, step: -1 });
      if (neg.kind === 'shared') throw new Error(`trace: sampler '${this.sampler.name}' returns shared negatives; tracing follows per-pair negatives`);
      const pooled = neg.kind === 'synthetic' ? neg.pooled : pass.pool(pass.itemLayers(neg.items));
      const u = pass.pool(pass.userLayers(users));
      const p = pass.pool(pass.itemLayers(pos));
      const dim = pooled.shape[1];
      const hard = neg.kind === 'synthetic' && neg.hardItems ? pass.pool(pass.itemLayers(neg.hardItems)).data.slice(0, P * neg.k * dim) : null;
      return {
        epoch, k: neg.k, dim, negatives: pooled.data.slice(0, P * neg.k * dim), positives: p.data.slice(0, P * dim),
        users: u.data.slice(0, P * dim),
        items: neg.kind === 'synthetic' ? (neg.hardItems ? neg.hardItems.slice() : null) : neg.items.slice(),
        boundary: hard,
      };
    }));
    this.records.push(rec);
    return rec;
  }

  /** Traced pairs, records and the 2-D PCA of all recorded vectors, as plain JSON data. */
  toJSON(): object {
    return { users: Array.from(this.pairs.users), pos: Array.from(this.pairs.pos), records: this.records.map((r) => ({
      epoch: r.epoch, k: r.k, dim: r.dim, items: r.items ? Array.from(r.items) : null,
      negatives: Array.from(r.negatives), positives: Array.from(r.positives), users: Array.from(r.users),
      boundary: r.boundary ? Array.from(r.boundary) : null,
    })) };
  }

  /** CSV of the 2-D projection: epoch, pair, user, positive item, kind (user | positive | negative | boundary: the real
   * item behind a synthetic negative), k, item, pc1, pc2. */
  pcaCsv(): string {
    if (this.records.length === 0) return 'epoch,pair,user,pos,kind,k,item,pc1,pc2\n';
    const dim = this.records[0].dim;
    const rows: Array<{ epoch: number; pair: number; kind: string; k: number; item: number; v: Float32Array }> = [];
    for (const r of this.records) {
      if (r.dim !== dim) throw new Error('trace: records of different dimensions');
      const P = this.pairs.users.length;
      for (let b = 0; b < P; b++) {
        rows.push({ epoch: r.epoch, pair: b, kind: 'user', k: -1, item: -1, v: r.users.subarray(b * dim, (b + 1) * dim) });
        rows.push({ epoch: r.epoch, pair: b, kind: 'positive', k: -1, item: this.pairs.pos[b], v: r.positives.subarray(b * dim, (b + 1) * dim) });
        for (let j = 0; j < r.k; j++) {
          const t = b * r.k + j;
          rows.push({ epoch: r.epoch, pair: b, kind: 'negative', k: j, item: r.items ? r.items[t] : -1, v: r.negatives.subarray(t * dim, (t + 1) * dim) });
        }
        if (r.boundary) {
          for (let j = 0; j < r.k; j++) {
            const t = b * r.k + j;
            rows.push({ epoch: r.epoch, pair: b, kind: 'boundary', k: j, item: r.items![t], v: r.boundary.subarray(t * dim, (t + 1) * dim) });
          }
        }
      }
    }
    const flat = new Float64Array(rows.length * dim);
    rows.forEach((r, i) => flat.set(r.v, i * dim));
    const { coords } = pca2d(flat, rows.length, dim);
    const lines = ['epoch,pair,user,pos,kind,k,item,pc1,pc2'];
    rows.forEach((r, i) => lines.push([r.epoch, r.pair, this.pairs.users[r.pair], this.pairs.pos[r.pair], r.kind, r.k, r.item,
      coords[2 * i].toPrecision(7), coords[2 * i + 1].toPrecision(7)].join(',')));
    return lines.join('\n') + '\n';
  }
}

/**
 * PCA to two dimensions of n points [n × d] (row-major): the mean, the two leading unit eigenvectors of the
 * covariance (d × d, float64), their eigenvalues (variances), and the centred points' coordinates [n × 2].
 */
export function pca2d(x: ArrayLike<number>, n: number, d: number): { mean: Float64Array; components: Float64Array[]; variances: number[]; coords: Float64Array } {
  if (n < 1 || x.length !== n * d) throw new RangeError(`pca2d: expected ${n} × ${d} numbers, got ${x.length}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] += x[i * d + c];
  for (let c = 0; c < d; c++) mean[c] /= n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) row[c] = x[i * d + c] - mean[c];
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[a * d + b] += row[a] * row[b];
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = (cov[a * d + b] /= Math.max(1, n - 1));
  const components: Float64Array[] = [];
  const variances: number[] = [];
  for (let comp = 0; comp < Math.min(2, d); comp++) {
    // Power iteration from a fixed start that is not orthogonal to any axis.
    let v = Float64Array.from({ length: d }, (_, c) => 1 + c / d);
    let lambda = 0;
    for (let it = 0; it < 1000; it++) {
      const w = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) s += cov[a * d + b] * v[b];
        w[a] = s;
      }
      for (const u of components) { // stay orthogonal to the found components
        let dot = 0;
        for (let c = 0; c < d; c++) dot += w[c] * u[c];
        for (let c = 0; c < d; c++) w[c] -= dot * u[c];
      }
      const norm = Math.hypot(...w);
      if (norm === 0) { lambda = 0; break; }
      let diff = 0;
      for (let c = 0; c < d; c++) { const nv = w[c] / norm; diff += Math.abs(nv - v[c]); v[c] = nv; }
      lambda = norm;
      if (diff < 1e-13) break;
    }
    let big = 0;
    for (let c = 1; c < d; c++) if (Math.abs(v[c]) > Math.abs(v[big])) big = c;
    if (v[big] < 0) v = v.map((t) => -t);
    components.push(v);
    variances.push(lambda);
    // Deflate.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b];
  }
  const coords = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < components.length; k++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c] - mean[c]) * components[k][c];
      coords[i * 2 + k] = s;
    }
  }
  return { mean, components, variances, coords };
}
