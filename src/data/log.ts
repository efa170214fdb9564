// An interaction log: one unsplit list of (user, item[, timestamp, rating]) records with dense ids, the form
// single-file sources (MovieLens, CSV, RecBole .inter) take before filters and splitters turn them into a
// Dataset. Optional exposure records (shown, not interacted) travel with it.
import type { DataReportEntry } from './types.js';

export interface InteractionLog {
  name: string;
  numUsers: number;
  numItems: number;
  userIds: string[];
  itemIds: string[];
  users: Int32Array;
  items: Int32Array;
  timestamps?: Float64Array;
  ratings?: Float32Array;
  /** Exposure records (user, item), e.g. the sub-threshold ratings of an explicit-feedback log. */
  exposure?: { users: Int32Array; items: Int32Array };
  source?: { format: string; path?: string };
  report: DataReportEntry[];
}

export function logSize(log: InteractionLog): number {
  return log.users.length;
}

/** The records k with mark[k] === value, as parallel arrays (timestamps and ratings when the log has them). */
export function selectRecords(log: InteractionLog, mark: Uint8Array, value = 1):
  { users: Int32Array; items: Int32Array; timestamps: Float64Array | undefined; ratings: Float32Array | undefined } {
  let m = 0;
  for (let k = 0; k < mark.length; k++) if (mark[k] === value) m++;
  // The log's arrays in locals: the copy loop then reads no properties per record.
  const lu = log.users;
  const li = log.items;
  const lt = log.timestamps;
  const lr = log.ratings;
  const users = new Int32Array(m);
  const items = new Int32Array(m);
  const ts = lt ? new Float64Array(m) : undefined;
  const rt = lr ? new Float32Array(m) : undefined;
  let w = 0;
  for (let k = 0; k < mark.length; k++) {
    if (mark[k] !== value) continue;
    users[w] = lu[k];
    items[w] = li[k];
    if (ts) ts[w] = lt![k];
    if (rt) rt[w] = lr![k];
    w++;
  }
  return { users, items, timestamps: ts, ratings: rt };
}

/**
 * The records split by code (0 ≤ code[k] < codes) in one pass: out[c] holds the records with code c, in input
 * order, as parallel arrays (timestamps and ratings when the log has them).
 */
export function selectByCode(log: InteractionLog, code: Uint8Array, codes: number):
  Array<{ users: Int32Array; items: Int32Array; timestamps: Float64Array | undefined; ratings: Float32Array | undefined }> {
  const n = code.length;
  const count = new Int32Array(256);
  for (let k = 0; k < n; k++) count[code[k]]++;
  const lu = log.users;
  const li = log.items;
  const lt = log.timestamps;
  const lr = log.ratings;
  const out = Array.from({ length: codes }, (_, c) => ({
    users: new Int32Array(count[c]),
    items: new Int32Array(count[c]),
    timestamps: lt ? new Float64Array(count[c]) : undefined,
    ratings: lr ? new Float32Array(count[c]) : undefined,
  }));
  const w = new Int32Array(codes);
  for (let k = 0; k < n; k++) {
    const c = code[k];
    if (c >= codes) continue;
    const o = out[c];
    const p = w[c]++;
    o.users[p] = lu[k];
    o.items[p] = li[k];
    if (lt) o.timestamps![p] = lt[k];
    if (lr) o.ratings![p] = lr[k];
  }
  return out;
}

/** A log's record indices grouped by user (counting sort): user u's records are order[indptr[u] .. indptr[u+1]). */
export interface UserGroups {
  indptr: Int32Array;
  /** Record indices grouped by user, in input order within a user. */
  order: Int32Array;
  /** With groupByUser(log, true): the records' items in the same order (read in sequence, not by index). */
  items?: Int32Array;
}

export function groupByUser(log: InteractionLog, withItems = false): UserGroups {
  const n = log.users.length;
  const lu = log.users;
  const indptr = new Int32Array(log.numUsers + 1);
  for (let k = 0; k < n; k++) indptr[lu[k] + 1]++;
  for (let u = 0; u < log.numUsers; u++) indptr[u + 1] += indptr[u];
  const next = indptr.slice(0, log.numUsers);
  const order = new Int32Array(n);
  if (!withItems) {
    for (let k = 0; k < n; k++) order[next[lu[k]]++] = k;
    return { indptr, order };
  }
  const li = log.items;
  const items = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const p = next[lu[k]]++;
    order[p] = k;
    items[p] = li[k];
  }
  return { indptr, order, items };
}

/**
 * Dense ids for raw non-negative integer ids, in increasing numeric order (so 1-based contiguous ids become
 * id − 1). Returns the dense array and the original ids as strings.
 */
export function compactNumericIds(raw: Int32Array, inPlace = false): { dense: Int32Array; ids: string[] } {
  const n = raw.length;
  let max = -1;
  for (let k = 0; k < n; k++) if (raw[k] > max) max = raw[k];
  // inPlace: the caller's array becomes the dense one (no second array the size of the data).
  const dense = inPlace ? raw : new Int32Array(n);
  if (max < 8 * n + 1_000_000) {
    const map = new Int32Array(max + 1).fill(-1);
    for (let k = 0; k < n; k++) map[raw[k]] = 0;
    const ids: string[] = [];
    for (let v = 0; v <= max; v++) if (map[v] === 0) {
      map[v] = ids.length;
      ids.push(String(v));
    }
    for (let k = 0; k < n; k++) dense[k] = map[raw[k]];
    return { dense, ids };
  }
  // Sparse huge ids: sort the distinct values and binary-search.
  const sorted = raw.slice().sort();
  let m = 0;
  for (let k = 0; k < n; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k];
  const uniq = sorted.subarray(0, m);
  for (let k = 0; k < n; k++) {
    const v = raw[k];
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (uniq[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    dense[k] = lo;
  }
  return { dense, ids: Array.from(uniq, String) };
}

/** Maps string tokens to dense ids. Ids are ordered numerically when every token is a canonical non-negative
 * integer, else by code-unit string order, so the numbering does not depend on row order. */
export class TokenMap {
  private readonly map = new Map<string, number>();
  readonly tokens: string[] = [];
  get size(): number {
    return this.tokens.length;
  }
  id(token: string): number {
    let v = this.map.get(token);
    if (v === undefined) {
      v = this.tokens.length;
      this.map.set(token, v);
      this.tokens.push(token);
    }
    return v;
  }
  /** The sorted order: returns [remap (old → new), ids in new order]. */
  finish(): { remap: Int32Array; ids: string[] } {
    const n = this.tokens.length;
    const numeric = this.tokens.every((t) => /^(0|[1-9][0-9]{0,14})$/.test(t));
    const order = Array.from({ length: n }, (_, i) => i);
    if (numeric) order.sort((a, b) => Number(this.tokens[a]) - Number(this.tokens[b]));
    else order.sort((a, b) => (this.tokens[a] < this.tokens[b] ? -1 : this.tokens[a] > this.tokens[b] ? 1 : 0));
    const remap = new Int32Array(n);
    const ids = new Array<string>(n);
    for (let k = 0; k < n; k++) {
      remap[order[k]] = k;
      ids[k] = this.tokens[order[k]];
    }
    return { remap, ids };
  }
}

export function applyRemap(a: Int32Array, remap: Int32Array): void {
  for (let k = 0; k < a.length; k++) a[k] = remap[a[k]];
}
