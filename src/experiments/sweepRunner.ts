// The sweep runner: a grid over config keys × seeds, every run resolved and validated before the first starts, run
// sequentially in this process or two at a time as child processes (`hardneg train --config …`, each with
// HARDNEG_THREADS=1 so two runs share the two cores); writes sweep.json and sweep.md. `hardneg sweep` is a thin
// shell over runSweep.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/types.js';
import { table } from './markdown.js';
import { silentProgress } from '../training/progress.js';
import { checkMethodOptions } from './assemble.js';
import { ConfigError, canonicalJson, validateConfig, type RunConfig } from './config.js';
import { datasetFromConfig, normaliseDatasetSpec } from './openRun.js';
import { resolveConfig } from './presets.js';
import { train } from './run.js';
import { RunFolderError, checkRunFolder, runState } from './runFolder.js';
import { readRun, toJson, type RunSummary } from './runStore.js';
import {
  type CellSummary, type GridCell, type GridSpec, type SweepRunRecord, cellOverrides, expandGrid, pm, runName, summarizeSweep,
} from './sweep.js';

interface Job {
  cell: GridCell;
  seed: number;
  config: RunConfig;
  dir: string;
}

export function sweepStamp(d = new Date()): string {
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

async function runChild(job: Job, mainJs: string, force: boolean, resume = false): Promise<SweepRunRecord> {
  const cfgPath = join(job.dir, 'request.json');
  mkdirSync(job.dir, { recursive: true });
  writeFileSync(cfgPath, toJson(job.config) + '\n');
  return new Promise((resolveP) => {
    const args = resume ? ['train', '--resume', job.dir, '--json', '-q']
      : ['train', '--config', cfgPath, '--out', job.dir, '--json', '-q', ...(force ? ['--force'] : [])];
    const child = spawn(process.execPath, [mainJs, ...args], {
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


type RerunMode = 'new' | 'kept' | 'resume' | 'restart';

/** A config as a run records it, without what the run adds (`loss: null` is how it writes "no loss given"). */
function comparable(c: Record<string, unknown>): string {
  const { resolvedLoss: _l, run: _r, ...cfg } = c;
  if (cfg.loss === null || cfg.loss === undefined) delete cfg.loss;
  return canonicalJson(cfg);
}

/** The config a run folder's config.json holds ('none' when the run was killed before writing it, null when unreadable). */
function storedConfig(dir: string): string | null | 'none' {
  if (!existsSync(join(dir, 'config.json'))) return 'none';
  try {
    return comparable(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>);
  } catch {
    return null;
  }
}

/**
 * What a rerun does with a job's folder: nothing there → a new run; its finished run → kept; a checkpoint → resume;
 * a run of this cell's config killed before its first checkpoint (nothing to keep) → restarted.
 */
function rerunMode(j: Job): RerunMode {
  const state = runState(j.dir);
  if (state === 'incomplete') {
    // Killed before its first checkpoint: nothing to keep when it is this cell's run, or when it had not yet
    // written its config (only metrics.jsonl comes first); another config's folder is still refused below.
    const stored = storedConfig(j.dir);
    if (stored === 'none' || stored === comparable(j.config as unknown as Record<string, unknown>)) return 'restart';
  }
  if (state === 'finished') {
    const stored = readRun(j.dir).config as unknown as Record<string, unknown>;
    if (comparable(stored) !== comparable(j.config as unknown as Record<string, unknown>)) {
      throw new RunFolderError(j.dir, `run folder '${j.dir}' holds a finished run of another config than this sweep's cell ` +
        `${j.cell.label} seed ${j.seed}: --force replaces it, or choose another --out`);
    }
    return 'kept';
  }
  return state === 'resumable' ? 'resume' : 'new';
}

/** The record of a finished run the rerun keeps, read back from its summary. */
function keptRecord(j: Job): SweepRunRecord {
  const s = readRun(j.dir).summary;
  return { cell: j.cell.index, seed: j.seed, select: s.best, test: s.test, runDir: j.dir };
}

export interface SweepRequest {
  preset?: string;
  /** A config file's contents and flag overrides, applied in order after the preset. */
  file?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  grid: GridSpec;
  /** Default: the config's seed. */
  seeds?: number[];
  /** 1 (in this process) or 2 (two child processes). */
  parallel?: 1 | 2;
  outDir?: string;
  /** Replace runs the sweep folder already holds (refused without it). */
  force?: boolean;
  log?: (line: string) => void;
  /**
   * Refines each resolved config's dataset before it is checked (the CLI's --format / --data-dir / --split); a
   * dataset given as a path is normalised after it.
   */
  refineDataset?: (dataset: RunConfig['dataset']) => RunConfig['dataset'];
  /**
   * A dry run: resolve and check every run's config and folder and load each dataset once, then return the plan
   * (`doc.plan`) without training or writing anything.
   */
  dryRun?: boolean;
  /** The CLI entry the child processes run (default: this package's dist/src/cli/main.js). */
  mainJs?: string;
}

export interface SweepResult {
  outDir: string;
  base: RunConfig;
  summaries: CellSummary[];
  records: SweepRunRecord[];
  /** What sweep.json holds. */
  doc: Record<string, unknown>;
}

export async function runSweep(req: SweepRequest): Promise<SweepResult> {
  const { preset, file, overrides: over } = req;
  const grid = req.grid;
  const cells = expandGrid(grid);
  const refine = (c: RunConfig): RunConfig => {
    if (!req.refineDataset) return c;
    c.dataset = req.refineDataset(c.dataset);
    return validateConfig(c);
  };
  const base = refine(resolveConfig(preset, file, over));
  const seeds = req.seeds ?? [base.seed];
  const parallel = req.parallel ?? 1;
  if (parallel !== 1 && parallel !== 2) throw new ConfigError([`parallel: expected 1 or 2, got ${String(parallel)}`]);
  const outDir = req.outDir ?? join('runs', `sweep-${sweepStamp()}`);
  const log = req.log ?? ((): void => {});

  // Resolve and validate every run's config before running anything: a bad grid value fails at once.
  const jobs: Job[] = [];
  for (const cell of cells) {
    for (const seed of seeds) {
      let config: RunConfig;
      try {
        config = refine(resolveConfig(preset, file, over, cellOverrides(cell, seed)));
        config.dataset = normaliseDatasetSpec(config.dataset);
        checkMethodOptions(config);
      } catch (e) {
        if (e instanceof ConfigError) throw new ConfigError(e.problems.map((p) => `grid cell ${cell.label}: ${p}`));
        throw new Error(`grid cell ${cell.label}: ${(e as Error).message}`);
      }
      jobs.push({ cell, seed, config, dir: join(outDir, runName(cell, seed)) });
    }
  }
  // Every run folder is checked before the first run starts. A rerun goes on where the last one stopped: a finished
  // run of the same config is kept (its results are read back), a killed one with a checkpoint is resumed; an
  // incomplete one, or a finished one of another config, is refused unless force (which replaces every run).
  const force = Boolean(req.force);
  const modes = jobs.map((j) => (force ? 'new' : rerunMode(j)));
  jobs.forEach((j, i) => checkRunFolder(j.dir, { force: force || modes[i] === 'restart', resume: modes[i] === 'kept' || modes[i] === 'resume' }));
  const kept = modes.filter((m) => m === 'kept').length;
  const resumed = modes.filter((m) => m === 'resume').length;
  const restarted = modes.filter((m) => m === 'restart').length;
  if (kept || resumed || restarted) {
    log(`sweep: ${kept} finished run(s) kept, ${resumed} resumed from their checkpoints` +
      (restarted ? `, ${restarted} killed before their first checkpoint restarted` : ''));
  }
  if (req.dryRun) {
    const loaded = new Set<string>();
    for (const j of jobs) {
      const key = JSON.stringify(j.config.dataset);
      if (loaded.has(key)) continue;
      const ds = await datasetFromConfig(j.config.dataset);
      log(`sweep (dry run): dataset ${ds.name}: ${ds.numUsers} users, ${ds.numItems} items, ${ds.train.indices.length} train interactions`);
      loaded.add(key);
    }
    const plan = jobs.map((j, i) => ({ cell: j.cell.label, seed: j.seed, runDir: j.dir, mode: modes[i] }));
    log(`sweep (dry run): ${cells.length} cell(s) × ${seeds.length} seed(s) = ${jobs.length} runs → ${outDir}; nothing trained`);
    return { outDir, base, summaries: [], records: [], doc: { outDir, dryRun: true, metric: base.metric, seeds, grid, plan } };
  }
  mkdirSync(outDir, { recursive: true });
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
      if (modes[i] === 'kept') {
        report(i, keptRecord(j));
        continue;
      }
      try {
        const key = JSON.stringify(j.config.dataset);
        let ds = cache.get(key);
        if (!ds) {
          ds = await datasetFromConfig(j.config.dataset);
          cache.set(key, ds);
        }
        const r = await train(j.config, ds, { runDir: j.dir, progress: silentProgress(), datasetSpec: j.config.dataset,
          force: force || modes[i] === 'restart', resume: modes[i] === 'resume' });
        report(i, { cell: j.cell.index, seed: j.seed, select: r.best, test: r.test, runDir: j.dir });
      } catch (e) {
        report(i, { cell: j.cell.index, seed: j.seed, select: {}, test: {}, runDir: j.dir, error: (e as Error).message });
      }
    }
  } else {
    const mainJs = req.mainJs ?? fileURLToPath(new URL('../cli/main.js', import.meta.url));
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        report(i, modes[i] === 'kept' ? keptRecord(jobs[i]) : await runChild(jobs[i], mainJs, force || modes[i] === 'restart', modes[i] === 'resume'));
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
  return { outDir, base, summaries, records, doc };
}
