// Evaluation on a real dataset (LastFM, LightGCN-PyTorch split): the active backend's full ranking against a
// brute-force ranking for a sample of users, and sampled negatives that avoid every interaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLastFm } from '../../src/data/index.js';
import { evaluateFullRanking } from '../../src/evaluation/fullRanking.js';
import { drawSampledNegatives, evaluateSampled } from '../../src/evaluation/sampled.js';
import { userMetrics } from '../../src/evaluation/metrics.js';
import { heap } from '../../src/engine/memory.js';
import { Rng } from '../../src/core/rng.js';
import { hasSharedData, sharedData } from '../helpers/paths.js';

const skip = hasSharedData('lastfm', 'data1.txt') ? false : 'shared LastFM data not found';

test('LastFM: full ranking of every user matches a brute-force ranking on sampled users', { skip }, () => {
  const ds = loadLastFm(sharedData('lastfm'));
  const d = 16;
  const rng = Rng.stream(3, 'test');
  const users = rng.fillNormal(heap.allocF32(ds.numUsers * d), 0, 1);
  const items = rng.fillNormal(heap.allocF32(ds.numItems * d), 0, 1);
  const ks = [10, 20];
  const r = evaluateFullRanking({ users, items, dim: d, itemBias: null }, ds, { split: 'test', ks });
  let withTest = 0;
  for (let u = 0; u < ds.numUsers; u++) if (ds.test.indptr[u + 1] > ds.test.indptr[u]) withTest++;
  assert.equal(r.usersEvaluated, withTest);
  assert.equal(r.usersSkipped, ds.numUsers - withTest);
  for (let idx = 0; idx < r.perUser.users.length; idx += 37) {
    const u = r.perUser.users[idx];
    const train = new Set(ds.train.indices.subarray(ds.train.indptr[u], ds.train.indptr[u + 1]));
    const scored: [number, number][] = [];
    for (let i = 0; i < ds.numItems; i++) {
      if (train.has(i)) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += users[u * d + c] * items[i * d + c];
      scored.push([Math.fround(s), i]);
    }
    scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const want = userMetrics(scored.map((x) => x[1]), ds.test.indices.subarray(ds.test.indptr[u], ds.test.indptr[u + 1]), ks);
    for (const [key, v] of Object.entries(want)) {
      assert.ok(Math.abs(r.perUser.values[key][idx] - v) < 1e-6, `user ${u} ${key}: ${r.perUser.values[key][idx]} vs ${v}`);
    }
  }
  // Sampled: negatives avoid train and test items; random embeddings put the positive near the middle (rank ≈ N/2).
  const negs = drawSampledNegatives(ds, { n: 100, seed: 1 });
  for (let u = 0; u < ds.numUsers; u += 11) {
    const known = new Set([...ds.train.indices.subarray(ds.train.indptr[u], ds.train.indptr[u + 1]),
      ...ds.test.indices.subarray(ds.test.indptr[u], ds.test.indptr[u + 1])]);
    for (let p = ds.test.indptr[u]; p < ds.test.indptr[u + 1]; p++) {
      for (const j of negs.items.subarray(p * 100, p * 100 + 100)) assert.ok(!known.has(j), `user ${u} negative ${j}`);
    }
  }
  const s = evaluateSampled({ users, items, dim: d, itemBias: null }, ds, negs, { ks: [10] });
  let meanRank = 0;
  for (const x of s.ranks) meanRank += x;
  meanRank /= s.ranks.length;
  assert.ok(meanRank > 40 && meanRank < 60, `mean rank ${meanRank} of a random model should be ≈ 50`);
  heap.free(users);
  heap.free(items);
});
