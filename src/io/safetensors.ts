// safetensors (https://github.com/huggingface/safetensors format spec): an 8-byte little-endian u64 header
// length N, then N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__: {str: str} }`,
// then the raw little-endian tensor bytes; offsets are relative to the end of the header. We write F32 and I32
// tensors, padded so the data section starts 8-byte aligned (the header is padded with spaces, as the reference
// writer does), tensors sorted by name, stored contiguously in that order.
import { writeFileSync } from 'node:fs';
import { readRegularFile } from './files.js';

export type SafeDtype = 'F32' | 'I32';

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Int32Array;
  /** The dtype as stored in the file (F64/I64 are read into 32-bit arrays; readers that need F32 check this). */
  stored?: string;
}

export interface SafeTensorsFile {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

function dtypeOf(data: Float32Array | Int32Array): SafeDtype {
  return data instanceof Float32Array ? 'F32' : 'I32';
}

/** Serialises tensors (+ string metadata) to safetensors bytes. */
export function encodeSafetensors(
  tensors: Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`safetensors metadata '${k}' must be a string`);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw new Error('safetensors: tensor name __metadata__ is reserved');
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) {
      throw new Error(`safetensors: tensor '${name}' has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    }
    const bytes = t.data.length * 4;
    header[name] = { dtype: dtypeOf(t.data), shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (8 - (hb.length % 8)) % 8;
  if (pad) {
    json += ' '.repeat(pad);
    hb = enc.encode(json);
  }
  const out = new Uint8Array(8 + hb.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let w = 8 + hb.length;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  for (const name of names) {
    const d = tensors[name].data;
    if (littleEndian) {
      out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), w);
    } else {
      for (let i = 0; i < d.length; i++) {
        if (d instanceof Float32Array) dv.setFloat32(w + 4 * i, d[i], true);
        else dv.setInt32(w + 4 * i, d[i], true);
      }
    }
    w += d.byteLength;
  }
  return out;
}

/** Parses safetensors bytes (F32, I32; also F64/I64 read into 32-bit arrays). Errors name what is wrong. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): SafeTensorsFile {
  if (bytes.length < 8) throw new Error(`${source}: file too short (${bytes.length} bytes) for a safetensors header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  // Sizes are checked against the file before anything is allocated from them.
  if (n64 > BigInt(bytes.length - 8)) throw new Error(`${source}: header length ${n64} exceeds the file size ${bytes.length}`);
  const n = Number(n64);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw new Error(`${source}: header is not a JSON object`);
  const base = 8 + n;
  const dataLen = bytes.length - base;
  const tensors: Record<string, SafeTensor> = {};
  const rawMeta = header.__metadata__ ?? {};
  if (rawMeta === null || typeof rawMeta !== 'object' || Array.isArray(rawMeta)) throw new Error(`${source}: __metadata__ is not an object of strings`);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMeta)) {
    if (typeof v !== 'string') throw new Error(`${source}: __metadata__.${k} is not a string`);
    if (k === '__proto__') throw new Error(`${source}: __metadata__ key __proto__ is not allowed`);
    metadata[k] = v;
  }
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (name === '__proto__') throw new Error(`${source}: tensor name __proto__ is not allowed`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${source}: tensor '${name}' is not a {dtype, shape, data_offsets} object`);
    const info = raw as { dtype?: string; shape?: unknown; data_offsets?: unknown };
    const shapeRaw = info.shape ?? [];
    if (!Array.isArray(shapeRaw) || shapeRaw.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) {
      throw new Error(`${source}: tensor '${name}' has shape ${JSON.stringify(shapeRaw)}, expected a list of non-negative integers`);
    }
    const shape = shapeRaw as number[];
    const offs = info.data_offsets;
    const [b, e] = Array.isArray(offs) && offs.length === 2 && offs.every((x) => Number.isInteger(x)) ? offs as [number, number] : [NaN, NaN];
    if (!(b >= 0 && e >= b && e <= dataLen)) {
      throw new Error(`${source}: tensor '${name}' has data_offsets ${JSON.stringify(offs)} outside the ${dataLen}-byte data`);
    }
    const count = shape.reduce((a, c) => a * c, 1);
    const width = info.dtype === 'F64' || info.dtype === 'I64' ? 8 : 4;
    if ((e - b) !== count * width) {
      throw new Error(`${source}: tensor '${name}' ${info.dtype} [${shape.join(', ')}] needs ${count * width} bytes, has ${e - b}`);
    }
    const at = base + b;
    let data: Float32Array | Int32Array;
    let dtype: SafeDtype;
    switch (info.dtype) {
      case 'F32':
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = dv.getFloat32(at + 4 * i, true);
        dtype = 'F32';
        break;
      case 'F64':
        data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = dv.getFloat64(at + 8 * i, true);
        dtype = 'F32';
        break;
      case 'I32':
        data = new Int32Array(count);
        for (let i = 0; i < count; i++) data[i] = dv.getInt32(at + 4 * i, true);
        dtype = 'I32';
        break;
      case 'I64':
        data = new Int32Array(count);
        for (let i = 0; i < count; i++) data[i] = Number(dv.getBigInt64(at + 8 * i, true));
        dtype = 'I32';
        break;
      default:
        throw new Error(`${source}: tensor '${name}' has unsupported dtype ${String(info.dtype)}`);
    }
    tensors[name] = { dtype, shape: [...shape], data, stored: info.dtype };
  }
  return { tensors, metadata };
}

export function writeSafetensors(
  path: string,
  tensors: Record<string, { shape: readonly number[]; data: Float32Array | Int32Array }>,
  metadata: Record<string, string> = {},
): void {
  writeFileSync(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string): SafeTensorsFile {
  return decodeSafetensors(new Uint8Array(readRegularFile(path, { what: 'safetensors file' })), path);
}
