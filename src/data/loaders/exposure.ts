// Exposure files in the layout of the released RecNS code's `train_exposed.txt`: the LightGCN adjacency-list layout
// (`user item item …` per line, spaces or tabs, 0-based ids), each item one the user was shown and did not
// interact with. The ids index the dataset the file belongs to: a user or item outside its id range is an error
// naming the file and line (an exposure record cannot add users or items to the catalogue). Records that are
// training positives are dropped and counted by assembleDataset (exposure means "shown, not interacted").
import type { Pairs } from '../build.js';
import { DataError } from '../errors.js';
import type { DataReportEntry } from '../types.js';
import { parseAdjacency } from './lightgcn.js';

/** The file name the RecNS code reads beside train.txt / test.txt. */
export const RECNS_EXPOSURE_FILE = 'train_exposed.txt';

/**
 * Parses an exposure file for a dataset of `numUsers` × `numItems` (the ids of its interaction files). Throws a
 * DataError `file:line: user|item: …` for a malformed line or an id outside the dataset; blank lines and lines
 * naming a user with no items are skipped and reported.
 */
export function loadExposureFile(file: string, numUsers: number, numItems: number, report: DataReportEntry[] = []): Pairs {
  const a = parseAdjacency(file);
  if (a.maxUser >= numUsers) {
    throw new DataError(file, a.maxUserLine, 'user',
      `user id ${a.maxUser} is outside the dataset's users 0..${numUsers - 1} (exposure records cannot add users)`);
  }
  if (a.maxItem >= numItems) {
    throw new DataError(file, a.maxItemLine, 'item',
      `item id ${a.maxItem} is outside the dataset's items 0..${numItems - 1} (exposure records cannot add items)`);
  }
  if (a.blankLines > 0) report.push({ step: `load ${file}`, message: `skipped ${a.blankLines} blank lines`, count: a.blankLines });
  if (a.emptyUsers > 0) report.push({ step: `load ${file}`, message: `${a.emptyUsers} lines name a user with no exposed items`, count: a.emptyUsers });
  report.push({ step: `load ${file}`, message: `${a.users.length} exposure records`, count: a.users.length });
  return { users: a.users, items: a.items, label: file };
}
