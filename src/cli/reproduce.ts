// `hardneg reproduce PAPER [ITEM]`: a paper's table or figure as one resumable command (src/reproduce/), or the
// list of every item with its status on the data held here.
import { parseOverrides, parseValue, setPath } from '../experiments/config.js';
import { toJson } from '../experiments/runStore.js';
import { CATALOGUE, findItem, itemStatus, paperItems } from '../reproduce/catalogue.js';
import { reproduce } from '../reproduce/run.js';
import { PAPER_IDS, type BudgetName } from '../reproduce/types.js';
import { table } from '../experiments/markdown.js';
import { UsageError, commandFlags, writeOut } from './common.js';

const USAGE = `usage: hardneg reproduce PAPER [ITEM] [options]
       hardneg reproduce --list [PAPER]

Runs one table or figure of a paper (${PAPER_IDS.join(', ')}) as its sweeps (one per compared method, tuned on
validation at the full budget), then writes report.md, report/report.html (charts; see hardneg report), reproduce.json
(and curves.csv for figures of curves) into
the item's folder, our numbers beside the paper's. A rerun keeps finished runs and resumes killed ones.

  --list                every item of the papers (or of PAPER) with its status on the data held here
  --budget quick|full   quick: minutes on small held data, one seed (a smoke check); full: the study (default quick)
  -o, --out DIR         the item's folder (default runs/reproduce/<paper>-<item>-<budget>)
  --parallel 1|2        runs at a time (2: two child processes, one thread each)
  --force               replace the runs the folder holds
  --dry-run             check every run (config, folder, dataset) and print the plan; train and write nothing
  --dataset SPEC        replace the budget's dataset: a name, or a spec in YAML flow syntax, e.g.
                        --dataset '{name: ml-100k, split: "ratio:8:1:1"}' (the report says so)
  --seeds 1,2,3         replace the budget's seeds
  --groups G[,G]        run only these groups of the item (e.g. lightgcn); see the item's report for its groups
  --set KEY=VALUE       a config override for every run (after the budget's and the arm's), repeatable,
                        e.g. --set epochs=5
  --data-dir DIR        look for datasets here first
  --json                print the result (or the list) as JSON
  -q, --quiet           no progress lines on stderr
  -h, --help`;

const OPTIONS = {
  list: { type: 'boolean' },
  budget: { type: 'string' },
  out: { type: 'string', short: 'o' },
  parallel: { type: 'string' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  set: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  groups: { type: 'string' },
  dataset: { type: 'string', short: 'd' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

function listItems(paper: string | undefined, budget: BudgetName, dataDir: string | undefined, json: boolean): string {
  const items = paper ? paperItems(paper) : [...CATALOGUE];
  const statuses = items.map((i) => itemStatus(i, budget, dataDir));
  if (json) {
    return toJson(statuses.map((s) => ({
      paper: s.item.paper, item: s.item.id, kind: s.item.kind, title: s.item.title, source: s.item.source, state: s.state,
      data: s.data, missing: s.missing, note: s.note ?? null,
    })));
  }
  const rows = statuses.map((s) => {
    const missing = [...new Set(s.missing.map((m) => m.arm))];
    const status = s.state === 'runnable' ? 'runnable'
      : s.state === 'partial' ? `partial (not built/valid: ${missing.join(', ')})`
        : s.note ?? (!s.data[budget].held ? `needs data: ${s.data[budget].dataset}` : `blocked (${missing.join(', ')})`);
    const data = s.item.stats ? `${s.item.stats.filter((x) => x.ours !== null).length} of ${s.item.stats.length} with a dataset of ours`
      : s.data.quick.dataset === s.data.full.dataset ? `${s.data.quick.dataset}${s.data.quick.held ? '' : ' (not held)'}`
        : `${s.data.quick.dataset}${s.data.quick.held ? '' : ' (not held)'} / ${s.data.full.dataset}${s.data.full.held ? '' : ' (not held)'}`;
    return [`${s.item.paper} ${s.item.id}`, s.item.title.length > 60 ? s.item.title.slice(0, 57) + '...' : s.item.title, data, status];
  });
  return `${table(['item', 'title', `data quick / full`, `status (${budget})`], rows)}\n\n${statuses.length} items; ` +
    `${statuses.filter((s) => s.state === 'runnable').length} runnable, ${statuses.filter((s) => s.state === 'partial').length} partial`;
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('reproduce', USAGE, argv, OPTIONS, ({ values, positionals }) => {
    if (positionals.length > 2) throw new UsageError(`expected PAPER [ITEM], got ${positionals.length} arguments`);
    if (!values.list && positionals.length < 2) throw new UsageError('expected PAPER and ITEM (or --list to see them)');
    if (values.budget !== undefined && values.budget !== 'quick' && values.budget !== 'full') {
      throw new UsageError(`--budget: expected quick or full, got '${String(values.budget)}'`);
    }
    if (values.parallel !== undefined && values.parallel !== '1' && values.parallel !== '2') {
      throw new UsageError(`--parallel: expected 1 or 2, got '${String(values.parallel)}'`);
    }
    if (values.seeds !== undefined && !/^\d+(,\d+)*$/.test(String(values.seeds))) {
      throw new UsageError(`--seeds: expected comma-separated integers, e.g. 1,2,3, got '${String(values.seeds)}'`);
    }
    if (values.groups !== undefined && !/^[\w.-]+(,[\w.-]+)*$/.test(String(values.groups))) {
      throw new UsageError(`--groups: expected comma-separated group ids, e.g. lightgcn,pinsage, got '${String(values.groups)}'`);
    }
    if (positionals[0] !== undefined && !(PAPER_IDS as readonly string[]).includes(positionals[0])) {
      throw new UsageError(`unknown paper '${positionals[0]}' (known: ${PAPER_IDS.join(', ')})`);
    }
  });
  if (typeof f === 'number') return f;
  const { values, positionals } = f;
  const budget = (values.budget as BudgetName | undefined) ?? 'quick';
  const dataDir = values['data-dir'] as string | undefined;
  if (values.list) {
    writeOut(listItems(positionals[0], budget, dataDir, Boolean(values.json)));
    return 0;
  }
  let item;
  try {
    item = findItem(positionals[0], positionals[1]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const overrides: Record<string, unknown> = {};
  for (const [k, v] of parseOverrides((values.set as string[] | undefined) ?? [])) setPath(overrides, k, v);
  const quiet = Boolean(values.quiet);
  const dataset = values.dataset === undefined ? undefined : parseValue(String(values.dataset));
  if (dataset !== undefined && typeof dataset !== 'string' && (dataset === null || typeof dataset !== 'object' || Array.isArray(dataset))) {
    throw new UsageError(`--dataset: expected a dataset name or a spec object, got '${String(values.dataset)}'`);
  }
  const r = await reproduce(item, {
    dataset: dataset as string | Record<string, unknown> | undefined,
    budget, out: values.out as string | undefined, seeds: values.seeds === undefined ? undefined : String(values.seeds).split(',').map(Number),
    groups: values.groups === undefined ? undefined : String(values.groups).split(','), parallel: values.parallel === '2' ? 2 : 1, force: Boolean(values.force),
    overrides: Object.keys(overrides).length ? overrides : undefined, dataDir,
    log: (s) => { if (!quiet) process.stderr.write(s + '\n'); }, dryRun: Boolean(values['dry-run']),
  });
  if (values['dry-run']) {
    writeOut(`${item.paper} ${item.id} (dry run): ${item.groups?.filter((g) => !r.groups || r.groups.includes(g.id)).reduce((n, g) => n + g.arms.length, 0) ?? 0} arm(s), ` +
      `${r.skipped.length} left out; nothing trained or written`);
    return 0;
  }
  if (values.json) {
    writeOut(toJson({ outDir: r.outDir, rows: r.rows.map(({ curve: _c, ...row }) => row), skipped: r.skipped, claims: r.claims }));
  } else {
    const lines = r.claims.map((c) => `  ${c.verdict.padEnd(13)} ${c.claim.text} (${c.detail})`);
    writeOut(`${item.paper} ${item.id}: ${r.rows.length} row(s)${r.skipped.length ? `, ${r.skipped.length} arm(s) not run here` : ''}; ` +
      `report in ${r.outDir}/report.md${lines.length ? `\nclaims:\n${lines.join('\n')}` : ''}`);
  }
  return r.rows.some((x) => x.failed.length > 0) ? 1 : 0;
}
