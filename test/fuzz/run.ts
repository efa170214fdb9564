// The fuzz runner. `node dist/test/fuzz/run.js [--all] [--seed N] [--scale N] [--json]`: generates the cases
// (cases.ts), runs library cases in child processes (a per-case timeout; a hung or crashed child is replaced and
// the remaining cases go on) and CLI cases one process each, and prints the counts per outcome and area. Exit 1
// when any case crashed, hung, showed a stack trace or accepted an invalid input. `npm test` runs the subset
// (every library case, a sample of CLI cases) through test/fuzz/fuzz.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticDataset } from '../../src/data/index.js';
import { train } from '../../src/experiments/run.js';
import { generateCases, type FuzzCase } from './cases.js';
import { classifyCli, materialize, substArgs, type Bases, type CaseResult } from './harness.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

const CHILD = fileURLToPath(new URL('./child.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface FuzzOptions {
  seed?: number;
  scale?: number;
  /** 'all' CLI cases, or every `cliEvery`-th one (default 4). */
  cli?: 'all' | 'sample' | 'none';
  cliEvery?: number;
  timeoutMs?: number;
  log?: (s: string) => void;
}

export interface FuzzReport {
  cases: number;
  counts: Record<string, number>;
  byArea: Record<string, Record<string, number>>;
  failures: CaseResult[];
  results: CaseResult[];
}

const DATASET = { name: 'synthetic', synthetic: { users: 60, items: 80 } };

/** A finished run and an interrupted one (with its checkpoint), trained once for every run/resume case. */
async function makeBases(work: string): Promise<Bases> {
  const ds = syntheticDataset({ users: 60, items: 80 });
  const cfg: TrainConfig = { dataset: DATASET, epochs: 2, encoder: { name: 'mf', dim: 8 } };
  const run = join(work, 'base-run');
  await train(cfg, ds, { runDir: run, datasetSpec: DATASET });
  const resume = join(work, 'base-resume');
  const abort = new AbortController();
  await train({ ...cfg, epochs: 6, evalEvery: 1, patience: 0 }, ds, {
    runDir: resume, datasetSpec: DATASET, signal: abort.signal,
    onEvent: (e) => { if (e.type === 'eval' && e.record.epoch >= 2) abort.abort(); },
  });
  return { run, resume };
}

function runLibBatch(cases: FuzzCase[], file: string, work: string, bases: Bases, timeoutMs: number): Promise<CaseResult[]> {
  return new Promise((resolve) => {
    const results: CaseResult[] = [];
    const pending = cases.map((c) => c.id);
    const next = () => {
      if (pending.length === 0) return resolve(results);
      const child = spawn(process.execPath, ['--max-old-space-size=1024', CHILD, file, work, bases.run, bases.resume, ...pending], {
        stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HARDNEG_THREADS: '1' },
      });
      let buf = '';
      let current: string | null = null;
      let started = Date.now();
      let stderr = '';
      const timer = setInterval(() => {
        if (current && Date.now() - started > timeoutMs) child.kill('SIGKILL');
      }, 200);
      child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
      child.stdout.on('data', (d) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('START ')) {
            current = line.slice(6);
            started = Date.now();
          } else if (line.startsWith('{')) {
            const r = JSON.parse(line) as CaseResult;
            results.push(r);
            pending.splice(pending.indexOf(r.id), 1);
            current = null;
          }
        }
      });
      child.on('close', (_code, signal) => {
        clearInterval(timer);
        if (current !== null) {
          const hung = Date.now() - started > timeoutMs;
          results.push({ id: current, kind: 'lib', outcome: hung ? 'hang' : 'crash', detail: hung ? 'timed out' : `child died (${signal}): ${stderr.slice(-300)}`, ms: Date.now() - started });
          pending.splice(pending.indexOf(current), 1);
        }
        next();
      });
    };
    next();
  });
}

function runCli(c: FuzzCase, work: string, bases: Bases, timeoutMs: number): CaseResult {
  const dir = join(work, c.id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120));
  materialize(c, dir, bases);
  const t = Date.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=1024', CLI, ...substArgs(c.args as string[], dir)], {
    encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', cwd: dir, env: { ...process.env, HARDNEG_THREADS: '1' },
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const { outcome, detail } = classifyCli(c, { status: r.status, signal: r.signal, stderr: r.stderr ?? '', timedOut });
  return { id: c.id, kind: 'cli', outcome, detail, ms: Date.now() - t };
}

export async function runFuzz(opts: FuzzOptions = {}): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const all = generateCases(opts.seed ?? 1, opts.scale ?? 1);
  const every = opts.cliEvery ?? 4;
  const cliCases = all.filter((c) => c.kind === 'cli').filter((_, i) => opts.cli === 'all' || (opts.cli !== 'none' && i % every === 0));
  const libCases = all.filter((c) => c.kind === 'lib');
  const work = mkdtempSync(join(tmpdir(), 'hardneg-fuzz-'));
  try {
    const bases = await makeBases(work);
    const file = join(work, 'cases.json');
    writeFileSync(file, JSON.stringify(all));
    const timeoutMs = opts.timeoutMs ?? 20_000;
    log(`fuzz: ${libCases.length} library cases, ${cliCases.length} CLI cases`);
    // Two children in parallel (2 cores).
    const half = Math.ceil(libCases.length / 2);
    const [a, b] = await Promise.all([
      runLibBatch(libCases.slice(0, half), file, join(work, 'a'), bases, timeoutMs),
      runLibBatch(libCases.slice(half), file, join(work, 'b'), bases, timeoutMs),
    ]);
    const results = [...a, ...b];
    for (const c of cliCases) results.push(runCli(c, join(work, 'cli'), bases, timeoutMs));
    const counts: Record<string, number> = { error: 0, ok: 0, crash: 0, hang: 0, silent: 0 };
    const byArea: Record<string, Record<string, number>> = {};
    const area = new Map(all.map((c) => [c.id, c.area]));
    for (const r of results) {
      counts[r.outcome]++;
      const ar = (byArea[area.get(r.id)!] ??= {});
      ar[r.outcome] = (ar[r.outcome] ?? 0) + 1;
    }
    const failures = results.filter((r) => r.outcome === 'crash' || r.outcome === 'hang' || r.outcome === 'silent');
    return { cases: results.length, counts, byArea, failures, results };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const num = (flag: string, d: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : d);
  const full = argv.includes('--all');
  const report = await runFuzz({
    seed: num('--seed', 1), scale: num('--scale', full ? 4 : 1), cli: full ? 'all' : 'sample',
    log: (s) => process.stderr.write(s + '\n'),
  });
  if (argv.includes('--json')) process.stdout.write(JSON.stringify({ ...report, results: undefined }, null, 1) + '\n');
  else {
    process.stdout.write(`fuzz: ${report.cases} cases: ${Object.entries(report.counts).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    for (const [a, c] of Object.entries(report.byArea)) process.stdout.write(`  ${a.padEnd(12)} ${Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    for (const f of report.failures) process.stdout.write(`FAIL ${f.outcome} ${f.id}: ${f.detail}\n`);
  }
  process.exit(report.failures.length ? 1 : 0);
}
