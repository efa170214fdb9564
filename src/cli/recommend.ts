// `hardneg recommend RUN_DIR`: top-K items for users from a saved run, excluding items the user interacted with
// in training (and validation) — CSV (user,rank,item,score) or JSON, with the dataset's original ids.
import { writeFileSync } from 'node:fs';
import { FileError, readRegularText } from '../io/files.js';
import type { Dataset } from '../data/types.js';
import { formatRecommendations, recommend } from '../serving/recommend.js';
import { UsageError, commandFlags, openRun } from './common.js';

const USAGE = `usage: hardneg recommend RUN_DIR [options]

Top-K recommendations from a saved run. Items in the user's training (and validation) interactions are excluded.

  --users ID,ID,...     users by their original ids (default: every user)
  --users-file FILE     one original user id per line
  --internal-ids        --users are internal indices 0..n−1 instead of original ids
  -k, --k N             items per user (default 10)
  --format csv|json     output format (default csv: user,rank,item,score)
  -o, --out FILE        write to FILE instead of stdout
  --include-seen        do not exclude training/validation items
  -h, --help`;

const OPTIONS = {
  users: { type: 'string' },
  'users-file': { type: 'string' },
  'internal-ids': { type: 'boolean' },
  k: { type: 'string', short: 'k' },
  format: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'include-seen': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readUsersFile(path: string): string {
  try {
    return readRegularText(path, { what: '--users-file' });
  } catch (e) {
    if (e instanceof FileError) throw new UsageError(e.message);
    throw e;
  }
}
function resolveUsers
(values: Record<string, unknown>, dataset: Dataset): Int32Array {
  let tokens: string[] | null = null;
  if (values.users !== undefined) tokens = String(values.users).split(',').map((s) => s.trim()).filter(Boolean);
  if (values['users-file'] !== undefined) {
    tokens = [...(tokens ?? []), ...readUsersFile(String(values['users-file'])).split(/\r?\n/).map((s) => s.trim()).filter(Boolean)];
  }
  if (!tokens) return Int32Array.from({ length: dataset.numUsers }, (_, i) => i);
  if (values['internal-ids']) {
    return Int32Array.from(tokens, (t) => {
      const u = Number(t);
      if (!Number.isInteger(u) || u < 0 || u >= dataset.numUsers) throw new UsageError(`--users: '${t}' is not a user index in 0..${dataset.numUsers - 1}`);
      return u;
    });
  }
  const index = new Map<string, number>();
  dataset.userIds.forEach((id, i) => index.set(id, i));
  return Int32Array.from(tokens, (t) => {
    const u = index.get(t);
    if (u === undefined) throw new UsageError(`--users: no user with id '${t}' in dataset '${dataset.name}'`);
    return u;
  });
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('recommend', USAGE, argv, OPTIONS, ({ positionals }) => {
    if (positionals.length !== 1) throw new UsageError('expected one RUN_DIR');
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const k = values.k === undefined ? 10 : Number(values.k);
  const format = (values.format ?? 'csv') as string;
  try {
    if (!Number.isInteger(k) || k < 1) throw new UsageError(`--k: expected a positive integer, got '${String(values.k)}'`);
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--format: expected csv or json, got '${format}'`);
  } catch (e) {
    process.stderr.write(`hardneg recommend: ${(e as Error).message}\n`);
    return 2;
  }
  const { dataset, emb } = await openRun(positionals[0]);
  const users = resolveUsers(values, dataset);
  const text = formatRecommendations(recommend(emb, dataset, users, k, Boolean(values['include-seen'])), dataset, format);
  if (values.out) writeFileSync(String(values.out), text);
  else process.stdout.write(text);
  return 0;
}
