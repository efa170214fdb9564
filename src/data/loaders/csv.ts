// Generic CSV/TSV with a header naming the columns: user, item, and optionally rating and timestamp. The
// delimiter is detected from the header (tab, comma, semicolon, '|') unless given; double-quoted fields are
// understood. Column names default to common spellings (user/user_id/userId/uid, item/item_id/itemId/
// movieId/iid, rating/score, timestamp/time/ts). A single file gives a log; options.train/test(/valid) file
// paths give a pre-split Dataset. Ids are tokens mapped to dense ids in sorted order.
import { assembleDataset, type Pairs } from '../build.js';
import { DataError } from '../errors.js';
import { readIntCsv, type IntTable } from '../intCsv.js';
import { compactNumericIds, TokenMap, type InteractionLog } from '../log.js';
import { readBytes, type Lines } from '../scan.js';
import { readHead } from '../../io/files.js';
import { findColumn, noteBlankLines, readTokenFile, tokenDataset, tokenLog, type ColumnIndex } from '../tokens.js';
import type { DataReportEntry, Dataset } from '../types.js';

export interface CsvOptions {
  name?: string;
  delimiter?: string;
  user?: string;
  item?: string;
  rating?: string;
  timestamp?: string;
  train?: string;
  valid?: string;
  test?: string;
  /** The integer-id fast path (intCsv.ts), default on; false forces the general token path (same result, slower). */
  fastPath?: boolean;
}

/** Column spellings looked for (case-insensitive) when options do not name the columns; the Parquet loader's too. */
export const USER_COLUMNS: readonly string[] = ['user', 'user_id', 'userid', 'uid', 'user_id:token'];
export const ITEM_COLUMNS: readonly string[] = ['item', 'item_id', 'itemid', 'movieid', 'movie_id', 'iid', 'item_id:token'];
export const RATING_COLUMNS: readonly string[] = ['rating', 'score', 'rating:float'];
export const TIME_COLUMNS: readonly string[] = ['timestamp', 'time', 'ts', 'timestamp:float'];

function detectDelimiter(file: string, given?: string): number {
  if (given) {
    const d = given === '\\t' || given === 'tab' ? '\t' : given;
    if (d.length !== 1) throw new DataError(file, 0, 'delimiter', `must be one character, got '${given}'`);
    return d.charCodeAt(0);
  }
  // The header line from the file's head (the whole file only when the first line is longer than that).
  let buf = readHeadBytes(file, 1 << 16);
  let e = buf.indexOf(10);
  if (e < 0 && buf.length === 1 << 16) buf = readBytes(file);
  if (e < 0) e = buf.length;
  const head = buf.subarray(0, e).toString('utf8');
  for (const c of ['\t', ',', ';', '|']) if (head.includes(c)) return c.charCodeAt(0);
  throw new DataError(file, 1, 'header', 'no delimiter (tab, comma, semicolon or |) in the header line; pass delimiter');
}

function readHeadBytes(file: string, n: number): Buffer {
  try {
    return readHead(file, n);
  } catch {
    return readBytes(file); // the DataError naming what is wrong with the file
  }
}

function columns(o: CsvOptions) {
  return (header: string[], lines: Lines): ColumnIndex => {
    const pick = (given: string | undefined, names: readonly string[], what: string, required: boolean): number => {
      const k = findColumn(header, given ? [given] : names);
      if (k < 0 && (required || given)) throw lines.error('header', `no ${what} column${given ? ` named '${given}'` : ` (looked for ${names.join(', ')})`}; header: ${header.join(', ')}`);
      return k;
    };
    return {
      user: pick(o.user, USER_COLUMNS, 'user', true),
      item: pick(o.item, ITEM_COLUMNS, 'item', true),
      rating: pick(o.rating, RATING_COLUMNS, 'rating', false),
      timestamp: pick(o.timestamp, TIME_COLUMNS, 'timestamp', false),
    };
  };
}

export function loadCsv(path: string | undefined, opts: CsvOptions = {}): { log: InteractionLog } | { dataset: Dataset } {
  if (opts.train && !opts.test) throw new Error('csv: a pre-split source needs both train and test files');
  if (!opts.train && !path) throw new Error('csv: give a file path (or train/test files)');
  const files = opts.train ? [opts.train, opts.test!, ...(opts.valid ? [opts.valid] : [])] : [path!];
  const name = opts.name ?? 'csv';
  const source = { format: 'csv', path: files[0] };
  if (opts.fastPath !== false) {
    // Every file on the fast path, or none (the id maps are shared across a pre-split source's files); any
    // problem, an error included, is left to the general path, which reports it as it always did.
    const fast: IntTable[] = [];
    for (const file of files) {
      let delim: number;
      try {
        delim = detectDelimiter(file, opts.delimiter);
      } catch {
        break;
      }
      const t = readIntCsv(file, delim, columns(opts));
      if (!t) break;
      fast.push(t);
    }
    if (fast.length === files.length) return intResult(fast, name, source, !!opts.train);
  }
  const userMap = new TokenMap();
  const itemMap = new TokenMap();
  const report: DataReportEntry[] = [];
  const tables = files.map((file) => {
    const t = readTokenFile(file, { delim: detectDelimiter(file, opts.delimiter), columns: columns(opts), userMap, itemMap });
    noteBlankLines(t, report);
    return t;
  });
  if (opts.train) {
    if (tables[0].users.length === 0) throw new DataError(opts.train, 0, 'file', 'no interactions in the training file');
    return { dataset: tokenDataset(tables, userMap, itemMap, { name, source, report }) };
  }
  if (tables[0].users.length === 0) throw new DataError(path!, 0, 'file', 'no interactions (header only)');
  return { log: tokenLog(tables[0], userMap, itemMap, { name, source, report }) };
}

/** Fast-path tables as the general path would have built them: ids compacted in numeric order across the files. */
function intResult(tables: IntTable[], name: string, source: { format: string; path: string }, split: boolean): { log: InteractionLog } | { dataset: Dataset } {
  const report: DataReportEntry[] = [];
  for (const t of tables) if (t.blankLines) report.push({ step: `load ${t.file}`, message: `skipped ${t.blankLines} blank lines`, count: t.blankLines });
  const users = compactAcross(tables.map((t) => t.users));
  const items = compactAcross(tables.map((t) => t.items));
  const pairs = (k: number): Pairs => {
    const t = tables[k];
    return {
      users: users.dense[k],
      items: items.dense[k],
      ratings: t.ratings ?? undefined,
      timestamps: t.timestamps ?? undefined,
      label: t.file,
    };
  };
  if (!split) {
    const p = pairs(0);
    return {
      log: {
        name, numUsers: users.ids.length, numItems: items.ids.length, userIds: users.ids, itemIds: items.ids,
        users: p.users, items: p.items, ratings: p.ratings, timestamps: p.timestamps, source, report,
      },
    };
  }
  return {
    dataset: assembleDataset({
      name, numUsers: users.ids.length, numItems: items.ids.length, userIds: users.ids, itemIds: items.ids,
      train: pairs(0), test: pairs(1), valid: tables.length > 2 ? pairs(2) : undefined, source, report,
    }),
  };
}

/** Dense ids over several files' raw ids (one id space), split back per file. */
function compactAcross(raws: Int32Array[]): { dense: Int32Array[]; ids: string[] } {
  if (raws.length === 1) {
    const c = compactNumericIds(raws[0], true); // the raw ids are ours: rewritten in place
    return { dense: [c.dense], ids: c.ids };
  }
  const all = new Int32Array(raws.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of raws) {
    all.set(r, o);
    o += r.length;
  }
  const c = compactNumericIds(all, true);
  const dense: Int32Array[] = [];
  o = 0;
  for (const r of raws) {
    dense.push(c.dense.slice(o, o + r.length));
    o += r.length;
  }
  return { dense, ids: c.ids };
}
