// The run store: one folder per run.
//   config.json        resolved config (+ the loss actually used, and `run`: the kernel backend and the hardneg and
//                      Node versions)
//   dataset.json       dataset name, fingerprint, sizes, the spec that loads it, loader report
//   metrics.jsonl      one JSON object per epoch ({type:'epoch', loss, diagnostics…}) and per evaluation
//   summary.json       best epoch, selection/test metrics at it, kernel backend, versions, timings, warnings
//   summary.md         the same for people
//   model.safetensors  encoder parameters (`param.<name>`) and final pooled embeddings at the best epoch
//                      (`embeddings.users`, `embeddings.items`, `embeddings.item_bias`), metadata: config, fingerprint
//   per_user.safetensors  per-user test metrics at the best epoch (`users` I32, `test.<metric>` F32), for paired tests
//   ids.json           original user and item ids (index order), so the model serves without the data files
//   exclude.safetensors   each user's training (+ validation) items as a CSR (`indptr`, `indices` I32): recommend's
//                      default exclusions (the readers, with their checks, are in io/runFiles.ts)
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensors } from '../io/safetensors.js';
import {
  EXCLUDE_FILE, IDS_FILE, RunIntegrityError, checkTensor, encodeRunExclusions, encodeRunIds, readRunEmbeddings, readRunExclusions,
  readRunIds, type ServingSource,
} from '../io/runFiles.js';
import { appendFileChecked, lockHolder, RunFolderError, runState, writeError, writeFileAtomic } from './runFolder.js';
import { FileError, readRegularText } from '../io/files.js';
import { forbiddenKeyProblems } from '../core/schema.js';
import { summaryMarkdown } from './markdown.js';
import type { RunResult } from '../training/types.js';
import type { RunConfig } from './config.js';
import { configSlug } from './config.js';

export { RunIntegrityError, readRunEmbeddings, readRunIds, readRunExclusions, IDS_FILE, EXCLUDE_FILE };

/** JSON with NaN/Infinity as null and typed arrays left out (they go to safetensors). */
export function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'number' && !Number.isFinite(x)) return null;
    if (ArrayBuffer.isView(x)) return undefined;
    return x;
  }, indent);
}

export function defaultRunDir(config: RunConfig, base = 'runs', when = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${when.getFullYear()}${p(when.getMonth() + 1)}${p(when.getDate())}-${p(when.getHours())}${p(when.getMinutes())}${p(when.getSeconds())}`;
  let dir = join(base, `${ts}-${configSlug(config)}-s${config.seed}`);
  for (let i = 2; existsSync(dir); i++) dir = join(base, `${ts}-${configSlug(config)}-s${config.seed}-${i}`);
  return dir;
}

export class RunWriter {
  /** Lines in metrics.jsonl (a checkpoint records it, so a resumed run drops what came after). */
  metricsLines = 0;

  /**
   * Starts metrics.jsonl empty, or, resuming a run, keeps its first `resumeAtLine` lines (those written up to the
   * checkpoint) and drops the rest (written by the run after its checkpoint, and redone now).
   */
  constructor(readonly dir: string, resumeAtLine?: number) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw writeError(dir, e, dir);
    }
    const path = join(dir, 'metrics.jsonl');
    if (resumeAtLine === undefined) {
      writeFileAtomic(path, '', dir);
      return;
    }
    const lines = existsSync(path) ? readRegularText(path, { what: 'metrics.jsonl' }).split('\n').filter((l) => l.length > 0) : [];
    if (lines.length < resumeAtLine) {
      throw new Error(`${path}: has ${lines.length} lines, the checkpoint was written after line ${resumeAtLine}`);
    }
    writeFileAtomic(path, lines.slice(0, resumeAtLine).map((l) => l + '\n').join(''), dir);
    this.metricsLines = resumeAtLine;
  }

  writeConfig(config: unknown): void {
    writeFileAtomic(join(this.dir, 'config.json'), toJson(config) + '\n', this.dir);
  }

  writeDataset(info: unknown): void {
    writeFileAtomic(join(this.dir, 'dataset.json'), toJson(info) + '\n', this.dir);
  }

  appendMetrics(record: unknown): void {
    appendFileChecked(join(this.dir, 'metrics.jsonl'), toJson(record, 0) + '\n', this.dir);
    this.metricsLines++;
  }

  /**
   * The results, each file atomically (temporary name, then rename) and in an order that never leaves a folder
   * looking finished when it is not: per-user metrics, then the model, then summary.md, and summary.json last
   * (a folder with summary.json is a finished run; without it, readRun reports it incomplete). With the (carved)
   * dataset, the id maps (ids.json) and the exclusion lists (exclude.safetensors) are written after the model, so
   * the run serves without its data files (Model.load).
   */
  writeResult(r: RunResult, dataset?: ServingSource): void {
    if (r.perUserTest) {
      const t: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {
        users: { shape: [r.perUserTest.users.length], data: r.perUserTest.users },
      };
      for (const [k, v] of Object.entries(r.perUserTest.values)) t[`test.${k}`] = { shape: [v.length], data: v };
      writeFileAtomic(join(this.dir, 'per_user.safetensors'), encodeSafetensors(t, { fingerprint: r.dataset.fingerprint }), this.dir);
    }
    if (r.weights) {
      const t: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {};
      for (const p of r.weights.params) t[`param.${p.name}`] = { shape: p.shape, data: p.data };
      const e = r.weights.embeddings;
      t['embeddings.users'] = { shape: [r.dataset.numUsers, e.dim], data: e.users };
      t['embeddings.items'] = { shape: [r.dataset.numItems, e.dim], data: e.items };
      if (e.itemBias) t['embeddings.item_bias'] = { shape: [r.dataset.numItems], data: e.itemBias };
      writeFileAtomic(join(this.dir, 'model.safetensors'), encodeSafetensors(t, {
        format: 'hardneg-run',
        config: JSON.stringify(r.config),
        fingerprint: r.dataset.fingerprint,
        best_epoch: String(r.bestEpoch),
      }), this.dir);
    }
    if (dataset) {
      writeFileAtomic(join(this.dir, IDS_FILE), encodeRunIds(dataset), this.dir);
      writeFileAtomic(join(this.dir, EXCLUDE_FILE), encodeRunExclusions(dataset), this.dir);
    }
    writeFileAtomic(join(this.dir, 'summary.md'), summaryMarkdown(r), this.dir);
    writeFileAtomic(join(this.dir, 'summary.json'), toJson(summaryOf(r)) + '\n', this.dir);
  }
}

/** The RunResult fields a summary keeps as they are, in summary.json order (after runDir, dataset and the names). */
const SUMMARY_FIELDS = [
  'backend', 'versions', 'selectOn', 'carvedValid', 'metric', 'bestEpoch', 'epochsRun', 'stoppedEarly', 'interrupted', 'best', 'test',
  'randomRecall', 'warnings', 'seconds', 'resumedFrom', 'initFrom', 'testDraws',
] as const;

/** summary.json: the run's outcome without per-epoch records, weights or per-user values. */
export type RunSummary = Pick<RunResult, 'runDir' | 'dataset' | (typeof SUMMARY_FIELDS)[number]> & {
  encoder: string;
  sampler: string;
  seed: number;
  lastDiagnostics: RunResult['epochs'][number]['diagnostics'] | null;
};

export function summaryOf(r: RunResult): RunSummary {
  const same = Object.fromEntries(SUMMARY_FIELDS.map((k) => [k, r[k]])) as Pick<RunResult, (typeof SUMMARY_FIELDS)[number]>;
  return {
    runDir: r.runDir,
    dataset: r.dataset,
    encoder: r.config.encoder.name,
    sampler: r.config.sampler.name,
    seed: r.config.seed,
    ...same,
    lastDiagnostics: r.epochs.length ? r.epochs[r.epochs.length - 1].diagnostics : null,
  };
}

// ---------------------------------------------------------------- reading runs back
export interface StoredRun {
  dir: string;
  config: RunConfig;
  dataset: {
    name: string; fingerprint: string; numUsers: number; numItems: number; spec: unknown; carvedValid: boolean; validFraction: number | null;
    /** How valid was carved (absent in runs written before it was recorded: they carved at random). */
    validMode?: 'random' | 'latest' | null;
    /** The stream of the carve (absent in runs written before it was recorded: they used 'split'). */
    validStream?: string | null;
  };
  summary: RunSummary;
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw new Error(`${path}: missing (${what}); is this a hardneg run folder?`);
  try {
    return JSON.parse(readRegularText(path, { what, maxBytes: 256 * 2 ** 20 }));
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Throws a RunFolderError when `dir` is not a finished run (being written, or stopped before its summary). */
export function checkFinished(dir: string): void {
  if (!existsSync(dir)) throw new RunFolderError(dir, `run folder '${dir}' does not exist`);
  const h = lockHolder(dir);
  if (h) throw new RunFolderError(dir, `run folder '${dir}' is being written by process ${h.pid} (since ${h.started}); wait for it to finish`, h.pid);
  if (existsSync(join(dir, 'summary.json'))) return;
  // A folder holding some run files but no config.json was killed before its config was written: incomplete.
  if (!existsSync(join(dir, 'config.json')) && runState(dir) === 'empty') {
    throw new RunFolderError(dir, `${dir}: no config.json; is this a hardneg run folder?`);
  }
  if (existsSync(join(dir, 'checkpoint.safetensors'))) {
    throw new RunFolderError(dir, `${dir}: an unfinished run (no summary.json): \`hardneg train --resume ${dir}\` continues it from its checkpoint`);
  }
  throw new RunFolderError(dir, `${dir}: an incomplete run (no summary.json and no checkpoint: its training stopped before the ` +
    'first evaluation or while writing); train it again with --force');
}

export function readRun(dir: string): StoredRun {
  checkFinished(dir);
  const run = {
    dir,
    config: readJson(join(dir, 'config.json'), 'resolved config') as RunConfig,
    dataset: readJson(join(dir, 'dataset.json'), 'dataset fingerprint') as StoredRun['dataset'],
    summary: readJson(join(dir, 'summary.json'), 'final summary') as RunSummary,
  };
  // Tampered files: objects where the run wrote objects, and no prototype keys (they would act unrecorded).
  for (const [file, v] of [['config.json', run.config], ['dataset.json', run.dataset], ['summary.json', run.summary]] as const) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RunIntegrityError(join(dir, file), 'expected a JSON object');
    const bad = forbiddenKeyProblems(v);
    if (bad.length) throw new RunIntegrityError(join(dir, file), bad[0]);
  }
  return run;
}

/** Per-user test metrics saved with a run. */
export function readPerUser(dir: string): { users: Int32Array; values: Record<string, Float32Array> } {
  const path = join(dir, 'per_user.safetensors');
  if (!existsSync(path)) throw new Error(`${path}: missing (per-user test metrics)`);
  const f = readSafetensors(path);
  const users = f.tensors.users?.data;
  if (!(users instanceof Int32Array) || f.tensors.users.stored !== 'I32') throw new Error(`${path}: no I32 'users' tensor`);
  const values: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(f.tensors)) if (k.startsWith('test.')) values[k.slice(5)] = checkTensor(path, k, t, [users.length], false);
  return { users, values };
}
