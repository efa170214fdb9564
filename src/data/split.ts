// Splitters: an InteractionLog → a Dataset, all seeded through Rng.stream(seed, 'split'). The id space of the log
// is kept (a user with no test item still exists); each splitter reports what it did and whom it left out.
import { Rng } from '../core/rng.js';
import { assembleDataset, type Pairs } from './build.js';
import { dedupeGrouped } from './filter.js';
import { groupByUser, selectByCode, type InteractionLog } from './log.js';
import type { DataReportEntry, Dataset } from './types.js';

export type SplitSpec =
  /** Per-user random split by ratio train:valid:test (e.g. [8,1,1]; [8,2] or [8,0,2] for no validation). */
  | { kind: 'ratio'; ratios: readonly number[] }
  /** Per-user temporal split: earliest → train, then valid, latest → test (PDNS: [8,1,1] = latest 10% test). */
  | { kind: 'temporal'; ratios: readonly number[] }
  /** Global time cut: timestamp ≥ testFrom → test, validFrom ≤ t < testFrom → valid; or global fractions. */
  | { kind: 'global-time'; testFrom?: number; validFrom?: number; testFraction?: number; validFraction?: number }
  /** Leave-one-out: one item per user to test (and one to valid when valid is true), latest or random. */
  | { kind: 'loo'; order: 'latest' | 'random'; valid?: boolean }
  /** PDNS §4.2 simulation: per user train / test / false-negative set by ratio (default 4:1:1). */
  | { kind: 'fn'; ratios?: readonly number[] }
  /** Everything in train, empty test (for statistics of an unsplit log). */
  | { kind: 'none' };


function normalise(ratios: readonly number[], what: string, len: number): number[] {
  const r = ratios.length === len ? [...ratios] : ratios.length === len - 1 && len === 3 ? [ratios[0], 0, ratios[1]] : null;
  if (!r || r.some((x) => !(x >= 0) || !Number.isFinite(x))) throw new RangeError(`${what}: expected ${len} non-negative ratios, got [${ratios.join(', ')}]`);
  const s = r.reduce((a, b) => a + b, 0);
  if (!(s > 0) || !(r[0] > 0)) throw new RangeError(`${what}: the train ratio must be positive, got [${ratios.join(', ')}]`);
  return r.map((x) => x / s);
}

/**
 * Per-user counts for n interactions: round(n·ratio) for the held-out parts (valid, then test), at least one test
 * item for users with ≥ 2 interactions when the test ratio is positive, and at least one training item always.
 */
export function partCounts(n: number, r: readonly number[]): number[] {
  const parts = r.map((x) => Math.round(n * x));
  // parts[0] is recomputed as the remainder.
  const last = r.length - 1;
  if (r[last] > 0 && parts[last] === 0 && n >= 2) parts[last] = 1;
  let held = 0;
  for (let k = 1; k < r.length; k++) held += parts[k];
  for (let k = 1; k < r.length && held > n - 1; k++) {
    const cut = Math.min(parts[k], held - (n - 1));
    parts[k] -= cut;
    held -= cut;
  }
  parts[0] = n - held;
  return parts;
}

function requireTimestamps(log: InteractionLog, what: string): Float64Array {
  if (!log.timestamps) throw new Error(`${what} split needs timestamps, and '${log.name}' has none (format ${log.source?.format ?? 'unknown'})`);
  return log.timestamps;
}

/** Sorts a user's record indices by (timestamp, input position), in place. */
function sortByTime(idx: Int32Array, ts: Float64Array): void {
  if (idx.length <= 32) {
    // Insertion sort for the common short row (no array and no comparator calls); the order is total, so the
    // result is the one the general sort gives.
    for (let a = 1; a < idx.length; a++) {
      const x = idx[a];
      const tx = ts[x];
      let b = a - 1;
      while (b >= 0 && (ts[idx[b]] > tx || (ts[idx[b]] === tx && idx[b] > x))) {
        idx[b + 1] = idx[b];
        b--;
      }
      idx[b + 1] = x;
    }
    return;
  }
  const a = Array.from(idx);
  a.sort((x, y) => ts[x] - ts[y] || x - y);
  idx.set(a);
}

export function describeSplit(spec: SplitSpec): string {
  switch (spec.kind) {
    case 'ratio':
    case 'temporal':
      return `${spec.kind} ${spec.ratios.join(':')}`;
    case 'fn':
      return `false-negative ${(spec.ratios ?? [4, 1, 1]).join(':')}`;
    case 'loo':
      return `leave-one-out (${spec.order}${spec.valid ? ', with valid' : ''})`;
    case 'global-time':
      return `global time cut (${spec.testFrom !== undefined ? `test from ${spec.testFrom}` : `latest ${spec.testFraction} test`}${spec.validFrom !== undefined ? `, valid from ${spec.validFrom}` : spec.validFraction ? `, next ${spec.validFraction} valid` : ''})`;
    case 'none':
      return 'none';
  }
}

/** Splits a log into a Dataset. Duplicate (user, item) records are collapsed first (reported), so no pair can
 * land in two splits. */
export function splitLog(input: InteractionLog, spec: SplitSpec, seed = 0): Dataset {
  const deduped = dedupeGrouped(input);
  const log = deduped.log;
  const rng = Rng.stream(seed, 'split');
  const n = log.users.length;
  const code = new Uint8Array(n);
  const g = deduped.groups ?? groupByUser(log);
  const step = `split ${describeSplit(spec)}${spec.kind === 'ratio' || spec.kind === 'fn' || (spec.kind === 'loo' && spec.order === 'random') ? ` (seed ${seed})` : ''}`;
  const report: DataReportEntry[] = [...log.report];
  let noTest = 0;
  const perUser = (assign: (idx: Int32Array, u: number) => void) => {
    for (let u = 0; u < log.numUsers; u++) {
      const idx = g.order.subarray(g.indptr[u], g.indptr[u + 1]);
      if (idx.length > 0) assign(idx, u);
    }
  };
  const assignByCounts = (idx: Int32Array, parts: number[], codes: number[]) => {
    let p = 0;
    for (let k = 0; k < parts.length; k++) for (let c = 0; c < parts[k]; c++) code[idx[p++]] = codes[k];
  };
  switch (spec.kind) {
    case 'ratio': {
      const r = normalise(spec.ratios, 'ratio split', 3);
      perUser((idx) => {
        rng.shuffle(idx);
        const parts = partCounts(idx.length, r);
        if (parts[2] === 0) noTest++;
        assignByCounts(idx, parts, [0, 1, 2]);
      });
      break;
    }
    case 'temporal': {
      const ts = requireTimestamps(log, 'temporal');
      const r = normalise(spec.ratios, 'temporal split', 3);
      perUser((idx) => {
        sortByTime(idx, ts);
        const parts = partCounts(idx.length, r);
        if (parts[2] === 0) noTest++;
        assignByCounts(idx, parts, [0, 1, 2]);
      });
      break;
    }
    case 'fn': {
      const r = normalise(spec.ratios ?? [4, 1, 1], 'false-negative split', 3);
      perUser((idx) => {
        rng.shuffle(idx);
        // Order of held-out parts: FN set, then test (partCounts guarantees the last part ≥ 1).
        const parts = partCounts(idx.length, [r[0], r[2], r[1]]);
        if (parts[2] === 0) noTest++;
        assignByCounts(idx, parts, [0, 3, 2]);
      });
      break;
    }
    case 'loo': {
      const ts = spec.order === 'latest' ? requireTimestamps(log, 'leave-one-out (latest)') : null;
      const need = spec.valid ? 3 : 2;
      perUser((idx) => {
        if (idx.length < need) {
          noTest++;
          return;
        }
        if (ts) sortByTime(idx, ts);
        else rng.shuffle(idx);
        code[idx[idx.length - 1]] = 2;
        if (spec.valid) code[idx[idx.length - 2]] = 1;
      });
      break;
    }
    case 'global-time': {
      const ts = requireTimestamps(log, 'global time');
      let testFrom = spec.testFrom;
      let validFrom = spec.validFrom;
      if (testFrom === undefined) {
        const f = spec.testFraction;
        if (!(f !== undefined && f > 0 && f < 1)) throw new RangeError('global time split: give testFrom (a timestamp) or testFraction in (0, 1)');
        const sorted = Float64Array.from(ts).sort();
        testFrom = sorted[Math.min(n - 1, Math.floor(n * (1 - f)))];
        if (spec.validFraction) validFrom = sorted[Math.max(0, Math.floor(n * (1 - f - spec.validFraction)))];
      }
      for (let k = 0; k < n; k++) code[k] = ts[k] >= testFrom ? 2 : validFrom !== undefined && ts[k] >= validFrom ? 1 : 0;
      const hasTrain = new Uint8Array(log.numUsers);
      const hasTest = new Uint8Array(log.numUsers);
      for (let k = 0; k < n; k++) {
        if (code[k] === 0) hasTrain[log.users[k]] = 1;
        if (code[k] === 2) hasTest[log.users[k]] = 1;
      }
      let cold = 0;
      for (let u = 0; u < log.numUsers; u++) {
        if (hasTest[u] && !hasTrain[u]) cold++;
        if (!hasTest[u]) noTest++;
      }
      report.push({ step, message: `cut at test ≥ ${testFrom}${validFrom !== undefined ? `, valid ≥ ${validFrom}` : ''}; ${cold} users have test interactions but no training interactions (cold-start)`, count: cold });
      break;
    }
    case 'none':
      break;
  }
  // Per-record codes (0 train, 1 valid, 2 test, 3 false-negative) into Pairs, in one pass.
  const parts = selectByCode(log, code, 4);
  const train: Pairs = { ...parts[0], label: `${log.name} train` };
  const valid: Pairs = { ...parts[1], label: `${log.name} valid` };
  const test: Pairs = { ...parts[2], label: `${log.name} test` };
  const fn: Pairs | undefined = spec.kind === 'fn' ? { ...parts[3], label: `${log.name} false negatives` } : undefined;
  const hasValid = spec.kind === 'ratio' || spec.kind === 'temporal' ? valid.users.length > 0 || normalise(spec.ratios, 'split', 3)[1] > 0 : valid.users.length > 0;
  report.push({
    step,
    message: `train ${train.users.length}, ${hasValid ? `valid ${valid.users.length}, ` : ''}test ${test.users.length}${fn ? `, false negatives ${fn.users.length}` : ''}${spec.kind !== 'none' && noTest > 0 ? `; ${noTest} users have no test interaction (too few interactions)` : ''}`,
    count: noTest,
  });
  let exposure: Pairs | undefined;
  if (log.exposure) exposure = { users: log.exposure.users, items: log.exposure.items, label: `${log.name} exposure` };
  return assembleDataset({
    name: log.name,
    numUsers: log.numUsers,
    numItems: log.numItems,
    userIds: log.userIds,
    itemIds: log.itemIds,
    train,
    valid: hasValid ? valid : undefined,
    test,
    exposure,
    falseNegatives: fn,
    source: log.source,
    splitRule: { kind: spec.kind, temporal: isTemporal(spec) },
    report,
  });
}

/** Whether a split holds out each user's (or the globally) latest interactions. */
export function isTemporal(spec: SplitSpec): boolean {
  return spec.kind === 'temporal' || spec.kind === 'global-time' || (spec.kind === 'loo' && spec.order === 'latest');
}

/** Parses a CLI split string: `ratio:8:1:1`, `temporal:8:1:1`, `loo[:latest|random][:valid]`, `fn[:4:1:1]`,
 * `time:<testFraction>[:<validFraction>]`, `time@<testFrom>[@<validFrom>]`, `none`. */
export function parseSplit(s: string): SplitSpec {
  const parts = s.split(':');
  const nums = (xs: string[]) =>
    xs.map((x) => {
      const v = Number(x);
      if (x === '' || !Number.isFinite(v)) throw new RangeError(`split '${s}': '${x}' is not a number`);
      return v;
    });
  switch (parts[0]) {
    case 'ratio':
    case 'random':
      return { kind: 'ratio', ratios: nums(parts.slice(1).length ? parts.slice(1) : ['8', '1', '1']) };
    case 'temporal':
      return { kind: 'temporal', ratios: nums(parts.slice(1).length ? parts.slice(1) : ['8', '1', '1']) };
    case 'fn':
      return { kind: 'fn', ratios: parts.length > 1 ? nums(parts.slice(1)) : [4, 1, 1] };
    case 'loo': {
      const order = parts.includes('random') ? 'random' : 'latest';
      return { kind: 'loo', order, valid: parts.includes('valid') };
    }
    case 'time': {
      const [tf, vf] = nums(parts.slice(1));
      return { kind: 'global-time', testFraction: tf, validFraction: vf };
    }
    case 'none':
      return { kind: 'none' };
    default:
      if (s.startsWith('time@')) {
        const [tf, vf] = nums(s.slice(5).split('@'));
        return { kind: 'global-time', testFrom: tf, validFrom: vf };
      }
      throw new RangeError(`unknown split '${s}' (expected ratio:8:1:1, temporal:8:1:1, loo[:latest|random][:valid], fn[:4:1:1], time:<fraction>, time@<timestamp>, none)`);
  }
}
