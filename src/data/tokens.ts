// Shared machinery for the string-token formats (RecBole .inter, generic CSV/TSV): per-line field splitting
// with named columns, string ids through a TokenMap shared across split files, then dense ids in sorted order.
import { assembleDataset, type Pairs } from './build.js';
import { DataError } from './errors.js';
import { applyRemap, TokenMap, type InteractionLog } from './log.js';
import type { DataReportEntry, Dataset } from './types.js';
import { IntList, Lines, NumList, parseNumber, readBytes } from './scan.js';

export interface ColumnIndex {
  user: number;
  item: number;
  rating: number; // −1 when absent
  timestamp: number; // −1 when absent
}

export interface TokenTable {
  file: string;
  users: IntList; // token ids (pre-remap)
  items: IntList;
  ratings: NumList | null;
  timestamps: NumList | null;
  blankLines: number;
}

/** Splits one delimited line, honouring double-quoted fields ("" is a literal quote). Returns field strings. */
export function splitLine(buf: Uint8Array, s: number, e: number, delim: number, lines: Lines): string[] {
  const out: string[] = [];
  let p = s;
  for (;;) {
    if (p < e && buf[p] === 34) {
      // Quoted field.
      let q = p + 1;
      let text = '';
      let chunk = q;
      for (;;) {
        if (q >= e) throw lines.error(`field ${out.length + 1}`, 'unterminated quoted field');
        if (buf[q] === 34) {
          if (q + 1 < e && buf[q + 1] === 34) {
            text += Buffer.from(buf.buffer, buf.byteOffset + chunk, q + 1 - chunk).toString('utf8');
            q += 2;
            chunk = q;
            continue;
          }
          break;
        }
        q++;
      }
      text += Buffer.from(buf.buffer, buf.byteOffset + chunk, q - chunk).toString('utf8');
      out.push(text);
      p = q + 1;
      if (p < e && buf[p] !== delim) throw lines.error(`field ${out.length}`, 'characters after a closing quote');
    } else {
      let q = p;
      while (q < e && buf[q] !== delim) q++;
      out.push(Buffer.from(buf.buffer, buf.byteOffset + p, q - p).toString('utf8'));
      p = q;
    }
    if (p >= e) break;
    p++; // past the delimiter
    if (p === e) {
      out.push('');
      break;
    }
  }
  return out;
}

export interface ReadTokensOptions {
  delim: number;
  /** Resolves the header's field names to column positions (throws a DataError naming what is missing). */
  columns: (header: string[], lines: Lines) => ColumnIndex;
  userMap: TokenMap;
  itemMap: TokenMap;
}

export function readTokenFile(file: string, o: ReadTokensOptions): TokenTable {
  const buf = readBytes(file);
  const lines = new Lines(buf, file);
  let cols: ColumnIndex | null = null;
  let width = 0;
  const guess = Math.max(16, Math.floor(buf.length / 16));
  const t: TokenTable = { file, users: new IntList(guess), items: new IntList(guess), ratings: null, timestamps: null, blankLines: 0 };
  while (lines.next()) {
    if (lines.blank()) {
      t.blankLines++;
      continue;
    }
    const f = splitLine(buf, lines.start, lines.end, o.delim, lines);
    if (!cols) {
      cols = o.columns(f.map((x) => x.trim()), lines);
      width = f.length;
      if (cols.rating >= 0) t.ratings = new NumList(guess);
      if (cols.timestamp >= 0) t.timestamps = new NumList(guess);
      continue;
    }
    if (f.length < width) throw lines.error(`field ${f.length + 1}`, `missing field: the header has ${width} fields, this line ${f.length}`);
    if (f.length > width) throw lines.error('line', `extra fields: the header has ${width} fields, this line ${f.length}`);
    const u = f[cols.user].trim();
    const i = f[cols.item].trim();
    if (u === '') throw lines.error('user', 'empty user id');
    if (i === '') throw lines.error('item', 'empty item id');
    t.users.push(o.userMap.id(u));
    t.items.push(o.itemMap.id(i));
    if (t.ratings) t.ratings.push(numberField(f[cols.rating], lines, 'rating'));
    if (t.timestamps) t.timestamps.push(numberField(f[cols.timestamp], lines, 'timestamp'));
  }
  if (!cols) throw new DataError(file, 0, 'file', 'empty file (no header line)');
  return t;
}

function numberField(s: string, lines: Lines, name: string): number {
  const b = Buffer.from(s, 'utf8');
  return parseNumber(b, 0, b.length, lines, name);
}

/** Finishes the token maps and rewrites every table's ids to the dense sorted order. */
export function finishTokens(tables: TokenTable[], userMap: TokenMap, itemMap: TokenMap): { userIds: string[]; itemIds: string[]; users: Int32Array[]; items: Int32Array[] } {
  const um = userMap.finish();
  const im = itemMap.finish();
  const users = tables.map((t) => {
    const a = t.users.toArray();
    applyRemap(a, um.remap);
    return a;
  });
  const items = tables.map((t) => {
    const a = t.items.toArray();
    applyRemap(a, im.remap);
    return a;
  });
  return { userIds: um.ids, itemIds: im.ids, users, items };
}

/** A table's records as Pairs with the dense ids finishTokens gave them. */
function tablePairs(t: TokenTable, users: Int32Array, items: Int32Array): Pairs {
  return {
    users,
    items,
    ratings: t.ratings ? Float32Array.from(t.ratings.toArray()) : undefined,
    timestamps: t.timestamps ? t.timestamps.toArray() : undefined,
    label: t.file,
  };
}

/** Reports a table's skipped blank lines, if any. */
export function noteBlankLines(t: TokenTable, report: DataReportEntry[]): void {
  if (t.blankLines) report.push({ step: `load ${t.file}`, message: `skipped ${t.blankLines} blank lines`, count: t.blankLines });
}

/** Where a token source came from and what loading it reported, for tokenLog / tokenDataset. */
export interface TokenSource {
  name: string;
  source: { format: string; path: string };
  report: DataReportEntry[];
}

/** A single token table (a log file) as an InteractionLog with dense ids. */
export function tokenLog(t: TokenTable, userMap: TokenMap, itemMap: TokenMap, s: TokenSource): InteractionLog {
  const fin = finishTokens([t], userMap, itemMap);
  const p = tablePairs(t, fin.users[0], fin.items[0]);
  return {
    name: s.name,
    numUsers: fin.userIds.length,
    numItems: fin.itemIds.length,
    userIds: fin.userIds,
    itemIds: fin.itemIds,
    users: p.users,
    items: p.items,
    ratings: p.ratings,
    timestamps: p.timestamps,
    source: s.source,
    report: s.report,
  };
}

/** Token tables [train, test, valid?] of a pre-split source as a Dataset, ids shared across the files. */
export function tokenDataset(tables: TokenTable[], userMap: TokenMap, itemMap: TokenMap, s: TokenSource): Dataset {
  const fin = finishTokens(tables, userMap, itemMap);
  const pairs = (k: number) => tablePairs(tables[k], fin.users[k], fin.items[k]);
  return assembleDataset({
    name: s.name,
    numUsers: fin.userIds.length,
    numItems: fin.itemIds.length,
    userIds: fin.userIds,
    itemIds: fin.itemIds,
    train: pairs(0),
    test: pairs(1),
    valid: tables.length > 2 ? pairs(2) : undefined,
    source: s.source,
    report: s.report,
  });
}

/** Finds a column by any of several names (case-insensitive), or −1. */
export function findColumn(header: string[], names: readonly string[]): number {
  const lower = header.map((h) => h.toLowerCase());
  for (const n of names) {
    const k = lower.indexOf(n.toLowerCase());
    if (k >= 0) return k;
  }
  return -1;
}
