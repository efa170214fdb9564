// Id-space limits for the formats that use ids as array indices (LightGCN/NGCF, LastFM, MixGCF, NCF): a file names
// ids, and the loader allocates per id (CSR row pointers, id strings, embedding rows later). One line with id
// 2147483647 would ask for gigabytes, so every such loader checks the largest id BEFORE allocating anything sized
// by it, against two bounds:
//   maxId            an absolute cap (default 50,000,000);
//   maxIdsPerRecord  the id space a file of n interactions may need: max(2^20, maxIdsPerRecord · n) ids
//                    (default 100 per interaction; real data have fewer ids than interactions, and 2^20 ids cost
//                    a few tens of MB), so a file of a few lines can never need an id space of 10^9.
// Both are loader options (`dataset.options.maxId`, `dataset.options.maxIdsPerRecord`). Errors are DataErrors
// naming the file, the line of the offending id and the field.
import { DataError } from './errors.js';

export const DEFAULT_MAX_ID = 50_000_000;
export const DEFAULT_IDS_PER_RECORD = 100;
/** Id spaces up to this size are always allowed (cheap, and common in hand-made fixtures). */
export const MIN_ID_SPACE = 1 << 20;

export interface IdLimits {
  /** Largest id accepted (default 50,000,000). */
  maxId?: number;
  /** Ids allowed per interaction in the files (default 100), above the 2^20 floor. */
  maxIdsPerRecord?: number;
}

function positiveInt(v: unknown, key: string, file: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2147483647) {
    throw new DataError(file, 0, `options.${key}`, `expected an integer in [0, 2147483647], got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The largest id a source of `records` interactions may use under `limits`. */
export function idSpaceLimit(records: number, limits: IdLimits = {}, file = 'dataset'): number {
  const maxId = positiveInt(limits.maxId, 'maxId', file) ?? DEFAULT_MAX_ID;
  const per = positiveInt(limits.maxIdsPerRecord, 'maxIdsPerRecord', file) ?? DEFAULT_IDS_PER_RECORD;
  return Math.min(maxId, Math.max(MIN_ID_SPACE, per * Math.max(records, 1)) - 1);
}

/**
 * Throws a DataError at `file:line: field` when id `largest` (the largest of its kind in the source) is above
 * what the source may need. `records` is the number of interactions the source's files hold.
 */
export function checkIdSpace(largest: number, records: number, limits: IdLimits, at: { file: string; line: number; field: string },
  shown = largest): void {
  const limit = idSpaceLimit(records, limits, at.file);
  if (largest <= limit) return;
  const maxId = limits.maxId ?? DEFAULT_MAX_ID;
  const why = limit === maxId
    ? `is above the id limit ${maxId} (options.maxId)`
    : `would need an id space of ${largest + 1} for ${records} interaction${records === 1 ? '' : 's'} (at most ` +
      `${limit + 1} allowed: ${limits.maxIdsPerRecord ?? DEFAULT_IDS_PER_RECORD} ids per interaction, options.maxIdsPerRecord)`;
  throw new DataError(at.file, at.line, at.field, `id ${shown} ${why}; this format uses ids as array indices ` +
    '(0-based, contiguous): raise the limit if the ids are really that sparse, or use the csv loader, which remaps ids');
}

/** Checks an explicit size option (numUsers, numItems, …) against the same limit. */
export function checkSizeOption(value: unknown, key: string, atLeast: number, records: number, limits: IdLimits, file: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new DataError(file, 0, `options.${key}`, `expected a non-negative integer, got ${JSON.stringify(value)}`);
  }
  if (value < atLeast) throw new DataError(file, 0, `options.${key}`, `${value} is below the ${atLeast} the files need`);
  checkIdSpace(value - 1, records, limits, { file, line: 0, field: `options.${key}` });
  return value;
}

/** Index of the largest value (first occurrence); -1 when empty. */
export function argMax(a: Int32Array, n = a.length): number {
  let best = -1;
  let v = -Infinity;
  for (let k = 0; k < n; k++) if (a[k] > v) [v, best] = [a[k], k];
  return best;
}
