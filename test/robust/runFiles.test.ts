// Regression tests (robustness issue, item 4): run folders are verified when read. A tensor stored with another
// dtype, a wrong shape, non-finite weights or a header with absurd sizes are refused with the file named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, readSafetensors } from '../../src/io/safetensors.js';
import { readRunEmbeddings } from '../../src/experiments/runStore.js';
import { cli, hasStackTrace, mkfifo } from '../helpers/child.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-runfiles-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const good = join(root, 'good');
let n = 0;

function variant(edit: (t: Record<string, { shape: number[]; data: Float32Array | Int32Array }>, meta: Record<string, string>) => void): string {
  const dir = join(root, `v${n++}`);
  cpSync(good, dir, { recursive: true });
  const f = readSafetensors(join(good, 'model.safetensors'));
  const t: Record<string, { shape: number[]; data: Float32Array | Int32Array }> = {};
  for (const [k, v] of Object.entries(f.tensors)) t[k] = { shape: v.shape, data: v.data };
  const meta = { ...f.metadata };
  edit(t, meta);
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(t, meta));
  return dir;
}

test.before(() => {
  const r = cli(['train', '--epochs', '2', '-q', '--out', good]);
  assert.equal(r.code, 0, r.err);
});

test('eval/recommend refuse embeddings stored as I32 (they were read as floats)', () => {
  const dir = variant((t) => {
    const u = t['embeddings.users'].data as Float32Array;
    t['embeddings.users'] = { shape: t['embeddings.users'].shape, data: Int32Array.from(u, (x) => Math.round(x * 1000)) };
  });
  assert.throws(() => readRunEmbeddings(dir), /'embeddings\.users' is stored as I32, expected F32/);
  for (const cmd of ['eval', 'recommend']) {
    const r = cli([cmd, dir]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /model\.safetensors: 'embeddings\.users' is stored as I32/);
    assert.ok(!hasStackTrace(r.err));
  }
});

test('all-NaN (or any non-finite) weights are refused instead of giving all-zero metrics with exit 0', () => {
  const dir = variant((t) => {
    (t['embeddings.items'].data as Float32Array).fill(NaN);
  });
  const r = cli(['eval', dir, '--json']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /'embeddings\.items' holds a non-finite value \(NaN\) at index 0/);
  const inf = variant((t) => {
    (t['embeddings.users'].data as Float32Array)[5] = Infinity;
  });
  assert.throws(() => readRunEmbeddings(inf), /non-finite value \(Infinity\) at index 5/);
});

test('shapes are checked against dataset.json and config.json', () => {
  const rows = variant((t) => {
    const u = t['embeddings.users'];
    t['embeddings.users'] = { shape: [u.shape[0] - 1, u.shape[1]], data: (u.data as Float32Array).subarray(u.shape[1]) };
  });
  assert.throws(() => readRunEmbeddings(rows), /'embeddings\.users' has shape \[499, 20\], expected \[500, \*\]/);
  const cfg = JSON.parse(readFileSync(join(good, 'config.json'), 'utf8'));
  const dimDir = variant(() => {});
  writeFileSync(join(dimDir, 'config.json'), JSON.stringify({ ...cfg, encoder: { ...cfg.encoder, dim: 32 } }));
  assert.throws(() => readRunEmbeddings(dimDir), /dim 20, config\.json's encoder\.dim is 32/);
});

test('a safetensors header with absurd sizes is refused without allocating', () => {
  const hdr = (h: unknown, dataBytes = 0) => {
    const json = Buffer.from(JSON.stringify(h));
    const b = Buffer.alloc(8 + json.length + dataBytes);
    b.writeBigUInt64LE(BigInt(json.length), 0);
    json.copy(b, 8);
    return new Uint8Array(b);
  };
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  assert.throws(() => decodeSafetensors(huge, 'x'), /header length 9223372036854775808 exceeds the file size 16/);
  assert.throws(() => decodeSafetensors(hdr({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, 4), 'x'), /needs .* bytes, has 4/);
  assert.throws(() => decodeSafetensors(hdr({ a: { dtype: 'F32', shape: [-1, -4], data_offsets: [0, 16] } }, 16), 'x'), /non-negative integers/);
  assert.throws(() => decodeSafetensors(hdr({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 1e300] } }, 8), 'x'), /outside the 8-byte data/);
  assert.throws(() => decodeSafetensors(hdr({ a: 3 }), 'x'), /not a \{dtype, shape, data_offsets\} object/);
  assert.throws(() => decodeSafetensors(hdr([1, 2]), 'x'), /not a JSON object/);
  assert.throws(() => decodeSafetensors(hdr({ __metadata__: { a: 1 } }), 'x'), /__metadata__\.a is not a string/);
  // The CLI names the file.
  const dir = join(root, 'absurd');
  cpSync(good, dir, { recursive: true });
  writeFileSync(join(dir, 'model.safetensors'), huge);
  const r = cli(['eval', dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /model\.safetensors: header length/);
});

test('recommend --users-file on a FIFO refuses at once (it blocked forever)', (t) => {
  const fifo = join(root, 'users.fifo');
  if (!mkfifo(fifo)) return t.skip('mkfifo unavailable');
  const r = cli(['recommend', good, '--users-file', fifo], { timeoutMs: 20_000 });
  assert.ok(!r.timedOut, 'hung on the FIFO');
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /--users-file: is a FIFO/);
});
