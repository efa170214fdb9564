// Assembling a Dataset from per-split (user, item) pairs: CSR per split (duplicates collapsed and reported),
// train/test and train/valid overlaps reported, exposure cleaned of training positives, popularity and fingerprint.
import { buildCsr, colCounts, countOverlap, emptySet } from './csr.js';
import { fingerprint } from './fingerprint.js';
import type { DataReportEntry, Dataset, InteractionSet } from './types.js';
import { selectEntries, hasInteraction } from './csr.js';

/** Interactions of one split as parallel arrays (dense ids), before CSR. */
export interface Pairs {
  users: Int32Array;
  items: Int32Array;
  timestamps?: Float64Array;
  ratings?: Float32Array;
  /** Where they came from, for the report ("gowalla/train.txt"). */
  label: string;
}

export type SplitInput = Pairs | InteractionSet;

export interface DatasetParts {
  name: string;
  numUsers: number;
  numItems: number;
  userIds: readonly string[];
  itemIds: readonly string[];
  train: SplitInput;
  valid?: SplitInput;
  test: SplitInput;
  exposure?: SplitInput;
  falseNegatives?: SplitInput;
  testNegatives?: { n: number; items: Int32Array };
  source?: { format: string; path?: string };
  splitRule?: Dataset['splitRule'];
  report?: DataReportEntry[];
}

function isPairs(x: SplitInput): x is Pairs {
  return (x as Pairs).users !== undefined;
}

/** Sequential ids "0".."n−1" (or with an offset, e.g. 1 for 1-based sources). */
export function sequentialIds(n: number, offset = 0): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = String(i + offset);
  return out;
}

/**
 * Builds the Dataset. Policy, documented in docs/data.md: duplicates within a split are collapsed (first
 * occurrence kept) and counted; a pair in both train and test (or valid) is kept in both and reported, since
 * the source says so (the evaluator masks training items, so such a test item cannot be hit); exposure records
 * that are training positives are dropped and counted (exposure means "shown, not interacted"); those that are
 * held-out positives stay (cleaning them would leak valid/test into training inputs) and are counted.
 */
export function assembleDataset(parts: DatasetParts): Dataset {
  const report: DataReportEntry[] = [...(parts.report ?? [])];
  const { numUsers, numItems } = parts;
  if (parts.userIds.length !== numUsers) throw new Error(`assembleDataset: ${parts.userIds.length} user ids for ${numUsers} users`);
  if (parts.itemIds.length !== numItems) throw new Error(`assembleDataset: ${parts.itemIds.length} item ids for ${numItems} items`);
  const make = (name: string, x: SplitInput | undefined): InteractionSet | undefined => {
    if (!x) return undefined;
    if (!isPairs(x)) {
      if (x.rows !== numUsers || x.cols !== numItems)
        throw new Error(`assembleDataset: ${name} is ${x.rows}×${x.cols}, expected ${numUsers}×${numItems}`);
      return x;
    }
    const { set, duplicates } = buildCsr(numUsers, numItems, x.users, x.items, x.timestamps, x.ratings);
    if (duplicates > 0)
      report.push({ step: `load ${x.label}`, message: `collapsed ${duplicates} duplicate (user, item) pairs in ${name} (first occurrence kept)`, count: duplicates });
    return set;
  };
  const train = make('train', parts.train)!;
  const valid = make('valid', parts.valid);
  const test = make('test', parts.test)!;
  let exposure = make('exposure', parts.exposure);
  const falseNegatives = make('falseNegatives', parts.falseNegatives);
  const tt = countOverlap(train, test);
  if (tt > 0) report.push({ step: 'check', message: `${tt} (user, item) pairs are in both train and test (kept in both; training items are masked at evaluation, so these test items cannot be hit)`, count: tt });
  if (valid) {
    const tv = countOverlap(train, valid);
    if (tv > 0) report.push({ step: 'check', message: `${tv} (user, item) pairs are in both train and valid (kept in both)`, count: tv });
    const vt = countOverlap(valid, test);
    if (vt > 0) report.push({ step: 'check', message: `${vt} (user, item) pairs are in both valid and test (kept in both)`, count: vt });
  }
  if (exposure) {
    // Only TRAIN positives leave exposure: cleaning against valid/test would let held-out data shape a
    // training-side input (an exposure sampler could then never draw a test positive). Those are counted.
    const n = exposure.indptr[exposure.rows];
    const keep = new Uint8Array(n);
    let dropped = 0;
    let heldOut = 0;
    for (let u = 0; u < numUsers; u++)
      for (let k = exposure.indptr[u]; k < exposure.indptr[u + 1]; k++) {
        const i = exposure.indices[k];
        if (hasInteraction(train, u, i)) {
          dropped++;
          continue;
        }
        keep[k] = 1;
        if (hasInteraction(test, u, i) || (valid !== undefined && hasInteraction(valid, u, i)) ||
          (falseNegatives !== undefined && hasInteraction(falseNegatives, u, i))) heldOut++;
      }
    if (dropped > 0) {
      exposure = selectEntries(exposure, keep);
      report.push({ step: 'exposure', message: `dropped ${dropped} exposure records that are training positives of the same user`, count: dropped });
    }
    if (heldOut > 0)
      report.push({ step: 'exposure', message: `kept ${heldOut} exposure records that are held-out (valid/test/false-negative) positives of the same user (held-out data must not shape training inputs)`, count: heldOut });
  }
  const content = {
    numUsers,
    numItems,
    userIds: parts.userIds,
    itemIds: parts.itemIds,
    train,
    valid,
    test,
    exposure,
    falseNegatives,
    testNegatives: parts.testNegatives,
  };
  const d: Dataset = {
    name: parts.name,
    ...stripUndefined(content),
    itemPopularity: colCounts(train),
    fingerprint: fingerprint(content),
    report,
    ...(parts.source ? { source: parts.source } : {}),
    ...(parts.splitRule ? { splitRule: parts.splitRule } : {}),
  } as Dataset;
  return d;
}

function stripUndefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** A copy of `d` with some splits replaced; popularity and fingerprint recomputed. `undefined` removes a split. */
export function withSplits(d: Dataset, patch: Partial<Dataset>): Dataset {
  const merged = { ...d, ...patch };
  const content = {
    numUsers: merged.numUsers,
    numItems: merged.numItems,
    userIds: merged.userIds,
    itemIds: merged.itemIds,
    train: merged.train,
    valid: merged.valid,
    test: merged.test,
    exposure: merged.exposure,
    falseNegatives: merged.falseNegatives,
    plantedNegatives: merged.plantedNegatives,
    testNegatives: merged.testNegatives,
  };
  return stripUndefined({
    ...merged,
    itemPopularity: colCounts(merged.train),
    fingerprint: fingerprint(content),
  }) as Dataset;
}

export { emptySet };
