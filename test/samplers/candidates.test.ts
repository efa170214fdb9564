import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { Deduper, PopularityPool, complementOf, drawCandidates, isPositive } from '../../src/samplers/candidates.js';
import { createSampler } from '../../src/samplers/index.js';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { csrFromLists, loadGowallaTrain, makeDataset } from './fake.js';

test('isPositive agrees with a set lookup on every (user, item)', () => {
  const lists = [[1, 3, 5, 9], [], [0], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9]];
  const csr = csrFromLists(lists, 10);
  for (let u = 0; u < lists.length; u++) {
    const s = new Set(lists[u]);
    for (let i = 0; i < 10; i++) assert.equal(isPositive(csr, u, i), s.has(i), `u ${u} i ${i}`);
  }
});

test('candidates never include training positives, do include test items, and are about uniform', () => {
  // user 0: train {1,3,5}, test {2}; 7 legal items.
  const ds = makeDataset([[1, 3, 5], [0]], 10, [[2], []]);
  const users = new Int32Array(2000).fill(0);
  const c = drawCandidates(ds.train, users, 5, Rng.stream(7, 'sampler'));
  assert.equal(c.length, 10000);
  const counts = new Array(10).fill(0);
  for (const i of c) counts[i]++;
  for (const p of [1, 3, 5]) assert.equal(counts[p], 0, `positive ${p} drawn`);
  assert.ok(counts[2] > 0, 'the test item must be drawable');
  for (const i of [0, 2, 4, 6, 7, 8, 9]) {
    // expected 10000/7 ≈ 1428.6, sd ≈ 35: ±6 sd
    assert.ok(Math.abs(counts[i] - 10000 / 7) < 210, `item ${i} drawn ${counts[i]} times`);
  }
});

test('candidates: one pool per entry, row-major, deterministic for a seed, out buffer reused', () => {
  const ds = makeDataset([[0, 1], [2, 3], [4]], 8);
  const users = Int32Array.from([0, 1, 2, 0]);
  const a = drawCandidates(ds.train, users, 16, Rng.stream(3, 'sampler'));
  const out = new Int32Array(64);
  const b = drawCandidates(ds.train, users, 16, Rng.stream(3, 'sampler'), out);
  assert.equal(b, out);
  assert.deepEqual(a, b);
  for (let r = 0; r < 4; r++) {
    for (let m = 0; m < 16; m++) assert.ok(!isPositive(ds.train, users[r], a[r * 16 + m]));
  }
  const c = drawCandidates(ds.train, users, 16, Rng.stream(4, 'sampler'));
  assert.notDeepEqual(a, c);
});

test('dense users are served from the complement; a user with every item is a clear error', () => {
  const all = Array.from({ length: 100 }, (_, i) => i);
  const dense = all.filter((i) => i !== 17 && i !== 58); // 2 free items out of 100
  const ds = makeDataset([dense, all, [0]], 100);
  assert.deepEqual(Array.from(complementOf(ds.train, 0)), [17, 58]);
  const c = drawCandidates(ds.train, new Int32Array(500).fill(0), 2, Rng.stream(1, 's'));
  const seen = new Set(c);
  assert.deepEqual([...seen].sort((a, b) => a - b), [17, 58]);
  assert.throws(() => drawCandidates(ds.train, Int32Array.from([2, 1]), 4, Rng.stream(1, 's')), /user 1 has interacted with all 100 items/);
  assert.throws(() => drawCandidates(ds.train, Int32Array.from([7]), 4, Rng.stream(1, 's')), /user 7 is outside/);
  assert.throws(() => drawCandidates(ds.train, Int32Array.from([0]), 0, Rng.stream(1, 's')), /M must be a positive integer/);
});

test('popularity pool: frequencies ∝ pop^γ over non-positives; zero-popularity items never drawn', () => {
  const pop = [0, 1, 2, 3, 4, 10, 20, 0];
  const ds = makeDataset([[6], [5, 6, 4, 3]], 8);
  for (const gamma of [1, 0.5]) {
    const pool = new PopularityPool(ds.train, pop, gamma);
    const n = 40000;
    const c = pool.draw(new Int32Array(n).fill(0), 1, Rng.stream(11, 'sampler'));
    const counts = new Array(8).fill(0);
    for (const i of c) counts[i]++;
    assert.equal(counts[6], 0);
    assert.equal(counts[0], 0);
    assert.equal(counts[7], 0);
    const w = pop.map((p, i) => (i === 6 ? 0 : Math.pow(p, gamma)));
    const tot = w.reduce((a, b) => a + b, 0);
    for (let i = 1; i < 6; i++) {
      const p = w[i] / tot;
      const sd = Math.sqrt(n * p * (1 - p));
      assert.ok(Math.abs(counts[i] - n * p) < 6 * sd, `γ ${gamma} item ${i}: ${counts[i]} vs ${n * p}`);
    }
  }
  // User 1's positives hold 37/40 of the γ=1 mass (> 7/8): served by its cumulative table, same distribution.
  const pool = new PopularityPool(ds.train, pop, 1);
  assert.ok(pool.positiveMass(1) > 7 / 8);
  const c = pool.draw(new Int32Array(30000).fill(1), 1, Rng.stream(12, 'sampler'));
  const counts = new Array(8).fill(0);
  for (const i of c) counts[i]++;
  assert.deepEqual([counts[0], counts[3], counts[4], counts[5], counts[6], counts[7]], [0, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(counts[2] / 30000 - 2 / 3) < 0.02, `item 2 share ${counts[2] / 30000}`);
  // Every weighted item is a positive: error, not a hang.
  const ds2 = makeDataset([[1, 2]], 4);
  const p2 = new PopularityPool(ds2.train, [0, 5, 5, 0], 1);
  assert.throws(() => p2.draw(Int32Array.from([0]), 1, Rng.stream(1, 's')), /every item with non-zero popularity weight/);
});

test('uniform and popularity samplers return B×K non-positive ids, deterministic per seed', () => {
  const ds = makeDataset([[0, 1, 2], [3], [4, 5]], 12);
  const users = Int32Array.from([0, 1, 2, 0]);
  for (const name of ['uniform', 'popularity']) {
    const run = (): Int32Array => {
      const s = createSampler(name, { k: 3 });
      const r = s.sample({ users, pos: Int32Array.from([0, 3, 4, 1]), data: ds, rng: Rng.stream(5, 'sampler') } as never);
      assert.equal(r.kind, 'items');
      if (r.kind !== 'items') throw new Error('unreachable');
      assert.equal(r.k, 3);
      return r.items;
    };
    const a = run();
    assert.equal(a.length, 12);
    for (let t = 0; t < 12; t++) assert.ok(!isPositive(ds.train, users[Math.floor(t / 3)], a[t]), `${name} drew a positive`);
    assert.deepEqual(a, run());
  }
  assert.throws(() => createSampler('uniform', { k: 0 }), /option k must be an integer ≥ 1/);
  assert.throws(() => createSampler('uniform', { kk: 2 }), /unknown option kk/);
  assert.throws(() => createSampler('nope'), /unknown sampler "nope"/);
});

test('Deduper maps every entry to its distinct id and leaves no state behind', () => {
  const d = new Deduper(10);
  const items = Int32Array.from([4, 2, 4, 9, 2, 2, 0]);
  const { ids, slot } = d.run(items);
  assert.deepEqual(Array.from(ids), [4, 2, 9, 0]);
  for (let k = 0; k < items.length; k++) assert.equal(ids[slot[k]], items[k]);
  const again = d.run(Int32Array.from([9, 9]));
  assert.deepEqual(Array.from(again.ids), [9]);
  assert.deepEqual(Array.from(again.slot), [0, 0]);
});

test('candidate drawing on Gowalla: 2048 pairs × M = 64 in milliseconds', (t) => {
  const path = sharedData('gowalla', 'light_gcn_gowalla', 'train.txt');
  if (!hasSharedData('gowalla', 'light_gcn_gowalla', 'train.txt')) {
    t.skip(`no Gowalla data at ${path}`);
    return;
  }
  const ds = loadGowallaTrain(path);
  const rng = Rng.stream(1, 'sampler');
  const users = new Int32Array(2048);
  const out = new Int32Array(2048 * 64);
  const times: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    for (let b = 0; b < 2048; b++) users[b] = rng.int(ds.numUsers);
    const t0 = performance.now();
    drawCandidates(ds.train, users, 64, rng, out);
    times.push(performance.now() - t0);
    for (let k = 0; k < out.length; k += 97) assert.ok(!isPositive(ds.train, users[Math.floor(k / 64)], out[k]));
  }
  times.sort((a, b) => a - b);
  t.diagnostic(`Gowalla ${ds.numUsers}×${ds.numItems}: drawCandidates 2048×64 median ${times[3].toFixed(2)} ms`);
  assert.ok(times[3] < 100, `median ${times[3]} ms`);
});
