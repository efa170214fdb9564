import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';

test('safetensors layout: u64 LE header length, padded JSON header, contiguous little-endian data', () => {
  const a = new Float32Array([1.5, -2, 0.25]);
  const b = new Int32Array([7, -1]);
  const bytes = encodeSafetensors({ b: { shape: [2], data: b }, a: { shape: [3, 1], data: a } }, { note: 'hi' });
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  assert.equal(n % 8, 0, 'header padded to 8 bytes');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  // Sorted by name: a (3 floats = 12 bytes) then b (2 ints = 8 bytes).
  assert.deepEqual(header.a, { dtype: 'F32', shape: [3, 1], data_offsets: [0, 12] });
  assert.deepEqual(header.b, { dtype: 'I32', shape: [2], data_offsets: [12, 20] });
  assert.deepEqual(header.__metadata__, { note: 'hi' });
  assert.equal(bytes.length, 8 + n + 20);
  assert.equal(dv.getFloat32(8 + n + 4, true), -2);
  assert.equal(dv.getInt32(8 + n + 16, true), -1);
});

test('safetensors round trip and clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-st-'));
  try {
    const w = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    const p = join(dir, 'm.safetensors');
    writeSafetensors(p, { w: { shape: [3, 4], data: w } }, { config: '{"x":1}' });
    const f = readSafetensors(p);
    assert.deepEqual(f.tensors.w.shape, [3, 4]);
    assert.deepEqual(Array.from(f.tensors.w.data), Array.from(w));
    assert.equal(f.metadata.config, '{"x":1}');
    assert.throws(() => encodeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } }), /shape \[2, 2\] but 3 values/);
    assert.throws(() => decodeSafetensors(new Uint8Array(4)), /too short/);
    const bad = encodeSafetensors({ w: { shape: [2], data: new Float32Array(2) } });
    assert.throws(() => decodeSafetensors(bad.subarray(0, bad.length - 4)), /outside the 4-byte data/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('safetensors file is readable from Python (safetensors package, else a struct/json parse)', (t) => {
  const probe = spawnSync('python3', ['-c', 'print(1)'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('python3 not available');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hn-st-'));
  try {
    const p = join(dir, 'm.safetensors');
    writeSafetensors(p, {
      'embeddings.users': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) },
      users: { shape: [3], data: new Int32Array([5, -6, 7]) },
    }, { fingerprint: 'abc' });
    const py = `
import json, struct, sys
p = sys.argv[1]
out = {}
try:
    from safetensors import safe_open
    with safe_open(p, framework="numpy") as f:
        out["via"] = "safetensors"
        out["meta"] = f.metadata()
        for k in f.keys():
            out[k] = f.get_tensor(k).reshape(-1).tolist()
except ImportError:
    out["via"] = "struct"
    with open(p, "rb") as fh:
        n = struct.unpack("<Q", fh.read(8))[0]
        h = json.loads(fh.read(n))
        data = fh.read()
    out["meta"] = h.pop("__metadata__", {})
    for k, v in h.items():
        b, e = v["data_offsets"]
        fmt = {"F32": "f", "I32": "i"}[v["dtype"]]
        out[k] = list(struct.unpack("<%d%s" % ((e - b) // 4, fmt), data[b:e]))
print(json.dumps(out))
`;
    const r = spawnSync('python3', ['-c', py, p], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.deepEqual(o['embeddings.users'], [1, 2, 3, 4, 5, 6.5]);
    assert.deepEqual(o.users, [5, -6, 7]);
    assert.equal(o.meta.fingerprint, 'abc');
    t.diagnostic(`read via ${o.via}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
