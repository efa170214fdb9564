import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heap, heap } from '../../src/engine/memory.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';

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

test('heap.zero clears exactly the view, with the WASM memory.fill path and the TypedArray path', () => {
  const k = createWasmKernels(1); // registers the kernels' zeroBytes with the global heap
  assert.equal(heap.bulkZeroReady, true, 'the WASM path is the one under test');
  assert.equal(new Heap(1).bulkZeroReady, false, 'a heap no backend registered with uses TypedArray.fill');
  try {
    for (const n of [3, 1024, 5000, 70_001]) {
      const before = heap.allocF32(n + 16);
      const mid = heap.allocF32(n);
      const after = heap.allocI32(n + 16);
      before.fill(7); mid.fill(-3.5); after.fill(9);
      heap.zero(mid);
      assert.ok(mid.every((x) => x === 0), `n=${n}: view zeroed`);
      assert.ok(before.every((x) => x === 7) && after.every((x) => x === 9), `n=${n}: neighbours untouched`);
      // A reused block comes back zeroed from allocF32 / allocI32 too.
      mid.fill(5);
      heap.free(mid);
      const again = heap.allocF32(n);
      assert.ok(again.every((x) => x === 0), `n=${n}: reused block zeroed`);
      for (const v of [before, after, again]) heap.free(v);
    }
    const own = new Heap(1); // no bulk zero registered: TypedArray.fill
    const v = own.allocF32(5000);
    v.fill(4);
    own.zero(v);
    assert.ok(v.every((x) => x === 0));
    const off = new Float32Array(8000).fill(2); // not on the heap: plain fill
    heap.zero(off);
    assert.ok(off.every((x) => x === 0));
  } finally {
    k.dispose();
  }
});

test('heap: large blocks are split, coalesce with free neighbours and with the top, and never overlap', () => {
  const h = new Heap(20);
  const MB = 1 << 20;
  const a = h.allocF32(MB / 4), b = h.allocF32(MB / 4), c = h.allocF32(MB / 4), guard = h.allocF32(MB / 4);
  const [oa, ob, oc] = [a.byteOffset, b.byteOffset, c.byteOffset];
  assert.equal(ob, oa + MB);
  h.free(a);
  h.free(b);
  // a and b merged: a 2 MB block fits where they were.
  const ab = h.allocF32(MB / 2);
  assert.equal(ab.byteOffset, oa);
  h.free(ab);
  // Split: a 1 MB block takes the front of the 2 MB range, the next 1 MB block the rest.
  const s1 = h.allocF32(MB / 4), s2 = h.allocF32(MB / 4);
  assert.deepEqual([s1.byteOffset, s2.byteOffset], [oa, ob]);
  // Freed at the top: the top comes back down, so the next block starts where `guard` was.
  const og = guard.byteOffset;
  h.free(guard);
  const next = h.allocF32(3 * MB / 4);
  assert.equal(next.byteOffset, og);
  assert.ok(oc + MB === og && c.length === MB / 4);
});

test('heap: shapes that change every step do not grow the heap without bound (PinSage trees)', () => {
  const h = new Heap(20);
  let maxLive = 0;
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const live: Float32Array[] = [];
  for (let step = 0; step < 300; step++) {
    // A "step": a few large temporaries of sizes that vary by up to 4×, plus small ones, then all freed.
    for (let t = 0; t < 6; t++) live.push(h.allocF32(Math.floor((1 + 3 * rnd()) * 250_000)), h.allocF32(1 + Math.floor(rnd() * 5000)));
    maxLive = Math.max(maxLive, h.stats().liveBytes);
    // Non-overlap of everything live.
    const spans = live.map((v) => [v.byteOffset, v.byteOffset + v.byteLength]).sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1][1] <= spans[i][0], 'live blocks overlap');
    while (live.length) h.free(live.pop()!);
  }
  assert.equal(h.stats().liveBytes, 0);
  // Exact-size reuse alone grew this to 12× the live peak (266 MB for 21 MB); best fit with coalescing stays near it.
  assert.ok(h.stats().heapBytes <= 2.5 * maxLive + (2 << 20), `heap ${h.stats().heapBytes} for a live peak of ${maxLive}`);
});
