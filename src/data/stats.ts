// Dataset statistics per split, for `hardneg data stats` and the run record (dataset.json).
import { colCounts, rowCounts, union } from './csr.js';
import type { CsrMatrix, Dataset } from './types.js';

export interface SplitStats {
  /** Users with at least one interaction in this split. */
  users: number;
  /** Items with at least one interaction in this split. */
  items: number;
  interactions: number;
  /** interactions / (numUsers × numItems) of the dataset's id space. */
  density: number;
  perUser: { min: number; max: number; mean: number };
}

export interface DatasetStats {
  name: string;
  numUsers: number;
  numItems: number;
  fingerprint: string;
  splits: Record<string, SplitStats>;
  /** train ∪ valid ∪ test. */
  total: SplitStats;
  /** Users in the id range with no interaction in any split. */
  usersWithoutInteractions: number;
  testNegativesPerPositive?: number;
}

function splitStats(s: CsrMatrix, numUsers: number, numItems: number): SplitStats {
  const rc = rowCounts(s);
  let users = 0;
  let min = Infinity;
  let max = 0;
  for (let u = 0; u < rc.length; u++) {
    const c = rc[u];
    if (c === 0) continue;
    users++;
    if (c < min) min = c;
    if (c > max) max = c;
  }
  const cc = colCounts(s);
  let items = 0;
  for (let i = 0; i < cc.length; i++) if (cc[i] > 0) items++;
  const n = s.indptr[s.rows];
  return {
    users,
    items,
    interactions: n,
    density: numUsers * numItems > 0 ? n / (numUsers * numItems) : 0,
    perUser: { min: users ? min : 0, max, mean: users ? n / users : 0 },
  };
}

export function datasetStats(d: Dataset): DatasetStats {
  const splits: Record<string, SplitStats> = {};
  const named: Array<[string, CsrMatrix | undefined]> = [
    ['train', d.train],
    ['valid', d.valid],
    ['test', d.test],
    ['exposure', d.exposure],
    ['falseNegatives', d.falseNegatives],
    ['plantedNegatives', d.plantedNegatives],
  ];
  for (const [k, s] of named) if (s) splits[k] = splitStats(s, d.numUsers, d.numItems);
  let all = union(d.train, d.test);
  if (d.valid) all = union(all, d.valid);
  const total = splitStats(all, d.numUsers, d.numItems);
  return {
    name: d.name,
    numUsers: d.numUsers,
    numItems: d.numItems,
    fingerprint: d.fingerprint,
    splits,
    total,
    usersWithoutInteractions: d.numUsers - total.users,
    ...(d.testNegatives ? { testNegativesPerPositive: d.testNegatives.n } : {}),
  };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** A plain-text table of the statistics. */
export function formatStats(s: DatasetStats): string {
  const rows: string[][] = [['split', 'users', 'items', 'interactions', 'density', 'per user (min/mean/max)']];
  const add = (name: string, x: SplitStats) =>
    rows.push([name, fmt(x.users), fmt(x.items), fmt(x.interactions), x.density.toPrecision(4), `${x.perUser.min} / ${x.perUser.mean.toFixed(2)} / ${x.perUser.max}`]);
  for (const [k, v] of Object.entries(s.splits)) add(k, v);
  add('all', s.total);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = [
    `${s.name}: ${fmt(s.numUsers)} users × ${fmt(s.numItems)} items (id space)${s.usersWithoutInteractions ? `, ${fmt(s.usersWithoutInteractions)} users without interactions` : ''}`,
    `fingerprint ${s.fingerprint}`,
    '',
    ...rows.map((r) => r.map((x, c) => (c === 0 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join('  ')),
  ];
  if (s.testNegativesPerPositive !== undefined) lines.push('', `sampled test negatives: ${s.testNegativesPerPositive} per test interaction`);
  return lines.join('\n');
}
