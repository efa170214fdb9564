// Sampled ranking (methods.md "Evaluation protocols"): each positive of the evaluated split is ranked against a
// fixed set of N sampled negatives (default 100). The negatives are drawn once, with a seeded stream, from the
// items the user never interacted with (test lists: in any split; validation lists: in train or valid, so model
// selection never depends on the test split), and stored (`SampledNegatives`, or an NCF-style `.test.negative`
// file) so every epoch and every run is scored against the same lists.
//
// Rank of a positive = number of its negatives scoring ≥ the positive (ties counted pessimistically: an equal
// negative ranks above). Per positive with rank r and cutoff K (a list with one relevant item):
//   hr = recall = [r < K];  precision = [r < K] / K;  ndcg = [r < K] / log2(r + 2);  mrr = map = [r < K] / (r + 1).
// Per user: the mean over the user's positives (so recall@K is the share of the user's positives that beat enough
// negatives); reported metrics are means over users with ≥ 1 positive, as in full ranking.
import { writeFileSync } from 'node:fs';
import { readRegularText } from '../io/files.js';
import { Rng, partialShuffleInto } from '../core/rng.js';
import type { Dataset, InteractionSet } from '../data/types.js';
import { beyondFor, splitOf, type BeyondSettings, type EvalEmbeddings, type EvalResult } from './fullRanking.js';
import { BeyondAccuracy } from './beyond.js';
import { metricKey, normalizeMetricArgs, type MetricName } from './metrics.js';

export interface SampledNegatives {
  split: 'valid' | 'test';
  /** Negatives per positive. */
  n: number;
  /** n item ids per positive of the split, positives in the split's CSR order (user-major), row-major. */
  items: Int32Array;
}

export interface DrawNegativesOptions {
  /** Negatives per positive (default 100). */
  n?: number;
  /** Split whose positives get negatives (default 'test'). */
  split?: 'valid' | 'test';
  /** Run seed: draws come from `Rng.stream(seed, 'eval')` unless `rng` is given. */
  seed?: number;
  rng?: Rng;
}

/**
 * Draws n distinct negatives per positive of the split: for 'test', items the user has in none of train / valid /
 * test; for 'valid', items the user has in neither train nor valid (test is not looked at).
 * Throws, naming the user, when a user has fewer than n such items.
 */
export function drawSampledNegatives(dataset: Dataset, opts: DrawNegativesOptions = {}): SampledNegatives {
  const n = opts.n ?? 100;
  const split = opts.split ?? 'test';
  if (!Number.isInteger(n) || n < 1) throw new Error(`drawSampledNegatives: n must be a positive integer, got ${n}`);
  if (!opts.rng && opts.seed === undefined) throw new Error('drawSampledNegatives: give a seed (or an rng) so the lists are reproducible');
  const rng = opts.rng ?? Rng.stream(opts.seed!, 'eval');
  const target = splitOf(dataset, split);
  const ni = dataset.numItems;
  // Test lists avoid every item the user has in any split. Validation lists avoid train and valid only: they
  // choose the model, and must not depend on which items are held out for test (a test item can be a validation
  // negative, as any unobserved item can).
  const sets: InteractionSet[] = [dataset.train];
  if (dataset.valid) sets.push(dataset.valid);
  if (split === 'test') sets.push(dataset.test);
  // Planted false negatives (GDNS §4.6) are positives moved out of train: never a sampled negative either, so the
  // lists equal those of the dataset before planting.
  if (dataset.plantedNegatives) sets.push(dataset.plantedNegatives);
  const out = new Int32Array(target.indices.length * n);
  // Stamps instead of per-user sets: userMark[i] = u + 1 when u interacted with i; drawMark[i] = positive id + 1
  // when i was already drawn for that positive.
  const userMark = new Int32Array(ni);
  const drawMark = new Int32Array(ni);
  let complement: Int32Array | null = null;
  for (let u = 0; u < dataset.numUsers; u++) {
    const p0 = target.indptr[u];
    const p1 = target.indptr[u + 1];
    if (p1 === p0) continue;
    let known = 0;
    for (const s of sets) {
      for (let q = s.indptr[u]; q < s.indptr[u + 1]; q++) {
        const i = s.indices[q];
        if (userMark[i] !== u + 1) {
          userMark[i] = u + 1;
          known++;
        }
      }
    }
    const free = ni - known;
    if (free < n) {
      throw new Error(`drawSampledNegatives: user ${dataset.userIds[u] ?? u} has only ${free} non-interacted items, fewer than n = ${n}`);
    }
    // Rejection is fast while most items are free; otherwise draw from the explicit complement list.
    const dense = known * 2 > ni || n * 2 > free;
    if (dense) {
      complement ??= new Int32Array(ni);
      let w = 0;
      for (let i = 0; i < ni; i++) if (userMark[i] !== u + 1) complement[w++] = i;
      for (let p = p0; p < p1; p++) partialShuffleInto(complement, free, n, rng, out, p * n);
    } else {
      for (let p = p0; p < p1; p++) {
        for (let j = 0; j < n; j++) {
          let i: number;
          do i = rng.int(ni);
          while (userMark[i] === u + 1 || drawMark[i] === p + 1);
          drawMark[i] = p + 1;
          out[p * n + j] = i;
        }
      }
    }
  }
  return { split, n, items: out };
}

export interface SampledOptions {
  ks: readonly number[];
  /** Default: the negatives' split when given a SampledNegatives, else 'test'. */
  split?: 'valid' | 'test';
  metrics?: readonly MetricName[];
  /**
   * Beyond-accuracy metrics (beyond.ts) of each positive's list: the top K of the positive and its N negatives by
   * score (equal scores: negatives first, as the pessimistic rank counts them, then lower item id). Default on.
   */
  beyond?: boolean | BeyondSettings;
}

export interface SampledEvalResult extends EvalResult {
  /** Pessimistic rank (0 = first) of every positive of the split among its negatives, in CSR order. */
  ranks: Int32Array;
  numNegatives: number;
}

/** Negatives as stored by a loader (`Dataset.testNegatives`: `{ n, items }`, test split) or drawn here. */
export type NegativeLists = Int32Array | { readonly n: number; readonly items: Int32Array; readonly split?: 'valid' | 'test' };

/**
 * Sampled-ranking evaluation. `negatives`: a SampledNegatives / `{ n, items }` (split defaults to 'test'), a flat
 * Int32Array holding N ids per positive of the split (N = length / number of positives), or null for the dataset's
 * own `testNegatives` (e.g. from an NCF `.test.negative` file).
 */
export function evaluateSampled(emb: EvalEmbeddings, dataset: Dataset, negatives: NegativeLists | null,
  opts: SampledOptions): SampledEvalResult {
  const { ks, metrics } = normalizeMetricArgs(opts.ks, opts.metrics);
  let given: NegativeLists;
  if (negatives) given = negatives;
  else if (dataset.testNegatives) given = dataset.testNegatives;
  else throw new Error(`evaluateSampled: no negatives given and dataset '${dataset.name}' has no testNegatives; draw them with drawSampledNegatives`);
  const listSplit = given instanceof Int32Array ? undefined : given.split ?? 'test';
  const split = opts.split ?? listSplit ?? 'test';
  if (listSplit && listSplit !== split) {
    throw new Error(`evaluateSampled: negatives were drawn for '${listSplit}', asked to evaluate '${split}'`);
  }
  const target = splitOf(dataset, split);
  const numPos = target.indices.length;
  const negs = given instanceof Int32Array ? given : given.items;
  if (numPos === 0) throw new Error(`evaluateSampled: split '${split}' has no positives`);
  const n = negs.length / numPos;
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`evaluateSampled: ${negs.length} negatives do not divide evenly over the ${numPos} positives of '${split}'`);
  }
  if (!(given instanceof Int32Array) && given.n !== n) throw new Error(`evaluateSampled: negatives say n = ${given.n}, data hold ${n} per positive`);
  const d = emb.dim;
  const ni = dataset.numItems;
  if (emb.users.length !== dataset.numUsers * d || emb.items.length !== ni * d) {
    throw new Error(`evaluateSampled: embeddings do not match the dataset (${dataset.numUsers} users, ${ni} items, dim ${d})`);
  }
  const users = emb.users;
  const items = emb.items;
  const bias = emb.itemBias;
  const ranks = new Int32Array(numPos);
  const score = (uo: number, i: number): number => {
    if (!(i >= 0 && i < ni)) throw new Error(`evaluateSampled: negative item ${i} out of range [0, ${ni})`);
    let s = 0;
    const io = i * d;
    for (let c = 0; c < d; c++) s += users[uo + c] * items[io + c];
    // Round like the float32 scoring kernels so exact ties stay ties.
    return Math.fround(bias ? Math.fround(s) + bias[i] : s);
  };

  let nUsers = 0;
  for (let u = 0; u < dataset.numUsers; u++) if (target.indptr[u + 1] > target.indptr[u]) nUsers++;
  const evalUsers = new Int32Array(nUsers);
  const values: Record<string, Float32Array> = {};
  const cols = metrics.map((m) => ks.map((k) => (values[metricKey(m, k)] = new Float32Array(nUsers))));
  const acc = new Float64Array(metrics.length * ks.length);
  const beyond = beyondFor(dataset, ks, opts.beyond);
  const beyondCols = beyond ? BeyondAccuracy.perUserKeys(ks).map((key) => (values[key] = new Float32Array(nUsers))) : [];
  const maxK = ks[ks.length - 1];
  // The candidate list of one positive (scores kept from the rank count: no second scoring pass) and its top K.
  const candItems = new Int32Array(n + 1);
  const candScores = new Float32Array(n + 1);
  const order: number[] = [];
  const topList = new Int32Array(maxK);
  const byScore = (a: number, b: number): number =>
    candScores[b] - candScores[a] || (a === n ? 1 : b === n ? -1 : candItems[a] - candItems[b]);
  let w = 0;
  for (let u = 0; u < dataset.numUsers; u++) {
    const p0 = target.indptr[u];
    const p1 = target.indptr[u + 1];
    if (p1 === p0) continue;
    const uo = u * d;
    acc.fill(0);
    beyond?.beginUser();
    for (let p = p0; p < p1; p++) {
      const sp = score(uo, target.indices[p]);
      let rank = 0;
      for (let j = p * n, e = p * n + n; j < e; j++) {
        const s = score(uo, negs[j]);
        if (s >= sp) rank++;
        if (beyond) {
          candItems[j - p * n] = negs[j];
          candScores[j - p * n] = s;
        }
      }
      ranks[p] = rank;
      if (beyond) {
        candItems[n] = target.indices[p];
        candScores[n] = sp;
        order.length = 0;
        for (let c = 0; c <= n; c++) order.push(c);
        order.sort(byScore);
        topList.fill(-1);
        for (let r = 0; r < Math.min(maxK, n + 1); r++) topList[r] = candItems[order[r]];
        beyond.addList(topList);
      }
      for (let ki = 0; ki < ks.length; ki++) {
        const k = ks[ki];
        if (rank >= k) continue;
        for (let mi = 0; mi < metrics.length; mi++) {
          let v: number;
          switch (metrics[mi]) {
            case 'hr': case 'recall': v = 1; break;
            case 'precision': v = 1 / k; break;
            case 'ndcg': v = 1 / Math.log2(rank + 2); break;
            case 'mrr': case 'map': v = 1 / (rank + 1); break;
          }
          acc[mi * ks.length + ki] += v;
        }
      }
    }
    const cnt = p1 - p0;
    for (let mi = 0; mi < metrics.length; mi++) {
      for (let ki = 0; ki < ks.length; ki++) cols[mi][ki][w] = acc[mi * ks.length + ki] / cnt;
    }
    beyond?.endUser((c, v) => (beyondCols[c][w] = v));
    evalUsers[w++] = u;
  }
  const result: SampledEvalResult = {
    metrics: {}, perUser: { users: evalUsers, values }, usersEvaluated: nUsers, usersSkipped: dataset.numUsers - nUsers,
    split, maskedValid: false, ranks, numNegatives: n,
  };
  for (const [mi, m] of metrics.entries()) {
    for (const [ki, k] of ks.entries()) {
      const col = cols[mi][ki];
      let s = 0;
      for (let i = 0; i < col.length; i++) s += col[i];
      result.metrics[metricKey(m, k)] = s / nUsers;
    }
  }
  if (beyond) Object.assign(result.metrics, beyond.finish());
  return result;
}

/**
 * Reads NCF-style given negatives (`(user,item)<TAB>neg<TAB>neg…` per line, one line per positive of the split, ids
 * as in the source files = the dataset's original ids) and aligns them with the split's CSR order. Every positive
 * must have exactly one line and every line the same number of negatives.
 */
export function loadNcfNegatives(path: string, dataset: Dataset, split: 'valid' | 'test' = 'test'): SampledNegatives {
  return parseNcfNegatives(readRegularText(path, { what: 'negatives file' }), dataset, split, path);
}

export function parseNcfNegatives(text: string, dataset: Dataset, split: 'valid' | 'test' = 'test', source = 'negatives'): SampledNegatives {
  const target = splitOf(dataset, split);
  const userIndex = new Map<string, number>();
  dataset.userIds.forEach((id, i) => userIndex.set(id, i));
  const itemIndex = new Map<string, number>();
  dataset.itemIds.forEach((id, i) => itemIndex.set(id, i));
  const numPos = target.indices.length;
  let n = -1;
  let items = new Int32Array(0);
  const filled = new Uint8Array(numPos);
  const lines = text.split(/\r?\n/);
  for (let ln = 0; ln < lines.length; ln++) {
    const line = lines[ln].trim();
    if (line === '') continue;
    const where = `${source}:${ln + 1}`;
    const m = /^\(\s*([^,\s]+)\s*,\s*([^)\s]+)\s*\)\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${where}: expected '(user,item)' followed by negatives, got '${line.slice(0, 40)}'`);
    const u = userIndex.get(m[1]);
    const i = itemIndex.get(m[2]);
    if (u === undefined) throw new Error(`${where}: unknown user id '${m[1]}'`);
    if (i === undefined) throw new Error(`${where}: unknown item id '${m[2]}'`);
    const p = findInRow(target, u, i);
    if (p < 0) throw new Error(`${where}: (${m[1]},${m[2]}) is not a ${split} positive of the dataset`);
    if (filled[p]) throw new Error(`${where}: (${m[1]},${m[2]}) listed twice`);
    const fields = m[3].split(/[\t ]+/).filter((f) => f !== '');
    if (n < 0) {
      n = fields.length;
      if (n === 0) throw new Error(`${where}: no negatives on the line`);
      items = new Int32Array(numPos * n);
    } else if (fields.length !== n) {
      throw new Error(`${where}: ${fields.length} negatives, expected ${n} like the first line`);
    }
    for (let j = 0; j < n; j++) {
      const id = itemIndex.get(fields[j]);
      if (id === undefined) throw new Error(`${where}: unknown negative item id '${fields[j]}'`);
      items[p * n + j] = id;
    }
    filled[p] = 1;
  }
  if (n < 0) throw new Error(`${source}: no lines`);
  let missing = 0;
  for (let p = 0; p < numPos; p++) if (!filled[p]) missing++;
  if (missing > 0) throw new Error(`${source}: ${missing} of ${numPos} ${split} positives have no line of negatives`);
  return { split, n, items };
}

/** Writes negatives in the NCF `.test.negative` format (original ids), readable by loadNcfNegatives. */
export function saveNcfNegatives(path: string, dataset: Dataset, negatives: SampledNegatives): void {
  const target = splitOf(dataset, negatives.split);
  const n = negatives.n;
  const parts: string[] = [];
  for (let u = 0; u < dataset.numUsers; u++) {
    for (let p = target.indptr[u]; p < target.indptr[u + 1]; p++) {
      const row = [`(${dataset.userIds[u]},${dataset.itemIds[target.indices[p]]})`];
      for (let j = 0; j < n; j++) row.push(dataset.itemIds[negatives.items[p * n + j]]);
      parts.push(row.join('\t'));
    }
  }
  writeFileSync(path, parts.join('\n') + '\n');
}

function findInRow(csr: InteractionSet, u: number, i: number): number {
  let lo = csr.indptr[u];
  let hi = csr.indptr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = csr.indices[mid];
    if (v === i) return mid;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
