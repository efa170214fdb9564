// Reading a finished run's files for use (the embeddings, the id maps, the exclusion lists), verified before use.
// In io/ because both the experiment layer (openRun, the run store) and serving (Model.load) read them, and serving
// must not import experiments. The run store (experiments/runStore.ts) writes them and re-exports these readers.
//   ids.json              { format: 'hardneg-ids', fingerprint, users: string[], items: string[] }: original ids of
//                         users 0..numUsers−1 and items 0..numItems−1
//   exclude.safetensors   `indptr` I32 [numUsers + 1], `indices` I32 [nnz]: each user's training (+ validation) items
//                         as a CSR with sorted rows, what recommend excludes by default; `popularity` I32 [numItems]:
//                         each item's interactions in the training split the model was trained on (the serving
//                         fallback for unknown users; absent in runs written before it, readers then count the
//                         exclusion lists instead); metadata: fingerprint
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CsrMatrix } from '../core/csr.js';
import { encodeSafetensors, readSafetensors, type SafeTensor } from './safetensors.js';
import { FileError, readRegularText } from './files.js';

export const IDS_FILE = 'ids.json';
export const EXCLUDE_FILE = 'exclude.safetensors';

/** A run file whose content cannot be trusted (wrong dtype, shape, non-finite values, another run's data). */
export class RunIntegrityError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'RunIntegrityError';
  }
}

export function readJsonIfThere(path: string): Record<string, unknown> | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readRegularText(path, { maxBytes: 256 * 2 ** 20 })) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Throws a RunIntegrityError unless `t` is an F32 tensor of `shape` (null entries: any) with only finite values. */
export function checkTensor(path: string, name: string, t: SafeTensor | undefined, shape: Array<number | null>, finite = true): Float32Array {
  if (!t) throw new RunIntegrityError(path, `no '${name}' tensor`);
  if (t.dtype !== 'F32' || (t.stored ?? 'F32') !== 'F32') throw new RunIntegrityError(path, `'${name}' is stored as ${t.stored ?? t.dtype}, expected F32`);
  if (t.shape.length !== shape.length || shape.some((n, i) => n !== null && t.shape[i] !== n)) {
    throw new RunIntegrityError(path, `'${name}' has shape [${t.shape.join(', ')}], expected [${shape.map((n) => n ?? '*').join(', ')}] (from config.json / dataset.json)`);
  }
  const d = t.data as Float32Array;
  for (let i = 0; finite && i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      throw new RunIntegrityError(path, `'${name}' holds a non-finite value (${d[i]}) at index ${i}: the weights are unusable (a diverged run?)`);
    }
  }
  return d;
}

/**
 * Final embeddings saved with a run, verified before use: every tensor F32 with the shape dataset.json and
 * config.json describe (users × dim, items × dim, item bias), and all values finite
 * (openRun then checks the reloaded data against dataset.json's fingerprint). (The header's sizes are checked against the file before anything is allocated: io/safetensors.ts.)
 */
/** A run folder's safetensors file; a damaged one is a RunIntegrityError naming it (file errors pass as they are). */
function readRunSafetensors(path: string): ReturnType<typeof readSafetensors> {
  try {
    return readSafetensors(path);
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new RunIntegrityError(path, (e as Error).message.startsWith(path) ? (e as Error).message.slice(path.length + 2) : (e as Error).message);
  }
}

export function readRunEmbeddings(dir: string): { users: Float32Array; items: Float32Array; dim: number; itemBias: Float32Array | null; fingerprint: string } {
  const path = join(dir, 'model.safetensors');
  if (!existsSync(path)) throw new Error(`${path}: missing (model weights)`);
  const f = readRunSafetensors(path);
  const ds = readJsonIfThere(join(dir, 'dataset.json'));
  const cfg = readJsonIfThere(join(dir, 'config.json'));
  const nu = typeof ds?.numUsers === 'number' ? ds.numUsers : null;
  const ni = typeof ds?.numItems === 'number' ? ds.numItems : null;
  const u = f.tensors['embeddings.users'];
  const dim = u && u.shape.length === 2 ? u.shape[1] : null;
  const enc = cfg?.encoder as { name?: string; dim?: number } | undefined;
  // MF-family and LightGCN embeddings have the encoder's dim; NGCF concatenates its layers (a multiple of it).
  if (dim !== null && enc && typeof enc.dim === 'number' && enc.dim > 0) {
    const ok = enc.name === 'ngcf' ? dim % enc.dim === 0 : dim === enc.dim;
    if (!ok) throw new RunIntegrityError(path, `'embeddings.users' has dim ${dim}, config.json's encoder.dim is ${enc.dim}`);
  }
  const users = checkTensor(path, 'embeddings.users', u, [nu, null]);
  const items = checkTensor(path, 'embeddings.items', f.tensors['embeddings.items'], [ni, dim]);
  const b = f.tensors['embeddings.item_bias'];
  const itemBias = b ? checkTensor(path, 'embeddings.item_bias', b, [items.length / Math.max(1, dim ?? 1)]) : null;
  for (const [name, t] of Object.entries(f.tensors)) if (name.startsWith('param.')) checkTensor(path, name, t, t.shape.map(() => null));
  const fp = f.metadata.fingerprint ?? '';
  return { users, items, dim: dim ?? 0, itemBias, fingerprint: fp };
}


/**
 * The encoder parameters a finished run saved (`param.<name>` tensors of model.safetensors, at its best epoch), each
 * verified F32 and finite, for a warm start (experiments/warmStart.ts). Shapes are checked by the caller against
 * the encoder it initialises.
 */
export function readRunParams(dir: string): { file: string; params: Map<string, { shape: number[]; data: Float32Array }>; fingerprint: string; bestEpoch: number | null } {
  const path = join(dir, 'model.safetensors');
  if (!existsSync(path)) throw new Error(`${path}: missing (model weights)`);
  const f = readRunSafetensors(path);
  const params = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of Object.entries(f.tensors)) {
    if (!name.startsWith('param.')) continue;
    params.set(name.slice(6), { shape: t.shape.slice(), data: checkTensor(path, name, t, t.shape.map(() => null)) });
  }
  const be = Number(f.metadata.best_epoch);
  return { file: path, params, fingerprint: f.metadata.fingerprint ?? '', bestEpoch: Number.isInteger(be) ? be : null };
}

// ---------------------------------------------------------------- id maps and exclusion lists (serving without the data)

/** What the run needs of its (carved) dataset to serve without the data files. */
export interface ServingSource {
  fingerprint: string;
  userIds: readonly string[];
  itemIds: readonly string[];
  train: CsrMatrix;
  valid?: CsrMatrix;
}

/** The sorted union, row by row, of two user-major CSRs with the same shape (b may be absent). */
export function unionRows(a: CsrMatrix, b: CsrMatrix | undefined): CsrMatrix {
  if (!b) return { rows: a.rows, cols: a.cols, indptr: a.indptr.slice(), indices: a.indices.slice() };
  if (b.rows !== a.rows) throw new Error(`unionRows: ${a.rows} rows and ${b.rows} rows`);
  const indptr = new Int32Array(a.rows + 1);
  const tmp = new Int32Array(a.indices.length + b.indices.length);
  let w = 0;
  for (let u = 0; u < a.rows; u++) {
    let p = a.indptr[u], q = b.indptr[u];
    const pe = a.indptr[u + 1], qe = b.indptr[u + 1];
    while (p < pe || q < qe) {
      if (q >= qe || (p < pe && a.indices[p] < b.indices[q])) tmp[w++] = a.indices[p++];
      else if (p >= pe || b.indices[q] < a.indices[p]) tmp[w++] = b.indices[q++];
      else { tmp[w++] = a.indices[p++]; q++; }
    }
    indptr[u + 1] = w;
  }
  return { rows: a.rows, cols: a.cols, indptr, indices: tmp.slice(0, w) };
}

/** ids.json's text: the original ids of every user and item, in index order. */
export function encodeRunIds(s: ServingSource): string {
  return JSON.stringify({ format: 'hardneg-ids', fingerprint: s.fingerprint, users: s.userIds, items: s.itemIds }) + '\n';
}

/** Interactions per item (column counts) of a user-major CSR. */
export function itemCounts(m: CsrMatrix): Int32Array {
  const c = new Int32Array(m.cols);
  const nnz = m.indptr[m.rows];
  for (let p = 0; p < nnz; p++) c[m.indices[p]]++;
  return c;
}

/** exclude.safetensors' bytes: train ∪ valid per user, and each item's training interactions (`popularity`). */
export function encodeRunExclusions(s: ServingSource): Uint8Array {
  const m = unionRows(s.train, s.valid);
  return encodeSafetensors({
    indptr: { shape: [m.rows + 1], data: m.indptr },
    indices: { shape: [m.indices.length], data: m.indices },
    popularity: { shape: [m.cols], data: itemCounts(s.train) },
  }, { format: 'hardneg-exclude', fingerprint: s.fingerprint, items: String(m.cols) });
}

/** dataset.json's sizes and fingerprint, which the serving files are checked against. */
function runSizes(dir: string, file: string): { numUsers: number; numItems: number; fingerprint: string | null } {
  const ds = readJsonIfThere(join(dir, 'dataset.json'));
  const nu = ds?.numUsers, ni = ds?.numItems;
  if (!Number.isInteger(nu) || !Number.isInteger(ni) || (nu as number) < 0 || (ni as number) < 0) {
    throw new RunIntegrityError(join(dir, file), `cannot be checked: ${join(dir, 'dataset.json')} has no numUsers/numItems`);
  }
  return { numUsers: nu as number, numItems: ni as number, fingerprint: typeof ds?.fingerprint === 'string' ? ds.fingerprint : null };
}

function missingServingFile(path: string, what: string): Error {
  return new Error(`${path}: missing (${what}); the run was written before runs kept their ids and exclusion lists — ` +
    'serve it with openRun (which reloads the original data) or train it again');
}

/**
 * ids.json, verified: an object of format 'hardneg-ids' whose `users` / `items` are arrays of dataset.json's
 * numUsers / numItems strings, each unique, and whose fingerprint is dataset.json's.
 */
export function readRunIds(dir: string): { users: string[]; items: string[]; fingerprint: string } {
  const path = join(dir, IDS_FILE);
  if (!existsSync(path)) throw missingServingFile(path, 'original user and item ids');
  const sizes = runSizes(dir, IDS_FILE);
  let v: unknown;
  try {
    v = JSON.parse(readRegularText(path, { what: IDS_FILE, maxBytes: 1024 * 2 ** 20 }));
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new RunIntegrityError(path, `not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new RunIntegrityError(path, 'expected a JSON object');
  const o = v as Record<string, unknown>;
  if (o.format !== 'hardneg-ids') throw new RunIntegrityError(path, `format is ${JSON.stringify(o.format)}, expected "hardneg-ids"`);
  const fp = typeof o.fingerprint === 'string' ? o.fingerprint : '';
  if (sizes.fingerprint !== null && fp !== sizes.fingerprint) {
    throw new RunIntegrityError(path, `fingerprint ${fp.slice(0, 12) || '(none)'}… is not dataset.json's ${sizes.fingerprint.slice(0, 12)}…: ids of another run's data`);
  }
  const list = (key: 'users' | 'items', n: number): string[] => {
    const a = o[key];
    if (!Array.isArray(a)) throw new RunIntegrityError(path, `'${key}' is not an array`);
    if (a.length !== n) throw new RunIntegrityError(path, `'${key}' has ${a.length} ids, dataset.json says ${n}`);
    const seen = new Set<string>();
    for (let i = 0; i < a.length; i++) {
      if (typeof a[i] !== 'string') throw new RunIntegrityError(path, `'${key}'[${i}] is ${JSON.stringify(a[i])}, expected a string id`);
      if (seen.has(a[i])) throw new RunIntegrityError(path, `'${key}'[${i}] = ${JSON.stringify(a[i])} appears twice: ids must be unique`);
      seen.add(a[i]);
    }
    return a as string[];
  };
  return { users: list('users', sizes.numUsers), items: list('items', sizes.numItems), fingerprint: fp };
}

function checkI32(path: string, name: string, t: SafeTensor | undefined, len: number | null): Int32Array {
  if (!t) throw new RunIntegrityError(path, `no '${name}' tensor`);
  if (t.dtype !== 'I32' || (t.stored ?? 'I32') !== 'I32') throw new RunIntegrityError(path, `'${name}' is stored as ${t.stored ?? t.dtype}, expected I32`);
  if (t.shape.length !== 1 || (len !== null && t.shape[0] !== len)) {
    throw new RunIntegrityError(path, `'${name}' has shape [${t.shape.join(', ')}], expected [${len ?? '*'}] (from dataset.json)`);
  }
  return t.data as Int32Array;
}

/**
 * exclude.safetensors, verified: I32 `indptr` [numUsers + 1] from 0 to nnz, non-decreasing; I32 `indices` [nnz]
 * in 0..numItems−1, strictly increasing within each row; the fingerprint dataset.json's.
 */
export function readRunExclusions(dir: string): CsrMatrix {
  const path = join(dir, EXCLUDE_FILE);
  if (!existsSync(path)) throw missingServingFile(path, 'training and validation items per user');
  const sizes = runSizes(dir, EXCLUDE_FILE);
  const f = readRunSafetensors(path);
  const fp = f.metadata.fingerprint ?? '';
  if (sizes.fingerprint !== null && fp !== sizes.fingerprint) {
    throw new RunIntegrityError(path, `fingerprint ${fp.slice(0, 12) || '(none)'}… is not dataset.json's ${sizes.fingerprint.slice(0, 12)}…: another run's exclusions`);
  }
  const nu = sizes.numUsers, ni = sizes.numItems;
  const indptr = checkI32(path, 'indptr', f.tensors.indptr, nu + 1);
  const indices = checkI32(path, 'indices', f.tensors.indices, null);
  if (indptr[0] !== 0 || indptr[nu] !== indices.length) {
    throw new RunIntegrityError(path, `'indptr' runs from ${indptr[0]} to ${indptr[nu]}, expected 0 to ${indices.length} (the length of 'indices')`);
  }
  for (let u = 0; u < nu; u++) {
    const s = indptr[u], e = indptr[u + 1];
    if (e < s) throw new RunIntegrityError(path, `'indptr' decreases at row ${u} (${s} → ${e})`);
    for (let p = s; p < e; p++) {
      const it = indices[p];
      if (!(it >= 0 && it < ni)) throw new RunIntegrityError(path, `row ${u} holds item ${it}, outside 0..${ni - 1}`);
      if (p > s && it <= indices[p - 1]) throw new RunIntegrityError(path, `row ${u} is not sorted and unique (item ${indices[p - 1]} then ${it})`);
    }
  }
  return { rows: nu, cols: ni, indptr, indices };
}

/** Where a run's item popularity comes from: its training split, or (runs written before it was stored) its exclusion lists. */
export type PopularitySource = 'train' | 'train+valid';

/**
 * Each item's interaction count for the serving fallback, verified: exclude.safetensors' `popularity` (I32
 * [numItems], non-negative: the training split's counts) or, in a run written before it was stored, the column
 * counts of the exclusion lists (train ∪ valid; `source` says which).
 */
export function readRunPopularity(dir: string, exclusions: CsrMatrix = readRunExclusions(dir)): { counts: Int32Array; source: PopularitySource } {
  const path = join(dir, EXCLUDE_FILE);
  const t = readRunSafetensors(path).tensors.popularity;
  if (!t) return { counts: itemCounts(exclusions), source: 'train+valid' };
  const counts = checkI32(path, 'popularity', t, exclusions.cols);
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] < 0) throw new RunIntegrityError(path, `'popularity'[${i}] = ${counts[i]} is negative`);
  }
  return { counts, source: 'train' };
}
