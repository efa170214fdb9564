// The built-in example dataset (the README's first command runs on it, no download): latent-factor users and
// items with power-law item popularity. User u picks items by a Gumbel-top-k draw from
// p(i | u) ∝ pop(i) · exp(temperature · ⟨x_u, y_i⟩ / √dim), so an MF model can recover real signal; optional
// exposure records are the next items in the same ranking (shown, not chosen). Random stream: 'synthetic'.
import { Rng } from '../core/rng.js';
import { sequentialIds } from './build.js';
import type { InteractionLog } from './log.js';
import { splitLog, type SplitSpec } from './split.js';
import type { Dataset } from './types.js';

export interface SyntheticOptions {
  users?: number;
  items?: number;
  /** Dimension of the hidden factors. */
  dim?: number;
  /** Mean interactions per user (log-normal spread around it, at least 3). */
  interactionsPerUser?: number;
  /** Item popularity ∝ rank^−exponent (0 = uniform). */
  popularityExponent?: number;
  /** Strength of the latent-factor preference relative to popularity. */
  temperature?: number;
  /** Exposure records per user as a multiple of its interactions (false/0: none). */
  exposure?: boolean | number;
  seed?: number;
  split?: SplitSpec;
}

export function syntheticLog(opts: SyntheticOptions = {}): InteractionLog {
  const U = opts.users ?? 500;
  const I = opts.items ?? 800;
  const dim = opts.dim ?? 8;
  const mean = opts.interactionsPerUser ?? 20;
  const a = opts.popularityExponent ?? 0.8;
  const temp = opts.temperature ?? 3;
  const expo = opts.exposure === true ? 1 : opts.exposure === false || opts.exposure === undefined ? 0 : opts.exposure;
  for (const [k, v] of Object.entries({ users: U, items: I, dim })) if (!(Number.isInteger(v) && v > 0)) throw new RangeError(`synthetic: ${k} must be a positive integer, got ${v}`);
  if (I < 8) throw new RangeError(`synthetic: need at least 8 items, got ${I}`);
  if (!(mean >= 1)) throw new RangeError(`synthetic: interactionsPerUser must be ≥ 1, got ${mean}`);
  const rng = Rng.stream(opts.seed ?? 0, 'synthetic');
  const x = rng.fillNormal(new Float32Array(U * dim));
  const y = rng.fillNormal(new Float32Array(I * dim));
  const rank = rng.permutation(I);
  const logPop = new Float64Array(I);
  for (let i = 0; i < I; i++) logPop[i] = -a * Math.log(rank[i] + 1);
  const scale = temp / Math.sqrt(dim);
  const maxPick = Math.max(3, Math.floor(I / 2));
  const us: number[] = [];
  const is: number[] = [];
  const ts: number[] = [];
  const eu: number[] = [];
  const ei: number[] = [];
  const score = new Float64Array(I);
  const idx = new Int32Array(I);
  for (let u = 0; u < U; u++) {
    const nu = Math.min(maxPick, Math.max(3, Math.round(mean * Math.exp(0.4 * rng.normal() - 0.08))));
    const ne = Math.min(I - nu, Math.round(expo * nu));
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += x[u * dim + d] * y[i * dim + d];
      const g = -Math.log(-Math.log(rng.double() + 1e-300));
      score[i] = logPop[i] + scale * s + g;
      idx[i] = i;
    }
    const sorted = Array.from(idx).sort((p, q) => score[q] - score[p] || p - q);
    for (let k = 0; k < nu; k++) {
      us.push(u);
      is.push(sorted[k]);
      ts.push(Math.floor(rng.double() * 1e8));
    }
    for (let k = nu; k < nu + ne; k++) {
      eu.push(u);
      ei.push(sorted[k]);
    }
  }
  return {
    name: 'synthetic',
    numUsers: U,
    numItems: I,
    userIds: sequentialIds(U),
    itemIds: sequentialIds(I),
    users: Int32Array.from(us),
    items: Int32Array.from(is),
    timestamps: Float64Array.from(ts),
    exposure: expo > 0 ? { users: Int32Array.from(eu), items: Int32Array.from(ei) } : undefined,
    source: { format: 'synthetic' },
    report: [
      {
        step: 'synthetic',
        message: `seed ${opts.seed ?? 0}: ${U} users × ${I} items, ${us.length} interactions (dim ${dim}, popularity exponent ${a}, temperature ${temp})${expo > 0 ? `, ${eu.length} exposure records` : ''}`,
        count: us.length,
      },
    ],
  };
}

/** The synthetic dataset, split (default per-user random 8:1:1 with the same seed). */
export function syntheticDataset(opts: SyntheticOptions = {}): Dataset {
  return splitLog(syntheticLog(opts), opts.split ?? { kind: 'ratio', ratios: [8, 1, 1] }, opts.seed ?? 0);
}
