// ExpNS and MixedNS: negatives drawn from the exposure sets as specified (exposed-but-not-interacted; unobserved =
// neither positive nor exposed), ω's share, uniformity within each set, and the per-user fallbacks for users with
// no exposure records (ExpNS: a uniform non-positive, or an error; MixedNS: unobserved items only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { trainView } from '../../src/data/view.js';
import type { Dataset, TrainView } from '../../src/data/types.js';
import { createSampler, ExposurePool } from '../../src/samplers/index.js';
import type { Negatives, SampleContext, Sampler } from '../../src/samplers/types.js';
import { train } from '../../src/experiments/run.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { csrFromLists, makeDataset } from './fake.js';

const N_ITEMS = 40;
// user 0: exposure {5, 6, 7, 1}, 1 is also a training positive; user 1: no exposure; user 2: every item but 39 is a
// positive or exposed (one unobserved item); user 3: positives ∪ exposure = all items (no unobserved item).
const TRAIN = [[0, 1, 2], [3, 4], Array.from({ length: 30 }, (_, i) => i), Array.from({ length: 30 }, (_, i) => i)];
const EXPOSURE = [[5, 6, 7, 1], [], Array.from({ length: 9 }, (_, i) => 30 + i), Array.from({ length: 10 }, (_, i) => 30 + i)];

function view(): TrainView {
  const d: Dataset = { ...makeDataset(TRAIN, N_ITEMS), exposure: csrFromLists(EXPOSURE, N_ITEMS) };
  return trainView(d);
}

function draw(s: Sampler, data: TrainView, users: number[], seed = 1, steps = 1): Int32Array[] {
  s.prepare?.(data, Rng.stream(seed, 'sampler'));
  const rng = Rng.stream(seed, 'sampler');
  const out: Int32Array[] = [];
  const u = Int32Array.from(users);
  for (let step = 0; step < steps; step++) {
    const ctx = { batch: { users: u, pos: u }, users: u, pos: u, pass: null as never, data, rng, epoch: 1, step } as SampleContext;
    const n: Negatives = s.sample(ctx);
    assert.equal(n.kind, 'items');
    if (n.kind === 'items') out.push(n.items);
  }
  return out;
}

function counts(rows: Int32Array[], K: number, slot: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of rows) for (let j = 0; j < K; j++) {
    const v = r[slot * K + j];
    m.set(v, (m.get(v) ?? 0) + 1);
  }
  return m;
}

test('the exposure pool: exposed minus positives, unobserved = neither', () => {
  const p = new ExposurePool(view());
  assert.equal(p.count(0), 3); // 1 is a positive
  assert.deepEqual([...p.indices.subarray(p.indptr[0], p.indptr[1])], [5, 6, 7]);
  assert.equal(p.count(1), 0);
  assert.equal(p.unobservedCount(0), N_ITEMS - 3 - 3);
  assert.equal(p.unobservedCount(2), 1);
  assert.equal(p.unobservedCount(3), 0);
  assert.equal(p.unobserved(3, Rng.stream(0, 'x')), -1);
  assert.throws(() => new ExposurePool(trainView(makeDataset(TRAIN, N_ITEMS))), /no exposure data/);
});

test('expns draws only exposed-but-not-interacted items, uniformly; users without exposure fall back per user', () => {
  const s = createSampler('expns', { k: 4 });
  assert.deepEqual(s.needs, { exposure: true });
  const rows = draw(s, view(), [0, 1, 0], 3, 1500);
  const c0 = counts(rows, 4, 0);
  assert.deepEqual([...c0.keys()].sort((a, b) => a - b), [5, 6, 7]);
  // 6000 draws over 3 items: each share within 4σ of 1/3.
  const sd = Math.sqrt((1 / 3) * (2 / 3) / 6000);
  for (const v of c0.values()) assert.ok(Math.abs(v / 6000 - 1 / 3) < 4 * sd, `share ${v / 6000}`);
  // User 1 (no exposure, same batch): uniform training non-positives (never 3 or 4), spread over the catalogue.
  const c1 = counts(rows, 4, 1);
  assert.ok(!c1.has(3) && !c1.has(4));
  assert.ok(c1.size > 30, `${c1.size} distinct fallback items`);
  for (const v of c1.keys()) assert.ok(v >= 0 && v < N_ITEMS);
  // Same seed → same draws.
  assert.deepEqual(draw(createSampler('expns', { k: 4 }), view(), [0, 1, 0], 3, 5), rows.slice(0, 5));
  // fallback 'error' names the user.
  assert.throws(() => draw(createSampler('expns', { fallback: 'error' }), view(), [0, 1]), /user 1 has no exposed-but-not-interacted item/);
  assert.doesNotThrow(() => draw(createSampler('expns', { fallback: 'error' }), view(), [0, 2, 3]));
});

test('mixedns: ω is the share of exposed negatives; the rest are unobserved items, uniform', () => {
  const data = view();
  const exposed = new Set([5, 6, 7]);
  for (const omega of [0, 0.3, 1]) {
    const rows = draw(createSampler('mixedns', { k: 5, omega }), data, [0], 7, 2000);
    let fromExp = 0;
    const unobs = new Map<number, number>();
    for (const r of rows) for (const v of r) {
      assert.ok(!TRAIN[0].includes(v), `positive ${v} drawn`);
      if (exposed.has(v)) fromExp++;
      else unobs.set(v, (unobs.get(v) ?? 0) + 1);
    }
    const n = 10000;
    const sd = Math.sqrt(omega * (1 - omega) / n);
    assert.ok(Math.abs(fromExp / n - omega) <= 4 * sd + 1e-12, `ω ${omega}: share ${fromExp / n}`);
    if (omega < 1) {
      // Unobserved: 34 items (40 − 3 positives − 3 exposed), each about equally often.
      assert.equal(unobs.size, 34);
      const m = (n - fromExp) / 34;
      for (const v of unobs.values()) assert.ok(Math.abs(v - m) < 5 * Math.sqrt(m), `count ${v} vs ${m}`);
    }
  }
});

test('mixedns per-user fallbacks: no exposure → unobserved only; no unobserved → exposed only; neither → error', () => {
  const data = view();
  const rows = draw(createSampler('mixedns', { k: 3, omega: 0.9 }), data, [1, 2, 3], 2, 300);
  for (const r of rows) {
    for (const v of r.subarray(0, 3)) assert.ok(v !== 3 && v !== 4, 'user 1 drew a positive');
    for (const v of r.subarray(3, 6)) assert.ok(v === 39 || (v >= 30 && v < 39), `user 2 drew ${v}`);
    for (const v of r.subarray(6, 9)) assert.ok(v >= 30 && v < 40, `user 3 drew ${v}`);
  }
  // User 2's single unobserved item (39, served from the explicit list) shows up with share ≈ 1 − ω.
  let n39 = 0;
  for (const r of rows) for (const v of r.subarray(3, 6)) if (v === 39) n39++;
  assert.ok(Math.abs(n39 / 900 - 0.1) < 4 * Math.sqrt(0.09 / 900), `share ${n39 / 900}`);
  const full = { ...makeDataset([Array.from({ length: 4 }, (_, i) => i)], 4), exposure: csrFromLists([[]], 4) };
  assert.throws(() => draw(createSampler('mixedns'), trainView(full), [0]), /user 0 has no exposed and no unobserved item/);
  assert.throws(() => createSampler('mixedns', { omega: 1.5 }), /omega/);
});

test('expns and mixedns train on a dataset with exposure and are refused without it', async () => {
  const ds = syntheticDataset({ users: 40, items: 60, interactionsPerUser: 6, exposure: 3, seed: 2 });
  for (const name of ['expns', 'mixedns']) {
    const r = await train({ encoder: { name: 'mf', dim: 8, layers: 0 }, sampler: { name }, epochs: 2, evalEvery: 2, batchSize: 64 } as TrainConfig, ds);
    assert.ok(Number.isFinite(r.epochs[1].loss));
    const bare = syntheticDataset({ users: 40, items: 60, interactionsPerUser: 6, seed: 2 });
    await assert.rejects(train({ encoder: { name: 'mf', dim: 8, layers: 0 }, sampler: { name }, epochs: 1 } as TrainConfig, bare), /needs exposure data/);
  }
});
