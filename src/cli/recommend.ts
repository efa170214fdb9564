// `hardneg recommend RUN_DIR`: top-K items for users from a saved run, excluding items the user interacted with
// in training (and validation) — CSV (user,rank,item,score) or JSON, with the dataset's original ids. Served by
// `Model.load` from the run folder's own files (the data files are not needed); a run written before runs kept
// their ids and exclusion lists (no ids.json) is served from its reloaded dataset (openRun), as before.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileError, readRegularText } from '../io/files.js';
import { IDS_FILE } from '../io/runFiles.js';
import { checkFinished } from '../experiments/runStore.js';
import { formatItemLists } from '../serving/recommend.js';
import { Model } from '../serving/model.js';
import { UsageError, commandFlags, openRun, relocationFromFlags } from './common.js';

const USAGE = `usage: hardneg recommend RUN_DIR [options]

Top-K recommendations from a saved run. Items in the user's training (and validation) interactions are excluded.

  --users ID,ID,...     users by their original ids (default: every user)
  --users-file FILE     one original user id per line
  --internal-ids        --users are internal indices 0..n−1 instead of original ids
  -k, --k N             items per user (default 10)
  --format csv|json     output format (default csv: user,rank,item,score)
  -o, --out FILE        write to FILE instead of stdout
  --include-seen        do not exclude training/validation items
  -h, --help

the run's data (needed only for runs written before run folders kept their ids, i.e. without ids.json):
  -d, --dataset S       where the dataset is now: a name or a path (the fingerprint is checked)
      --data-dir DIR    where named datasets live now`;

const OPTIONS = {
  dataset: { type: 'string', short: 'd' },
  'data-dir': { type: 'string' },
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
function resolveUsers(values: Record<string, unknown>, model: Model, datasetName: string): string[] {
  let tokens: string[] | null = null;
  if (values.users !== undefined) tokens = String(values.users).split(',').map((s) => s.trim()).filter(Boolean);
  if (values['users-file'] !== undefined) {
    tokens = [...(tokens ?? []), ...readUsersFile(String(values['users-file'])).split(/\r?\n/).map((s) => s.trim()).filter(Boolean)];
  }
  if (!tokens) return [...model.userIds];
  if (values['internal-ids']) {
    return tokens.map((t) => {
      const u = Number(t);
      if (!Number.isInteger(u) || u < 0 || u >= model.numUsers) throw new UsageError(`--users: '${t}' is not a user index in 0..${model.numUsers - 1}`);
      return model.userIds[u];
    });
  }
  for (const t of tokens) if (!model.hasUser(t)) throw new UsageError(`--users: no user with id '${t}' in dataset '${datasetName}'`);
  return tokens;
}

/** The run's model: from its own files, or (a run from before ids.json) from its reloaded dataset. */
async function loadModel(dir: string, relocate?: ReturnType<typeof relocationFromFlags>): Promise<{ model: Model; datasetName: string }> {
  checkFinished(dir); // a folder being written, unfinished or foreign: the same refusals as openRun's
  if (existsSync(join(dir, IDS_FILE))) {
    const model = Model.load(dir);
    let datasetName = '';
    try {
      datasetName = String((JSON.parse(readRegularText(join(dir, 'dataset.json'))) as { name?: unknown }).name ?? '');
    } catch {
      // the name is only for messages
    }
    return { model, datasetName };
  }
  const { dataset, emb } = await openRun(dir, { relocate });
  return { model: Model.fromEmbeddings(emb, dataset), datasetName: dataset.name };
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
  // -d / --data-dir matter only for a run without its own id maps; a run with them never reads the data files.
  const { model, datasetName } = await loadModel(positionals[0], relocationFromFlags({ dataset: values.dataset, 'data-dir': values['data-dir'] }));
  const users = resolveUsers(values, model, datasetName);
  const text = formatItemLists(model.recommend(users, { k, exclude: values['include-seen'] ? 'none' : 'train' }), format);
  if (values.out) writeFileSync(String(values.out), text);
  else process.stdout.write(text);
  return 0;
}
