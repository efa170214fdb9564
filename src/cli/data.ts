// `hardneg data stats|split|regions|download`: dataset statistics, writing a split for other frameworks, RecNS's
// regions per user, and fetching the public datasets. DataErrors print as `file:line: field: message`.
import { existsSync } from 'node:fs';
import { DataError } from '../data/errors.js';
import { ChecksumError, DOWNLOADS, download } from '../data/download.js';
import { loadDataset, type DatasetSpec } from '../data/load.js';
import { defaultDataDir, FORMATS, NAMED_DATASETS, type Format } from '../data/registry.js';
import { describeSplit, parseSplit } from '../data/split.js';
import { datasetStats, formatStats } from '../data/stats.js';
import { writeSplit } from '../data/write.js';
import { REGION_KINDS, RegionIndex, checkKhop } from '../data/regions.js';
import { DATASET_FLAGS, type Flags, UsageError, commandFlags, datasetFlagSpec } from './common.js';

const SOURCE_HELP = `SOURCE is a dataset name (${Object.keys(NAMED_DATASETS).join(', ')}) or a path to a file/folder.

source options:
  -d, --dataset S   the SOURCE as a flag, as in hardneg train
  --format F        ${FORMATS.join('|')} (guessed from the path when omitted)
  --data-dir DIR    where named datasets live (default: $HARDNEG_DATA, ../shared/data, ~/.cache/hardneg/data)
  --split S         ratio:8:1:1 | temporal:8:1:1 | loo[:latest|random][:valid] | fn[:4:1:1] |
                    time:<test fraction>[:<valid fraction>] | time@<test from>[@<valid from>] | none
  --seed N          seed of the 'split' random stream (default 0)
  --threshold R     keep ratings >= R as positives; lower ratings become exposure records
  --no-exposure     with --threshold: drop the lower ratings instead
  --kcore K         iterative K-core on users and items (or U,I)
  --option K=V      loader option (repeatable), e.g. --option delimiter=';' --option itemOffset=0`;

const HELP: Record<string, string> = {
  main: `usage: hardneg data <stats|split|regions|download> [options]

  stats SOURCE      users, items, interactions and density per split (--json for JSON)
  split SOURCE      write a split to disk in the LightGCN format and as CSV (--out DIR)
  regions SOURCE    RecNS's intermediate / distant region sizes per user (--khop K, --users, --items)
  download NAME     fetch a public dataset (--list to see them)

Run \`hardneg data <subcommand> --help\` for its options.`,
  stats: `usage: hardneg data stats SOURCE [options] [--json]   (or -d SOURCE)

Prints users (with at least one interaction), items, interactions and density per split, plus the content
fingerprint and everything the loader, filters and splitter dropped or changed. Single-log sources (MovieLens,
CSV, RecBole .inter) are shown unsplit unless --split is given.

${SOURCE_HELP}
  --json            print the statistics and report as JSON`,
  split: `usage: hardneg data split SOURCE --out DIR [options]   (or -d SOURCE)

Writes train/valid/test in the LightGCN format (train.txt, … with user_list.txt / item_list.txt) and as CSV
(train.csv, … in original ids), plus split.json (fingerprint, stats, report). Single-log sources default to
--split ratio:8:1:1.

${SOURCE_HELP}
  --out DIR         output folder (required)
  --no-lightgcn     skip the LightGCN files
  --no-csv          skip the CSV files`,
  regions: `usage: hardneg data regions SOURCE --khop K [--users 0,1,2] [--items] [--json] [options]   (or -d SOURCE)

RecNS's three regions on the training graph (the whole log for single-log sources, unless --split is given):
for each listed user (internal indices 0..users−1), the number of training items, of intermediate items
(reachable within K hops, K odd, minus the user's training items) and of distant items (the other non-positives).
Without --users, the same counts summarised over every user.

${SOURCE_HELP}
  --khop K          hops bounding the intermediate region (odd, default 3)
  --users LIST      comma-separated user indices
  --items           also print each listed user's intermediate and distant items (original ids)
  --json            print JSON`,
  download: `usage: hardneg data download NAME [options]   (or -d NAME)
       hardneg data download --list

Fetches a public dataset into DIR/NAME, checking sizes and sha256 checksums (unverifiable ones are recorded in
CHECKSUMS.json at first download and checked afterwards). MovieLens archives are unpacked.

  --dir DIR         target folder (default ${defaultDataDir()})
  --url BASE        fetch each file from BASE/<file name> instead of the upstream URL (a mirror)
  --from DIR        copy each file from DIR/<file name> instead of fetching (an offline copy)
  --force           download again even when present
  --list            list the downloadable datasets`,
};

function fail(msg: string, sub = 'main'): number {
  console.error(`hardneg data${sub === 'main' ? '' : ` ${sub}`}: ${msg}\n\n${HELP[sub] ?? HELP.main}`);
  return 2;
}

/** The subcommands' preamble (cli/common.ts): usage errors exit 2 with the subcommand's usage. */
function subcommandFlags<T extends Parameters<typeof commandFlags>[3]>(sub: string, argv: string[], options: T,
  check: (f: Flags) => void): Flags | number {
  return commandFlags(`data ${sub}`, HELP[sub], argv, { ...options, dataset: { type: 'string', short: 'd' } }, check);
}

/** The one SOURCE (or NAME): the positional, or -d/--dataset, not both. */
function theSource(f: Flags, sub: string, what = 'SOURCE'): string {
  const given = [...f.positionals, ...(f.values.dataset !== undefined ? [String(f.values.dataset)] : [])];
  if (given.length !== 1) {
    throw new UsageError(given.length === 0 ? `${sub} needs one ${what} (or -d ${what})` : `${sub} takes one ${what}, got ${given.length}: ${given.join(', ')}`);
  }
  return given[0];
}

const SOURCE_OPTS = {
  ...DATASET_FLAGS,
  seed: { type: 'string' },
  threshold: { type: 'string' },
  'no-exposure': { type: 'boolean' },
  kcore: { type: 'string' },
  option: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(name: string, v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name}: '${v}' is not a number`);
  return x;
}

function specFrom(source: string, v: Record<string, unknown>, defaultSplit: string | undefined): DatasetSpec {
  // SOURCE, --format and --data-dir as on every command (cli/common.ts); --split below, with this command's default.
  const spec = datasetFlagSpec(source, v, false);
  if (v.seed !== undefined) spec.seed = num('seed', v.seed as string);
  if (v.threshold !== undefined) spec.ratingThreshold = num('threshold', v.threshold as string);
  if (v['no-exposure']) spec.exposureFromRatings = false;
  if (v.kcore !== undefined) {
    const [a, b] = (v.kcore as string).split(',');
    spec.kcore = { users: num('kcore', a), items: num('kcore', b ?? a) };
  }
  const split = (v.split as string | undefined) ?? defaultSplit;
  if (split !== undefined) {
    try {
      spec.split = parseSplit(split);
    } catch (e) {
      throw new UsageError(`--split: ${(e as Error).message}`);
    }
  }
  if (v.option) {
    const o: Record<string, unknown> = {};
    for (const kv of v.option as string[]) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`--option: expected KEY=VALUE, got '${kv}'`);
      const val = kv.slice(eq + 1);
      o[kv.slice(0, eq)] = /^-?\d+(\.\d+)?$/.test(val) ? Number(val) : val;
    }
    spec.options = o;
  }
  return spec;
}

const SINGLE_LOG: Format[] = ['movielens', 'synthetic'];

function isSingleLog(spec: DatasetSpec): boolean {
  const f = spec.format ?? NAMED_DATASETS[spec.name ?? '']?.format;
  if (f && SINGLE_LOG.includes(f)) return true;
  if ((f === 'csv' || f === 'recbole') && spec.path && !spec.options?.train && !existsSync(`${spec.path}/`)) return true;
  return false;
}

async function stats(argv: string[]): Promise<number> {
  let source = '';
  const f = subcommandFlags('stats', argv, { ...SOURCE_OPTS, json: { type: 'boolean' } }, (a) => void (source = theSource(a, 'stats')));
  if (typeof f === 'number') return f;
  const { values } = f;
  const spec0 = specFrom(source, values, undefined);
  const unsplit = !spec0.split && isSingleLog(spec0);
  const spec = unsplit ? { ...spec0, split: { kind: 'none' as const } } : spec0;
  const d = loadDataset(spec);
  const s = datasetStats(d);
  if (values.json) {
    console.log(JSON.stringify({ ...s, split: spec.split ? describeSplit(spec.split as never) : 'as in the source', report: d.report }, null, 2));
    return 0;
  }
  let text = formatStats(s);
  if (unsplit) text = text.replace(/\ntrain( +)/, '\nlog  $1').replace(/\ntest .*/, '') + '\n\n(unsplit log; pass --split to split it)';
  console.log(text);
  if (d.report.length) {
    console.log('\nreport:');
    for (const r of d.report) console.log(`  [${r.step}] ${r.message}`);
  }
  return 0;
}

async function split(argv: string[]): Promise<number> {
  let source = '';
  const f = subcommandFlags('split', argv, { ...SOURCE_OPTS, out: { type: 'string' }, 'no-lightgcn': { type: 'boolean' }, 'no-csv': { type: 'boolean' } }, (a) => {
    source = theSource(a, 'split');
    if (!a.values.out) throw new UsageError('split needs --out DIR');
  });
  if (typeof f === 'number') return f;
  const values = f.values as { out: string; 'no-lightgcn'?: boolean; 'no-csv'?: boolean };
  const spec0 = specFrom(source, f.values, undefined);
  const spec = !spec0.split && isSingleLog(spec0) ? { ...spec0, split: parseSplit('ratio:8:1:1') } : spec0;
  const d = loadDataset(spec);
  const files = writeSplit(d, values.out, {
    lightgcn: !values['no-lightgcn'],
    csv: !values['no-csv'],
    meta: { split: spec.split ? describeSplit(spec.split as never) : 'as in the source', seed: spec.seed ?? 0 },
  });
  console.log(formatStats(datasetStats(d)));
  console.log(`\nwrote ${files.length} files to ${values.out}: ${files.join(', ')}`);
  return 0;
}

function userList(v: string, numUsers: number): Int32Array {
  const parts = v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (parts.length === 0) throw new UsageError('--users: expected comma-separated user indices, e.g. --users 0,1,2');
  return Int32Array.from(parts, (x) => {
    const n = Number(x);
    if (!/^\d+$/.test(x) || !(n < numUsers)) throw new UsageError(`--users: '${x}' is not a user index in 0..${numUsers - 1}`);
    return n;
  });
}

async function regions(argv: string[]): Promise<number> {
  let source = '';
  let khop = 3;
  const f = subcommandFlags('regions', argv,
    { ...SOURCE_OPTS, khop: { type: 'string' }, users: { type: 'string' }, items: { type: 'boolean' }, json: { type: 'boolean' } },
    (a) => {
      source = theSource(a, 'regions');
      if (a.values.khop !== undefined) {
        try {
          khop = checkKhop(num('khop', String(a.values.khop)), '--khop');
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
      }
      if (a.values.items && a.values.users === undefined) throw new UsageError('--items needs --users (the lists are per user)');
    });
  if (typeof f === 'number') return f;
  const values = f.values as { users?: string; items?: boolean; json?: boolean };
  const spec0 = specFrom(source, f.values, undefined);
  const spec = !spec0.split && isSingleLog(spec0) ? { ...spec0, split: { kind: 'none' as const } } : spec0;
  const d = loadDataset(spec);
  const users = values.users !== undefined ? userList(values.users, d.numUsers) : null;
  const index = new RegionIndex(d.train, { khop, mode: 'lazy' });
  const head = { dataset: d.name, khop, numUsers: d.numUsers, numItems: d.numItems, train: d.train.indptr[d.numUsers], fingerprint: d.fingerprint };
  if (users) {
    index.load(users);
    const rows = Array.from(users, (u) => {
      const s = index.sizes(u);
      const row: Record<string, unknown> = { user: u, id: d.userIds[u], positives: s.positives, intermediate: s.intermediate, distant: s.distant };
      if (values.items) for (const kind of REGION_KINDS.slice(0, 2)) row[`${kind}Items`] = Array.from(index.items(u, kind), (i) => d.itemIds[i]);
      return row;
    });
    if (values.json) {
      console.log(JSON.stringify({ ...head, users: rows }, null, 2));
      return 0;
    }
    console.log(`${d.name}: ${d.numUsers.toLocaleString('en-US')} users × ${d.numItems.toLocaleString('en-US')} items, khop ${khop}`);
    console.log('user (id)            train  intermediate  distant');
    for (const r of rows) {
      console.log(`${`${r.user} (${r.id})`.padEnd(20)} ${String(r.positives).padStart(6)} ${String(r.intermediate).padStart(13)} ${String(r.distant).padStart(8)}`);
      if (values.items) {
        console.log(`  intermediate: ${(r.intermediateItems as string[]).join(' ')}`);
        console.log(`  distant: ${(r.distantItems as string[]).join(' ')}`);
      }
    }
    return 0;
  }
  // Every user, 128 at a time (one lazy block each), summarised.
  const med = new Float64Array(d.numUsers);
  const dis = new Float64Array(d.numUsers);
  for (let from = 0; from < d.numUsers; from += 128) {
    const block = Int32Array.from({ length: Math.min(128, d.numUsers - from) }, (_, k) => from + k);
    index.load(block);
    for (const u of block) {
      const s = index.sizes(u);
      med[u] = s.intermediate;
      dis[u] = s.distant;
    }
  }
  const summary = (x: Float64Array) => {
    const s = Float64Array.from(x).sort();
    let sum = 0;
    for (const v of s) sum += v;
    return { mean: sum / s.length, min: s[0], median: s[s.length >> 1], max: s[s.length - 1] };
  };
  const out = { ...head, intermediate: summary(med), distant: summary(dis) };
  if (values.json) {
    console.log(JSON.stringify(out, null, 2));
    return 0;
  }
  const fmt = (r: ReturnType<typeof summary>) => `mean ${r.mean.toFixed(1)}, min ${r.min}, median ${r.median}, max ${r.max}`;
  console.log(`${d.name}: ${d.numUsers.toLocaleString('en-US')} users × ${d.numItems.toLocaleString('en-US')} items, khop ${khop}`);
  console.log(`intermediate items per user: ${fmt(out.intermediate)}`);
  console.log(`distant items per user:      ${fmt(out.distant)}`);
  return 0;
}

async function downloadCmd(argv: string[]): Promise<number> {
  let name = '';
  const f = subcommandFlags('download', argv,
    { dir: { type: 'string' }, url: { type: 'string' }, from: { type: 'string' }, force: { type: 'boolean' }, list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    (a) => {
      if (a.values.list) return;
      name = theSource(a, 'download', 'NAME');
      if (a.values.url && a.values.from) throw new UsageError('give --url or --from, not both');
    });
  if (typeof f === 'number') return f;
  const values = f.values as { dir?: string; url?: string; from?: string; force?: boolean; list?: boolean };
  if (values.list) {
    for (const e of Object.values(DOWNLOADS)) console.log(`${e.name.padEnd(12)} ${e.format.padEnd(10)} ${e.description} — ${e.licence}`);
    return 0;
  }
  const r = await download(name, {
    dir: values.dir ?? defaultDataDir(),
    baseUrl: values.url,
    from: values.from,
    force: values.force,
    log: (l) => console.log(l),
  });
  console.log(`done: ${r.dir}`);
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'stats':
        return await stats(rest);
      case 'split':
        return await split(rest);
      case 'regions':
        return await regions(rest);
      case 'download':
        return await downloadCmd(rest);
      case undefined:
        // A usage error: the reason and the usage on stderr, exit 2 (as every command does).
        return fail('expected a subcommand (stats, split, regions or download)');
      case '--help':
      case '-h':
      case 'help':
        console.log(HELP.main);
        return 0;
      default:
        return fail(`unknown subcommand '${sub}'`);
    }
  } catch (e) {
    if (e instanceof DataError) {
      console.error(e.message);
      return 1;
    }
    if (e instanceof UsageError) return fail(e.message, sub);
    if (e instanceof ChecksumError) {
      console.error(`hardneg data download: checksum failure: ${e.message}`);
      return 1;
    }
    console.error(`hardneg data ${sub}: ${(e as Error).message}`);
    return 1;
  }
}
