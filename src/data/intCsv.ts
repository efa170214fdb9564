// The fast path for large CSV/TSV logs whose user and item ids are plain integers: the file is read in chunks and
// its bytes parsed straight into typed arrays (no string or object per row). It gives exactly what the general
// token path (tokens.ts) gives for such files, and it only runs where that is certain: the first line it cannot
// read with the same meaning (a quote, an id with a sign, spaces or leading zeros, a missing or extra field, a
// rating that is not a plain decimal, …) makes it answer null, and the caller reads the file again on the general
// path, which also produces the errors. The ids it accepts are canonical non-negative integers below 2^31, for
// which the general path's TokenMap orders ids numerically and names them String(v), as compactNumericIds does.
import { closeSync, fstatSync, readSync } from 'node:fs';
import { FileError, openRegular } from '../io/files.js';
import { DataError } from './errors.js';
import { IntList, Lines, NumList, parseNumber } from './scan.js';
import { splitLine, type ColumnIndex } from './tokens.js';

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const MAX_ID = 2147483647;
/** Bytes read per chunk; a longer line grows the buffer. */
const CHUNK = 1 << 22;
/** Exact powers of ten: m / 10^k with m < 2^53 and k ≤ 22 is the correctly rounded value, as Number() gives. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** A file's records with raw (not yet compacted) integer ids, as the general path's TokenTable holds tokens. */
export interface IntTable {
  file: string;
  users: Int32Array;
  items: Int32Array;
  ratings: Float64Array | null;
  timestamps: Float64Array | null;
  blankLines: number;
}

/** Thrown inside the scan when the fast path's assumptions fail; never leaves this module. */
class NotFast extends Error {}
const NOT_FAST = new NotFast('not on the fast path');

/**
 * Reads `file` on the fast path, or returns null when any line needs the general path (which then also reports
 * any error). `columns` resolves the header as the general path does.
 */
export function readIntCsv(file: string, delim: number, columns: (header: string[], lines: Lines) => ColumnIndex): IntTable | null {
  if (delim === QUOTE || delim === LF || delim === CR || delim >= 128 || (delim >= ZERO && delim <= NINE) || delim === MINUS || delim === DOT) return null;
  let fd: number;
  try {
    fd = openRegular(file);
  } catch (e) {
    if (e instanceof FileError) return null; // the general path reports it
    throw e;
  }
  try {
    return scan(fd, file, delim, columns);
  } catch (e) {
    if (e instanceof NotFast || e instanceof DataError) return null;
    throw e;
  } finally {
    closeSync(fd);
  }
}

function scan(fd: number, file: string, delim: number, columns: (header: string[], lines: Lines) => ColumnIndex): IntTable | null {
  const size = fstatSync(fd).size;
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let have = 0;
  let eof = false;
  let first = true;
  let blankLines = 0;
  let cols: ColumnIndex | null = null;
  let width = 0;
  let users: IntList | null = null;
  let items: IntList | null = null;
  let ratings: NumList | null = null;
  let stamps: NumList | null = null;
  let uc = -1, ic = -1, rc = -1, tc = -1;
  // Reused for the rare numbers the decimal fast path does not take (parseNumber reads them as the general path).
  const numLines = new Lines(new Uint8Array(0), file);
  for (;;) {
    if (!eof) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const n = readSync(fd, buf, have, buf.length - have, null);
      if (n === 0) eof = true;
      have += n;
    }
    let p = 0;
    if (first) {
      if (have < 3 && !eof) continue;
      if (have >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      first = false;
    }
    for (;;) {
      let nl = buf.indexOf(LF, p);
      if (nl < 0 || nl >= have) {
        if (!eof || p >= have) break;
        nl = have; // the last line, without a line feed
      }
      const s = p;
      let e = nl;
      p = nl + 1;
      if (e > s && buf[e - 1] === CR) e--;
      let blank = true;
      for (let q = s; q < e; q++) {
        const c = buf[q];
        if (c !== SPACE && c !== TAB) {
          blank = false;
          break;
        }
      }
      if (blank) {
        blankLines++;
        continue;
      }
      if (!cols) {
        const hl = new Lines(buf, file);
        hl.start = s;
        hl.end = e;
        const header = splitLine(buf, s, e, delim, hl);
        cols = columns(header.map((x) => x.trim()), hl);
        width = header.length;
        uc = cols.user;
        ic = cols.item;
        rc = cols.rating;
        tc = cols.timestamp;
        // Preallocate from the file size and the mean line length of the rest of this chunk (2% slack; the lists
        // grow if the guess was short, and fit() trims what is left over).
        let lfs = 0;
        for (let q = buf.indexOf(LF, p); q >= 0 && q < have; q = buf.indexOf(LF, q + 1)) lfs++;
        const cap = lfs >= 64 ? Math.ceil(((size - p) * lfs) / (have - p) * 1.02) + 1024 : 1024;
        users = new IntList(cap);
        items = new IntList(cap);
        if (rc >= 0) ratings = new NumList(cap);
        if (tc >= 0) stamps = new NumList(cap);
        continue;
      }
      // One record: fields split by the delimiter; no quotes (they would need the general path).
      let f = 0;
      let q = s;
      let u = -1;
      let i = -1;
      for (;;) {
        const fs = q;
        while (q < e) {
          const c = buf[q];
          if (c === delim) break;
          if (c === QUOTE) throw NOT_FAST;
          q++;
        }
        if (f === uc) u = canonicalId(buf, fs, q);
        else if (f === ic) i = canonicalId(buf, fs, q);
        else if (f === rc) ratings!.push(decimal(buf, fs, q, numLines));
        else if (f === tc) stamps!.push(decimal(buf, fs, q, numLines));
        f++;
        if (q >= e) break;
        q++;
        if (q === e) {
          // A trailing delimiter: one more, empty field.
          if (f === uc || f === ic || f === rc || f === tc) throw NOT_FAST;
          f++;
          break;
        }
      }
      if (f !== width) throw NOT_FAST;
      users!.push(u);
      items!.push(i);
    }
    if (p > 0 && p < have) buf.copy(buf, 0, p, have);
    have = p >= have ? 0 : have - p;
    if (eof && have === 0) break;
  }
  if (!cols || users!.length === 0) return null; // empty or header-only: the general path says so
  return {
    file,
    users: fit(users!.data, users!.length),
    items: fit(items!.data, items!.length),
    ratings: ratings ? fit(ratings.data, ratings.length) : null,
    timestamps: stamps ? fit(stamps.data, stamps.length) : null,
    blankLines,
  };
}

/** The first n values: a view when little would be wasted, else a copy (memory stays proportional to the data). */
function fit<T extends Int32Array | Float64Array>(a: T, n: number): T {
  return (n >= a.length - (a.length >> 3) ? a.subarray(0, n) : a.slice(0, n)) as T;
}

/** A canonical non-negative integer below 2^31 ("0" or digits without a leading zero), else not fast. */
function canonicalId(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len === 0 || len > 10 || (buf[s] === ZERO && len > 1)) throw NOT_FAST;
  let v = 0;
  for (let p = s; p < e; p++) {
    const c = buf[p] - ZERO;
    if (c < 0 || c > 9) throw NOT_FAST;
    v = v * 10 + c;
  }
  if (v > MAX_ID) throw NOT_FAST;
  return v;
}

/**
 * `-?digits(.digits)?` with at most 15 digits as m / 10^k (correctly rounded, so equal to Number()); anything
 * else ASCII goes through the general path's parseNumber, and non-ASCII bytes leave the fast path (the general
 * path decodes them as UTF-8 first).
 */
function decimal(buf: Uint8Array, s: number, e: number, lines: Lines): number {
  let p = s;
  const neg = p < e && buf[p] === MINUS;
  if (neg) p++;
  let m = 0;
  let digits = 0;
  let k = 0;
  let dot = false;
  let ok = p < e;
  for (; p < e; p++) {
    const c = buf[p];
    if (c >= ZERO && c <= NINE) {
      m = m * 10 + (c - ZERO);
      digits++;
      if (dot) k++;
    } else if (c === DOT && !dot && digits > 0 && p + 1 < e) dot = true;
    else {
      ok = false;
      break;
    }
  }
  if (ok && digits > 0 && digits <= 15) {
    const v = k ? m / POW10[k] : m;
    return neg ? -v : v;
  }
  for (let q = s; q < e; q++) if (buf[q] >= 128) throw NOT_FAST;
  return parseNumber(buf, s, e, lines, 'number'); // throws a DataError (→ general path) when not a finite number
}
