// Filters on an InteractionLog: duplicate collapsing, a rating threshold (sub-threshold ratings become exposure
// records), and iterative k-core. Each returns a new log and appends what it dropped to the report.
import { groupByUser, selectRecords, type InteractionLog, type UserGroups } from './log.js';

function subset(log: InteractionLog, keep: Uint8Array): InteractionLog {
  return { ...log, ...selectRecords(log, keep), report: [...log.report] };
}

/** Collapses repeated (user, item) records, keeping the first in input order; reports how many. */
export function dedupeLog(log: InteractionLog): InteractionLog {
  return dedupeGrouped(log).log;
}

/**
 * dedupeLog, also returning the user groups it built when nothing was collapsed (the log is then unchanged), so
 * a caller that groups by user next (splitLog) need not group again.
 */
export function dedupeGrouped(log: InteractionLog): { log: InteractionLog; groups: UserGroups | null } {
  const n = log.users.length;
  // Group by user (with the items in group order, read in sequence), then mark repeats with a per-item stamp.
  const g = groupByUser(log, true);
  const { indptr, order } = g;
  const items = g.items!;
  const stamp = new Int32Array(log.numItems).fill(-1);
  let keep: Uint8Array | null = null;
  let dups = 0;
  for (let u = 0; u < log.numUsers; u++) {
    for (let p = indptr[u]; p < indptr[u + 1]; p++) {
      const i = items[p];
      if (stamp[i] === u) {
        if (!keep) keep = new Uint8Array(n).fill(1);
        keep[order[p]] = 0;
        dups++;
      } else stamp[i] = u;
    }
  }
  if (dups === 0 || !keep) return { log, groups: { indptr, order } };
  const out = subset(log, keep);
  out.report.push({ step: 'dedupe', message: `collapsed ${dups} duplicate (user, item) records (first occurrence kept)`, count: dups });
  return { log: out, groups: null };
}

/**
 * Keeps records with rating ≥ min as positives. The rest become the user's exposure records (items the user saw
 * and did not like, e.g. ML-100K ratings 1–3), unless `exposure` is false (then they are dropped, reported).
 */
export function ratingThreshold(log: InteractionLog, min: number, opts: { exposure?: boolean } = {}): InteractionLog {
  if (!log.ratings) throw new Error(`rating threshold: '${log.name}' has no ratings`);
  const n = log.users.length;
  const keep = new Uint8Array(n);
  let below = 0;
  for (let k = 0; k < n; k++) {
    if (log.ratings[k] >= min) keep[k] = 1;
    else below++;
  }
  const out = subset(log, keep);
  if (opts.exposure !== false) {
    const eu = new Int32Array(below);
    const ei = new Int32Array(below);
    let w = 0;
    for (let k = 0; k < n; k++)
      if (!keep[k]) {
        eu[w] = log.users[k];
        ei[w] = log.items[k];
        w++;
      }
    const prev = log.exposure;
    out.exposure = prev
      ? { users: concat(prev.users, eu), items: concat(prev.items, ei) }
      : { users: eu, items: ei };
    out.report.push({ step: `rating ≥ ${min}`, message: `kept ${n - below} positives; ${below} ratings below ${min} became exposure records`, count: below });
  } else {
    out.report.push({ step: `rating ≥ ${min}`, message: `kept ${n - below} positives; dropped ${below} ratings below ${min}`, count: below });
  }
  return out;
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Iterative k-core: repeatedly drops users with fewer than `userMin` records and items with fewer than `itemMin`
 * until every remaining user and item meets its bound. Ids are compacted (dropped users/items leave the id space);
 * exposure records of dropped users/items go too. Duplicates should be collapsed first (dedupeLog).
 */
export function kCore(log: InteractionLog, userMin: number, itemMin = userMin): InteractionLog {
  const n = log.users.length;
  const lu = log.users;
  const li = log.items;
  const alive = new Uint8Array(n).fill(1);
  const du = new Int32Array(log.numUsers);
  const di = new Int32Array(log.numItems);
  for (let k = 0; k < n; k++) {
    du[lu[k]]++;
    di[li[k]]++;
  }
  // Sweeps in input order over the records still alive (a list that shrinks each round), dropping a record
  // whose user or item is below its bound at that moment, until a sweep drops nothing. The result is the
  // unique maximal core whatever the order; the list only spares re-reading the records already dropped.
  let live = new Int32Array(n);
  for (let k = 0; k < n; k++) live[k] = k;
  let m = n;
  let rounds = 0;
  for (;;) {
    rounds++;
    let w = 0;
    for (let t = 0; t < m; t++) {
      const k = live[t];
      const u = lu[k];
      const i = li[k];
      if (du[u] < userMin || di[i] < itemMin) {
        alive[k] = 0;
        du[u]--;
        di[i]--;
      } else live[w++] = k;
    }
    if (w === m) break;
    m = w;
    if (m < live.length >> 2) live = live.slice(0, m);
  }
  const userMap = new Int32Array(log.numUsers).fill(-1);
  const itemMap = new Int32Array(log.numItems).fill(-1);
  const userIds: string[] = [];
  const itemIds: string[] = [];
  for (let u = 0; u < log.numUsers; u++) if (du[u] > 0) {
    userMap[u] = userIds.length;
    userIds.push(log.userIds[u]);
  }
  for (let i = 0; i < log.numItems; i++) if (di[i] > 0) {
    itemMap[i] = itemIds.length;
    itemIds.push(log.itemIds[i]);
  }
  const out = subset(log, alive);
  for (let k = 0; k < out.users.length; k++) {
    out.users[k] = userMap[out.users[k]];
    out.items[k] = itemMap[out.items[k]];
  }
  let droppedExposure = 0;
  if (log.exposure) {
    // Typed arrays sized by the input, trimmed at the end (no growing JS arrays of millions of numbers).
    const m = log.exposure.users.length;
    const eu = new Int32Array(m);
    const ei = new Int32Array(m);
    let w = 0;
    for (let k = 0; k < m; k++) {
      const u = userMap[log.exposure.users[k]];
      const i = itemMap[log.exposure.items[k]];
      if (u < 0 || i < 0) droppedExposure++;
      else {
        eu[w] = u;
        ei[w] = i;
        w++;
      }
    }
    out.exposure = { users: eu.slice(0, w), items: ei.slice(0, w) };
  }
  out.numUsers = userIds.length;
  out.numItems = itemIds.length;
  out.userIds = userIds;
  out.itemIds = itemIds;
  const dropped = n - out.users.length;
  out.report.push({
    step: `k-core (users ≥ ${userMin}, items ≥ ${itemMin})`,
    message: `${rounds} rounds: dropped ${log.numUsers - userIds.length} users, ${log.numItems - itemIds.length} items, ${dropped} interactions${log.exposure ? ` and ${droppedExposure} exposure records` : ''}; ${userIds.length} users × ${itemIds.length} items remain`,
    count: dropped,
  });
  return out;
}
