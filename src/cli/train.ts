// `hardneg train`: train one run from a preset, a config file and/or flags; progress on stderr, results on stdout.
// With no arguments it trains the built-in synthetic example (preset `quickstart`) in a few seconds.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type RunConfig } from '../experiments/config.js';
import { presets, resolveConfig } from '../experiments/presets.js';
import { setThreads } from '../engine/kernels/index.js';
import { MAX_THREADS } from '../engine/kernels/pool.js';
import { defaultRunDir, summaryOf, toJson } from '../experiments/runStore.js';
import { checkRunFolder } from '../experiments/runFolder.js';
import { fmt, table } from '../experiments/markdown.js';
import { streamProgress, silentProgress } from '../training/progress.js';
import { type RunResult } from '../training/types.js';
import { checkMethodOptions } from '../experiments/assemble.js';
import { train } from '../experiments/run.js';
import { listMethods } from './methods.js';
import {
  CONFIG_FLAGS, configFlagsHelp, UsageError, commandFlags, configFromFlags, datasetFromConfig, presetGiven, presetNotice, readConfigFile, writeOut,
} from './common.js';

const usage = (): string => `usage: hardneg train [options]

Trains a recommender and reports Recall/NDCG at the best validation epoch. With no options: the built-in
synthetic example (20-dim MF + BPR, uniform negatives), a few seconds.

${configFlagsHelp()}

output:
      --out DIR         run folder (default runs/<timestamp>-<dataset>-<encoder>-<sampler>-s<seed>)
      --resume DIR      continue the run in DIR from its checkpoint (written after every evaluation and kept until
                        the run finishes), with the run's own config; no config options with it
      --runs-dir DIR    parent folder for default run folders (default runs)
      --force           replace the run an existing --out folder holds (refused without it)
      --no-save         do not write a run folder
      --json            print the summary as JSON on stdout
  -q, --quiet           no progress on stderr
      --print-config    print the resolved config as JSON and exit
      --dry-run         resolve the config, check the run folder and load the dataset, then exit without training
      --list-presets    list presets and exit
      --list-methods    list every registered encoder, sampler, loss and preset with its options, and exit
      --threads N       kernel threads (default: every core, or $HARDNEG_THREADS)
  -h, --help`;

const OPTIONS = {
  ...CONFIG_FLAGS,
  out: { type: 'string', short: 'o' },
  resume: { type: 'string' },
  'runs-dir': { type: 'string' },
  'no-save': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  'print-config': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'list-presets': { type: 'boolean' },
  'list-methods': { type: 'boolean' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Human summary: Recall and NDCG (the papers' columns) at every K; `--json` has every metric. */
export function formatResult(r: RunResult): string {
  const keys = Object.keys(r.test).filter((k) => k.startsWith('recall@') || k.startsWith('ndcg@'));
  const rows: string[][] = [];
  if (r.selectOn === 'valid') rows.push([r.carvedValid ? 'valid (carved)' : 'valid', ...keys.map((k) => fmt(r.best[k]))]);
  rows.push(['test', ...keys.map((k) => fmt(r.test[k]))]);
  const rnd = keys.map((k) => (k in r.randomRecall ? fmt(r.randomRecall[k]) : ''));
  if (rnd.some(Boolean)) rows.push(['random ranking', ...rnd]);
  const c = r.config;
  const head = `${r.dataset.name}: ${c.encoder.name} + ${c.sampler.name}, seed ${c.seed}; best epoch ${r.bestEpoch}/${r.epochsRun}` +
    ` by ${r.metric} on ${r.selectOn}${r.stoppedEarly ? ' (early stop)' : ''}${r.interrupted ? ' (interrupted)' : ''}` +
    `; ${r.seconds.total.toFixed(1)} s`;
  const lines = [head, '', table(['', ...keys], rows)];
  const rk = Object.keys(r.randomRecall).pop();
  if (rk && r.test[rk] > 0 && r.randomRecall[rk] > 0) {
    lines.push('', `test ${rk} is ${(r.test[rk] / r.randomRecall[rk]).toFixed(1)}× that of a random ranking`);
  }
  for (const w of r.warnings) lines.push('', `warning: ${w}`);
  if (r.runDir) lines.push('', `run saved to ${r.runDir}`);
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const f = commandFlags('train', usage(), argv, OPTIONS);
  if (typeof f === 'number') return f;
  const { values } = f;
  if (values['list-presets']) {
    const list = presets.list();
    const w = Math.max(...list.map((p) => p.name.length));
    writeOut(list.map((p) => `${p.name.padEnd(w)}  ${p.describe}`).join('\n'));
    return 0;
  }
  if (values['list-methods']) {
    writeOut(listMethods());
    return 0;
  }
  if (values.threads !== undefined) {
    const n = Number(values.threads);
    if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
      process.stderr.write(`hardneg train: --threads: expected an integer in [1, ${MAX_THREADS}] (the kernel pool's limit), got '${String(values.threads)}'\n`);
      return 2;
    }
    setThreads(n);
  }
  const resumeDir = values.resume as string | undefined;
  if (resumeDir !== undefined) {
    const clash = [...Object.keys(CONFIG_FLAGS), 'out', 'runs-dir', 'no-save', 'force'].filter((k) => values[k as keyof typeof values] !== undefined);
    if (clash.length) {
      process.stderr.write(`hardneg train: --resume continues a run with its own config; drop ${clash.map((k) => `--${k}`).join(', ')}\n`);
      return 2;
    }
  }
  const config: RunConfig = resumeDir !== undefined ? storedConfig(resumeDir) : configFromFlags(values);
  checkMethodOptions(config);
  if (values['print-config']) {
    writeOut(toJson(config));
    return 0;
  }
  // The run folder is checked before the data loads (a live writer, or a run --force would replace); train()
  // then takes its lock.
  const outDir = resumeDir ?? (values['no-save'] ? undefined : values.out as string | undefined);
  if (outDir !== undefined) checkRunFolder(outDir, { resume: resumeDir !== undefined, force: Boolean(values.force) });
  const quiet = Boolean(values.quiet);
  const progress = quiet ? silentProgress() : streamProgress(process.stderr, config.epochs);
  // Before anything loads: which preset this is, its dataset and how long it is expected to take.
  if (!quiet && resumeDir === undefined) progress.message(presetNotice(config, presetGiven(values)));
  const tl = performance.now();
  const dataset = await datasetFromConfig(config.dataset);
  if (!quiet) {
    progress.message(`dataset ${dataset.name}: ${dataset.numUsers} users, ${dataset.numItems} items, ` +
      `${dataset.train.indices.length} train interactions (loaded in ${((performance.now() - tl) / 1000).toFixed(2)} s)`);
  }
  if (values['dry-run']) {
    writeOut(`dry run: ${dataset.name} (${dataset.numUsers} users, ${dataset.numItems} items) with ${config.encoder.name} + ` +
      `${config.sampler.name}, ${config.epochs} epochs${outDir !== undefined ? ` into ${outDir}` : ''}; nothing trained`);
    return 0;
  }
  const runDir = resumeDir ?? (values['no-save'] ? undefined
    : (values.out as string | undefined) ?? defaultRunDir(config, (values['runs-dir'] as string | undefined) ?? 'runs'));
  // First Ctrl-C: finish the current step, evaluate, save the run; a second one exits at once.
  const abort = new AbortController();
  const onSigint = () => {
    progress.message('interrupt: stopping after this step (Ctrl-C again to quit now)');
    abort.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  let result: RunResult;
  try {
    result = await train(config, dataset, { runDir, progress, datasetSpec: config.dataset, signal: abort.signal, resume: resumeDir !== undefined, force: Boolean(values.force) });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  writeOut(values.json ? toJson(summaryOf(result)) : formatResult(result));
  return 0;
}

/** The config a run folder was trained with (its config.json, less what the run recorded beside it). */
function storedConfig(dir: string): RunConfig {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new UsageError(`--resume: '${dir}' is not a run folder (no config.json)`);
  return resolveConfig(undefined, readConfigFile(path));
}
