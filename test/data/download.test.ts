// The download path against an HTTP server on 127.0.0.1 (no internet here): fetch, size + sha256 checks, a
// mismatch error that leaves nothing behind, zip unpacking with member checksums, --from a local folder, and the
// first-download record for unverifiable files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { ChecksumError, download } from '../../src/data/download.js';
import { crc32, readZip } from '../../src/data/zip.js';
import { loadDataset, nnz } from '../../src/data/index.js';

const have = hasSharedData('gowalla', 'light_gcn_gowalla', 'train.txt') && hasSharedData('ml-100k', 'u.data');

/** A small zip writer (deflate), independent of the reader under test. */
function makeZip(files: Record<string, Buffer>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of Object.entries(files)) {
    const comp = deflateRawSync(data);
    const n = Buffer.from(name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(8, 8);
    h.writeUInt32LE(crc32(data), 14);
    h.writeUInt32LE(comp.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc32(data), 16);
    c.writeUInt32LE(comp.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(h, n, comp);
    central.push(c, n);
    offset += 30 + n.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(Object.keys(files).length, 8);
  e.writeUInt16LE(Object.keys(files).length, 10);
  e.writeUInt32LE(cd.length, 12);
  e.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, e]);
}

async function serve(files: Map<string, Buffer>): Promise<{ server: Server; base: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('/').pop() ?? '');
    hits.push(name);
    const body = files.get(name);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${addr.port}/mirror`, hits };
}

test('zip reader unpacks the real Gowalla archive byte-identically', { skip: !hasSharedData('gowalla', 'light_gcn_gowalla.zip') && 'no shared zip' }, () => {
  const entries = readZip(readFileSync(sharedData('gowalla', 'light_gcn_gowalla.zip')));
  const test = entries.find((e) => e.name.endsWith('test.txt'))!;
  assert.ok(readFileSync(sharedData('gowalla', 'light_gcn_gowalla', 'test.txt')).equals(test.read()));
  const bad = Buffer.from(makeZip({ 'a.txt': Buffer.from('hello hello hello') }));
  bad[40] ^= 0xff; // corrupt compressed data
  assert.throws(() => readZip(bad, 'bad.zip')[0].read(), /bad\.zip: a\.txt/);
  assert.throws(() => readZip(Buffer.from('not a zip at all, not a zip at all')), /not a zip archive/);
});

test('download gowalla from a local HTTP mirror: checksums verified, loads; a corrupted file is refused', { skip: !have && 'no shared data' }, async (t) => {
  const files = new Map<string, Buffer>();
  for (const f of ['train.txt', 'test.txt', 'user_list.txt', 'item_list.txt']) files.set(f, readFileSync(sharedData('gowalla', 'light_gcn_gowalla', f)));
  const { server, base, hits } = await serve(files);
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-dl-'));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true });
  });
  const r = await download('gowalla', { dir, baseUrl: base });
  assert.deepEqual(r.files.map((f) => f.verified), ['checksum', 'checksum', 'checksum', 'checksum']);
  assert.deepEqual(hits.sort(), ['item_list.txt', 'test.txt', 'train.txt', 'user_list.txt']);
  const d = loadDataset({ name: 'gowalla', dataDir: dir });
  assert.equal(d.source?.path, join(dir, 'gowalla'));
  assert.equal(nnz(d.train), 810128);
  // Present → skipped; corrupted upstream with --force → ChecksumError, existing file untouched.
  const again = await download('gowalla', { dir, baseUrl: base });
  assert.equal(again.files.length, 0);
  const t2 = Buffer.from(files.get('test.txt')!);
  t2[100] = t2[100] === 49 ? 50 : 49;
  files.set('test.txt', t2);
  await assert.rejects(download('gowalla', { dir, baseUrl: base, force: true }), (e: Error) => e instanceof ChecksumError && /test\.txt: sha256 .* does not match/.test(e.message));
  assert.ok(readFileSync(join(dir, 'gowalla', 'test.txt')).equals(readFileSync(sharedData('gowalla', 'light_gcn_gowalla', 'test.txt'))));
  assert.ok(!existsSync(join(dir, 'gowalla', 'test.txt.part')));
  files.delete('train.txt');
  await assert.rejects(download('gowalla', { dir, baseUrl: base, force: true }), /HTTP 404/);
});

test('download ml-100k: the zip is unpacked, u.data checked against its known sha256, the archive recorded at first download', { skip: !have && 'no shared data' }, async (t) => {
  const udata = readFileSync(sharedData('ml-100k', 'u.data'));
  const members = { 'ml-100k/u.data': udata, 'ml-100k/u.item': Buffer.from('1|Toy Story\n'), 'ml-100k/u.user': Buffer.from('1|24\n'), 'ml-100k/README': Buffer.from('readme\n') };
  const zip = makeZip(members);
  const { server, base } = await serve(new Map([['ml-100k.zip', zip]]));
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-dl-'));
  const from = mkdtempSync(join(tmpdir(), 'hardneg-from-'));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true });
    rmSync(from, { recursive: true });
  });
  const r = await download('ml-100k', { dir, baseUrl: base });
  const byName = Object.fromEntries(r.files.map((f) => [f.name, f.verified]));
  assert.equal(byName['ml-100k.zip'], 'first-download');
  assert.equal(byName['u.data'], 'checksum');
  const sums = JSON.parse(readFileSync(join(dir, 'ml-100k', 'CHECKSUMS.json'), 'utf8'));
  assert.match(sums['ml-100k.zip'], /^[0-9a-f]{64}$/);
  const log = loadDataset({ name: 'ml-100k', dataDir: dir, split: 'none' });
  assert.equal(nnz(log.train), 100000);
  // A different archive later (--from a local folder) no longer matches the recorded checksum.
  const other = Buffer.from(udata);
  other[5] = other[5] === 49 ? 50 : 49;
  writeFileSync(join(from, 'ml-100k.zip'), makeZip({ ...members, 'ml-100k/u.data': other }));
  await assert.rejects(download('ml-100k', { dir, from, force: true }), /ml-100k\.zip: sha256 .* differs from the one recorded/);
  // A fresh folder: the archive is new, but u.data fails its own checksum.
  const dir2 = join(dir, 'fresh');
  await assert.rejects(download('ml-100k', { dir: dir2, from }), /u\.data: sha256 .* does not match/);
});
