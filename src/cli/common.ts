// Helpers shared by the CLI commands: flags → config, usage errors, output. Loading a run or the dataset a config
// names is library code (experiments/openRun.ts), re-exported here for the commands.
import { existsSync } from 'node:fs';
import { FileError, readRegularText } from '../io/files.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { basename, resolve as resolvePath } from 'node:path';
import { type RunConfig, ConfigError, parseConfigText, parseOverrides, parseValue, setPath, validateConfig } from '../experiments/config.js';
import { DEFAULT_PRESET, presets, resolveConfig } from '../experiments/presets.js';
import type { DatasetSpec } from '../data/load.js';
import { FORMATS, NAMED_DATASETS, locateSource, type Format } from '../data/registry.js';
import { parseSplit } from '../data/split.js';
import { hardnegVersion } from '../io/version.js';
import { methodNamesHelp } from './methods.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** util.parseArgs with errors turned into UsageError (the CLI prints them with the command's usage). */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T,
  allowPositionals = false): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface Flags {
  values: Record<string, unknown>;
  positionals: string[];
}

/**
 * The preamble every command shares: strict flag parsing, the command's own argument checks (`check` throws a
 * UsageError; skipped under --help), then --help. Returns the flags, or the exit code the command should return:
 * 0 after printing the usage for --help, 2 after printing `hardneg COMMAND: problem` and the usage on stderr.
 * Positionals are accepted only when `check` is given (it decides how many).
 */
export function commandFlags<T extends NonNullable<ParseArgsConfig['options']>>(command: string, usage: string, argv: string[],
  options: T, check?: (f: Flags) => void): Flags | number {
  let f: Flags;
  try {
    f = parseFlags(argv, options, check !== undefined);
    if (!f.values.help) check?.(f);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`hardneg ${command}: ${e.message}\n\n${usage}`);
      return 2;
    }
    throw e;
  }
  if (f.values.help) {
    console.log(usage);
    return 0;
  }
  return f;
}

// ---------------------------------------------------------------- dataset flags
/**
 * The dataset flags, the same on every command that reads a dataset: train, sweep, eval, recommend and data *.
 * (On eval, --split stays the split to evaluate and on recommend --format the output format: a run's split rule
 * and its data format are the run's own.)
 */
export const DATASET_FLAGS = {
  dataset: { type: 'string', short: 'd' },
  format: { type: 'string' },
  'data-dir': { type: 'string' },
  split: { type: 'string' },
} as const;

/** The dataset flags' help lines. */
export function datasetFlagsHelp(what = 'dataset'): string {
  return `${what}:
  -d, --dataset S       a dataset name (${Object.keys(NAMED_DATASETS).join(', ')}) or a path to a file/folder
                        (its format guessed from the files; a folder holding one recognised sub-folder stands for it)
      --format F        the format of a path: ${FORMATS.join('|')}
      --data-dir DIR    where named datasets live (default: $HARDNEG_DATA, ../shared/data, ~/.cache/hardneg/data)
      --split S         ratio:8:1:1 | temporal:8:1:1 | loo[:latest|random][:valid] | fn[:4:1:1] |
                        time:<test fraction>[:<valid fraction>] | time@<test from>[@<valid from>] | none`;
}

function flagFormat(v: unknown): Format {
  if (!FORMATS.includes(v as Format)) throw new UsageError(`--format: unknown format '${String(v)}' (${FORMATS.join(', ')})`);
  return v as Format;
}

function flagDataDir(v: unknown): string {
  const dir = String(v);
  if (!existsSync(dir)) throw new UsageError(`--data-dir: '${dir}' does not exist`);
  return dir;
}

function flagSplit(v: unknown): string {
  try {
    parseSplit(String(v));
  } catch (e) {
    throw new UsageError(`--split: ${(e as Error).message}`);
  }
  return String(v);
}

/**
 * The dataset spec that SOURCE (a name or a path) and --format / --data-dir / --split describe; every problem is
 * a UsageError naming its flag. A path is made absolute (a run folder reloads it from anywhere); a folder whose
 * one sub-folder holds the data stands for that sub-folder. `split: false` leaves --split to the caller.
 */
export function datasetFlagSpec(source: string, values: Record<string, unknown>, split = true): DatasetSpec {
  const spec: DatasetSpec = {};
  const format = values.format !== undefined ? flagFormat(values.format) : undefined;
  if (Object.prototype.hasOwnProperty.call(NAMED_DATASETS, source) && !format) spec.name = source;
  else {
    const found = format ? { path: source, format } : locateSource(source);
    if (!found) {
      throw new UsageError(existsSync(source) ? `-d/--dataset: cannot tell the format of '${source}': pass --format`
        : `-d/--dataset: '${source}' is neither a dataset name (${Object.keys(NAMED_DATASETS).join(', ')}) nor an existing path`);
    }
    if (!existsSync(found.path)) throw new UsageError(`-d/--dataset: '${source}' does not exist`);
    spec.name = basename(resolvePath(source));
    spec.format = found.format;
    spec.path = resolvePath(found.path);
  }
  if (values['data-dir'] !== undefined) spec.dataDir = resolvePath(flagDataDir(values['data-dir']));
  if (split && values.split !== undefined) spec.split = flagSplit(values.split);
  return spec;
}

/**
 * A config's dataset with the flags applied: -d replaces it (as before), --format / --data-dir / --split refine
 * it (train, sweep). Unchanged when none of them is given.
 */
export function applyDatasetFlags(ds: RunConfig['dataset'], values: Record<string, unknown>): RunConfig['dataset'] {
  if (values.format === undefined && values['data-dir'] === undefined && values.split === undefined) return ds;
  if (typeof ds === 'string' && values.format !== undefined && values.dataset === undefined) {
    throw new UsageError(`--format: gives the format of a dataset path (-d PATH --format F); the dataset here is '${ds}'`);
  }
  if (typeof ds === 'string') return datasetFlagSpec(ds, values) as RunConfig['dataset'];
  const spec = structuredClone(ds) as Record<string, unknown>;
  if (values.format !== undefined) {
    if (typeof spec.path !== 'string') throw new UsageError(`--format: the dataset '${String(spec.name ?? '')}' is not given by path (use -d PATH --format F)`);
    spec.format = flagFormat(values.format);
  }
  if (values['data-dir'] !== undefined) spec.dataDir = resolvePath(flagDataDir(values['data-dir']));
  if (values.split !== undefined) spec.split = flagSplit(values.split);
  return spec as RunConfig['dataset'];
}

/**
 * For eval / recommend: where a run's data is now, from -d / --data-dir (and --format on eval), keeping the run's
 * other dataset settings (split, filters, loader options); undefined when no flag moves it.
 */
export function relocationFromFlags(values: Record<string, unknown>): ((recorded: RunConfig['dataset']) => RunConfig['dataset']) | undefined {
  if (values.dataset === undefined && values['data-dir'] === undefined) {
    if (values.format !== undefined) throw new UsageError('--format: gives the format of -d PATH; pass the path too');
    return undefined;
  }
  const dataDir = values['data-dir'] !== undefined ? resolvePath(flagDataDir(values['data-dir'])) : undefined;
  const moved = values.dataset !== undefined ? datasetFlagSpec(String(values.dataset), { ...values, 'data-dir': undefined }, false) : undefined;
  if (moved && dataDir) moved.dataDir = dataDir;
  return (recorded) => {
    const rec = (typeof recorded === 'string' ? { name: recorded } : structuredClone(recorded)) as Record<string, unknown>;
    if (moved) {
      for (const k of ['name', 'format', 'path', 'dataDir']) delete rec[k];
      return { ...rec, ...moved } as RunConfig['dataset'];
    }
    if (typeof rec.path === 'string') {
      throw new UsageError(`--data-dir: the run's dataset was given by path (${rec.path}), not by name; point -d at where it is now`);
    }
    rec.dataDir = dataDir;
    return rec as RunConfig['dataset'];
  };
}

// ---------------------------------------------------------------- presets, versions
/** The line printed before a run starts: the preset, its dataset and its expected run time (or the default's note). */
export function presetNotice(config: RunConfig, presetGiven: boolean): string {
  const name = config.preset ?? DEFAULT_PRESET;
  const p = presets.has(name) ? presets.get(name) : undefined;
  const ds = typeof config.dataset === 'string' ? config.dataset
    : String(config.dataset.name ?? config.dataset.path ?? config.dataset.format ?? 'dataset');
  const lines = [`preset ${name}${presetGiven ? '' : ` (no preset given: the ${DEFAULT_PRESET} settings are the defaults; -p NAME picks another)`}` +
    `: dataset ${ds}, ${config.encoder.name} + ${config.sampler.name}, ${config.epochs} epochs`];
  if (p?.expected) lines.push(`expected run time of the preset as defined: ${p.expected}`);
  return lines.join('\n');
}

/** Whether the flags or the config file name a preset (else the default one applies). */
export function presetGiven(values: Record<string, unknown>): boolean {
  if (values.preset !== undefined) return true;
  return values.config !== undefined && typeof readConfigFile(String(values.config)).preset === 'string';
}

/** `hardneg --version` / `hardneg version`. */
export function versionText(): string {
  return `hardneg ${hardnegVersion()} (Node ${process.versions.node})`;
}

/** Flags every config-building command (train, sweep) accepts, mapped to config key paths. */
export const CONFIG_FLAGS = {
  config: { type: 'string', short: 'c' },
  preset: { type: 'string', short: 'p' },
  set: { type: 'string', multiple: true, short: 's' },
  ...DATASET_FLAGS,
  encoder: { type: 'string', short: 'e' },
  sampler: { type: 'string' },
  loss: { type: 'string' },
  epochs: { type: 'string' },
  seed: { type: 'string' },
  lr: { type: 'string' },
  dim: { type: 'string' },
  layers: { type: 'string' },
  'batch-size': { type: 'string' },
  'eval-every': { type: 'string' },
  patience: { type: 'string' },
  metric: { type: 'string' },
  ks: { type: 'string' },
  'select-on-test': { type: 'boolean' },
  'test-curve': { type: 'boolean' },
  'init-from': { type: 'string' },
} as const;

/** The config flags' help; the method names come from the registries (at call time). */
export function configFlagsHelp(): string {
  const m = methodNamesHelp();
  return `config:
  -c, --config FILE     JSON or YAML config (keys as in config.json of a run)
  -p, --preset NAME     start from a preset: ${m.presets}
  -s, --set KEY=VALUE   override any key, e.g. --set sampler.m=64 --set ks=[20,50] (repeatable)
  -d, --dataset S       a dataset name or a path (see "dataset" below); --format F, --data-dir DIR and
                        --split S refine it (a path's format, where named datasets live, the split rule)
  -e, --encoder NAME    ${m.encoders}
      --sampler NAME    ${m.samplers}
      --loss NAME       ${m.losses}
                        (default: the sampler's own, else bpr; --list-methods shows every option)
      --epochs N  --seed N  --lr X  --dim N  --layers N  --batch-size N  --eval-every N  --patience N
      --metric recall@20  --ks 20,50
      --select-on-test  select the epoch on the test split (warned and recorded; for reference protocols)
      --test-curve      also evaluate test at every evaluation (a test curve; never used for selection)
      --init-from RUN   warm start: initialise the encoder's parameters from a finished run's model.safetensors
  evaluation protocol: full ranking by default; --set evalProtocol=sampled [--set evalNegatives=100] ranks each
  held-out positive against fixed sampled negatives (the dataset's own lists when it has them, e.g. NCF);
  --set evalDraws=10 tests against 10 independent draws of those lists (metrics averaged, per-draw values kept)

${datasetFlagsHelp()}`;
}

/** configFlagsHelp() as it is for the built-in registries. */
export const CONFIG_FLAGS_HELP = configFlagsHelp();

const FLAG_PATHS: Record<string, string> = {
  dataset: 'dataset', encoder: 'encoder.name', sampler: 'sampler.name', loss: 'loss.name', epochs: 'epochs',
  seed: 'seed', lr: 'optimizer.lr', dim: 'encoder.dim', layers: 'encoder.layers', 'batch-size': 'batchSize',
  'eval-every': 'evalEvery', patience: 'patience', metric: 'metric', 'init-from': 'initFrom',
};

export function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new UsageError(`config file '${path}' does not exist`);
  let text: string;
  try {
    text = readRegularText(path, { what: 'config file', maxBytes: 64 * 2 ** 20 });
  } catch (e) {
    if (e instanceof FileError) throw new UsageError(e.message);
    throw e;
  }
  return parseConfigText(text, path);
}

/** The override object that flags (other than --config/--preset) describe. */
export function flagOverrides(values: Record<string, unknown>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [flag, path] of Object.entries(FLAG_PATHS)) {
    const v = values[flag];
    if (v === undefined) continue;
    // Method names switch the whole block (so the old method's options are dropped): set as a bare name.
    if (flag === 'encoder' || flag === 'sampler' || flag === 'loss') o[flag] = { name: v };
    else setPath(o, path, flag === 'dataset' || flag === 'metric' || flag === 'init-from' ? v : parseValue(String(v)));
  }
  if (values.ks !== undefined) o.ks = String(values.ks).split(',').map((s) => parseValue(s.trim()));
  if (values['select-on-test']) o.selectOn = 'test';
  if (values['test-curve']) o.testCurve = true;
  for (const [k, v] of parseOverrides((values.set as string[] | undefined) ?? [])) setPath(o, k, v);
  return o;
}

/** preset ← config file ← flags ← --set, validated; then the dataset flags (--format, --data-dir, --split). */
export function configFromFlags(values: Record<string, unknown>): RunConfig {
  const file = values.config ? readConfigFile(String(values.config)) : undefined;
  const over = flagOverrides(values);
  try {
    const c = resolveConfig(values.preset as string | undefined, file, over);
    c.dataset = normaliseDatasetSpec(applyDatasetFlags(c.dataset, values));
    return validateConfig(c);
  } catch (e) {
    if (e instanceof ConfigError && values.config) {
      throw new ConfigError(e.problems, String(values.config));
    }
    throw e;
  }
}

/** Loads the dataset a config names: a short name (synthetic, lastfm, gowalla, ml-100k, …) or a loader spec. */
export function writeOut(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

import { normaliseDatasetSpec } from '../experiments/openRun.js';

export { datasetFromConfig, normaliseDatasetSpec, openRun, type OpenedRun } from '../experiments/openRun.js';
