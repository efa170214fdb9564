import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { DnsSampler } from '../../src/samplers/dns.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, dot, makeDataset } from './fake.js';

function setup(opts: { layers: number; pooling?: 'mean' | 'concat'; scorerKind?: 'dot' | 'gmf' | 'dot+bias' }) {
  const numItems = 30;
  const train = [[0, 1, 2], [3, 4], [5], [6, 7, 8, 9]];
  const ds = makeDataset(train, numItems);
  const enc = new FakeEncoder({ numUsers: 4, numItems, dim: 5, ...opts });
  const users = Int32Array.from([0, 1, 2, 3, 0, 2]);
  const pos = Int32Array.from([0, 3, 5, 6, 1, 5]);
  const ctx = (seed: number): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(seed, 'sampler'), epoch: 0, step: 0,
  });
  return { ds, enc, users, pos, ctx };
}

for (const cfg of [
  { layers: 1 },
  { layers: 3, pooling: 'mean' as const },
  { layers: 2, pooling: 'concat' as const },
  { layers: 2, pooling: 'mean' as const, scorerKind: 'dot+bias' as const },
]) {
  test(`dns picks the argmax of the pooled score in each pool (${JSON.stringify(cfg)})`, () => {
    const { ds, enc, users, ctx } = setup(cfg);
    for (const K of [1, 3]) {
      const s = new DnsSampler({ m: 8, k: K });
      const neg = tidy(() => s.sample(ctx(1)));
      assert.equal(neg.kind, 'items');
      if (neg.kind !== 'items') return;
      const { candidates } = s.last!;
      assert.equal(neg.items.length, users.length * K);
      for (let r = 0; r < users.length * K; r++) {
        const u = users[Math.floor(r / K)];
        const qu = enc.pooledUser(u);
        // Independent float64 scores of the pool, from the tables.
        let best = -Infinity;
        let bestItem = -1;
        for (let m = 0; m < 8; m++) {
          const c = candidates[r * 8 + m];
          assert.ok(!isPositive(ds.train, u, c));
          const sc = dot(qu, enc.pooledItem(c)) + (cfg.scorerKind === 'dot+bias' ? enc.itemBias.data[c] : 0);
          assert.ok(Math.abs(sc - s.last!.scores[r * 8 + m]) < 1e-4, 'score mismatch');
          if (sc > best) {
            best = sc;
            bestItem = c;
          }
        }
        assert.equal(neg.items[r], bestItem, `row ${r}`);
      }
    }
  });
}

test('dns topk: the K best distinct items of one pool, in descending score', () => {
  const { enc, users, ctx } = setup({ layers: 2 });
  const s = new DnsSampler({ m: 10, k: 3, kMode: 'topk' });
  const neg = tidy(() => s.sample(ctx(2)));
  if (neg.kind !== 'items') throw new Error('items expected');
  const { candidates } = s.last!;
  for (let b = 0; b < users.length; b++) {
    const qu = enc.pooledUser(users[b]);
    const distinct = [...new Set(Array.from(candidates.subarray(b * 10, b * 10 + 10)))];
    distinct.sort((x, y) => dot(qu, enc.pooledItem(y)) - dot(qu, enc.pooledItem(x)));
    const want = distinct.slice(0, 3);
    while (want.length < 3) want.push(want[0]);
    assert.deepEqual(Array.from(neg.items.subarray(b * 3, b * 3 + 3)), want);
  }
  assert.throws(() => new DnsSampler({ m: 2, k: 3, kMode: 'topk' }), /k ≤ m/);
});

test('dns is deterministic for a seed and differs across seeds', () => {
  const { ctx } = setup({ layers: 2 });
  const run = (seed: number) => {
    const n = tidy(() => new DnsSampler({ m: 6, k: 2 }).sample(ctx(seed)));
    return n.kind === 'items' ? Array.from(n.items) : [];
  };
  assert.deepEqual(run(9), run(9));
  assert.notDeepEqual(run(9), run(10));
});
