// MixGCF / DINS pair files (`data/ali`, `data/amazon`): `user item` per line (whitespace), files train.txt,
// valid.txt (optional), test.txt. Item ids are offset by the number of users (n_users = max user id + 1 over all
// files), as in the reference loader; the dense item id is item − n_users (override with options.itemOffset).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assembleDataset, sequentialIds, type Pairs } from '../build.js';
import { DataError } from '../errors.js';
import { checkIdSpace } from '../limits.js';
import { parseTable, type Table } from '../table.js';
import type { DataReportEntry, Dataset } from '../types.js';

export interface MixGcfOptions {
  name?: string;
  train?: string;
  valid?: string | null;
  test?: string;
  /** Subtracted from item ids; default numUsers (the reference convention). 0 for plain 0-based item ids. */
  itemOffset?: number;
  /** Id limits checked before allocating (data/limits.ts). */
  maxId?: number;
  maxIdsPerRecord?: number;
}

const COLS = [
  { name: 'user', kind: 'id' },
  { name: 'item', kind: 'id' },
] as const;

export function loadMixGcf(dir: string, opts: MixGcfOptions = {}): Dataset {
  const report: DataReportEntry[] = [];
  const files: Array<[string, string]> = [['train', join(dir, opts.train ?? 'train.txt')], ['test', join(dir, opts.test ?? 'test.txt')]];
  if (opts.valid !== null) {
    const v = join(dir, opts.valid ?? 'valid.txt');
    if (opts.valid || existsSync(v)) files.push(['valid', v]);
  }
  const tables = new Map<string, Table & { file: string }>();
  let maxU = -1;
  let maxI = -1;
  let records = 0;
  let userAt = { file: files[0][1], line: 0, field: 'user' };
  let itemAt = { file: files[0][1], line: 0, field: 'item' };
  for (const [split, f] of files) {
    const t = parseTable(f, 'whitespace', COLS);
    if (split === 'train' && t.rows === 0) throw new DataError(f, 0, 'file', 'no interactions in the training file');
    if (t.blankLines > 0) report.push({ step: `load ${f}`, message: `skipped ${t.blankLines} blank lines`, count: t.blankLines });
    for (let k = 0; k < t.rows; k++) {
      if (t.ids[0][k] > maxU) [maxU, userAt] = [t.ids[0][k], { file: f, line: t.lineOf[k], field: 'user' }];
      if (t.ids[1][k] > maxI) [maxI, itemAt] = [t.ids[1][k], { file: f, line: t.lineOf[k], field: 'item' }];
    }
    records += t.rows;
    tables.set(split, { ...t, file: f });
  }
  const io = opts.itemOffset;
  if (io !== undefined && (typeof io !== 'number' || !Number.isInteger(io) || io < 0 || io > 2147483647)) {
    throw new DataError(files[0][1], 0, 'options.itemOffset', `expected an integer in [0, 2147483647], got ${JSON.stringify(io)}`);
  }
  // Before anything is sized by the ids (data/limits.ts): users, and items after the offset.
  checkIdSpace(maxU, records, opts, userAt);
  const numUsers = maxU + 1;
  const offset = opts.itemOffset ?? numUsers;
  const numItems = maxI + 1 - offset;
  if (numItems > 0) checkIdSpace(numItems - 1, records, opts, itemAt, maxI);
  if (numItems <= 0) throw new DataError(files[0][1], 0, 'item', `largest item id ${maxI} is not above the item offset ${offset} (= number of users): not MixGCF-offset ids? (set itemOffset 0)`);
  const pairs = (split: string): Pairs | undefined => {
    const t = tables.get(split);
    if (!t) return undefined;
    const items = t.ids[1];
    for (let k = 0; k < t.rows; k++) {
      const i = items[k] - offset;
      if (i < 0) throw new DataError(t.file, t.lineOf[k], 'item', `id ${items[k]} is below the item offset ${offset} (item ids start at the number of users in this format)`);
      items[k] = i;
    }
    return { users: t.ids[0], items, label: t.file };
  };
  report.push({ step: 'load mixgcf', message: `item ids offset by ${offset}${opts.itemOffset === undefined ? ' (the number of users)' : ''}` });
  return assembleDataset({
    name: opts.name ?? 'mixgcf',
    numUsers,
    numItems,
    userIds: sequentialIds(numUsers),
    itemIds: sequentialIds(numItems, offset),
    train: pairs('train')!,
    valid: pairs('valid'),
    test: pairs('test')!,
    source: { format: 'mixgcf', path: dir },
    report,
  });
}
