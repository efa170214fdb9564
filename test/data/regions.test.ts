import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { RegionIndex, fullRegionBytes } from '../../src/data/regions.js';
import { csrFromLists } from '../samplers/fake.js';

/** A random bipartite graph: each user gets 0..maxDeg distinct items, popularity skewed (low ids more likely). */
function randomGraph(seed: number, U: number, I: number, maxDeg: number): number[][] {
  const rng = Rng.stream(seed, 'test');
  return Array.from({ length: U }, () => {
    const d = rng.int(maxDeg + 1);
    const s = new Set<number>();
    for (let t = 0; t < d; t++) s.add(Math.floor(I * rng.float() * rng.float()));
    return [...s];
  });
}

/** The independent reference: a plain breadth-first search on adjacency Sets, items at distance ≤ khop. */
function bfsWithin(lists: number[][], I: number, u: number, khop: number): Set<number> {
  const itemUsers: number[][] = Array.from({ length: I }, () => []);
  lists.forEach((l, v) => l.forEach((i) => itemUsers[i].push(v)));
  const seenU = new Set<number>([u]);
  const seenI = new Set<number>();
  let frontier: Array<['u' | 'i', number]> = [['u', u]];
  for (let hop = 1; hop <= khop; hop++) {
    const next: Array<['u' | 'i', number]> = [];
    for (const [kind, x] of frontier) {
      if (kind === 'u') for (const i of lists[x]) { if (!seenI.has(i)) { seenI.add(i); next.push(['i', i]); } }
      else for (const v of itemUsers[x]) { if (!seenU.has(v)) { seenU.add(v); next.push(['u', v]); } }
    }
    frontier = next;
  }
  return seenI;
}

for (const mode of ['full', 'lazy'] as const) {
  test(`regions equal a brute-force BFS on random graphs for khop 1, 3, 5, 7 (${mode}; > 128 users so blocks split)`, () => {
    for (const [seed, U, I, deg] of [[1, 150, 90, 4], [2, 300, 400, 3], [3, 40, 25, 6]] as const) {
      const lists = randomGraph(seed, U, I, deg);
      const train = csrFromLists(lists, I);
      for (const khop of [1, 3, 5, 7]) {
        const idx = new RegionIndex(train, { khop, mode });
        assert.equal(idx.mode, mode);
        const users = Int32Array.from({ length: U }, (_, u) => u);
        idx.load(users);
        for (let u = 0; u < U; u++) {
          const within = bfsWithin(lists, I, u, khop);
          const own = new Set(lists[u]);
          const med = [...within].filter((i) => !own.has(i)).sort((a, b) => a - b);
          const dis = Array.from({ length: I }, (_, i) => i).filter((i) => !within.has(i));
          const glob = Array.from({ length: I }, (_, i) => i).filter((i) => !own.has(i));
          assert.deepEqual(Array.from(idx.items(u, 'intermediate')), med, `seed ${seed} khop ${khop} user ${u}`);
          assert.deepEqual(Array.from(idx.items(u, 'distant')), dis, `seed ${seed} khop ${khop} user ${u} distant`);
          assert.deepEqual(Array.from(idx.items(u, 'global')), glob);
          assert.deepEqual(idx.sizes(u), { intermediate: med.length, distant: dis.length, positives: own.size });
          for (let j = 0; j < I; j++) assert.equal(idx.inRegion(u, j, 'intermediate'), med.includes(j));
        }
        if (khop === 1) for (let u = 0; u < U; u++) assert.equal(idx.sizes(u).intermediate, 0);
      }
    }
  });
}

test('lazy mode: a batch of users in any order and with repeats, then another batch; unloaded users are refused', () => {
  const lists = randomGraph(7, 200, 120, 5);
  const train = csrFromLists(lists, 120);
  const full = new RegionIndex(train, { khop: 3, mode: 'full' });
  const lazy = new RegionIndex(train, { khop: 3, mode: 'lazy' });
  for (const batch of [[199, 3, 3, 150, 0, 77], [5, 6, 199]]) {
    lazy.load(Int32Array.from(batch));
    for (const u of batch) assert.deepEqual(lazy.items(u, 'intermediate'), full.items(u, 'intermediate'));
  }
  assert.throws(() => lazy.items(150, 'intermediate'), /user 150 is not loaded/);
  assert.throws(() => lazy.load(Int32Array.of(200)), /user 200 is outside 0\.\.199/);
  assert.throws(() => new RegionIndex(train, { khop: 2 }), /khop must be an odd integer/);
  // auto: full while it fits.
  assert.equal(new RegionIndex(train, { khop: 3 }).mode, 'full');
  assert.equal(new RegionIndex(train, { khop: 3, maxBytes: fullRegionBytes(200, 120) - 1 }).mode, 'lazy');
  assert.equal(full.bytes, fullRegionBytes(200, 120));
});

test('draws: M distinct items of the region, uniform over it; small regions give all, then repeats; empty ones fall back', () => {
  // user 0: items {0,1}; user 1: {1,2}; user 2: {2,3}; users 3,4: {10..14} and {14..19}; user 5: {30} alone.
  const lists = [[0, 1], [1, 2], [2, 3], [10, 11, 12, 13, 14], [14, 15, 16, 17, 18, 19], [30]];
  const I = 40;
  const train = csrFromLists(lists, I);
  const idx = new RegionIndex(train, { khop: 3, mode: 'full' });
  const rng = Rng.stream(3, 'sampler');
  const out = new Int32Array(4);
  // user 0: within 3 hops {0,1,2}: its intermediate region is {2} only → [2,2,2,2].
  idx.draw(0, 'intermediate', 4, rng, out);
  assert.deepEqual(Array.from(out), [2, 2, 2, 2]);
  // user 3: region {15..19} (5 items): 4 distinct of them, uniform.
  const counts = new Map<number, number>();
  for (let t = 0; t < 4000; t++) {
    idx.draw(3, 'intermediate', 4, rng, out);
    assert.equal(new Set(out).size, 4);
    for (const j of out) {
      assert.ok(j >= 15 && j <= 19, `item ${j}`);
      counts.set(j, (counts.get(j) ?? 0) + 1);
    }
  }
  for (const [, c] of counts) assert.ok(Math.abs(c / 16000 - 0.2) < 0.02, `share ${c / 16000}`);
  // user 5: item 30 only → empty intermediate region → global non-positives, counted.
  const before = idx.fallbacks;
  idx.draw(5, 'intermediate', 4, rng, out);
  assert.equal(idx.fallbacks, before + 1);
  assert.equal(new Set(out).size, 4);
  for (const j of out) assert.notEqual(j, 30);
  // distant and global exclude what they must.
  for (let t = 0; t < 200; t++) {
    idx.draw(0, 'distant', 4, rng, out);
    for (const j of out) assert.ok(j > 2, `distant item ${j}`);
    idx.draw(0, 'global', 4, rng, out);
    for (const j of out) assert.ok(j !== 0 && j !== 1);
  }
  // The same stream state gives the same draws.
  const a = new Int32Array(4), b = new Int32Array(4);
  idx.draw(3, 'intermediate', 4, Rng.stream(9, 'x'), a);
  idx.draw(3, 'intermediate', 4, Rng.stream(9, 'x'), b);
  assert.deepEqual(a, b);
  const all = csrFromLists([[0, 1, 2]], 3);
  assert.throws(() => new RegionIndex(all, { khop: 3 }).draw(0, 'global', 2, rng, out), /user 0 has interacted with all 3 items/);
});
