// MovieLens ratings: `u.data` (ML-100K: `user\titem\trating\ttimestamp`) or `ratings.dat` (ML-1M/10M:
// `user::item::rating::timestamp`). 1-based ids, mapped to dense ids in increasing numeric order (contiguous
// ids: dense = original − 1). Returns the unsplit log; filters and a splitter make the Dataset.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors.js';
import { compactNumericIds, type InteractionLog } from '../log.js';
import { parseTable } from '../table.js';
import type { DataReportEntry } from '../types.js';

/** Resolves a MovieLens path: a ratings file, or a directory holding u.data / ratings.dat / ratings.csv. */
export function movieLensFile(path: string): string {
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const f of ['u.data', 'ratings.dat']) if (existsSync(join(path, f))) return join(path, f);
    throw new DataError(path, 0, 'file', 'no u.data or ratings.dat in this directory');
  }
  return path;
}

export function loadMovieLensLog(path: string, opts: { name?: string } = {}): InteractionLog {
  const file = movieLensFile(path);
  const sep = file.endsWith('.dat') ? '::' : 'tab';
  const t = parseTable(file, sep, [
    { name: 'user', kind: 'id' },
    { name: 'item', kind: 'id' },
    { name: 'rating', kind: 'number' },
    { name: 'timestamp', kind: 'number' },
  ]);
  if (t.rows === 0) throw new DataError(file, 0, 'file', 'no ratings');
  const report: DataReportEntry[] = [];
  if (t.blankLines > 0) report.push({ step: `load ${file}`, message: `skipped ${t.blankLines} blank lines`, count: t.blankLines });
  const u = compactNumericIds(t.ids[0]);
  const i = compactNumericIds(t.ids[1]);
  return {
    name: opts.name ?? 'movielens',
    numUsers: u.ids.length,
    numItems: i.ids.length,
    userIds: u.ids,
    itemIds: i.ids,
    users: u.dense,
    items: i.dense,
    ratings: Float32Array.from(t.numbers[0]),
    timestamps: t.numbers[1],
    source: { format: 'movielens', path: file },
    report,
  };
}
