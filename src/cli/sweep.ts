// `hardneg sweep`: flags → runSweep (experiments/sweepRunner.ts) → the summary table (mean ± std per cell, best
// cell by the selection metric).
import { toJson } from '../experiments/runStore.js';
import { parseGridArg } from '../experiments/sweep.js';
import { runSweep, sweepTable } from '../experiments/sweepRunner.js';
import { resolveConfig } from '../experiments/presets.js';
import {
  CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, applyDatasetFlags, commandFlags, flagOverrides, presetGiven, presetNotice, readConfigFile, writeOut,
} from './common.js';

export { sweepTable };

const USAGE = `usage: hardneg sweep --grid KEY=V1,V2 [--grid KEY=...] [--seeds 1,2,3] [config options]

Runs every combination of the grid values × seeds, each as its own run folder under --out, and prints a table of
mean ± std over seeds per cell; the best cell (by the selection metric on the selection split) is marked *.

  --grid KEY=V1,V2,...  a config key and its values, e.g. --grid sampler.m=16,32,64 --grid encoder.name=mf,lightgcn
                        (or KEY=[v1, v2] in YAML flow syntax); repeatable
  --seeds 1,2,3         seeds (default: the config's seed)
  --parallel 1|2        runs at a time: 2 = two child processes with HARDNEG_THREADS=1 (default 1, in-process)
  -o, --out DIR         sweep folder (default runs/sweep-<timestamp>)
      --force           replace every run the sweep folder already holds (without it a rerun keeps finished runs of
                        the same config, resumes killed ones from their checkpoints, and refuses anything else)
  --dry-run             resolve and check every run (config, folder, dataset), print the plan, train nothing
  --json                print the summary as JSON
  -q, --quiet           no per-run lines on stderr
  -h, --help

${CONFIG_FLAGS_HELP}`;

const OPTIONS = {
  ...CONFIG_FLAGS,
  grid: { type: 'string', multiple: true },
  seeds: { type: 'string' },
  parallel: { type: 'string' },
  out: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('sweep', USAGE, argv, OPTIONS);
  if (typeof f === 'number') return f;
  const { values } = f;
  const grid = ((values.grid as string[] | undefined) ?? []).map(parseGridArg);
  const file = values.config ? readConfigFile(String(values.config)) : undefined;
  const over = flagOverrides(values);
  const seeds = values.seeds === undefined ? [] : String(values.seeds).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seeds: expected non-negative integers, got '${s}'`);
    return n;
  });
  const parallel = values.parallel === undefined ? 1 : Number(values.parallel);
  if (parallel !== 1 && parallel !== 2) throw new UsageError(`--parallel: expected 1 or 2, got '${String(values.parallel)}'`);
  const quiet = Boolean(values.quiet);
  if (!quiet) {
    // Before anything runs: the preset, its dataset and expected run time (per run), and how many runs.
    const first = resolveConfig(values.preset as string | undefined, file, over);
    first.dataset = applyDatasetFlags(first.dataset, values);
    process.stderr.write(`${presetNotice(first, presetGiven(values))}\n(per run; the sweep runs each cell × seed)\n`);
  }
  const { outDir, base: b, summaries, records, doc } = await runSweep({
    preset: values.preset as string | undefined, file, overrides: over, grid, seeds: values.seeds === undefined ? undefined : seeds,
    parallel, outDir: values.out as string | undefined, force: Boolean(values.force),
    refineDataset: (ds) => applyDatasetFlags(ds, values), dryRun: Boolean(values['dry-run']),
    log: (s) => { if (!quiet) process.stderr.write(s + '\n'); },
  });
  if (values['dry-run']) {
    const plan = doc.plan as Array<{ cell: string; seed: number; runDir: string; mode: string }>;
    writeOut(values.json ? toJson(doc) : plan.map((p) => `${p.runDir}  ${p.cell} seed ${p.seed}${p.mode === 'new' ? '' : ` (${p.mode})`}`).join('\n'));
    return 0;
  }
  writeOut(values.json ? toJson(doc) : `${sweepTable(summaries, b)}\n\n* best cell by ${b.metric} on ${b.selectOn}; runs in ${outDir}`);
  return records.some((r) => r.error) ? 1 : 0;
}
