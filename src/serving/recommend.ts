// Recommendations from final embeddings: each user's top-K items with their scores, excluding what the user
// already interacted with in training (and validation), through the shared top-K path (evaluation/topk.ts).
import type { Dataset } from '../data/types.js';
import { topK } from '../evaluation/topk.js';

export interface Recommendation {
  user: number;
  items: Int32Array;
  scores: Float32Array;
}

/**
 * Top-k items for `users` (internal indices) from final embeddings, excluding each user's train (+ valid) items
 * unless `includeSeen`. Uses the active kernels' scoreTopK (ties broken by lower item id).
 */
export function recommend(
  emb: { users: Float32Array; items: Float32Array; dim: number; itemBias: Float32Array | null },
  dataset: Dataset, users: Int32Array, k: number, includeSeen = false,
): Recommendation[] {
  // Every input is checked before the engine heap is touched: an out-of-range user index used to reach the
  // allocator as a NaN size and poison it for every later call in the process.
  checkRecommendInputs(emb, dataset, users, k);
  const top = topK(emb, users, k, { exclude: includeSeen ? [] : [dataset.train, dataset.valid] });
  const out: Recommendation[] = [];
  for (let r = 0; r < users.length; r++) {
    let n = top.k;
    while (n > 0 && top.items[r * top.k + n - 1] < 0) n--;
    out.push({ user: users[r], items: top.items.slice(r * top.k, r * top.k + n), scores: top.scores.slice(r * top.k, r * top.k + n) });
  }
  return out;
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatRecommendations(recs: Recommendation[], dataset: Dataset, format: 'csv' | 'json'): string {
  return formatItemLists(recs.map((r) => ({
    user: dataset.userIds[r.user], items: Array.from(r.items, (it) => dataset.itemIds[it]), scores: Array.from(r.scores),
  })), format);
}

/** CSV (user,rank,item,score) or JSON ([{ user, items: [{ item, score }] }]) of lists by original ids (Model.recommend's). */
export function formatItemLists(recs: ReadonlyArray<{ user: string; items: readonly string[]; scores: readonly number[] }>, format: 'csv' | 'json'): string {
  if (format === 'json') {
    return JSON.stringify(recs.map((r) => ({
      user: r.user,
      items: r.items.map((item, j) => ({ item, score: Number(r.scores[j].toPrecision(7)) })),
    })), null, 1) + '\n';
  }
  const lines = ['user,rank,item,score'];
  for (const r of recs) {
    for (let j = 0; j < r.items.length; j++) {
      lines.push(`${csvField(r.user)},${j + 1},${csvField(r.items[j])},${r.scores[j].toPrecision(7)}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** Throws a RangeError/TypeError naming the first bad input of recommend(). */
export function checkRecommendInputs(emb: { users: Float32Array; items: Float32Array; dim: number; itemBias: Float32Array | null },
  dataset: Dataset, users: ArrayLike<number>, k: number): void {
  const nu = dataset.numUsers;
  const ni = dataset.numItems;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`recommend: k must be a positive integer, got ${String(k)}`);
  if (!emb || !Number.isInteger(emb.dim) || emb.dim < 1) throw new RangeError(`recommend: emb.dim must be a positive integer, got ${String(emb?.dim)}`);
  if (!(emb.users instanceof Float32Array) || emb.users.length !== nu * emb.dim) {
    throw new RangeError(`recommend: emb.users must be a Float32Array of ${nu} users × ${emb.dim}, got ${emb.users?.length} values`);
  }
  if (!(emb.items instanceof Float32Array) || emb.items.length !== ni * emb.dim) {
    throw new RangeError(`recommend: emb.items must be a Float32Array of ${ni} items × ${emb.dim}, got ${emb.items?.length} values`);
  }
  if (emb.itemBias && (!(emb.itemBias instanceof Float32Array) || emb.itemBias.length !== ni)) {
    throw new RangeError(`recommend: emb.itemBias must be a Float32Array of ${ni} values, got ${emb.itemBias.length}`);
  }
  if (!users || typeof users.length !== 'number') throw new TypeError('recommend: users must be an Int32Array of user indices');
  for (let r = 0; r < users.length; r++) {
    const u = users[r];
    if (!Number.isInteger(u) || u < 0 || u >= nu) throw new RangeError(`recommend: users[${r}] = ${String(u)} is not a user index in 0..${nu - 1}`);
  }
}
