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
  if (!Number.isInteger(k) || k < 1) throw new Error(`recommend: k must be a positive integer, got ${k}`);
  for (const u of users) {
    if (!(Number.isInteger(u) && u >= 0 && u < dataset.numUsers)) {
      throw new Error(`recommend: user index ${u} is outside 0..${dataset.numUsers - 1}`);
    }
  }
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
  if (format === 'json') {
    return JSON.stringify(recs.map((r) => ({
      user: dataset.userIds[r.user],
      items: Array.from(r.items, (it, j) => ({ item: dataset.itemIds[it], score: Number(r.scores[j].toPrecision(7)) })),
    })), null, 1) + '\n';
  }
  const lines = ['user,rank,item,score'];
  for (const r of recs) {
    for (let j = 0; j < r.items.length; j++) {
      lines.push(`${csvField(dataset.userIds[r.user])},${j + 1},${csvField(dataset.itemIds[r.items[j]])},${r.scores[j].toPrecision(7)}`);
    }
  }
  return lines.join('\n') + '\n';
}

