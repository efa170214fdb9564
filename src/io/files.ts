// Reading input files safely: only regular files are read. A FIFO, a device, a socket or a directory given where a
// file is expected gets a clear error at once: the file is opened with O_NONBLOCK (so opening a FIFO with no
// writer cannot block) and checked with fstat on the open descriptor (so a path swapped between a check and the
// read cannot slip through) before a byte is read.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, type Stats } from 'node:fs';

export class FileError extends Error {
  readonly file: string;
  readonly code: string;
  constructor(file: string, code: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'FileError';
    this.file = file;
    this.code = code;
  }
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** Opens `path` for reading if it is a regular file; throws FileError (naming what it is) otherwise. */
export function openRegular(path: string, what = 'file'): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory, expected a regular file' : `cannot open (${code})`;
    throw new FileError(path, code, `${what}: ${why}`);
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw new FileError(path, (e as NodeJS.ErrnoException).code ?? 'EIO', `${what}: cannot stat`);
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new FileError(path, 'ENOTREG', `${what}: is ${kindOf(st)}, expected a regular file (FIFOs, devices and directories are not read)`);
  }
  return fd;
}

/** The whole content of a regular file (FileError for anything else, or when it exceeds `maxBytes`). */
export function readRegularFile(path: string, opts: { what?: string; maxBytes?: number } = {}): Buffer {
  const fd = openRegular(path, opts.what);
  try {
    const size = fstatSync(fd).size;
    if (opts.maxBytes !== undefined && size > opts.maxBytes) {
      throw new FileError(path, 'EFBIG', `${opts.what ?? 'file'}: ${size} bytes, more than the ${opts.maxBytes} accepted here`);
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 text of a regular file. */
export function readRegularText(path: string, opts: { what?: string; maxBytes?: number } = {}): string {
  return readRegularFile(path, opts).toString('utf8');
}

/** At most the first `n` bytes of a regular file. */
export function readHead(path: string, n: number, what = 'file'): Buffer {
  const fd = openRegular(path, what);
  try {
    const buf = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, buf, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}
