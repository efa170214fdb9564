// `hardneg sweep`: a grid over config keys × seeds; per-run folders plus a summary table (mean ± std per cell,
// best cell by the selection metric). Runs sequentially in this process, or two at a time as child processes
// (`hardneg train --config …`), each with HARDNEG_THREADS=1 so two runs share the two cores.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/types.js';
import { ConfigError, type RunConfig } from '../experiments/config.js';
import { resolveConfig } from '../experiments/presets.js';
import { toJson, type RunSummary } from '../experiments/runStore.js';
import {
  type CellSummary, type GridCell, type SweepRunRecord, cellOverrides, expandGrid, parseGridArg, pm, runName, summarizeSweep,
} from '../experiments/sweep.js';
import { table } from '../report/markdown.js';
import { silentProgress } from '../training/progress.js';
import { checkMethodOptions } from '../experiments/assemble.js';
import { train } from '../experiments/run.js';
import { checkRunFolder } from '../experiments/runFolder.js';
import {
  CONFIG_FLAGS, CONFIG_FLAGS_HELP, UsageError, commandFlags, datasetFromConfig, flagOverrides, normaliseDatasetSpec, readConfigFile,
  writeOut,
} from './common.js';

const USAGE = `usage: hardneg sweep --grid KEY=V1,V2 [--grid KEY=...] [--seeds 1,2,3] [config options]

Runs every combination of the grid values × seeds, each as its own run folder under --out, and prints a table of
mean ± std over seeds per cell; the best cell (by the selection metric on the selection split) is marked *.

  --grid KEY=V1,V2,...  a config key and its values, e.g. --grid sampler.m=16,32,64 --grid encoder.name=mf,lightgcn
                        (or KEY=[v1, v2] in YAML flow syntax); repeatable
  --seeds 1,2,3         seeds (default: the config's seed)
  --parallel 1|2        runs at a time: 2 = two child processes with HARDNEG_THREADS=1 (default 1, in-process)
  -o, --out DIR         sweep folder (default runs/sweep-<timestamp>)
      --force           replace runs the sweep folder already holds (refused without it)
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
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Job {
  cell: GridCell;
  seed: number;
  config: RunConfig;
  dir: string;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** The sweep table: one row per cell; selection metric on the selection split, then test Recall/NDCG at each K. */
export function sweepTable(summaries: CellSummary[], config: RunConfig, markdown = false): string {
  const testKeys = config.ks.flatMap((k) => [`recall@${k}`, `ndcg@${k}`]);
  const sel = `${config.metric} (${config.selectOn})`;
  const header = ['cell', 'runs', sel, ...testKeys.map((k) => `test ${k}`)];
  const rows = summaries.map((s) => [
    `${s.best ? '* ' : '  '}${s.cell.label}`,
    s.failed ? `${s.runs} (+${s.failed} failed)` : String(s.runs),
    pm(s.select[config.metric]),
    ...testKeys.map((k) => pm(s.test[k])),
  ]);
  return table(header, rows, markdown);
}

async function runChild(job: Job, mainJs: string, force: boolean): Promise<SweepRunRecord> {
  const cfgPath = join(job.dir, 'request.json');
  mkdirSync(job.dir, { recursive: true });
  writeFileSync(cfgPath, toJson(job.config) + '\n');
  return new Promise((resolveP) => {
    const child = spawn(process.execPath, [mainJs, 'train', '--config', cfgPath, '--out', job.dir, '--json', '-q', ...(force ? ['--force'] : [])], {
      env: { ...process.env, HARDNEG_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      const base = { cell: job.cell.index, seed: job.seed, runDir: job.dir };
      if (code !== 0) {
        resolveP({ ...base, select: {}, test: {}, error: (err.trim().split('\n').pop() ?? '') || `exit code ${code}` });
        return;
      }
      try {
        const s = JSON.parse(out) as RunSummary;
        resolveP({ ...base, select: s.best, test: s.test });
      } catch (e) {
        resolveP({ ...base, select: {}, test: {}, error: `unreadable output: ${(e as Error).message}` });
      }
    });
  });
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('sweep', USAGE, argv, OPTIONS);
  if (typeof f === 'number') return f;
  const { values } = f;
  const grid = ((values.grid as string[] | undefined) ?? []).map(parseGridArg);
  const cells = expandGrid(grid);
  const file = values.config ? readConfigFile(String(values.config)) : undefined;
  const over = flagOverrides(values);
  const base = resolveConfig(values.preset as string | undefined, file, over);
  const seeds = values.seeds === undefined ? [base.seed] : String(values.seeds).split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seeds: expected non-negative integers, got '${s}'`);
    return n;
  });
  const parallel = values.parallel === undefined ? 1 : Number(values.parallel);
  if (parallel !== 1 && parallel !== 2) throw new UsageError(`--parallel: expected 1 or 2, got '${String(values.parallel)}'`);
  const outDir = (values.out as string | undefined) ?? join('runs', `sweep-${stamp()}`);

  // Resolve and validate every run's config before running anything: a bad grid value fails at once.
  const jobs: Job[] = [];
  for (const cell of cells) {
    for (const seed of seeds) {
      let config: RunConfig;
      try {
        config = resolveConfig(values.preset as string | undefined, file, over, cellOverrides(cell, seed));
        config.dataset = normaliseDatasetSpec(config.dataset);
        checkMethodOptions(config);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => `grid cell ${cell.label}: ${p}`));
        throw new Error(`grid cell ${cell.label}: ${(e as Error).message}`);
      }
      jobs.push({ cell, seed, config, dir: join(outDir, runName(cell, seed)) });
    }
  }
  // Every run folder is checked before the first run starts (a live writer, or a run --force would replace).
  const force = Boolean(values.force);
  for (const j of jobs) checkRunFolder(j.dir, { force });
  mkdirSync(outDir, { recursive: true });
  const quiet = Boolean(values.quiet);
  const log = (s: string) => { if (!quiet) process.stderr.write(s + '\n'); };
  log(`sweep: ${cells.length} cell(s) × ${seeds.length} seed(s) = ${jobs.length} runs, ${parallel} at a time → ${outDir}`);

  const records: SweepRunRecord[] = new Array(jobs.length);
  const report = (i: number, r: SweepRunRecord) => {
    records[i] = r;
    const j = jobs[i];
    log(r.error ? `[${i + 1}/${jobs.length}] ${j.cell.label} seed ${j.seed}: FAILED ${r.error}`
      : `[${i + 1}/${jobs.length}] ${j.cell.label} seed ${j.seed}: ${base.metric} ${(r.select[base.metric] ?? NaN).toFixed(4)} (${j.config.selectOn})`);
  };
  if (parallel === 1) {
    const cache = new Map<string, Dataset>();
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i];
      try {
        const key = JSON.stringify(j.config.dataset);
        let ds = cache.get(key);
        if (!ds) {
          ds = await datasetFromConfig(j.config.dataset);
          cache.set(key, ds);
        }
        const r = await train(j.config, ds, { runDir: j.dir, progress: silentProgress(), datasetSpec: j.config.dataset, force });
        report(i, { cell: j.cell.index, seed: j.seed, select: r.best, test: r.test, runDir: j.dir });
      } catch (e) {
        report(i, { cell: j.cell.index, seed: j.seed, select: {}, test: {}, runDir: j.dir, error: (e as Error).message });
      }
    }
  } else {
    const mainJs = fileURLToPath(new URL('./main.js', import.meta.url));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        report(i, await runChild(jobs[i], mainJs, force));
      }
    };
    await Promise.all([worker(), worker()]);
  }

  const summaries = summarizeSweep(cells, records, base.metric);
  const doc = {
    outDir, metric: base.metric, selectOn: base.selectOn, seeds, grid,
    cells: summaries.map((s) => ({ label: s.cell.label, assignment: s.cell.assignment, runs: s.runs, failed: s.failed, best: s.best, select: s.select, test: s.test })),
    runs: records,
  };
  writeFileSync(join(outDir, 'sweep.json'), toJson(doc) + '\n');
  writeFileSync(join(outDir, 'sweep.md'), `# Sweep (${jobs.length} runs)\n\n${sweepTable(summaries, base, true)}\n\n* best cell by ${base.metric} on ${base.selectOn}\n`);
  writeOut(values.json ? toJson(doc) : `${sweepTable(summaries, base)}\n\n* best cell by ${base.metric} on ${base.selectOn}; runs in ${outDir}`);
  return records.some((r) => r.error) ? 1 : 0;
}
