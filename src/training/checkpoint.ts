// A run's resumable state, so a long run that is killed (a closed session, an OOM, a reboot) continues where its
// last evaluation left it instead of starting over. The trainer writes it after every evaluation that does not end
// the run, to RUN_DIR/checkpoint.safetensors (one file, written beside and renamed over the old one, so a kill
// mid-write leaves the previous checkpoint intact), and removes it when the run finishes.
//
// It holds everything the rest of the run depends on: parameters, optimiser moments and step counts, every named
// RNG stream the run created ('sampler', 'batch', 'dropout' and any a component asked for), every named component
// state ('sampler': SRNS's memory; 'encoder': an encoder's own state), the model selector, the records and
// best-epoch results so far, and how many metrics.jsonl lines were written. Resuming is bit-identical to not
// stopping (tests check metrics and weights).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { writeError } from '../io/runErrors.js';
import type { EvalEmbeddings } from '../evaluation/fullRanking.js';
import type { OptimizerState } from '../engine/optim.js';
import type { ComponentState } from '../core/state.js';
import type { SelectorState } from './selection.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** The largest checkpoint that can be read back (a Node Buffer holds at most 2 GiB − 1), with room for the header. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31 - 1 - 64 * 2 ** 20;

/** A checkpoint whose tensors exceed what a resume could read: the run goes on without one. */
export class CheckpointTooLargeError extends Error {
  constructor(readonly dir: string, readonly bytes: number, limit = MAX_CHECKPOINT_BYTES) {
    super(`${dir}: the checkpoint would hold ${(bytes / 2 ** 30).toFixed(2)} GiB of tensors, more than the ` +
      `${(limit / 2 ** 30).toFixed(2)} GiB a resume can read back`);
    this.name = 'CheckpointTooLargeError';
  }
}
const FORMAT = 'hardneg-checkpoint/1';

type Tensors = Record<string, { shape: number[]; data: Float32Array | Int32Array }>;

/** What the trainer saves and restores (typed arrays travel as tensors, the rest as JSON metadata). */
export interface TrainerCheckpoint<EpochRec = unknown, EvalRec = unknown> {
  /** Last completed (and evaluated) epoch: training resumes at epoch + 1. */
  epoch: number;
  /** Canonical JSON of the run's config: resuming under another config is refused. */
  config: string;
  /** Dataset fingerprint after the validation carve: resuming on other data is refused. */
  fingerprint: string;
  params: Array<{ name: string; data: Float32Array }>;
  optimizer: OptimizerState;
  /** States of every named stream. */
  rng: Record<string, number[]>;
  /** Named component states ('sampler', 'encoder'); null for a component without state. */
  components: Record<string, ComponentState | null>;
  selector: SelectorState;
  epochs: EpochRec[];
  evaluations: EvalRec[];
  bestSel: Record<string, number>;
  bestTest: Record<string, number>;
  perUserTest: { users: Int32Array; values: Record<string, Float32Array> } | null;
  bestWeights: { params: Array<{ name: string; shape: number[]; data: Float32Array }>; embeddings: EvalEmbeddings } | null;
  counters: { pairsDone: number; trainMs: number; evalMs: number; secondsBefore: number; metricsLines: number };
  /** Epochs after which earlier processes of this run stopped and a later one resumed. */
  resumedFrom: number[];
  /** The kernel backend and build that wrote it ('wasm'/'js', 'simd'/'fma'): a resume must run the same to stay bit-identical. */
  kernels?: { backend: string; build: string | null };
}

/** Writes the checkpoint into `dir` atomically (temporary file, then rename). */
export function writeCheckpoint(dir: string, c: TrainerCheckpoint, maxBytes = MAX_CHECKPOINT_BYTES): void {
  const t: Tensors = {};
  c.params.forEach((p, i) => (t[`param.${i}`] = { shape: [p.data.length], data: p.data }));
  c.optimizer.params.forEach((p, i) => {
    for (const [k, v] of Object.entries(p.buffers)) t[`optim.${i}.${k}`] = { shape: [v.length], data: v };
  });
  const scalars: Record<string, Record<string, number> | null> = {};
  for (const [name, state] of Object.entries(c.components)) {
    if (name.includes('.') || name.startsWith('best') || ['param', 'optim', 'perUser'].includes(name)) {
      throw new Error(`checkpoint: component name '${name}' clashes with the checkpoint's own tensors`);
    }
    if (state === null) {
      scalars[name] = null;
      continue;
    }
    const sc: Record<string, number> = {};
    for (const [k, v] of Object.entries(state)) {
      if (typeof v === 'number') sc[k] = v;
      else t[`${name}.${k}`] = { shape: [v.length], data: v };
    }
    scalars[name] = sc;
  }
  c.bestWeights?.params.forEach((p, i) => (t[`best.param.${i}`] = { shape: p.shape, data: p.data }));
  const e = c.bestWeights?.embeddings;
  if (e) {
    t['best.users'] = { shape: [e.users.length], data: e.users };
    t['best.items'] = { shape: [e.items.length], data: e.items };
    if (e.itemBias) t['best.itemBias'] = { shape: [e.itemBias.length], data: e.itemBias };
  }
  if (c.perUserTest) {
    t['perUser.users'] = { shape: [c.perUserTest.users.length], data: c.perUserTest.users };
    for (const [k, v] of Object.entries(c.perUserTest.values)) t[`perUser.value.${k}`] = { shape: [v.length], data: v };
  }
  const meta = {
    epoch: c.epoch, config: c.config, fingerprint: c.fingerprint,
    params: c.params.map((p) => p.name),
    optimizer: { kind: c.optimizer.kind, params: c.optimizer.params.map((p) => ({ name: p.name, size: p.size, step: p.step, buffers: Object.keys(p.buffers) })) },
    rng: c.rng,
    components: scalars,
    selector: { ...c.selector, bestValue: Number.isFinite(c.selector.bestValue) ? c.selector.bestValue : null },
    epochs: c.epochs, evaluations: c.evaluations, bestSel: c.bestSel, bestTest: c.bestTest,
    perUserTest: c.perUserTest ? Object.keys(c.perUserTest.values) : null,
    bestWeights: c.bestWeights ? { params: c.bestWeights.params.map((p) => ({ name: p.name, shape: p.shape })), dim: c.bestWeights.embeddings.dim } : null,
    counters: c.counters,
    resumedFrom: c.resumedFrom,
    kernels: c.kernels ?? null,
  };
  // Node reads a file into one buffer of at most 2 GiB − 1: a larger checkpoint could be written but never resumed.
  let bytes = 0;
  for (const x of Object.values(t)) bytes += x.data.byteLength;
  if (bytes > maxBytes) throw new CheckpointTooLargeError(dir, bytes, maxBytes);
  const path = join(dir, CHECKPOINT_FILE);
  const tmp = `${path}.tmp`;
  try {
    writeSafetensors(tmp, t, { format: FORMAT, state: JSON.stringify(meta) });
    renameSync(tmp, path);
  } catch (e) {
    // Disk full / permission denied: name the file; the previous checkpoint (if any) is intact.
    rmSync(tmp, { force: true });
    throw writeError(path, e, dir);
  }
}

/** The checkpoint in `dir`, or an error naming what is missing or wrong. */
export function readCheckpoint(dir: string): TrainerCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  if (!existsSync(path)) {
    throw new Error(`${path}: no checkpoint (a run keeps one only until it finishes; runs written before checkpoints existed have none)`);
  }
  const f = readSafetensors(path);
  if (f.metadata.format !== FORMAT) throw new Error(`${path}: not a hardneg checkpoint (format '${f.metadata.format ?? ''}', expected '${FORMAT}')`);
  let m: Record<string, any>;
  try {
    m = JSON.parse(f.metadata.state ?? 'null');
  } catch (e) {
    throw new Error(`${path}: the checkpoint's state metadata is not JSON (${(e as Error).message}); train again with --force`);
  }
  // A file of the right format whose state lacks what a resume reads is damaged: say so instead of a TypeError.
  const missing = m === null || typeof m !== 'object' ? ['state'] :
    ['epoch', 'config', 'fingerprint', 'params', 'optimizer', 'rng', 'selector', 'epochs', 'evaluations', 'counters']
      .filter((k) => m[k] === undefined || m[k] === null);
  if (missing.length || !Array.isArray(m.params) || !Array.isArray(m.optimizer?.params)) {
    throw new Error(`${path}: a damaged checkpoint (its state lacks ${missing.length ? missing.join(', ') : 'parameter lists'}); ` +
      'it cannot be resumed: train again with --force');
  }
  const get = <T extends Float32Array | Int32Array>(name: string, kind: 'f32' | 'i32'): T => {
    const x = f.tensors[name];
    if (!x) throw new Error(`${path}: tensor '${name}' missing`);
    if ((kind === 'f32') !== (x.data instanceof Float32Array)) throw new Error(`${path}: tensor '${name}' has the wrong dtype`);
    return x.data as T;
  };
  const f32 = (name: string): Float32Array => get<Float32Array>(name, 'f32');
  // Checkpoints from before named components held the sampler's state under 'sampler' alone.
  const metaComponents: Record<string, Record<string, number> | null> = m.components ?? { sampler: m.sampler ?? null };
  const components: Record<string, ComponentState | null> = {};
  for (const [name, sc] of Object.entries(metaComponents)) {
    if (sc === null) {
      components[name] = null;
      continue;
    }
    const state: ComponentState = { ...sc };
    const prefix = `${name}.`;
    for (const [k, x] of Object.entries(f.tensors)) {
      if (k.startsWith(prefix)) state[k.slice(prefix.length)] = x.data as Float32Array | Int32Array;
    }
    components[name] = state;
  }
  const bw = m.bestWeights;
  return {
    epoch: m.epoch, config: m.config, fingerprint: m.fingerprint,
    params: (m.params as string[]).map((name, i) => ({ name, data: f32(`param.${i}`) })),
    optimizer: {
      kind: m.optimizer.kind,
      params: (m.optimizer.params as Array<{ name: string; size: number; step: number; buffers: string[] }>).map((p, i) => ({
        name: p.name, size: p.size, step: p.step,
        buffers: Object.fromEntries(p.buffers.map((k) => [k, f32(`optim.${i}.${k}`)])),
      })),
    },
    rng: m.rng,
    components,
    selector: { ...m.selector, bestValue: m.selector.bestValue ?? -Infinity },
    epochs: m.epochs, evaluations: m.evaluations, bestSel: m.bestSel, bestTest: m.bestTest,
    perUserTest: m.perUserTest === null ? null : {
      users: get<Int32Array>('perUser.users', 'i32'),
      values: Object.fromEntries((m.perUserTest as string[]).map((k) => [k, f32(`perUser.value.${k}`)])),
    },
    bestWeights: bw === null ? null : {
      params: (bw.params as Array<{ name: string; shape: number[] }>).map((p, i) => ({ ...p, data: f32(`best.param.${i}`) })),
      embeddings: { users: f32('best.users'), items: f32('best.items'), dim: bw.dim, itemBias: f.tensors['best.itemBias'] ? f32('best.itemBias') : null },
    },
    counters: m.counters,
    resumedFrom: m.resumedFrom ?? [],
    kernels: m.kernels ?? undefined,
  };
}

export function removeCheckpoint(dir: string): void {
  rmSync(join(dir, CHECKPOINT_FILE), { force: true });
}
