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
import { Lines, parseNumber } from './scan.js';
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
  /** Float32, as every loader stores ratings (a double written to a Float32Array rounds as Float32Array.from does). */
  ratings: Float32Array | null;
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
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 16)));
  let have = 0;
  let eof = false;
  let first = true;
  let blankLines = 0;
  let cols: ColumnIndex | null = null;
  const st: Records = { users: new Int32Array(0), items: new Int32Array(0), ratings: null, stamps: null, n: 0, uc: -1, ic: -1, rc: -1, tc: -1, width: 0, delim, numLines: new Lines(new Uint8Array(0), file) };
  for (;;) {
    if (!eof) {
      if (have === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, have);
        buf = bigger;
      }
      const got = readSync(fd, buf, have, buf.length - have, null);
      if (got === 0) eof = true;
      have += got;
    }
    let p = 0;
    if (first) {
      if (have < 3 && !eof) continue;
      if (have >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      first = false;
    }
    // Whole lines only: up to the last line feed read so far (everything at the end of the file).
    const limit = eof ? have : buf.lastIndexOf(LF, have - 1) + 1;
    while (p < limit) {
      const c0 = buf[p];
      if (cols === null || c0 === LF || c0 === CR || c0 === SPACE || c0 === TAB) {
        // A header, a blank line, or a record starting with white space (left to the general path).
        let nl = buf.indexOf(LF, p);
        if (nl < 0 || nl >= limit) nl = limit;
        let e = nl;
        if (e > p && buf[e - 1] === CR) e--;
        let blank = true;
        for (let q = p; q < e; q++) {
          const c = buf[q];
          if (c !== SPACE && c !== TAB) {
            blank = false;
            break;
          }
        }
        if (blank) {
          blankLines++;
          p = nl + 1;
          continue;
        }
        if (cols !== null) throw NOT_FAST;
        const hl = new Lines(buf, file);
        hl.start = p;
        hl.end = e;
        const header = splitLine(buf, p, e, delim, hl);
        cols = columns(header.map((x) => x.trim()), hl);
        st.width = header.length;
        st.uc = cols.user;
        st.ic = cols.item;
        st.rc = cols.rating;
        st.tc = cols.timestamp;
        p = nl + 1;
        // Preallocate from the file size and the mean length of the lines in this chunk (2% slack; the arrays grow
        // if the guess was short, and fit() trims what is left over).
        let lfs = 0;
        for (let q = buf.indexOf(LF, p); q >= 0 && q < have; q = buf.indexOf(LF, q + 1)) lfs++;
        const guess = lfs >= 64 && have > p ? Math.ceil((((size - p) * lfs) / (have - p)) * 1.02) + 1024 : 1024;
        if (st.rc >= 0) st.ratings = new Float32Array(0);
        if (st.tc >= 0) st.stamps = new Float64Array(0);
        grow(st, guess);
        continue;
      }
      p = records(buf, p, limit, st);
      // Stopped early: full arrays (grow them), or a line starting with white space (the branch above).
      if (p < limit && st.n === st.users.length) grow(st, Math.ceil(st.users.length * 1.5) + 1024);
    }
    if (p > 0 && p < have) buf.copy(buf, 0, p, have);
    have = p >= have ? 0 : have - p;
    if (eof && have === 0) break;
    if (eof) throw NOT_FAST; // cannot happen: at the end everything is one complete line
  }
  const n = st.n;
  if (cols === null || n === 0) return null; // empty or header-only: the general path says so
  return {
    file,
    users: fit(st.users, n),
    items: fit(st.items, n),
    ratings: st.ratings ? fit(st.ratings, n) : null,
    timestamps: st.stamps ? fit(st.stamps, n) : null,
    blankLines,
  };
}

/** The output arrays and the column layout the record loop fills. */
interface Records {
  users: Int32Array;
  items: Int32Array;
  ratings: Float32Array | null;
  stamps: Float64Array | null;
  n: number;
  uc: number;
  ic: number;
  rc: number;
  tc: number;
  width: number;
  delim: number;
  numLines: Lines;
}

function grow(st: Records, to: number): void {
  const n = st.n;
  const u = new Int32Array(to);
  u.set(st.users.subarray(0, n));
  st.users = u;
  const i = new Int32Array(to);
  i.set(st.items.subarray(0, n));
  st.items = i;
  if (st.ratings) {
    const r = new Float32Array(to);
    r.set(st.ratings.subarray(0, n));
    st.ratings = r;
  }
  if (st.stamps) {
    const t = new Float64Array(to);
    t.set(st.stamps.subarray(0, n));
    st.stamps = t;
  }
}

/**
 * Parses records from p on, each in one pass (every field up to its delimiter, the last up to the line's end),
 * until `limit`, a line that starts like a blank one or a header (returned to the caller), or full arrays.
 * Returns where it stopped. Locals, not closures, hold the arrays, so the loop stays in registers.
 */
function records(buf: Uint8Array, p: number, limit: number, st: Records): number {
  const users = st.users;
  const items = st.items;
  const ratings = st.ratings;
  const stamps = st.stamps;
  const cap = users.length;
  const { uc, ic, rc, tc, width, delim, numLines } = st;
  let n = st.n;
  while (p < limit && n < cap) {
    const c0 = buf[p];
    if (c0 === LF || c0 === CR || c0 === SPACE || c0 === TAB) break;
    let q = p;
    for (let f = 0; f < width; f++) {
      const last = f === width - 1;
      const s = q;
      if (f === uc || f === ic) {
        let v = 0;
        while (q < limit) {
          const d = buf[q] - ZERO;
          if (d < 0 || d > 9) break;
          v = v * 10 + d;
          q++;
        }
        const len = q - s;
        if (len === 0 || len > 10 || (len > 1 && buf[s] === ZERO) || v > MAX_ID) throw NOT_FAST;
        if (f === uc) users[n] = v;
        else items[n] = v;
      } else if (f === rc || f === tc) {
        let neg = false;
        if (q < limit && buf[q] === MINUS) {
          neg = true;
          q++;
        }
        let m = 0;
        let digits = 0;
        let k = 0;
        while (q < limit) {
          const d = buf[q] - ZERO;
          if (d < 0 || d > 9) break;
          m = m * 10 + d;
          digits++;
          q++;
        }
        if (digits > 0 && q + 1 < limit && buf[q] === DOT) {
          const d1 = buf[q + 1] - ZERO;
          if (d1 >= 0 && d1 <= 9) {
            q++;
            while (q < limit) {
              const d = buf[q] - ZERO;
              if (d < 0 || d > 9) break;
              m = m * 10 + d;
              digits++;
              k++;
              q++;
            }
          }
        }
        let v: number;
        if (digits > 0 && digits <= 15 && ends(buf, q, limit, delim, last)) {
          v = k ? m / POW10[k] : m;
          if (neg) v = -v;
        } else {
          // Anything else (exponents, '+', spaces, long mantissas) as the general path reads it.
          let fe = s;
          while (fe < limit) {
            const c = buf[fe];
            if (c === delim || c === LF) break;
            if (c === QUOTE || c >= 128) throw NOT_FAST;
            fe++;
          }
          q = fe;
          if (last && fe > s && buf[fe - 1] === CR) fe--;
          v = parseNumber(buf, s, fe, numLines, 'number'); // a DataError (not a finite number) → general path
        }
        if (f === rc) ratings![n] = v;
        else stamps![n] = v;
      } else {
        while (q < limit) {
          const c = buf[q];
          if (c === delim || c === LF) break;
          if (c === QUOTE) throw NOT_FAST;
          q++;
        }
        if (last && q > s && buf[q - 1] === CR) q--; // the line's CR, checked below
      }
      if (!last) {
        if (q >= limit || buf[q] !== delim) throw NOT_FAST; // a missing field (or a stray byte)
        q++;
      }
    }
    // The record must end here: LF, CR LF, or the end of the file.
    if (q < limit) {
      if (buf[q] === CR) q++;
      if (q < limit) {
        if (buf[q] !== LF) throw NOT_FAST; // an extra field, or a stray byte
        q++;
      }
    }
    n++;
    p = q;
  }
  st.n = n;
  return p;
}

/** Whether the field ending at q ends there: at the delimiter, or (the last field) at LF, CR LF or the end. */
function ends(buf: Uint8Array, q: number, limit: number, delim: number, last: boolean): boolean {
  if (q >= limit) return last;
  const c = buf[q];
  if (!last) return c === delim;
  return c === LF || (c === CR && (q + 1 >= limit || buf[q + 1] === LF));
}

/** The first n values: a view when little would be wasted, else a copy (memory stays proportional to the data). */
function fit<T extends Int32Array | Float32Array | Float64Array>(a: T, n: number): T {
  return (n >= a.length - (a.length >> 3) ? a.subarray(0, n) : a.slice(0, n)) as T;
}
