// `hardneg recommend RUN_DIR`: top-K items for users from a saved run, excluding items the user interacted with
// in training (and validation) — CSV (user,rank,item,score) or JSON, with the dataset's original ids.
import { writeFileSync } from 'node:fs';
import { FileError, readRegularText } from '../io/files.js';
import type { Dataset } from '../data/types.js';
import { heap } from '../engine/memory.js';
import { kernels } from '../engine/kernels/index.js';
import { UsageError, commandFlags, openRun } from './common.js';

const USAGE = `usage: hardneg recommend RUN_DIR [options]

Top-K recommendations from a saved run. Items in the user's training (and validation) interactions are excluded.

  --users ID,ID,...     users by their original ids (default: every user)
  --users-file FILE     one original user id per line
  --internal-ids        --users are internal indices 0..n−1 instead of original ids
  -k, --k N             items per user (default 10)
  --format csv|json     output format (default csv: user,rank,item,score)
  -o, --out FILE        write to FILE instead of stdout
  --include-seen        do not exclude training/validation items
  -h, --help`;

const OPTIONS = {
  users: { type: 'string' },
  'users-file': { type: 'string' },
  'internal-ids': { type: 'boolean' },
  k: { type: 'string', short: 'k' },
  format: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'include-seen': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
  const d = emb.dim;
  const nu = users.length;
  const ni = dataset.numItems;
  const kk = Math.min(k, ni);
  const U = heap.allocF32(nu * d);
  const I = heap.allocF32(ni * d);
  I.set(emb.items);
  const bias = emb.itemBias ? heap.allocF32(ni) : null;
  if (bias && emb.itemBias) bias.set(emb.itemBias);
  // Mask CSR: row r = the seen items of users[r] (train ∪ valid, sorted).
  let nnz = 0;
  const sets = includeSeen ? [] : [dataset.train, dataset.valid].filter((s) => s !== undefined);
  for (let r = 0; r < nu; r++) {
    const u = users[r];
    U.set(emb.users.subarray(u * d, (u + 1) * d), r * d);
    for (const s of sets) nnz += s.indptr[u + 1] - s.indptr[u];
  }
  const indptr = heap.allocI32(nu + 1);
  const indices = heap.allocI32(Math.max(1, nnz));
  let w = 0;
  for (let r = 0; r < nu; r++) {
    const u = users[r];
    const start = w;
    for (const s of sets) for (let p = s.indptr[u]; p < s.indptr[u + 1]; p++) indices[w++] = s.indices[p];
    indices.subarray(start, w).sort();
    indptr[r + 1] = w;
  }
  const outIdx = heap.allocI32(nu * kk);
  const outScore = heap.allocF32(nu * kk);
  try {
    kernels().scoreTopK(U, I, nu, ni, d, kk, { rows: nu, cols: ni, indptr, indices: indices.subarray(0, nnz) }, 0, bias, outIdx, outScore);
    const out: Recommendation[] = [];
    for (let r = 0; r < nu; r++) {
      let n = kk;
      while (n > 0 && outIdx[r * kk + n - 1] < 0) n--;
      out.push({ user: users[r], items: outIdx.slice(r * kk, r * kk + n), scores: outScore.slice(r * kk, r * kk + n) });
    }
    return out;
  } finally {
    for (const v of [U, I, bias, indptr, indices, outIdx, outScore]) if (v) heap.free(v);
  }
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

function readUsersFile(path: string): string {
  try {
    return readRegularText(path, { what: '--users-file' });
  } catch (e) {
    if (e instanceof FileError) throw new UsageError(e.message);
    throw e;
  }
}

function resolveUsers(values: Record<string, unknown>, dataset: Dataset): Int32Array {
  let tokens: string[] | null = null;
  if (values.users !== undefined) tokens = String(values.users).split(',').map((s) => s.trim()).filter(Boolean);
  if (values['users-file'] !== undefined) {
    tokens = [...(tokens ?? []), ...readUsersFile(String(values['users-file'])).split(/\r?\n/).map((s) => s.trim()).filter(Boolean)];
  }
  if (!tokens) return Int32Array.from({ length: dataset.numUsers }, (_, i) => i);
  if (values['internal-ids']) {
    return Int32Array.from(tokens, (t) => {
      const u = Number(t);
      if (!Number.isInteger(u) || u < 0 || u >= dataset.numUsers) throw new UsageError(`--users: '${t}' is not a user index in 0..${dataset.numUsers - 1}`);
      return u;
    });
  }
  const index = new Map<string, number>();
  dataset.userIds.forEach((id, i) => index.set(id, i));
  return Int32Array.from(tokens, (t) => {
    const u = index.get(t);
    if (u === undefined) throw new UsageError(`--users: no user with id '${t}' in dataset '${dataset.name}'`);
    return u;
  });
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('recommend', USAGE, argv, OPTIONS, ({ positionals }) => {
    if (positionals.length !== 1) throw new UsageError('expected one RUN_DIR');
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const k = values.k === undefined ? 10 : Number(values.k);
  const format = (values.format ?? 'csv') as string;
  try {
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k: expected a positive integer, got '${String(values.k)}'`);
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--format: expected csv or json, got '${format}'`);
  } catch (e) {
    process.stderr.write(`hardneg recommend: ${(e as Error).message}\n`);
    return 2;
  }
  const { dataset, emb } = await openRun(positionals[0]);
  const users = resolveUsers(values, dataset);
  const text = formatRecommendations(recommend(emb, dataset, users, k, Boolean(values['include-seen'])), dataset, format);
  if (values.out) writeFileSync(String(values.out), text);
  else process.stdout.write(text);
  return 0;
}
