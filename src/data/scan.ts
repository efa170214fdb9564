// Byte-level scanning for the text formats. Files are read whole into a Buffer and scanned byte by byte:
// no per-line strings for the numeric formats, so Gowalla's 1M interactions load in a fraction of a second.
// Line endings LF or CRLF; a UTF-8 byte-order mark at the start is skipped. Every parse error is a DataError
// naming file, line and field.
import { FileError, readRegularFile } from '../io/files.js';
import { DataError } from './errors.js';

const CR = 13;
const LF = 10;
const SPACE = 32;
const TAB = 9;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
/** Largest id we accept: ids index Int32Arrays. */
export const MAX_ID = 2147483647;

/** Reads a file as bytes, with a DataError (not an ENOENT stack, never a hang) when it is missing, a directory, a FIFO
 *  or a device: only regular files are read (src/io/files.ts). */
export function readBytes(file: string): Buffer {
  try {
    return readRegularFile(file);
  } catch (e) {
    if (e instanceof FileError) {
      const detail = e.code === 'ENOENT' ? 'no such file' : e.message.slice(file.length + 2).replace(/^file: /, '');
      throw new DataError(file, 0, 'file', detail);
    }
    throw e;
  }
}

/** Iterates the lines of a byte buffer: after next() returns true, [start, end) is the line without its EOL. */
export class Lines {
  start = 0;
  end = 0;
  /** 1-based number of the current line. */
  line = 0;
  private pos = 0;

  constructor(readonly buf: Uint8Array, readonly file: string) {
    if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) this.pos = 3;
  }

  next(): boolean {
    const buf = this.buf;
    const n = buf.length;
    if (this.pos >= n) return false;
    let p = this.pos;
    const s = p;
    while (p < n && buf[p] !== LF) p++;
    let e = p;
    if (e > s && buf[e - 1] === CR) e--;
    this.start = s;
    this.end = e;
    this.pos = p + 1;
    this.line++;
    return true;
  }

  /** True when the current line holds only spaces/tabs. */
  blank(): boolean {
    for (let p = this.start; p < this.end; p++) {
      const c = this.buf[p];
      if (c !== SPACE && c !== TAB) return false;
    }
    return true;
  }

  text(s = this.start, e = this.end): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + s, e - s).toString('utf8');
  }

  error(field: string, detail: string): DataError {
    return new DataError(this.file, this.line, field, detail);
  }
}

function show(buf: Uint8Array, s: number, e: number): string {
  const t = Buffer.from(buf.buffer, buf.byteOffset + s, Math.min(e - s, 40)).toString('utf8');
  return JSON.stringify(e - s > 40 ? t + '…' : t);
}

/** Parses buf[s, e) as a non-negative integer id (< 2^31). */
export function parseId(buf: Uint8Array, s: number, e: number, lines: Lines, field: string): number {
  if (s >= e) throw lines.error(field, 'empty value, expected an integer id');
  if (buf[s] === MINUS) throw lines.error(field, `negative id ${show(buf, s, e)}`);
  let v = 0;
  for (let p = s; p < e; p++) {
    const c = buf[p];
    if (c < ZERO || c > NINE) throw lines.error(field, `not an integer id: ${show(buf, s, e)}`);
    v = v * 10 + (c - ZERO);
    if (v > MAX_ID) throw lines.error(field, `id ${show(buf, s, e)} is larger than ${MAX_ID}`);
  }
  return v;
}

/** Parses buf[s, e) as a finite decimal number (plain digits fast; anything else through Number()). */
export function parseNumber(buf: Uint8Array, s: number, e: number, lines: Lines, field: string): number {
  if (s >= e) throw lines.error(field, 'empty value, expected a number');
  let v = 0;
  let p = s;
  for (; p < e; p++) {
    const c = buf[p];
    if (c < ZERO || c > NINE) break;
    v = v * 10 + (c - ZERO);
  }
  if (p === e && e - s < 16) return v;
  const t = Buffer.from(buf.buffer, buf.byteOffset + s, e - s).toString('latin1').trim();
  const x = t === '' ? NaN : Number(t);
  if (!Number.isFinite(x)) throw lines.error(field, `not a finite number: ${show(buf, s, e)}`);
  return x;
}

/** Growable Int32Array. */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = v;
  }
  private grow(): void {
    const d = new Int32Array(this.data.length * 2);
    d.set(this.data);
    this.data = d;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Growable Float64Array. */
export class NumList {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export type Separator = 'tab' | 'space' | 'whitespace' | 'comma' | '::' | string;

/**
 * Splits [s, e) by `sep` into field boundaries written to `bounds` (pairs start,end); returns the field count
 * (at most maxFields + 1, so callers can detect extra fields). 'whitespace' splits on runs of spaces/tabs and
 * ignores leading/trailing ones.
 */
export function splitFields(buf: Uint8Array, s: number, e: number, sep: Separator, bounds: Int32Array, maxFields: number): number {
  let n = 0;
  if (sep === 'whitespace') {
    let p = s;
    while (p < e && n <= maxFields) {
      while (p < e && (buf[p] === SPACE || buf[p] === TAB)) p++;
      if (p >= e) break;
      const fs = p;
      while (p < e && buf[p] !== SPACE && buf[p] !== TAB) p++;
      bounds[2 * n] = fs;
      bounds[2 * n + 1] = p;
      n++;
    }
    return n;
  }
  const code = sep === 'tab' ? TAB : sep === 'space' ? SPACE : sep === 'comma' ? 44 : sep.length === 1 ? sep.charCodeAt(0) : -1;
  if (code >= 0) {
    let fs = s;
    for (let p = s; p <= e && n <= maxFields; p++) {
      if (p === e || buf[p] === code) {
        bounds[2 * n] = fs;
        bounds[2 * n + 1] = p;
        n++;
        fs = p + 1;
      }
    }
    return n;
  }
  // Multi-byte separator (MovieLens '::').
  const sb = Buffer.from(sep, 'utf8');
  let fs = s;
  let p = s;
  while (p <= e && n <= maxFields) {
    let match = p + sb.length <= e;
    for (let k = 0; match && k < sb.length; k++) if (buf[p + k] !== sb[k]) match = false;
    if (p === e || match) {
      bounds[2 * n] = fs;
      bounds[2 * n + 1] = p;
      n++;
      if (p === e) break;
      p += sb.length;
      fs = p;
    } else p++;
  }
  return n;
}
