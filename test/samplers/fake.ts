// Test doubles for the sampler tests: a Dataset built from per-user item lists, and a tiny encoder whose layers are
// independent Parameter tables (no propagation), so every sampler output can be recomputed by hand from the
// tables and gradient checks are exact about which rows a sampler touched.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Dataset, InteractionSet } from '../../src/data/types.js';
import type { Encoder, EncoderPass } from '../../src/encoders/types.js';
import { add, concatCols, gatherRows, meanOf, rowDot, scale, softplus, sub, sum } from '../../src/engine/ops.js';
import { Parameter } from '../../src/engine/param.js';
import { Rng } from '../../src/core/rng.js';
import { tidy, type Tensor } from '../../src/engine/tensor.js';
import { passInfo } from '../../src/encoders/common.js';
import { candidateScores } from '../../src/encoders/candidateScores.js';
import { DedupCache } from '../../src/core/dedup.js';
import type { Negatives, SyntheticNegatives } from '../../src/samplers/types.js';

export function csrFromLists(lists: number[][], cols: number): InteractionSet {
  const indptr = new Int32Array(lists.length + 1);
  const all: number[] = [];
  lists.forEach((l, u) => {
    const s = [...new Set(l)].sort((a, b) => a - b);
    all.push(...s);
    indptr[u + 1] = all.length;
  });
  return { rows: lists.length, cols, indptr, indices: Int32Array.from(all) };
}

export function makeDataset(train: number[][], numItems: number, test?: number[][]): Dataset {
  const tr = csrFromLists(train, numItems);
  const te = csrFromLists(test ?? train.map(() => []), numItems);
  const pop = new Int32Array(numItems);
  for (const i of tr.indices) pop[i]++;
  return {
    name: 'fake',
    numUsers: train.length,
    numItems,
    userIds: train.map((_, u) => String(u)),
    itemIds: Array.from({ length: numItems }, (_, i) => String(i)),
    train: tr,
    test: te,
    itemPopularity: pop,
    fingerprint: 'fake',
    report: [],
  };
}

/** Gowalla (LightGCN split) train CSR, parsed directly (no dependency on the data loaders). */
export function loadGowallaTrain(path: string): Dataset {
  const lines = readFileSync(path, 'utf8').split('\n');
  const lists: number[][] = [];
  let maxItem = 0;
  for (const line of lines) {
    const t = line.trim().split(/\s+/).filter(Boolean).map(Number);
    if (t.length === 0) continue;
    const u = t[0];
    const items = t.slice(1);
    for (const i of items) if (i > maxItem) maxItem = i;
    lists[u] = items;
  }
  for (let u = 0; u < lists.length; u++) lists[u] ??= [];
  return makeDataset(lists, maxItem + 1);
}

export interface FakeOptions {
  numUsers: number;
  numItems: number;
  dim: number;
  /** Number of pooled layers (1 = MF-like). */
  layers: number;
  pooling?: 'mean' | 'concat';
  scorerKind?: 'dot' | 'gmf' | 'dot+bias';
  seed?: number;
  std?: number;
  /** Explicit initial values per layer (users, items), overriding the random init. */
  userInit?: number[][];
  itemInit?: number[][];
}

export class FakeEncoder implements Encoder {
  readonly name = 'fake';
  readonly dedup = new DedupCache();
  readonly dim: number;
  readonly numLayers: number;
  readonly pooling: 'mean' | 'concat';
  readonly layerSet: readonly number[];
  readonly scorerKind: 'dot' | 'gmf' | 'dot+bias';
  readonly users: Parameter[] = [];
  readonly items: Parameter[] = [];
  readonly itemBias: Parameter;

  constructor(readonly o: FakeOptions) {
    this.dim = o.dim;
    this.numLayers = o.layers - 1;
    this.pooling = o.pooling ?? 'mean';
    this.layerSet = Array.from({ length: o.layers }, (_, l) => l);
    this.scorerKind = o.scorerKind ?? 'dot';
    const rng = Rng.stream(o.seed ?? 1, 'init');
    const std = o.std ?? 0.5;
    for (let l = 0; l < o.layers; l++) {
      const u = new Parameter([o.numUsers, o.dim], { name: `u${l}` });
      const i = new Parameter([o.numItems, o.dim], { name: `i${l}` });
      if (o.userInit) u.copyFrom(o.userInit[l]);
      else for (let k = 0; k < u.size; k++) u.data[k] = rng.normal(0, std);
      if (o.itemInit) i.copyFrom(o.itemInit[l]);
      else for (let k = 0; k < i.size; k++) i.data[k] = rng.normal(0, std);
      this.users.push(u);
      this.items.push(i);
    }
    this.itemBias = new Parameter([o.numItems], { name: 'bias' });
    for (let k = 0; k < o.numItems; k++) this.itemBias.data[k] = rng.normal(0, 1);
  }

  parameters(): Parameter[] {
    return [...this.users, ...this.items, this.itemBias];
  }

  forward(): EncoderPass {
    const pool = (ls: Tensor[]): Tensor => (this.pooling === 'mean' ? (ls.length === 1 ? ls[0] : meanOf(ls)) : concatCols(ls));
    const dedup = this.dedup;
    const P = this.pooling === 'concat' ? this.dim * this.users.length : this.dim;
    return {
      info: passInfo(this, P, this.users[0].shape[0], this.items[0].shape[0]),
      scoreCandidates(q, P2, K, cands, M, users, out) {
        return candidateScores(this, dedup, q, P2, K, cands, M, users, out);
      },
      scoreMatrix: () => {
        throw new Error('fake encoder: scoreMatrix not needed');
      },
      userLayers: (u) => this.users.map((t) => gatherRows(t, u)),
      itemLayers: (i) => this.items.map((t) => gatherRows(t, i)),
      pool,
      score: (u, i, itemIds) => {
        const s = rowDot(u, i);
        if (this.scorerKind === 'dot+bias' && itemIds) return add(s, gatherRows(this.itemBias, itemIds));
        return s;
      },
      egoL2: () => {
        throw new Error('fake encoder: egoL2 not needed');
      },
    };
  }

  embeddings(): never {
    throw new Error('fake encoder: embeddings not needed');
  }

  /** Pooled vector of a user or item, in float64, from the tables (the independent reference). */
  pooledUser(u: number): number[] {
    return this.poolRows(this.users, u);
  }

  pooledItem(i: number): number[] {
    return this.poolRows(this.items, i);
  }

  row(t: Parameter, r: number): number[] {
    return Array.from(t.data.subarray(r * this.dim, (r + 1) * this.dim));
  }

  private poolRows(tables: Parameter[], r: number): number[] {
    const rows = tables.map((t) => this.row(t, r));
    if (this.pooling === 'concat') return rows.flat();
    const out = new Array<number>(this.dim).fill(0);
    for (const x of rows) for (let k = 0; k < this.dim; k++) out[k] += x[k] / rows.length;
    return out;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }
}

export function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Sum over pairs and negatives of softplus(s⁻ − s⁺) (BPR, summed so finite differences are not diluted). */
export function bprSum(pass: EncoderPass, users: Int32Array, pos: Int32Array, negs: Negatives, beta = 1): Tensor {
  const u = pass.pool(pass.userLayers(users));
  const K = negs.k;
  const rep = new Int32Array(users.length * K);
  for (let b = 0; b < users.length; b++) for (let k = 0; k < K; k++) rep[b * K + k] = b;
  const uRep = gatherRows(u, rep);
  const p = pass.pool(pass.itemLayers(pos));
  const sPos = gatherRows(pass.score(u, p, pos), rep);
  const sNeg = negs.kind === 'items'
    ? pass.score(uRep, pass.pool(pass.itemLayers(negs.items)), negs.items)
    : pass.score(uRep, (negs as SyntheticNegatives).pooled);
  const gap = sub(sNeg, sPos);
  return sum(softplus(beta === 1 ? gap : scale(gap, beta)));
}

/**
 * Finite-difference check of d loss / d every entry of the encoder's tables, where `build` runs the whole step
 * (sampler + loss) on fresh copies of the same RNG stream, so the random draws repeat exactly. `choices` reads the
 * discrete choices of a run (argmax picks): they must not change under the perturbation, or the check is void.
 */
export function gradCheck(
  enc: FakeEncoder,
  build: () => { loss: Tensor; choices: ArrayLike<number> },
  opts: { eps?: number; atol?: number; rtol?: number } = {},
): { checked: number; maxErr: number; nonZero: number } {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 5e-3;
  const rtol = opts.rtol ?? 2e-2;
  enc.zeroGrad();
  let ref: number[] = [];
  tidy(() => {
    const { loss, choices } = build();
    ref = Array.from(choices);
    loss.backward();
  });
  const params = [...enc.users, ...enc.items];
  const grads = params.map((p) => (p.grad ? Float32Array.from(p.grad) : new Float32Array(p.size)));
  enc.zeroGrad();
  const evalAt = (): number =>
    tidy(() => {
      const { loss, choices } = build();
      assert.deepEqual(Array.from(choices), ref, 'a perturbation flipped a discrete choice: use a smaller eps');
      return loss.item();
    });
  let checked = 0;
  let maxErr = 0;
  let nonZero = 0;
  params.forEach((p, pi) => {
    for (let k = 0; k < p.size; k++) {
      const orig = p.data[k];
      p.data[k] = orig + eps;
      const fp = evalAt();
      p.data[k] = orig - eps;
      const fm = evalAt();
      p.data[k] = orig;
      const fd = (fp - fm) / (2 * eps);
      const g = grads[pi][k];
      const err = Math.abs(fd - g);
      maxErr = Math.max(maxErr, err);
      if (Math.abs(g) > 1e-3) nonZero++;
      assert.ok(err <= atol + rtol * Math.abs(fd), `${p.name}[${k}]: autograd ${g} vs finite difference ${fd}`);
      checked++;
    }
  });
  return { checked, maxErr, nonZero };
}
