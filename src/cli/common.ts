// Helpers shared by the CLI commands: flags → config, usage errors, output. Loading a run or the dataset a config
// names is library code (experiments/openRun.ts), re-exported here for the commands.
import { existsSync } from 'node:fs';
import { FileError, readRegularText } from '../io/files.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type RunConfig, ConfigError, parseConfigText, parseOverrides, parseValue, setPath } from '../experiments/config.js';
import { resolveConfig } from '../experiments/presets.js';
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

/** Flags every config-building command (train, sweep) accepts, mapped to config key paths. */
export const CONFIG_FLAGS = {
  config: { type: 'string', short: 'c' },
  preset: { type: 'string', short: 'p' },
  set: { type: 'string', multiple: true, short: 's' },
  dataset: { type: 'string', short: 'd' },
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
} as const;

/** The config flags' help; the method names come from the registries (at call time). */
export function configFlagsHelp(): string {
  const m = methodNamesHelp();
  return `config:
  -c, --config FILE     JSON or YAML config (keys as in config.json of a run)
  -p, --preset NAME     start from a preset: ${m.presets}
  -s, --set KEY=VALUE   override any key, e.g. --set sampler.m=64 --set ks=[20,50] (repeatable)
  -d, --dataset NAME    synthetic | lastfm | gowalla | ml-100k | a path understood by the data loaders
  -e, --encoder NAME    ${m.encoders}
      --sampler NAME    ${m.samplers}
      --loss NAME       ${m.losses}
                        (default: the sampler's own, else bpr; --list-methods shows every option)
      --epochs N  --seed N  --lr X  --dim N  --layers N  --batch-size N  --eval-every N  --patience N
      --metric recall@20  --ks 20,50
      --select-on-test  select the epoch on the test split (warned and recorded; for reference protocols)
      --test-curve      also evaluate test at every evaluation (a test curve; never used for selection)
  evaluation protocol: full ranking by default; --set evalProtocol=sampled [--set evalNegatives=100] ranks each
  held-out positive against fixed sampled negatives (the dataset's own lists when it has them, e.g. NCF);
  --set evalDraws=10 tests against 10 independent draws of those lists (metrics averaged, per-draw values kept)`;
}

/** configFlagsHelp() as it is for the built-in registries. */
export const CONFIG_FLAGS_HELP = configFlagsHelp();

const FLAG_PATHS: Record<string, string> = {
  dataset: 'dataset', encoder: 'encoder.name', sampler: 'sampler.name', loss: 'loss.name', epochs: 'epochs',
  seed: 'seed', lr: 'optimizer.lr', dim: 'encoder.dim', layers: 'encoder.layers', 'batch-size': 'batchSize',
  'eval-every': 'evalEvery', patience: 'patience', metric: 'metric',
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
    else setPath(o, path, flag === 'dataset' || flag === 'metric' ? v : parseValue(String(v)));
  }
  if (values.ks !== undefined) o.ks = String(values.ks).split(',').map((s) => parseValue(s.trim()));
  if (values['select-on-test']) o.selectOn = 'test';
  if (values['test-curve']) o.testCurve = true;
  for (const [k, v] of parseOverrides((values.set as string[] | undefined) ?? [])) setPath(o, k, v);
  return o;
}

/** preset ← config file ← flags ← --set, validated. */
export function configFromFlags(values: Record<string, unknown>): RunConfig {
  const file = values.config ? readConfigFile(String(values.config)) : undefined;
  const over = flagOverrides(values);
  try {
    const c = resolveConfig(values.preset as string | undefined, file, over);
    c.dataset = normaliseDatasetSpec(c.dataset);
    return c;
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
