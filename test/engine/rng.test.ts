import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AliasTable, Rng } from '../../src/core/rng.js';

test('streams are reproducible and independent by name and seed', () => {
  const a = Rng.stream(42, 'sampler');
  const b = Rng.stream(42, 'sampler');
  const c = Rng.stream(42, 'batch');
  const d = Rng.stream(43, 'sampler');
  const xa = Array.from({ length: 8 }, () => a.nextU32());
  assert.deepEqual(xa, Array.from({ length: 8 }, () => b.nextU32()));
  assert.notDeepEqual(xa, Array.from({ length: 8 }, () => c.nextU32()));
  assert.notDeepEqual(xa, Array.from({ length: 8 }, () => d.nextU32()));
});

test('int(n) is uniform (chi-square) and in range', () => {
  const r = Rng.stream(1, 't');
  const n = 10;
  const counts = new Array(n).fill(0);
  const draws = 100000;
  for (let i = 0; i < draws; i++) {
    const v = r.int(n);
    assert.ok(v >= 0 && v < n && Number.isInteger(v));
    counts[v]++;
  }
  const e = draws / n;
  const chi2 = counts.reduce((s, c) => s + ((c - e) * (c - e)) / e, 0);
  assert.ok(chi2 < 27.9, `chi2 ${chi2} (df 9, p=0.001 critical 27.9)`);
});

test('normal() has mean 0 and variance 1', () => {
  const r = Rng.stream(7, 'n');
  let s = 0;
  let s2 = 0;
  const n = 200000;
  for (let i = 0; i < n; i++) {
    const z = r.normal();
    s += z;
    s2 += z * z;
  }
  assert.ok(Math.abs(s / n) < 0.01);
  assert.ok(Math.abs(s2 / n - 1) < 0.02);
});

test('sampleWithoutReplacement gives distinct values in range, both regimes', () => {
  const r = Rng.stream(3, 's');
  for (const [n, k] of [[1000, 10], [20, 15], [5, 5]] as const) {
    const s = r.sampleWithoutReplacement(n, k);
    assert.equal(s.length, k);
    assert.equal(new Set(s).size, k);
    for (const v of s) assert.ok(v >= 0 && v < n);
  }
  assert.throws(() => r.sampleWithoutReplacement(3, 4));
});

test('state round-trips so a resumed stream continues identically', () => {
  const r = Rng.stream(9, 'x');
  r.normal();
  const st = r.getState();
  const next = [r.normal(), r.nextU32(), r.float()];
  const r2 = Rng.stream(0, 'other');
  r2.setState(st);
  assert.deepEqual([r2.normal(), r2.nextU32(), r2.float()], next);
});

test('alias table matches its weights', () => {
  const w = [1, 0, 3, 6];
  const t = new AliasTable(w);
  const r = Rng.stream(5, 'alias');
  const counts = [0, 0, 0, 0];
  const n = 100000;
  for (let i = 0; i < n; i++) counts[t.sample(r)]++;
  assert.equal(counts[1], 0);
  for (const i of [0, 2, 3]) assert.ok(Math.abs(counts[i] / n - w[i] / 10) < 0.01, `item ${i}: ${counts[i] / n}`);
  assert.throws(() => new AliasTable([0, 0]));
});

test('int(n) is rejection sampling with r mod n on nextU32, computed exactly for every n up to 2^32', () => {
  // Reference with BigInt arithmetic: limit = 2^32 − 2^32 mod n; draw until r < limit; return r mod n.
  const ref = (rng: Rng, n: number): number => {
    const N = BigInt(n);
    const limit = (1n << 32n) - ((1n << 32n) % N);
    let r = BigInt(rng.nextU32());
    while (r >= limit) r = BigInt(rng.nextU32());
    return Number(r % N);
  };
  for (const n of [1, 2, 3, 7, 40981, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3_000_000_019, 2 ** 32 - 1, 2 ** 32]) {
    const a = Rng.stream(11, `int-${n}`);
    const b = Rng.stream(11, `int-${n}`);
    for (let i = 0; i < 2000; i++) assert.equal(a.int(n), ref(b, n), `n=${n}, draw ${i}`);
  }
});
