// A delimited numeric table parser for the pair/rating formats (LastFM, MovieLens, NCF, MixGCF): each line has
// a fixed list of fields; ids must be non-negative integers, other fields finite numbers. Blank lines are
// skipped and counted; missing or extra fields are errors naming file, line and field.
import { IntList, Lines, NumList, parseId, parseNumber, readBytes, splitFields, type Separator } from './scan.js';

export interface ColumnSpec {
  name: string;
  kind: 'id' | 'number';
}

export interface Table {
  ids: Int32Array[]; // one per 'id' column, in column order
  numbers: Float64Array[]; // one per 'number' column
  rows: number;
  blankLines: number;
  /** 1-based line number of each row (for errors raised after parsing). */
  lineOf: Int32Array;
}

export function parseTable(file: string, sep: Separator, columns: readonly ColumnSpec[], opts: { header?: boolean; buf?: Uint8Array } = {}): Table {
  const buf = opts.buf ?? readBytes(file);
  const lines = new Lines(buf, file);
  const nc = columns.length;
  const bounds = new Int32Array(2 * (nc + 2));
  const guess = Math.max(16, Math.floor(buf.length / 12));
  const idCols: IntList[] = [];
  const numCols: NumList[] = [];
  const slot: number[] = [];
  for (const c of columns) {
    if (c.kind === 'id') {
      slot.push(idCols.length);
      idCols.push(new IntList(guess));
    } else {
      slot.push(numCols.length);
      numCols.push(new NumList(guess));
    }
  }
  const lineOf = new IntList(guess);
  let blank = 0;
  let headerDone = !opts.header;
  while (lines.next()) {
    if (lines.blank()) {
      blank++;
      continue;
    }
    if (!headerDone) {
      headerDone = true;
      continue;
    }
    const nf = splitFields(buf, lines.start, lines.end, sep, bounds, nc);
    if (nf < nc) throw lines.error(columns[nf].name, `missing field (expected ${nc} fields: ${columns.map((c) => c.name).join(', ')}; found ${nf})`);
    if (nf > nc) throw lines.error('line', `unexpected extra field(s): expected ${nc} fields (${columns.map((c) => c.name).join(', ')})`);
    for (let f = 0; f < nc; f++) {
      const s = bounds[2 * f];
      const e = bounds[2 * f + 1];
      const c = columns[f];
      if (c.kind === 'id') idCols[slot[f]].push(parseId(buf, s, e, lines, c.name));
      else numCols[slot[f]].push(parseNumber(buf, s, e, lines, c.name));
    }
    lineOf.push(lines.line);
  }
  return {
    ids: idCols.map((l) => l.toArray()),
    numbers: numCols.map((l) => l.toArray()),
    rows: lineOf.length,
    blankLines: blank,
    lineOf: lineOf.toArray(),
  };
}
