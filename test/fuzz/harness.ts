// The fuzz harness: materialises a case's files, runs library cases (in a child, test/fuzz/child.ts) and CLI cases
// (one process each), and classifies every outcome as a clear error, a result, a crash, a hang or a silent
// acceptance of an invalid input.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileSpec, FuzzCase } from './cases.js';

export type Outcome = 'error' | 'ok' | 'crash' | 'hang' | 'silent';

export interface CaseResult {
  id: string;
  kind: 'lib' | 'cli';
  outcome: Outcome;
  detail: string;
  ms: number;
}

export interface Bases {
  /** A finished run (openRun, eval, recommend cases). */
  run: string;
  /** An interrupted run with its checkpoint (resume cases). */
  resume: string;
}

function subst(s: string, dir: string): string {
  return s.replace(/\$HOST/g, hostname()).replace(/\$RUN/g, join(dir, 'run')).replace(/\$RESUME/g, join(dir, 'resume')).replace(/\$DIR/g, dir);
}

export function substArgs<T>(v: T, dir: string): T {
  if (typeof v === 'string') return subst(v, dir) as T;
  if (Array.isArray(v)) return v.map((x) => substArgs(x, dir)) as T;
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v)) Object.defineProperty(o, k, { value: substArgs((v as Record<string, unknown>)[k], dir), enumerable: true, writable: true, configurable: true });
    return o as T;
  }
  return v;
}

function writeSpec(path: string, spec: FileSpec, dir: string): void {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(dirname(path), { recursive: true });
  if (typeof spec === 'string') writeFileSync(path, subst(spec, dir));
  else if ('base64' in spec) writeFileSync(path, Buffer.from(spec.base64, 'base64'));
  else if ('dir' in spec) mkdirSync(path);
  else if ('fifo' in spec) {
    if (spawnSync('mkfifo', [path]).status !== 0) writeFileSync(path, ''); // no mkfifo: an empty file instead
  } else symlinkSync(spec.symlink, path);
}

/** Creates the case folder: its files, or a copy of the base run (run/resume cases) with the files replaced. */
export function materialize(c: FuzzCase, dir: string, bases: Bases): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const runLike = c.area === 'run' || c.area === 'resume';
  const target = c.area === 'resume' ? join(dir, 'resume') : c.area === 'run' ? join(dir, 'run') : dir;
  if (runLike) cpSync(c.area === 'resume' ? bases.resume : bases.run, target, { recursive: true });
  for (const [f, spec] of Object.entries(c.files)) {
    if (spec === '$CONFIG_SEED_9') {
      const cfg = JSON.parse(readFileSync(join(target, 'config.json'), 'utf8'));
      writeFileSync(join(target, f), JSON.stringify({ ...cfg, seed: 9 }));
    } else writeSpec(join(target, f), spec, dir);
  }
  if (c.tensorEdit) editModel(join(target, 'model.safetensors'), c.tensorEdit);
}

// ---------------------------------------------------------------- model edits (raw safetensors writing)
interface RawTensor { dtype: string; shape: number[]; bytes: Uint8Array }

function readRaw(path: string): { tensors: Map<string, RawTensor>; meta: Record<string, string> } {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const h = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const tensors = new Map<string, RawTensor>();
  let meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (k === '__metadata__') meta = v as unknown as Record<string, string>;
    else tensors.set(k, { dtype: v.dtype, shape: v.shape, bytes: new Uint8Array(b.subarray(8 + n + v.data_offsets[0], 8 + n + v.data_offsets[1])) });
  }
  return { tensors, meta };
}

function writeRaw(path: string, tensors: Map<string, RawTensor>, meta: Record<string, string>): void {
  const header: Record<string, unknown> = { __metadata__: meta };
  let off = 0;
  for (const [k, t] of tensors) {
    header[k] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + off);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let w = 8 + json.length;
  for (const t of tensors.values()) {
    out.set(t.bytes, w);
    w += t.bytes.length;
  }
  writeFileSync(path, out);
}

const f32 = (t: RawTensor) => new Float32Array(t.bytes.buffer.slice(t.bytes.byteOffset, t.bytes.byteOffset + t.bytes.byteLength));
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function editModel(path: string, edit: string): void {
  const raw = readFileSync(path);
  const n = Number(raw.readBigUInt64LE(0));
  if (edit === 'truncate-8') return writeFileSync(path, raw.subarray(0, 8));
  if (edit === 'truncate-header') return writeFileSync(path, raw.subarray(0, 8 + Math.floor(n / 2)));
  if (edit === 'truncate-data') return writeFileSync(path, raw.subarray(0, raw.length - 100));
  if (edit === 'len-huge') {
    const b = Buffer.from(raw);
    b.writeBigUInt64LE(2n ** 62n, 0);
    return writeFileSync(path, b);
  }
  if (edit === 'header-garbage') {
    const b = Buffer.from(raw);
    b.fill(35, 8, Math.min(40, 8 + n));
    return writeFileSync(path, b);
  }
  const { tensors, meta } = readRaw(path);
  const users = tensors.get('embeddings.users')!;
  const items = tensors.get('embeddings.items')!;
  const [nu, d] = users.shape;
  const ni = items.shape[0];
  switch (edit) {
    case 'users-i32': tensors.set('embeddings.users', { ...users, dtype: 'I32', bytes: bytesOf(Int32Array.from(f32(users), (x) => Math.round(x * 1e4))) }); break;
    case 'users-i64': tensors.set('embeddings.users', { ...users, dtype: 'I64', bytes: bytesOf(BigInt64Array.from(f32(users), (x) => BigInt(Math.round(x * 1e4)))) }); break;
    case 'items-f64': tensors.set('embeddings.items', { ...items, dtype: 'F64', bytes: bytesOf(Float64Array.from(f32(items))) }); break;
    case 'users-nan': tensors.set('embeddings.users', { ...users, bytes: bytesOf(new Float32Array(nu * d).fill(NaN)) }); break;
    case 'items-inf': { const a = f32(items); a[0] = Infinity; tensors.set('embeddings.items', { ...items, bytes: bytesOf(a) }); break; }
    case 'bias-nan': tensors.set('embeddings.item_bias', { dtype: 'F32', shape: [ni], bytes: bytesOf(new Float32Array(ni).fill(NaN)) }); break;
    case 'bias-len': tensors.set('embeddings.item_bias', { dtype: 'F32', shape: [ni + 1], bytes: bytesOf(new Float32Array(ni + 1)) }); break;
    case 'users-rows': tensors.set('embeddings.users', { ...users, shape: [nu - 1, d], bytes: users.bytes.slice(4 * d) }); break;
    case 'items-cols': tensors.set('embeddings.items', { ...items, shape: [ni, d + 1], bytes: bytesOf(new Float32Array(ni * (d + 1))) }); break;
    case 'users-1d': tensors.set('embeddings.users', { ...users, shape: [nu * d] }); break;
    case 'drop-users': tensors.delete('embeddings.users'); break;
    case 'drop-items': tensors.delete('embeddings.items'); break;
    case 'param-nan': {
      const [k, t] = [...tensors].find(([name]) => name.startsWith('param.'))!;
      tensors.set(k, { ...t, bytes: bytesOf(new Float32Array(t.bytes.length / 4).fill(NaN)) });
      break;
    }
    default: throw new Error(`unknown tensor edit ${edit}`);
  }
  writeRaw(path, tensors, meta);
}

// ---------------------------------------------------------------- classification
const CLEAR = new Set(['DataError', 'ConfigError', 'FileError', 'RunFolderError', 'RunIntegrityError', 'RunWriteError', 'UsageError', 'ChecksumError']);
const OUR_PREFIXES = /^(recommend: |train: |hardneg engine heap: |setThreads: |invalid config|\/|dataset format '|dataset '|dataset spec )/;

/** A library error is clear when it is one of the project's error classes, or names a file or the function it came from. */
export function clearError(e: unknown): boolean {
  const err = e as Error;
  if (!err || typeof err.message !== 'string') return false;
  if (CLEAR.has(err.name)) return true;
  return OUR_PREFIXES.test(err.message) && !/Cannot read propert|is not a function|is not iterable|Invalid typed array length|Invalid array length|Maximum call stack/.test(err.message);
}

export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[(:]\d+/m.test(text) || /FATAL ERROR|Native stack trace|Segmentation fault|Aborted/.test(text);
}

/** Classifies a CLI run. */
export function classifyCli(c: FuzzCase, r: { status: number | null; signal: string | null; stderr: string; timedOut: boolean }): { outcome: Outcome; detail: string } {
  const last = r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
  if (r.timedOut) return { outcome: 'hang', detail: 'timed out' };
  if (r.signal || r.status === null || ![0, 1, 2].includes(r.status)) return { outcome: 'crash', detail: `exit ${r.status} signal ${r.signal}: ${last}` };
  if (hasStackTrace(r.stderr)) return { outcome: 'crash', detail: `stack trace: ${last}` };
  if (r.status === 0) return c.expect === 'error' ? { outcome: 'silent', detail: 'exit 0 on an invalid input' } : { outcome: 'ok', detail: '' };
  if (!/hardneg/.test(r.stderr)) return { outcome: 'crash', detail: `exit ${r.status} without a hardneg message: ${last}` };
  return { outcome: 'error', detail: last };
}
