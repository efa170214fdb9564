// Helpers shared by the encoders: option checking, parameter creation and initialisation, heap copies.
import { heap } from '../engine/memory.js';
import { Parameter } from '../engine/param.js';
import type { Rng } from '../core/rng.js';
import type { Dataset } from '../data/types.js';
import type { OptionSchema } from '../core/options.js';
import type { Encoder, EncoderOptions, PassInfo } from './types.js';

/** Keys every encoder tolerates (the trainer passes the whole `encoder` config block). */
const ALWAYS_ALLOWED = new Set(['name']);

/** Throws on option keys the encoder does not understand (a typo must not silently fall back to a default). */
export function checkOptionKeys(encoder: string, opts: EncoderOptions, allowed: readonly string[]): void {
  for (const k of Object.keys(opts)) {
    if (ALWAYS_ALLOWED.has(k) || opts[k] === undefined) continue;
    if (!allowed.includes(k)) {
      throw new Error(`encoder '${encoder}': unknown option '${k}' (accepted: ${allowed.join(', ')})`);
    }
  }
}

export function intOption(encoder: string, opts: EncoderOptions, key: string, def: number, min: number, max = Infinity): number {
  const v = opts[key] ?? def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Infinity ? `≥ ${min}` : `in ${min}..${max}`;
    throw new Error(`encoder '${encoder}': option '${key}' must be an integer ${range}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function numberOption(encoder: string, opts: EncoderOptions, key: string, def: number,
  ok: (x: number) => boolean, what: string): number {
  const v = opts[key] ?? def;
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    throw new Error(`encoder '${encoder}': option '${key}' must be ${what}, got ${JSON.stringify(v)}`);
  }
  return v;
}

export function boolOption(encoder: string, opts: EncoderOptions, key: string, def: boolean): boolean {
  const v = opts[key] ?? def;
  if (typeof v !== 'boolean') throw new Error(`encoder '${encoder}': option '${key}' must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

export function enumOption<T extends string>(encoder: string, opts: EncoderOptions, key: string, def: T, values: readonly T[]): T {
  const v = opts[key] ?? def;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new Error(`encoder '${encoder}': option '${key}' must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as T;
}

export function checkDataset(encoder: string, dataset: Pick<Dataset, 'numUsers' | 'numItems'>): void {
  if (!(dataset.numUsers > 0) || !(dataset.numItems > 0)) {
    throw new Error(`encoder '${encoder}': the dataset has ${dataset.numUsers} users and ${dataset.numItems} items; both must be > 0`);
  }
}

/** A zero-initialised Parameter. */
export function newParam(name: string, shape: readonly number[], sparse: boolean): Parameter {
  return new Parameter(shape, { name, sparse });
}

export interface EmbeddingInit {
  init: 'xavier' | 'xavierTables' | 'normal';
  std: number;
}

export function readInit(encoder: string, opts: EncoderOptions): EmbeddingInit {
  const init = enumOption(encoder, opts, 'init', 'xavier', ['xavier', 'xavierTables', 'normal'] as const);
  const std = numberOption(encoder, opts, 'initStd', 0.1, (x) => x > 0, 'a positive number');
  if (opts.initStd !== undefined && init !== 'normal') {
    throw new Error(`encoder '${encoder}': option 'initStd' only applies to init 'normal' (init is '${init}')`);
  }
  return { init, std };
}

/**
 * Initialises the user and item embedding tables as if they were one stacked (U+I)×d table (the reference
 * codes' layout): Xavier uniform bound √(6/(U+I+d)), or N(0, std). Users are drawn first, then items, so MF and
 * LightGCN with the same seed start from the same ego embeddings.
 */
export function initEmbeddings(users: Float32Array, items: Float32Array, numUsers: number, numItems: number,
  dim: number, how: EmbeddingInit, rng: Rng): void {
  if (how.init === 'xavier') {
    const bound = Math.sqrt(6 / (numUsers + numItems + dim));
    rng.fillUniform(users, -bound, bound);
    rng.fillUniform(items, -bound, bound);
  } else if (how.init === 'xavierTables') {
    // Two tables, each with its own bound (SELFRec's two xavier_uniform_ calls): users get the larger one.
    const bu = Math.sqrt(6 / (numUsers + dim));
    const bi = Math.sqrt(6 / (numItems + dim));
    rng.fillUniform(users, -bu, bu);
    rng.fillUniform(items, -bi, bi);
  } else {
    rng.fillNormal(users, 0, how.std);
    rng.fillNormal(items, 0, how.std);
  }
}

/** Xavier (Glorot) uniform for an r×c matrix, PyTorch's convention: bound √(6/(r+c)). */
export function xavierFill(data: Float32Array, rows: number, cols: number, rng: Rng): void {
  const bound = Math.sqrt(6 / (rows + cols));
  rng.fillUniform(data, -bound, bound);
}

/** A heap copy of `src` (evaluation arrays that kernels address by offset; the caller frees them). */
export function heapCopy(src: Float32Array): Float32Array {
  const out = heap.allocF32(src.length);
  out.set(src);
  return out;
}

/** ids + offset as a new Int32Array (item ids → rows of a stacked [users; items] table). */
export function offsetIds(ids: Int32Array, offset: number, limit: number, what: string): Int32Array {
  const out = new Int32Array(ids.length);
  for (let r = 0; r < ids.length; r++) {
    const v = ids[r];
    if (v < 0 || v >= limit) throw new Error(`${what}: id ${v} at position ${r} is outside 0..${limit - 1}`);
    out[r] = v + offset;
  }
  return out;
}

export function checkIds(ids: Int32Array, limit: number, what: string): void {
  for (let r = 0; r < ids.length; r++) {
    const v = ids[r];
    if (v < 0 || v >= limit) throw new Error(`${what}: id ${v} at position ${r} is outside 0..${limit - 1}`);
  }
}

/** The PassInfo of an encoder (frozen; one per pass is cheap, but the shape never changes within a run). */
export function passInfo(enc: Encoder, pooledDim: number, numUsers: number, numItems: number): PassInfo {
  return Object.freeze({
    encoder: enc.name, pooling: enc.pooling, scorer: enc.scorerKind, dim: enc.dim, pooledDim,
    numLayers: enc.numLayers, layerSet: enc.layerSet, numUsers, numItems,
  });
}

/** Options every embedding-table encoder takes (registry schemas). */
export const EMBEDDING_OPTIONS: OptionSchema = {
  dim: { type: 'integer', default: 64, min: 1, doc: 'embedding size per layer' },
  init: { type: 'enum', values: ['xavier', 'xavierTables', 'normal'], default: 'xavier', doc: "initialisation: Xavier uniform over the stacked (U+I)×d table (DINS/MixGCF), Xavier per table, √(6/(U+d)) and √(6/(I+d)) (SELFRec), or N(0, initStd) (LightGCN-PyTorch)" },
  initStd: { type: 'number', default: 0.1, min: 0, exclusiveMin: true, doc: "standard deviation for init 'normal'" },
};

/** Options of the graph encoders' propagation (registry schemas). */
export const GRAPH_OPTIONS: OptionSchema = {
  layers: { type: 'integer', default: 3, min: 0, max: 64, doc: 'propagation layers L' },
  includeEgoLayer: { type: 'boolean', default: true, doc: 'pool layers 0..L (true) or 1..L (DINS code)' },
  layerSet: { type: 'integer[]', min: 0, doc: 'explicit layers to pool, increasing (overrides includeEgoLayer)' },
};

/** The stacked (U+I)×dim ego table of the graph encoders, initialised as the reference codes do (users first). */
export function stackedEgo(dataset: Pick<Dataset, 'numUsers' | 'numItems'>, dim: number, how: EmbeddingInit, rng: Rng): Parameter {
  const nu = dataset.numUsers;
  const ego = newParam('embedding', [nu + dataset.numItems, dim], false);
  const e = ego.data;
  initEmbeddings(e.subarray(0, nu * dim), e.subarray(nu * dim), nu, dataset.numItems, dim, how, rng);
  return ego;
}
