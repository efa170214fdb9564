// NCF leave-one-out files (hexiangnan/neural_collaborative_filtering): `<prefix>.train.rating` and
// `<prefix>.test.rating` (`user\titem\trating\ttimestamp`, 0-based ids used as they are) and optionally
// `<prefix>.test.negative` (`(user,item)\tneg1\tneg2…`), which becomes Dataset.testNegatives aligned with the
// test set's CSR order. numUsers / numItems = largest id + 1 over all three files.
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { assembleDataset, sequentialIds } from '../build.js';
import { DataError } from '../errors.js';
import { checkIdSpace } from '../limits.js';
import { fingerprint } from '../fingerprint.js';
import { IntList, Lines, parseId, readBytes } from '../scan.js';
import { parseTable } from '../table.js';
import type { DataReportEntry, Dataset } from '../types.js';

export interface NcfOptions {
  name?: string;
  /** Id limits checked before allocating (data/limits.ts). */
  maxId?: number;
  maxIdsPerRecord?: number;
}

const COLS = [
  { name: 'user', kind: 'id' },
  { name: 'item', kind: 'id' },
  { name: 'rating', kind: 'number' },
  { name: 'timestamp', kind: 'number' },
] as const;

/** `path` is the prefix (`Data/ml-1m`) or a directory holding exactly one `*.train.rating`. */
export function ncfPrefix(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    const found = readdirSync(path).filter((f) => f.endsWith('.train.rating'));
    if (found.length !== 1) throw new DataError(path, 0, 'file', `expected one *.train.rating in this directory, found ${found.length}`);
    return join(path, found[0].slice(0, -'.train.rating'.length));
  }
  return path.replace(/\.(train|test)\.rating$|\.test\.negative$/, '');
}

function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

interface NegRows {
  users: Int32Array;
  items: Int32Array;
  negatives: Int32Array;
  n: number;
  lines: Int32Array;
  maxItem: number;
  maxItemLine: number;
}

function parseNegatives(file: string): NegRows {
  const buf = readBytes(file);
  const lines = new Lines(buf, file);
  const us = new IntList();
  const is = new IntList();
  const negs = new IntList(Math.floor(buf.length / 5));
  const ln = new IntList();
  let n = -1;
  let maxItem = -1;
  let maxItemLine = 0;
  while (lines.next()) {
    if (lines.blank()) continue;
    let p = lines.start;
    const e = lines.end;
    // "(user,item)" head.
    while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
    if (buf[p] !== 40) throw lines.error('(user,item)', 'expected a line starting with "(user,item)"');
    const comma = buf.indexOf(44, p);
    const close = buf.indexOf(41, p);
    if (comma < 0 || close < 0 || comma > close || close >= e) throw lines.error('(user,item)', 'malformed "(user,item)" head');
    us.push(parseId(buf, p + 1, comma, lines, 'user'));
    const item = parseId(buf, comma + 1, close, lines, 'item');
    if (item > maxItem) [maxItem, maxItemLine] = [item, lines.line];
    is.push(item);
    p = close + 1;
    let count = 0;
    while (p < e) {
      while (p < e && (buf[p] === 32 || buf[p] === 9)) p++;
      if (p >= e) break;
      const s = p;
      while (p < e && buf[p] !== 32 && buf[p] !== 9) p++;
      const v = parseId(buf, s, p, lines, `negative ${count + 1}`);
      if (v > maxItem) [maxItem, maxItemLine] = [v, lines.line];
      negs.push(v);
      count++;
    }
    if (n < 0) n = count;
    else if (count !== n) throw lines.error('negatives', `${count} negatives, earlier lines have ${n}`);
    ln.push(lines.line);
  }
  return { users: us.toArray(), items: is.toArray(), negatives: negs.toArray(), n: Math.max(n, 0), lines: ln.toArray(), maxItem, maxItemLine };
}

export function loadNcf(path: string, opts: NcfOptions = {}): Dataset {
  const prefix = ncfPrefix(path);
  const report: DataReportEntry[] = [];
  const trainFile = `${prefix}.train.rating`;
  const testFile = `${prefix}.test.rating`;
  const negFile = `${prefix}.test.negative`;
  const train = parseTable(trainFile, 'tab', COLS);
  const test = parseTable(testFile, 'tab', COLS);
  if (train.rows === 0) throw new DataError(trainFile, 0, 'file', 'no interactions in the training file');
  // Optional, but an entry that is there and unreadable (a broken symlink, a FIFO, a directory) is an error.
  const neg = existsSync(negFile) || entryExists(negFile) ? parseNegatives(negFile) : null;
  let maxU = -1;
  let maxI = neg ? neg.maxItem : -1;
  let userAt = { file: trainFile, line: 0, field: 'user' };
  let itemAt = { file: negFile, line: neg?.maxItemLine ?? 0, field: 'item' };
  for (const [t, file] of [[train, trainFile], [test, testFile]] as const)
    for (let k = 0; k < t.rows; k++) {
      if (t.ids[0][k] > maxU) [maxU, userAt] = [t.ids[0][k], { file, line: t.lineOf[k], field: 'user' }];
      if (t.ids[1][k] > maxI) [maxI, itemAt] = [t.ids[1][k], { file, line: t.lineOf[k], field: 'item' }];
    }
  // Before anything is sized by the ids (data/limits.ts); the negatives file's lines count as records.
  const records = train.rows + test.rows + (neg ? neg.users.length : 0);
  checkIdSpace(maxU, records, opts, userAt);
  checkIdSpace(maxI, records, opts, itemAt);
  const numUsers = maxU + 1;
  const numItems = maxI + 1;
  const d = assembleDataset({
    name: opts.name ?? basename(prefix),
    numUsers,
    numItems,
    userIds: sequentialIds(numUsers),
    itemIds: sequentialIds(numItems),
    train: { users: train.ids[0], items: train.ids[1], ratings: Float32Array.from(train.numbers[0]), timestamps: train.numbers[1], label: trainFile },
    test: { users: test.ids[0], items: test.ids[1], ratings: Float32Array.from(test.numbers[0]), timestamps: test.numbers[1], label: testFile },
    source: { format: 'ncf', path: prefix },
    report,
  });
  if (!neg) return d;
  // Align negatives with the test CSR entries.
  const rowOf = new Map<number, number>();
  for (let r = 0; r < neg.users.length; r++) {
    const u = neg.users[r];
    if (u >= numUsers) throw new DataError(negFile, neg.lines[r], 'user', `user ${u} does not occur in the rating files`);
    rowOf.set(u * numItems + neg.items[r], r);
  }
  const t = d.test;
  const m = t.indptr[t.rows];
  const items = new Int32Array(m * neg.n);
  for (let u = 0; u < t.rows; u++)
    for (let k = t.indptr[u]; k < t.indptr[u + 1]; k++) {
      const r = rowOf.get(u * numItems + t.indices[k]);
      if (r === undefined) throw new DataError(negFile, 0, '(user,item)', `no negatives line for test pair (${u},${t.indices[k]})`);
      items.set(neg.negatives.subarray(r * neg.n, (r + 1) * neg.n), k * neg.n);
    }
  const extra = neg.users.length - m;
  if (extra > 0) report.push({ step: `load ${negFile}`, message: `${extra} negatives lines match no test pair (ignored)`, count: extra });
  return { ...d, testNegatives: { n: neg.n, items }, fingerprint: fingerprintWith(d, { n: neg.n, items }) };
}

function fingerprintWith(d: Dataset, testNegatives: { n: number; items: Int32Array }): string {
  return fingerprint({ ...d, testNegatives });
}
