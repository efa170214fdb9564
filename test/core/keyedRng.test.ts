// Keyed, counter-based draws (Rng.keyed → KeyedRng, Philox4x32-10): the published known answers, determinism,
// independence of call order, uniformity (chi-square), distinct streams for distinct names / seeds / keys, and an
// int(n) without modulo bias for n that are not powers of two. All draws are fixed by their seeds, so the
// statistical thresholds are checked against fixed numbers (no flakiness); they are set at p ≈ 0.001.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyedRng, Rng, philox4x32 } from '../../src/core/rng.js';

const hex = (w: Uint32Array) => [...w].map((x) => x.toString(16).padStart(8, '0')).join(' ');

/** Pearson chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < counts.length; i++) n += counts[i];
  const e = n / counts.length;
  let x = 0;
  for (let i = 0; i < counts.length; i++) x += (counts[i] - e) ** 2 / e;
  return x;
}
// Upper 0.1% points of chi-square: df 63 → 103.4, df 9 → 27.9, df 2 → 13.8, df 15 → 37.7, df 6 → 22.5.
const CHI = { 2: 13.8, 6: 22.5, 9: 27.9, 15: 37.7, 63: 103.4 } as const;

test('philox4x32-10 matches the Random123 known-answer vectors', () => {
  assert.equal(hex(philox4x32([0, 0, 0, 0], [0, 0])), '6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  assert.equal(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])),
    '408f276d 41c83b0e a20bc7c6 6d5451fd');
  assert.equal(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])),
    'd16cfe09 94fdcceb 5001e420 24126ea1');
});

test('keyed draws are deterministic: same (seed, name, keys) → same numbers, across instances', () => {
  const a = Rng.keyed(7, 'neighbours'), b = KeyedRng.of(7, 'neighbours');
  for (let i = 0; i < 200; i++) {
    assert.equal(a.u32(3, i, 11, 2), b.u32(3, i, 11, 2));
    assert.equal(a.float(i), b.float(i));
    assert.equal(a.double(i, 5), b.double(i, 5));
    assert.equal(a.int(1000, 1, 2, i), b.int(1000, 1, 2, i));
  }
  // Pinned values: a change of the construction or of the key derivation shows here (checkpoints rely on it).
  const pin = Rng.keyed(0, 'pin');
  assert.deepEqual(PINNED, [pin.u32(0), pin.u32(1), pin.u32(2, 3, 4, 5), pin.int(10, 5, 6, 7, 8), pin.int(1000003, 9)]);
});
const PINNED = [3564455126, 2003191137, 2009414105, 8, 206911];

test('keyed draws do not depend on call order or on draws from other streams', () => {
  const k = Rng.keyed(42, 'edge-dropout');
  const E = 50, S = 20;
  const forward = new Float64Array(E * S);
  for (let s = 0; s < S; s++) for (let e = 0; e < E; e++) forward[s * E + e] = k.float(1, s, e);
  // The same (step, edge) cells in a shuffled order, with other streams drawing in between.
  const order = Rng.stream(1, 'order').permutation(E * S);
  const other = Rng.keyed(42, 'other'), stream = Rng.stream(42, 'edge-dropout');
  const again = new Float64Array(E * S);
  for (const cell of order) {
    other.u32(cell);
    stream.nextU32();
    again[cell] = Rng.keyed(42, 'edge-dropout').float(1, Math.floor(cell / E), cell % E);
  }
  assert.deepEqual(again, forward);
});

test('keyed float, u32 bits and int(n) are uniform (chi-square over buckets)', () => {
  const k = Rng.keyed(3, 'uniformity');
  const N = 64 * 1000;
  const fl = new Float64Array(64), low = new Float64Array(64), high = new Float64Array(64);
  for (let i = 0; i < N; i++) {
    fl[Math.floor(k.float(i) * 64)]++;
    const u = k.u32(7, i);
    low[u & 63]++;
    high[u >>> 26]++;
  }
  for (const [what, c] of [['float', fl], ['u32 low bits', low], ['u32 high bits', high]] as const) {
    const x = chiSquare(c);
    assert.ok(x < CHI[63], `${what}: chi-square ${x.toFixed(1)} over 64 buckets (df 63, 0.1% point ${CHI[63]})`);
  }
  // Consecutive counters in every key position (a node id, a step, a draw index) are all uniform.
  for (let pos = 0; pos < 4; pos++) {
    const c = new Float64Array(16);
    for (let i = 0; i < 16000; i++) {
      const keys = [5, 5, 5, 5];
      keys[pos] = i;
      c[k.u32(keys[0], keys[1], keys[2], keys[3]) >>> 28]++;
    }
    const x = chiSquare(c);
    assert.ok(x < CHI[15], `key position ${pos}: chi-square ${x.toFixed(1)} (df 15)`);
  }
  for (const n of [3, 7, 10]) {
    const c = new Float64Array(n);
    for (let i = 0; i < 3000 * n; i++) {
      const v = k.int(n, 11, i);
      assert.ok(v >= 0 && v < n && Number.isInteger(v));
      c[v]++;
    }
    const x = chiSquare(c);
    assert.ok(x < CHI[(n - 1) as 2 | 6 | 9], `int(${n}): chi-square ${x.toFixed(1)} (df ${n - 1})`);
  }
});

test('int(n) has no modulo bias for n not a power of two, also for n near 2^32 (rejection path)', () => {
  const k = Rng.keyed(5, 'bias');
  // n = 3·2^30: a plain u32 mod n would put half the mass on [0, n/3) (values below 2^32 − n occur twice).
  const n = 3 * 2 ** 30, third = n / 3;
  const c = new Float64Array(3);
  let naiveLow = 0;
  const N = 30000;
  for (let i = 0; i < N; i++) {
    const v = k.int(n, i);
    assert.ok(v >= 0 && v < n && Number.isInteger(v));
    c[Math.floor(v / third)]++;
    if (k.u32(i) % n < third) naiveLow++;
  }
  assert.ok(chiSquare(c) < CHI[2], `int(3·2^30) thirds: ${[...c].join(', ')}`);
  assert.ok(naiveLow / N > 0.45, 'the biased construction this guards against does show its bias here');
  // n = 2^31 + 1: each word is rejected with probability ≈ 1/2, so some draws need a retry block; still uniform
  // over halves and deterministic.
  const m = 2 ** 31 + 1, halves = new Float64Array(2);
  for (let i = 0; i < 20000; i++) {
    const v = k.int(m, 1, i);
    assert.ok(v >= 0 && v < m);
    assert.equal(v, k.int(m, 1, i));
    halves[v < m / 2 ? 0 : 1]++;
  }
  assert.ok(chiSquare(halves) < 10.8, `int(2^31+1) halves: ${[...halves].join(', ')}`);
  // n = 2^32 never rejects: int is u32; n = 1 is 0.
  for (let i = 0; i < 100; i++) {
    assert.equal(k.int(2 ** 32, i, 9), k.u32(i, 9));
    assert.equal(k.int(1, i), 0);
  }
});

test('distinct names, seeds, key positions and folds give unrelated streams', () => {
  const N = 20000;
  const draws = (f: (i: number) => number) => Float64Array.from({ length: N }, (_, i) => f(i));
  const base = Rng.keyed(1, 'a');
  const variants: Record<string, Float64Array> = {
    base: draws((i) => base.float(i)),
    otherName: draws((i) => Rng.keyed(1, 'b').float(i)),
    otherSeed: draws((i) => Rng.keyed(2, 'a').float(i)),
    bigSeed: draws((i) => Rng.keyed(1 + 2 ** 32, 'a').float(i)),
    keyShift: draws((i) => base.float(0, i)),
    nextKey: draws((i) => base.float(i + 1)),
    fold: draws((i) => base.fold(0).float(i)),
    fold1: draws((i) => base.fold(1).float(i)),
  };
  const names = Object.keys(variants);
  for (let x = 0; x < names.length; x++) {
    for (let y = x + 1; y < names.length; y++) {
      const a = variants[names[x]], b = variants[names[y]];
      let same = 0, sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
      for (let i = 0; i < N; i++) {
        if (a[i] === b[i]) same++;
        sa += a[i]; sb += b[i]; sab += a[i] * b[i]; saa += a[i] * a[i]; sbb += b[i] * b[i];
      }
      const r = (sab - (sa * sb) / N) / Math.sqrt((saa - (sa * sa) / N) * (sbb - (sb * sb) / N));
      assert.ok(same <= 1, `${names[x]} vs ${names[y]}: ${same} equal draws`);
      // |r| of independent uniforms: sd 1/√N ≈ 0.007; 0.03 is over 4 sd.
      assert.ok(Math.abs(r) < 0.03, `${names[x]} vs ${names[y]}: correlation ${r.toFixed(4)}`);
    }
  }
  // Keys are positional: (1, 0) and (0, 1) differ; trailing zeros are the documented padding.
  assert.notEqual(base.u32(1, 0), base.u32(0, 1));
  assert.equal(base.u32(4), base.u32(4, 0, 0, 0));
});

test('fills equal per-call draws; bad keys and bounds throw', () => {
  const k = Rng.keyed(9, 'fill');
  const u = k.fillU32(new Uint32Array(33), 4, 5, 6);
  const v = k.fillInt(new Int32Array(33), 17, 4, 5, 6);
  for (let i = 0; i < 33; i++) {
    assert.equal(u[i], k.u32(4, 5, 6, i));
    assert.equal(v[i], k.int(17, 4, 5, 6, i));
  }
  assert.throws(() => k.u32(-1), /keys must be integers in \[0, 2\^32\)/);
  assert.throws(() => k.float(0.5), /keys must be integers/);
  assert.throws(() => k.int(5, 2 ** 32), /keys must be integers/);
  assert.throws(() => k.int(0, 1), /bad bound/);
  assert.throws(() => k.int(2.5, 1), /bad bound/);
  assert.throws(() => k.fold(-3), /keys must be integers/);
  assert.throws(() => Rng.keyed(0.5, 'x'), /seed must be an integer/);
});

test('the sequential Rng streams are unchanged (pinned outputs of xoshiro128** seeded by name)', () => {
  const r = Rng.stream(42, 'sampler');
  assert.deepEqual([r.nextU32(), r.nextU32(), r.int(1000), r.double()], STREAM_PIN);
});
const STREAM_PIN = [362017721, 294230767, 371, 0.24332672525755727];
