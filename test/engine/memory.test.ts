import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap } from '../../src/engine/memory.js';

test('heap allocates zeroed, aligned, non-overlapping views and reuses freed blocks', () => {
  const h = new Heap(20);
  const a = h.allocF32(100);
  const b = h.allocF32(100);
  assert.equal(a.byteOffset % 64, 0);
  assert.equal(b.byteOffset % 64, 0);
  assert.ok(a.byteOffset + a.byteLength <= b.byteOffset || b.byteOffset + b.byteLength <= a.byteOffset);
  a.fill(3);
  assert.ok(b.every((x) => x === 0));
  const off = a.byteOffset;
  h.free(a);
  const c = h.allocF32(90); // same size class
  assert.equal(c.byteOffset, off);
  assert.ok(c.every((x) => x === 0));
  assert.throws(() => h.free(a), /already freed|not a view/);
  assert.ok(h.owns(c) && h.owns(c.subarray(3)));
  assert.ok(!h.owns(new Float32Array(4)));
});

test('heap grows and old views stay valid', () => {
  const h = new Heap(17);
  const a = h.allocF32(1000);
  a.fill(7);
  const big = h.allocF32(4_000_000); // forces growth
  big[big.length - 1] = 1;
  assert.equal(a[999], 7);
  assert.ok(h.owns(a) && h.owns(big));
  assert.ok(h.stats().heapBytes >= 16_000_000);
});
