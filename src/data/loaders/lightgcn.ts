// LightGCN / NGCF adjacency-list files: one line per user, `user item item …`, space separated, 0-based ids
// used as they are (numUsers = max user id + 1, numItems = max item id + 1 over all splits, as in the reference
// code). `user_list.txt` / `item_list.txt` (`org_id remap_id`), when present, give the original ids.
// `train_exposed.txt` (the RecNS code's exposure file, same layout), when present or named by `exposure`, gives
// the exposure records (loaders/exposure.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assembleDataset, sequentialIds, type Pairs } from '../build.js';
import { DataError } from '../errors.js';
import { checkIdSpace } from '../limits.js';
import { IntList, Lines, parseId, readBytes } from '../scan.js';
import { RECNS_EXPOSURE_FILE, loadExposureFile } from './exposure.js';
import type { DataReportEntry, Dataset } from '../types.js';

export interface AdjacencyFile {
  users: Int32Array;
  items: Int32Array;
  maxUser: number;
  maxItem: number;
  /** 1-based lines of the (first) largest user and item ids (0 when none). */
  maxUserLine: number;
  maxItemLine: number;
  /** Lines that name a user and no items. */
  emptyUsers: number;
  blankLines: number;
}

const SPACE = 32;
const TAB = 9;

/** Parses one `user item item …` file (spaces or tabs between fields). */
export function parseAdjacency(file: string, buf: Uint8Array = readBytes(file)): AdjacencyFile {
  const lines = new Lines(buf, file);
  const guess = Math.max(16, Math.floor(buf.length / 5));
  const us = new IntList(guess);
  const is = new IntList(guess);
  let maxUser = -1;
  let maxItem = -1;
  let maxUserLine = 0;
  let maxItemLine = 0;
  let emptyUsers = 0;
  let blankLines = 0;
  while (lines.next()) {
    let p = lines.start;
    const e = lines.end;
    let user = -1;
    let count = 0;
    while (p < e) {
      const c = buf[p];
      if (c === SPACE || c === TAB) {
        p++;
        continue;
      }
      const s = p;
      while (p < e && buf[p] !== SPACE && buf[p] !== TAB) p++;
      if (user < 0) {
        user = parseId(buf, s, p, lines, 'user');
        if (user > maxUser) [maxUser, maxUserLine] = [user, lines.line];
      } else {
        const item = parseId(buf, s, p, lines, `item ${count + 1}`);
        if (item > maxItem) [maxItem, maxItemLine] = [item, lines.line];
        us.push(user);
        is.push(item);
        count++;
      }
    }
    if (user < 0) blankLines++;
    else if (count === 0) emptyUsers++;
  }
  return { users: us.toArray(), items: is.toArray(), maxUser, maxItem, maxUserLine, maxItemLine, emptyUsers, blankLines };
}

/** Reads `org_id remap_id` lists; returns null (with a reason) when absent or inconsistent with n. */
function readIdList(file: string, n: number, report: DataReportEntry[]): string[] | null {
  if (!existsSync(file)) return null;
  const text = readBytes(file).toString('utf8');
  const lines = text.split('\n');
  const ids = new Array<string | undefined>(n);
  let seen = 0;
  const reject = (line: number, why: string) => {
    report.push({ step: `load ${file}`, message: `ignored (line ${line}: ${why}); original ids fall back to the dense ids` });
    return null;
  };
  for (let k = 0; k < lines.length; k++) {
    let l = lines[k];
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (k === 0 && l.charCodeAt(0) === 0xfeff) l = l.slice(1);
    if (l.trim() === '') continue;
    if (k === 0 && l.startsWith('org_id')) continue;
    const sp = Math.max(l.lastIndexOf(' '), l.lastIndexOf('\t'));
    const remap = sp > 0 ? Number(l.slice(sp + 1)) : NaN;
    if (!Number.isInteger(remap) || remap < 0 || remap >= n) return reject(k + 1, `not an 'org_id remap_id' row for ${n} ids`);
    if (ids[remap] !== undefined) return reject(k + 1, `remap id ${remap} repeated`);
    ids[remap] = l.slice(0, sp).trim();
    seen++;
  }
  if (seen !== n) return reject(0, `it maps ${seen} ids, the interaction files have ${n}`);
  return ids as string[];
}

export interface LightGcnOptions {
  name?: string;
  /** File names inside the directory (defaults train.txt, test.txt, and valid.txt/val.txt when present). */
  train?: string;
  test?: string;
  valid?: string | null;
  /**
   * Exposure records (items shown, not interacted) in the train.txt layout: a file name in the directory; default
   * `train_exposed.txt` when present (the RecNS code's file); null reads none.
   */
  exposure?: string | null;
  /** Read user_list.txt / item_list.txt for original ids (default true). */
  originalIds?: boolean;
  /** Reject ids above this (dense formats allocate per id); default 50,000,000. See data/limits.ts. */
  maxId?: number;
  /** Id space allowed per interaction (default 100, above a 2^20 floor). See data/limits.ts. */
  maxIdsPerRecord?: number;
}

export function loadLightGcn(dir: string, opts: LightGcnOptions = {}): Dataset {
  const report: DataReportEntry[] = [];
  const trainFile = join(dir, opts.train ?? 'train.txt');
  const testFile = join(dir, opts.test ?? 'test.txt');
  let validFile: string | null = null;
  if (opts.valid !== null) {
    if (opts.valid) validFile = join(dir, opts.valid);
    else for (const f of ['valid.txt', 'val.txt']) if (existsSync(join(dir, f))) validFile = join(dir, f);
  }
  const files: Array<[string, string]> = [['train', trainFile], ['test', testFile]];
  if (validFile) files.push(['valid', validFile]);
  const parsed = new Map<string, AdjacencyFile>();
  let maxUser = -1;
  let maxItem = -1;
  let records = 0;
  let userAt = { file: trainFile, line: 0, field: 'user' };
  let itemAt = { file: trainFile, line: 0, field: 'item' };
  for (const [split, f] of files) {
    const a = parseAdjacency(f);
    if (a.users.length === 0 && split === 'train') throw new DataError(f, 0, 'file', 'no interactions in the training file');
    if (a.blankLines > 0) report.push({ step: `load ${f}`, message: `skipped ${a.blankLines} blank lines`, count: a.blankLines });
    if (a.emptyUsers > 0) report.push({ step: `load ${f}`, message: `${a.emptyUsers} lines name a user with no items`, count: a.emptyUsers });
    if (a.maxUser > maxUser) [maxUser, userAt] = [a.maxUser, { file: f, line: a.maxUserLine, field: 'user' }];
    if (a.maxItem > maxItem) [maxItem, itemAt] = [a.maxItem, { file: f, line: a.maxItemLine, field: 'item' }];
    records += a.users.length;
    parsed.set(split, a);
  }
  // Before anything is sized by the ids (data/limits.ts).
  checkIdSpace(maxUser, records, opts, userAt);
  checkIdSpace(maxItem, records, opts, itemAt);
  const numUsers = maxUser + 1;
  const numItems = maxItem + 1;
  let userIds: string[] | null = null;
  let itemIds: string[] | null = null;
  if (opts.originalIds !== false) {
    userIds = readIdList(join(dir, 'user_list.txt'), numUsers, report);
    itemIds = readIdList(join(dir, 'item_list.txt'), numItems, report);
  }
  let exposure: Pairs | undefined;
  if (opts.exposure !== null) {
    const f = join(dir, opts.exposure ?? RECNS_EXPOSURE_FILE);
    if (opts.exposure !== undefined || existsSync(f)) {
      if (!existsSync(f)) throw new DataError(f, 0, 'file', 'no such file or directory (option exposure)');
      exposure = loadExposureFile(f, numUsers, numItems, report);
    }
  }
  const pairs = (split: string, f: string): Pairs | undefined => {
    const a = parsed.get(split);
    return a ? { users: a.users, items: a.items, label: f } : undefined;
  };
  return assembleDataset({
    name: opts.name ?? 'lightgcn',
    numUsers,
    numItems,
    userIds: userIds ?? sequentialIds(numUsers),
    itemIds: itemIds ?? sequentialIds(numItems),
    train: pairs('train', trainFile)!,
    test: pairs('test', testFile)!,
    valid: validFile ? pairs('valid', validFile) : undefined,
    exposure,
    source: { format: 'lightgcn', path: dir },
    report,
  });
}
