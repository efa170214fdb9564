// Parquet interaction logs, read with hyparquet (pure JavaScript, no native code; docs/architecture.md says why).
// Columns are chosen as in the CSV loader (user/user_id/userId/uid, item/item_id/…, optional rating/score and
// timestamp/time/ts, or named by options) and read one column chunk at a time, straight into typed arrays: the
// file is never held whole, and memory is the output arrays plus one decoded column chunk. A file gives what the
// same log written as CSV gives (same ids, order, ratings, timestamps, report, fingerprint): integer ids in
// [0, 2^31) are ordered numerically and named String(v), string ids (trimmed) go through the CSV loader's
// TokenMap, and so do integer ids outside that range (as their decimal strings). options.train/test(/valid) give a
// pre-split source with one id space. Every problem is a DataError naming the file (and column, row group, row).
import { closeSync, fstatSync, readSync } from 'node:fs';
import { parquetMetadata, parquetSchema } from 'hyparquet';
import { readColumn } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { getTreePath } from 'hyparquet/src/schema.js';
import type { DecodedArray, FileMetaData, SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { FileError, openRegular } from '../../io/files.js';
import { assembleDataset, type Pairs } from '../build.js';
import { DataError } from '../errors.js';
import { applyRemap, compactNumericIds, TokenMap, type InteractionLog } from '../log.js';
import type { DataReportEntry, Dataset } from '../types.js';
import { ITEM_COLUMNS, RATING_COLUMNS, TIME_COLUMNS, USER_COLUMNS } from './csv.js';

export interface ParquetOptions {
  name?: string;
  /** Column names (default: the CSV loader's spellings, case-insensitive). */
  user?: string;
  item?: string;
  rating?: string;
  timestamp?: string;
  /** A pre-split source: its files (then `path` is not needed). */
  train?: string;
  valid?: string;
  test?: string;
}

type ColumnDecoder = Parameters<typeof readColumn>[2];

const MAX_ID = 2147483647;
/** Timestamps of TIMESTAMP/DATE logical types stay the stored integers (units since the epoch), not Dates. */
const PARSERS = {
  ...DEFAULT_PARSERS,
  timestampFromMilliseconds: (v: bigint) => Number(v),
  timestampFromMicroseconds: (v: bigint) => Number(v),
  timestampFromNanoseconds: (v: bigint) => Number(v),
  dateFromDays: (v: number) => v,
} as unknown as ColumnDecoder['parsers'];

/** One id column of one file: raw integers when every value is an id in [0, 2^31), else tokens. */
type IdColumn = { kind: 'int'; raw: Int32Array } | { kind: 'token'; tokens: string[] };

interface ParquetTable {
  file: string;
  rows: number;
  users: IdColumn;
  items: IdColumn;
  ratings: Float32Array | null;
  timestamps: Float64Array | null;
}

interface Picked {
  name: string;
  element: SchemaElement;
  index: number;
}

const ID_TYPES = new Set(['INT32', 'INT64', 'BYTE_ARRAY']);
const NUMBER_TYPES = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE']);

/** Reads the footer (magic bytes, metadata length, metadata) from the open file. */
function readMetadata(fd: number, file: string, size: number): FileMetaData {
  const bad = (why: string) => new DataError(file, 0, 'file', `not a readable Parquet file: ${why}`);
  if (size < 12) throw bad(`${size} bytes, too short for a Parquet file`);
  const head = Buffer.alloc(4);
  readSync(fd, head, 0, 4, 0);
  const tail = Buffer.alloc(8);
  readSync(fd, tail, 0, 8, size - 8);
  if (head.toString('latin1') !== 'PAR1' || tail.toString('latin1', 4) !== 'PAR1') throw bad('no PAR1 magic bytes at its start and end');
  const len = tail.readUInt32LE(0);
  if (len + 12 > size) throw bad(`its footer claims ${len} bytes of metadata in a file of ${size}`);
  const footer = Buffer.alloc(len + 8);
  readSync(fd, footer, 0, len + 8, size - 8 - len);
  try {
    return parquetMetadata(footer);
  } catch (e) {
    throw bad(`corrupt metadata (${(e as Error).message})`);
  }
}

/** The top-level flat columns by name; the chosen user/item/rating/timestamp columns with their types checked. */
function pickColumns(md: FileMetaData, file: string, o: ParquetOptions): { user: Picked; item: Picked; rating: Picked | null; timestamp: Picked | null } {
  const tree = parquetSchema(md);
  const flat = tree.children.filter((c) => c.children.length === 0 && c.element.repetition_type !== 'REPEATED');
  const names = tree.children.map((c) => c.element.name);
  const pick = (given: string | undefined, spellings: readonly string[], what: string, required: boolean, types: Set<string>, typeWord: string): Picked | null => {
    const wanted = given ? [given] : spellings;
    let at = -1;
    for (const w of wanted) {
      at = tree.children.findIndex((c) => c.element.name.toLowerCase() === w.toLowerCase());
      if (at >= 0) break;
    }
    if (at < 0) {
      if (!required && !given) return null;
      throw new DataError(file, 0, 'column', `no ${what} column${given ? ` named '${given}'` : ` (looked for ${spellings.join(', ')})`}; columns: ${names.join(', ')}`);
    }
    const node = tree.children[at];
    const name = node.element.name;
    if (!flat.includes(node)) throw new DataError(file, 0, `column '${name}'`, `is a nested or repeated column; the ${what} column must hold one value per row`);
    const el = node.element;
    const type = el.type ?? 'group';
    const ok = types.has(type) && !(el.converted_type === 'DECIMAL' || el.logical_type?.type === 'DECIMAL') &&
      !(type === 'BYTE_ARRAY' && !(el.converted_type === 'UTF8' || el.logical_type?.type === 'STRING' || el.converted_type === undefined));
    if (!ok) throw new DataError(file, 0, `column '${name}'`, `has type ${type}${el.converted_type ? ` (${el.converted_type})` : ''}; the ${what} column must hold ${typeWord}`);
    return { name, element: el, index: md.schema.indexOf(el) };
  };
  const user = pick(o.user, USER_COLUMNS, 'user', true, ID_TYPES, 'integer or string ids')!;
  const item = pick(o.item, ITEM_COLUMNS, 'item', true, ID_TYPES, 'integer or string ids')!;
  const rating = pick(o.rating, RATING_COLUMNS, 'rating', false, NUMBER_TYPES, 'numbers (INT32, INT64, FLOAT or DOUBLE)');
  const timestamp = pick(o.timestamp, TIME_COLUMNS, 'timestamp', false, NUMBER_TYPES, 'numbers (INT32, INT64, FLOAT or DOUBLE)');
  return { user, item, rating, timestamp };
}

/** Reads one Parquet file's chosen columns into typed arrays, one column chunk at a time. */
export function readParquetTable(file: string, o: ParquetOptions = {}): ParquetTable {
  let fd: number;
  try {
    fd = openRegular(file);
  } catch (e) {
    if (e instanceof FileError) throw new DataError(file, 0, 'file', e.code === 'ENOENT' ? 'no such file' : e.message.slice(file.length + 2).replace(/^file: /, ''));
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    const md = readMetadata(fd, file, size);
    const rows = Number(md.num_rows);
    if (!Number.isSafeInteger(rows) || rows < 0 || rows > MAX_ID) throw new DataError(file, 0, 'file', `not a readable Parquet file: ${md.num_rows} rows`);
    const cols = pickColumns(md, file, o);
    const tree = parquetSchema(md);
    const users = new IdReader(file, cols.user.name, rows);
    const items = new IdReader(file, cols.item.name, rows);
    const ratings = cols.rating ? new NumberReader(file, cols.rating.name, rows, true) : null;
    const stamps = cols.timestamp ? new NumberReader(file, cols.timestamp.name, rows, false) : null;
    const wanted: Array<[Picked, ColumnSink]> = [[cols.user, users], [cols.item, items]];
    if (cols.rating && ratings) wanted.push([cols.rating, ratings]);
    if (cols.timestamp && stamps) wanted.push([cols.timestamp, stamps]);
    let buf = Buffer.alloc(0);
    let start = 0;
    md.row_groups.forEach((rg, g) => {
      const groupRows = Number(rg.num_rows);
      if (start + groupRows > rows) throw new DataError(file, 0, 'file', `not a readable Parquet file: row group ${g} goes past the ${rows} rows the footer declares`);
      for (const [col, sink] of wanted) {
        const chunk = rg.columns.find((c) => c.meta_data && c.meta_data.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === col.name);
        const meta = chunk?.meta_data;
        if (!meta) throw new DataError(file, 0, `column '${col.name}'`, `missing from row group ${g} (corrupt file)`);
        const from = Number(meta.dictionary_page_offset || meta.data_page_offset);
        const len = Number(meta.total_compressed_size);
        if (!(from >= 4 && len > 0 && from + len <= size - 8)) throw new DataError(file, 0, `column '${col.name}'`, `row group ${g}: column chunk at bytes ${from}+${len} lies outside the file (corrupt file)`);
        if (buf.length < len) buf = Buffer.allocUnsafe(Math.max(len, buf.length * 2));
        let got = 0;
        while (got < len) {
          const r = readSync(fd, buf, got, len - got, from + got);
          if (r === 0) break;
          got += r;
        }
        let data: DecodedArray[];
        try {
          const decoder: ColumnDecoder = {
            pathInSchema: meta.path_in_schema,
            type: meta.type,
            element: col.element,
            schemaPath: getTreePath(tree, meta.path_in_schema),
            codec: meta.codec,
            parsers: PARSERS,
            compressors,
            utf8: true,
          };
          data = readColumn({ view: new DataView(buf.buffer, buf.byteOffset, len), offset: 0 },
            { groupStart: start, selectStart: 0, selectEnd: groupRows, groupRows }, decoder).data;
        } catch (e) {
          throw new DataError(file, 0, `column '${col.name}'`, `row group ${g}: cannot decode (${(e as Error).message}); the file is corrupt or uses a feature the reader lacks`);
        }
        let at = start;
        for (const part of data) {
          if (at + part.length > start + groupRows) break;
          sink.put(part, at, g);
          at += part.length;
        }
        if (at !== start + groupRows) throw new DataError(file, 0, `column '${col.name}'`, `row group ${g}: ${at - start} values decoded, the footer declares ${groupRows} rows (corrupt file)`);
      }
      start += groupRows;
    });
    if (start !== rows) throw new DataError(file, 0, 'file', `not a readable Parquet file: its row groups hold ${start} rows, the footer declares ${rows}`);
    return { file, rows, users: users.result(), items: items.result(), ratings: (ratings?.values as Float32Array | undefined) ?? null, timestamps: (stamps?.values as Float64Array | undefined) ?? null };
  } finally {
    closeSync(fd);
  }
}

interface ColumnSink {
  put(part: DecodedArray, at: number, group: number): void;
}

function nullAt(file: string, column: string, row: number): DataError {
  return new DataError(file, 0, `column '${column}'`, `row ${row + 1}: missing value (null)`);
}

/** An id column: integers in [0, 2^31) into an Int32Array; the first value outside (or a string) switches to tokens. */
class IdReader implements ColumnSink {
  private raw: Int32Array | null;
  private tokens: string[] | null = null;
  constructor(readonly file: string, readonly column: string, rows: number) {
    this.raw = new Int32Array(rows);
  }
  put(part: DecodedArray, at: number): void {
    if (this.raw && part instanceof Int32Array) {
      let min = 0;
      for (let k = 0; k < part.length; k++) if (part[k] < min) min = part[k];
      if (min >= 0) {
        this.raw.set(part, at);
        return;
      }
    }
    if (this.raw && part instanceof BigInt64Array) {
      // Read as 32-bit halves (little-endian): a BigInt per element would be allocated otherwise.
      const w = new Int32Array(part.buffer, part.byteOffset, part.length * 2);
      const raw = this.raw;
      let k = 0;
      for (; k < part.length; k++) {
        const lo = w[2 * k];
        if (w[2 * k + 1] !== 0 || lo < 0) break;
        raw[at + k] = lo;
      }
      if (k === part.length) return;
    }
    let k0 = 0;
    if (this.raw && Array.isArray(part)) {
      k0 = copyIdArray(part, this.raw, at);
      if (k0 === part.length) return;
    }
    for (let k = k0; k < part.length; k++) {
      const v = part[k] as unknown;
      if (this.raw) {
        if (typeof v === 'number' && v >= 0 && v <= MAX_ID && Number.isInteger(v)) {
          this.raw[at + k] = v;
          continue;
        }
        if (typeof v === 'bigint' && v >= 0n && v <= BigInt(MAX_ID)) {
          this.raw[at + k] = Number(v);
          continue;
        }
        this.toTokens(at + k);
      }
      this.tokens![at + k] = this.token(v, at + k);
    }
  }
  private token(v: unknown, row: number): string {
    if (v === null || v === undefined) throw nullAt(this.file, this.column, row);
    const t = (typeof v === 'string' ? v : String(v)).trim();
    if (t === '') throw new DataError(this.file, 0, `column '${this.column}'`, `row ${row + 1}: empty id`);
    return t;
  }
  /** Rows before `upTo` become their decimal strings, as a CSV of the same values would name them. */
  private toTokens(upTo: number): void {
    const raw = this.raw!;
    const tokens = new Array<string>(raw.length);
    for (let k = 0; k < upTo; k++) tokens[k] = String(raw[k]);
    this.tokens = tokens;
    this.raw = null;
  }
  result(): IdColumn {
    return this.raw ? { kind: 'int', raw: this.raw } : { kind: 'token', tokens: this.tokens! };
  }
}

/** Ids from a plain Array (dictionary pages) while they are integers in [0, 2^31); returns how many. */
function copyIdArray(part: unknown[], raw: Int32Array, at: number): number {
  let k = 0;
  for (; k < part.length; k++) {
    const v = part[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= MAX_ID) || (v | 0) !== v) break;
    raw[at + k] = v;
  }
  return k;
}

/** Numbers from a plain Array (dictionary pages) up to the first value that is not a number; returns how many. */
function copyNumberArray(part: unknown[], out: Float32Array | Float64Array, at: number): number {
  let k = 0;
  for (; k < part.length; k++) {
    const v = part[k];
    if (typeof v !== 'number') break;
    out[at + k] = v;
  }
  return k;
}

/** A rating (Float32, as every loader stores them) or timestamp (Float64) column; INT64 values as Numbers. */
class NumberReader implements ColumnSink {
  readonly values: Float32Array | Float64Array;
  constructor(readonly file: string, readonly column: string, rows: number, float32: boolean) {
    this.values = float32 ? new Float32Array(rows) : new Float64Array(rows);
  }
  put(part: DecodedArray, at: number): void {
    const out = this.values;
    if (Array.isArray(part)) {
      const k = copyNumberArray(part, out, at);
      if (k === part.length) return;
    }
    if (part instanceof Float64Array || part instanceof Float32Array || part instanceof Int32Array) {
      out.set(part, at);
      return;
    }
    if (part instanceof BigInt64Array) {
      // hi·2^32 + lo rounds once, as Number(bigint) does; no BigInt allocated per element (little-endian halves).
      const w = new Int32Array(part.buffer, part.byteOffset, part.length * 2);
      for (let k = 0; k < part.length; k++) out[at + k] = w[2 * k + 1] * 4294967296 + (w[2 * k] >>> 0);
      return;
    }
    for (let k = 0; k < part.length; k++) {
      const v = part[k] as unknown;
      if (typeof v === 'number') out[at + k] = v;
      else if (typeof v === 'bigint') out[at + k] = Number(v);
      else if (v === null || v === undefined) throw nullAt(this.file, this.column, at + k);
      else throw new DataError(this.file, 0, `column '${this.column}'`, `row ${at + k + 1}: not a number (${String(v).slice(0, 40)})`);
    }
  }
}

/** Dense ids over the files' id columns (one id space): numeric order when every file's ids are integers. */
function denseIds(cols: IdColumn[]): { dense: Int32Array[]; ids: string[] } {
  if (cols.every((c) => c.kind === 'int')) {
    const raws = cols.map((c) => (c as { raw: Int32Array }).raw);
    const all = raws.length === 1 ? raws[0] : new Int32Array(raws.reduce((n, r) => n + r.length, 0));
    if (raws.length > 1) {
      let o = 0;
      for (const r of raws) {
        all.set(r, o);
        o += r.length;
      }
    }
    const c = compactNumericIds(all, true); // the raw arrays are ours: rewritten in place
    if (raws.length === 1) return { dense: [c.dense], ids: c.ids };
    const dense: Int32Array[] = [];
    let o = 0;
    for (const r of raws) {
      dense.push(c.dense.slice(o, o + r.length));
      o += r.length;
    }
    return { dense, ids: c.ids };
  }
  // As the CSV loader: a TokenMap over every file in order, then its sorted order.
  const map = new TokenMap();
  const pre = cols.map((c) => {
    const n = c.kind === 'int' ? c.raw.length : c.tokens.length;
    const out = new Int32Array(n);
    if (c.kind === 'int') for (let k = 0; k < n; k++) out[k] = map.id(String(c.raw[k]));
    else for (let k = 0; k < n; k++) out[k] = map.id(c.tokens[k]);
    return out;
  });
  const fin = map.finish();
  for (const a of pre) applyRemap(a, fin.remap);
  return { dense: pre, ids: fin.ids };
}

export function loadParquet(path: string | undefined, opts: ParquetOptions = {}): { log: InteractionLog } | { dataset: Dataset } {
  if (opts.train && !opts.test) throw new Error('parquet: a pre-split source needs both train and test files');
  if (!opts.train && !path) throw new Error('parquet: give a file path (or train/test files)');
  const files = opts.train ? [opts.train, opts.test!, ...(opts.valid ? [opts.valid] : [])] : [path!];
  const tables = files.map((f) => readParquetTable(f, opts));
  if (tables[0].rows === 0) throw new DataError(files[0], 0, 'file', opts.train ? 'no interactions in the training file' : 'no interactions (no rows)');
  const name = opts.name ?? 'parquet';
  const source = { format: 'parquet', path: files[0] };
  const report: DataReportEntry[] = [];
  const users = denseIds(tables.map((t) => t.users));
  const items = denseIds(tables.map((t) => t.items));
  const pairs = (k: number): Pairs => ({
    users: users.dense[k],
    items: items.dense[k],
    ratings: tables[k].ratings ?? undefined,
    timestamps: tables[k].timestamps ?? undefined,
    label: tables[k].file,
  });
  if (!opts.train) {
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
