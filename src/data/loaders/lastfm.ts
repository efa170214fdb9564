// LightGCN-PyTorch LastFM: `data1.txt` (train) and `test1.txt`, `user\titem\tweight`, CRLF, 1-based ids.
// Convention (the reference code's): dense id = original − 1 and the id range is kept, so users without any
// interaction (12 of 1,892) still exist; numUsers / numItems = the largest id (or the given override).
import { join } from 'node:path';
import { assembleDataset, sequentialIds } from '../build.js';
import { DataError } from '../errors.js';
import { checkIdSpace, checkSizeOption } from '../limits.js';
import { parseTable } from '../table.js';
import type { DataReportEntry, Dataset } from '../types.js';
import { rowCounts } from '../csr.js';

export interface LastFmOptions {
  name?: string;
  train?: string;
  test?: string;
  numUsers?: number;
  numItems?: number;
  /** Id limits checked before allocating (data/limits.ts). */
  maxId?: number;
  maxIdsPerRecord?: number;
}

const COLS = [
  { name: 'user', kind: 'id' },
  { name: 'item', kind: 'id' },
  { name: 'weight', kind: 'number' },
] as const;

export function loadLastFm(dir: string, opts: LastFmOptions = {}): Dataset {
  const report: DataReportEntry[] = [];
  const files = { train: join(dir, opts.train ?? 'data1.txt'), test: join(dir, opts.test ?? 'test1.txt') };
  const tables = { train: parseTable(files.train, 'tab', COLS), test: parseTable(files.test, 'tab', COLS) };
  if (tables.train.rows === 0) throw new DataError(files.train, 0, 'file', 'no interactions in the training file');
  let maxU = 0;
  let maxI = 0;
  let userAt = { file: files.train, line: 0, field: 'user' };
  let itemAt = { file: files.train, line: 0, field: 'item' };
  for (const split of ['train', 'test'] as const) {
    const t = tables[split];
    if (t.blankLines > 0) report.push({ step: `load ${files[split]}`, message: `skipped ${t.blankLines} blank lines`, count: t.blankLines });
    const [u, i] = t.ids;
    for (let k = 0; k < t.rows; k++) {
      if (u[k] === 0) throw new DataError(files[split], t.lineOf[k], 'user', 'id 0 in a 1-based file');
      if (i[k] === 0) throw new DataError(files[split], t.lineOf[k], 'item', 'id 0 in a 1-based file');
      u[k] -= 1;
      i[k] -= 1;
      if (u[k] + 1 > maxU) [maxU, userAt] = [u[k] + 1, { file: files[split], line: t.lineOf[k], field: 'user' }];
      if (i[k] + 1 > maxI) [maxI, itemAt] = [i[k] + 1, { file: files[split], line: t.lineOf[k], field: 'item' }];
    }
  }
  // Before anything is sized by the ids (data/limits.ts); explicit sizes are held to the same limit.
  const records = tables.train.rows + tables.test.rows;
  checkIdSpace(maxU - 1, records, opts, userAt);
  checkIdSpace(maxI - 1, records, opts, itemAt);
  const numUsers = checkSizeOption(opts.numUsers, 'numUsers', maxU, records, opts, files.train) ?? maxU;
  const numItems = checkSizeOption(opts.numItems, 'numItems', maxI, records, opts, files.train) ?? maxI;
  if (maxU > numUsers) throw new DataError(files.train, 0, 'user', `id ${maxU} exceeds numUsers ${numUsers}`);
  if (maxI > numItems) throw new DataError(files.train, 0, 'item', `id ${maxI} exceeds numItems ${numItems}`);
  const d = assembleDataset({
    name: opts.name ?? 'lastfm',
    numUsers,
    numItems,
    userIds: sequentialIds(numUsers, 1),
    itemIds: sequentialIds(numItems, 1),
    train: { users: tables.train.ids[0], items: tables.train.ids[1], ratings: Float32Array.from(tables.train.numbers[0]), label: files.train },
    test: { users: tables.test.ids[0], items: tables.test.ids[1], ratings: Float32Array.from(tables.test.numbers[0]), label: files.test },
    source: { format: 'lastfm', path: dir },
    report,
  });
  const tr = rowCounts(d.train);
  const te = rowCounts(d.test);
  let none = 0;
  for (let u = 0; u < numUsers; u++) if (tr[u] === 0 && te[u] === 0) none++;
  if (none > 0)
    (d.report as DataReportEntry[]).push({ step: 'load lastfm', message: `${none} of ${numUsers} users in the id range have no interactions (kept, as the reference loader does)`, count: none });
  return d;
}
