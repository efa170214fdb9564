// A minimal zip reader (stored and deflate members, CRC-checked) so `hardneg data download ml-100k` can unpack
// GroupLens archives without a dependency. Zip64 and encryption are refused with a clear error.
import { inflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(buf: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

export interface ZipEntry {
  name: string;
  size: number;
  read(): Buffer;
}

export function readZip(zip: Buffer, label = 'zip'): ZipEntry[] {
  // End of central directory: last occurrence of its signature (a comment may follow it).
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 65535); p--)
    if (zip.readUInt32LE(p) === 0x06054b50) {
      eocd = p;
      break;
    }
  if (eocd < 0) throw new Error(`${label}: not a zip archive (no end-of-central-directory record)`);
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  if (p === 0xffffffff || count === 0xffff) throw new Error(`${label}: zip64 archives are not supported`);
  const out: ZipEntry[] = [];
  for (let e = 0; e < count; e++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== 0x02014b50) throw new Error(`${label}: corrupt central directory at entry ${e}`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const csize = zip.readUInt32LE(p + 20);
    const usize = zip.readUInt32LE(p + 24);
    const nlen = zip.readUInt16LE(p + 28);
    const xlen = zip.readUInt16LE(p + 30);
    const clen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nlen).toString('utf8');
    p += 46 + nlen + xlen + clen;
    if (name.endsWith('/')) continue;
    out.push({
      name,
      size: usize,
      read(): Buffer {
        if (flags & 1) throw new Error(`${label}: ${name} is encrypted`);
        if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${label}: corrupt local header for ${name}`);
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + csize);
        let data: Buffer;
        if (method === 0) data = Buffer.from(raw);
        else if (method === 8) data = inflateRawSync(raw);
        else throw new Error(`${label}: ${name} uses unsupported compression method ${method}`);
        if (data.length !== usize || crc32(data) !== crc) throw new Error(`${label}: ${name} fails its CRC/size check (corrupt archive)`);
        return data;
      },
    });
  }
  return out;
}
