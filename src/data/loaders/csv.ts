// Generic CSV/TSV with a header naming the columns: user, item, and optionally rating and timestamp. The
// delimiter is detected from the header (tab, comma, semicolon, '|') unless given; double-quoted fields are
// understood. Column names default to common spellings (user/user_id/userId/uid, item/item_id/itemId/
// movieId/iid, rating/score, timestamp/time/ts). A single file gives a log; options.train/test(/valid) file
// paths give a pre-split Dataset. Ids are tokens mapped to dense ids in sorted order.
import { DataError } from '../errors.js';
import { TokenMap, type InteractionLog } from '../log.js';
import { readBytes, type Lines } from '../scan.js';
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
}

const USER = ['user', 'user_id', 'userid', 'uid', 'user_id:token'];
const ITEM = ['item', 'item_id', 'itemid', 'movieid', 'movie_id', 'iid', 'item_id:token'];
const RATING = ['rating', 'score', 'rating:float'];
const TIME = ['timestamp', 'time', 'ts', 'timestamp:float'];

function detectDelimiter(file: string, given?: string): number {
  if (given) {
    const d = given === '\\t' || given === 'tab' ? '\t' : given;
    if (d.length !== 1) throw new DataError(file, 0, 'delimiter', `must be one character, got '${given}'`);
    return d.charCodeAt(0);
  }
  const buf = readBytes(file);
  let e = buf.indexOf(10);
  if (e < 0) e = buf.length;
  const head = buf.subarray(0, e).toString('utf8');
  for (const c of ['\t', ',', ';', '|']) if (head.includes(c)) return c.charCodeAt(0);
  throw new DataError(file, 1, 'header', 'no delimiter (tab, comma, semicolon or |) in the header line; pass delimiter');
}

function columns(o: CsvOptions) {
  return (header: string[], lines: Lines): ColumnIndex => {
    const pick = (given: string | undefined, names: string[], what: string, required: boolean): number => {
      const k = findColumn(header, given ? [given] : names);
      if (k < 0 && (required || given)) throw lines.error('header', `no ${what} column${given ? ` named '${given}'` : ` (looked for ${names.join(', ')})`}; header: ${header.join(', ')}`);
      return k;
    };
    return {
      user: pick(o.user, USER, 'user', true),
      item: pick(o.item, ITEM, 'item', true),
      rating: pick(o.rating, RATING, 'rating', false),
      timestamp: pick(o.timestamp, TIME, 'timestamp', false),
    };
  };
}

export function loadCsv(path: string | undefined, opts: CsvOptions = {}): { log: InteractionLog } | { dataset: Dataset } {
  const userMap = new TokenMap();
  const itemMap = new TokenMap();
  const report: DataReportEntry[] = [];
  const read = (file: string) => {
    const t = readTokenFile(file, { delim: detectDelimiter(file, opts.delimiter), columns: columns(opts), userMap, itemMap });
    noteBlankLines(t, report);
    return t;
  };
  if (opts.train) {
    if (!opts.test) throw new Error('csv: a pre-split source needs both train and test files');
    const tables = [read(opts.train), read(opts.test)];
    if (opts.valid) tables.push(read(opts.valid));
    if (tables[0].users.length === 0) throw new DataError(opts.train, 0, 'file', 'no interactions in the training file');
    return { dataset: tokenDataset(tables, userMap, itemMap, { name: opts.name ?? 'csv', source: { format: 'csv', path: opts.train }, report }) };
  }
  if (!path) throw new Error('csv: give a file path (or train/test files)');
  const t = read(path);
  if (t.users.length === 0) throw new DataError(path, 0, 'file', 'no interactions (header only)');
  return { log: tokenLog(t, userMap, itemMap, { name: opts.name ?? 'csv', source: { format: 'csv', path }, report }) };
}
