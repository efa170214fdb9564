// Jump-ahead of the xoshiro128** streams (core/rngJump.ts) and the parallel stream fill built on it: the state k
// steps ahead equals k single steps, and a fill split across threads gives Rng.fillU32's words and end state.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyJump, jumpPolynomial, jumpState } from '../../src/core/rngJump.js';
import { Rng } from '../../src/core/rng.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';
import { heap } from '../../src/engine/memory.js';

function stepped(state: readonly number[], k: number): number[] {
  // Rng.nextU32's state update, written out again (an independent path from rngJump's).
  let [s0, s1, s2, s3] = state.map((x) => x >>> 0);
  for (let i = 0; i < k; i++) {
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
  }
  return [s0, s1, s2, s3];
}

test('jumpState(s, k) equals k single steps, for k across the polynomial degree and far beyond', () => {
  const s = [0x12345678, 0x9abcdef0, 0x0fedcba9, 0x87654321];
  for (const k of [0, 1, 2, 3, 127, 128, 129, 255, 256, 1000, 65_537, 1_000_003]) {
    assert.deepEqual(Array.from(jumpState(s, k)), stepped(s, k), `k = ${k}`);
  }
  // Jumps compose: (a + b) steps = a steps, then b.
  const p = jumpPolynomial(70_001);
  assert.deepEqual(Array.from(applyJump(applyJump(s, p), p)), Array.from(jumpState(s, 140_002)));
  assert.throws(() => jumpPolynomial(-1), /steps must be an integer/);
  assert.throws(() => jumpPolynomial(1.5), /steps must be an integer/);
});

test('a Rng advanced by k draws has the jumped state', () => {
  const r = Rng.stream(7, 'jump');
  const st = r.getState();
  for (let i = 0; i < 5000; i++) r.nextU32();
  assert.deepEqual(Array.from(jumpState(st.slice(0, 4).map((x) => x >>> 0), 5000)), r.getState().slice(0, 4).map((x) => x >>> 0));
});

const pools = [createWasmKernels(1), createWasmKernels(2, { minParallelWork: 0 })];
after(() => pools.forEach((k) => k.dispose()));

test('fillU32 split across threads: the words and the end state of one sequential fill (sizes off the chunk grid)', () => {
  for (const n of [40_000, 1_000_003, 2 * 16_384]) {
    const want = Rng.stream(11, 'fill').fillU32(new Uint32Array(n));
    const wantState = (() => { const r = Rng.stream(11, 'fill'); r.fillU32(new Uint32Array(n)); return r.getState(); })();
    for (const K of pools) {
      const raw = heap.allocF32Uninit(n);
      const out = new Uint32Array(raw.buffer, raw.byteOffset, n);
      const r = Rng.stream(11, 'fill');
      const s = r.getState();
      const w = new Int32Array([s[0], s[1], s[2], s[3]]);
      K.fillU32(w, out);
      for (let i = 0; i < n; i++) if (out[i] !== want[i]) assert.fail(`n ${n}, ${K.threads} threads: word ${i} ${out[i]} vs ${want[i]}`);
      assert.deepEqual(Array.from(w, (x) => x | 0), wantState.slice(0, 4).map((x) => x | 0), `end state, n ${n}, ${K.threads} threads`);
      heap.free(raw);
    }
  }
});
