// GDNS §4.6: planted false negatives (one training positive per user moved out of train and tracked) and the
// per-epoch H/G distributions of the planted pairs against the other visited pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasInteraction, union } from '../../src/data/csr.js';
import { loadDataset } from '../../src/data/load.js';
import { plantFalseNegatives } from '../../src/data/plant.js';
import { trainView } from '../../src/data/view.js';
import { describeDistribution, probabilityGreater, quantileSorted } from '../../src/evaluation/distribution.js';
import { drawSampledNegatives } from '../../src/evaluation/sampled.js';
import { ConfigError } from '../../src/experiments/config.js';
import { train } from '../../src/experiments/run.js';
import { GdnsSampler } from '../../src/samplers/gdns.js';

const spec = { name: 'synthetic', synthetic: { users: 40, items: 80, interactionsPerUser: 10, seed: 2 }, split: 'loo:random:valid', seed: 4 };

test('plantFalseNegatives moves one seeded training positive per user out of train; valid and test unchanged', () => {
  const base = loadDataset(spec);
  const d = loadDataset({ ...spec, plantFalseNegatives: 1 });
  const p = d.plantedNegatives!;
  assert.deepEqual(d.test, base.test);
  assert.deepEqual(d.valid, base.valid);
  let users = 0;
  for (let u = 0; u < d.numUsers; u++) {
    const before = base.train.indptr[u + 1] - base.train.indptr[u];
    const planted = p.indptr[u + 1] - p.indptr[u];
    assert.equal(planted, before > 1 ? 1 : 0, `user ${u}`);
    assert.equal(d.train.indptr[u + 1] - d.train.indptr[u], before - planted);
    users += planted;
    for (let k = p.indptr[u]; k < p.indptr[u + 1]; k++) {
      assert.ok(hasInteraction(base.train, u, p.indices[k]) && !hasInteraction(d.train, u, p.indices[k]));
    }
  }
  assert.ok(users > 30);
  assert.deepEqual(union(d.train, p).indices, base.train.indices, 'train ∪ planted = the original train');
  assert.notEqual(d.fingerprint, base.fingerprint);
  assert.equal(loadDataset({ ...spec, plantFalseNegatives: 1 }).fingerprint, d.fingerprint, 'seeded');
  assert.notDeepEqual(plantFalseNegatives(base, 1, 99).plantedNegatives!.indices, p.indices, 'another seed plants other items');
  assert.ok(d.itemPopularity.reduce((a, b) => a + b, 0) === base.itemPopularity.reduce((a, b) => a + b, 0) - users);
  // Samplers never see them; sampled evaluation lists treat them as positives, so they equal the unplanted lists.
  assert.ok(!('plantedNegatives' in trainView(d)));
  for (const split of ['valid', 'test'] as const) {
    assert.deepEqual(drawSampledNegatives(d, { n: 20, split, seed: 1 }).items, drawSampledNegatives(base, { n: 20, split, seed: 1 }).items, split);
  }
  assert.throws(() => loadDataset({ ...spec, plantFalseNegatives: -1 }), ConfigError);
  assert.throws(() => plantFalseNegatives(d, 1, 0), /already has planted/);
});

test('describeDistribution: type-7 quantiles, mean and histogram counts by hand', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([5], 0.95), 5);
  const d = describeDistribution(Float32Array.from([0.1, 0.2, 0.25, 0.9, 1, -0.5]), { bins: 4, lo: 0, hi: 1, quantiles: [0, 0.5, 1] });
  assert.equal(d.n, 6);
  assert.ok(Math.abs(d.mean! - (0.1 + 0.2 + 0.25 + 0.9 + 1 - 0.5) / 6) < 1e-7);
  assert.deepEqual(d.histogram.counts, [3, 1, 0, 2]); // -0.5 clamps into bin 0, 0.25 opens bin 1, 1 closes bin 3
  assert.equal(d.quantiles['0'], -0.5);
  assert.equal(d.quantiles['1'], 1);
  assert.ok(Math.abs(d.quantiles['0.5']! - Math.fround(0.225)) < 1e-7);
  // Mann–Whitney by hand: a = {1, 2, 3}, b = {2, 2}: 1 loses twice, 2 ties twice (2 × ½), 3 wins twice → 3/6.
  assert.equal(probabilityGreater([1, 2, 3], [2, 2]), 0.5);
  assert.equal(probabilityGreater([3, 4], [1, 2, 3]), (2.5 + 3) / 6);
  assert.equal(probabilityGreater([], [1]), null);
  const empty = describeDistribution(new Float32Array(0));
  assert.equal(empty.mean, null);
  assert.equal(empty.quantiles['0.5'], null);
});

test('GdnsSampler.inspectPairs splits the visited pairs into the groups and the rest, with their H and G', () => {
  const s = new GdnsSampler();
  // Visited: (0,1) H .2 G .9; (0,2) H .8 G .3; (1,5) H .6 G .5; (2,3) H .4 G .7.
  s.setState({
    users: Int32Array.from([0, 0, 1, 2]), items: Int32Array.from([1, 2, 5, 3]),
    values: Float32Array.from([0.2, 0.9, 0.8, 0.3, 0.6, 0.5, 0.4, 0.7]), userSumBits: new Int32Array(0), userCount: new Int32Array(0),
  });
  const planted = { rows: 3, cols: 8, indptr: Int32Array.from([0, 1, 2, 3]), indices: Int32Array.from([2, 5, 7]) }; // (2,7) never visited
  const out = s.inspectPairs({ planted }) as Record<string, { visited: number; pairs?: number; H: { mean: number; n: number }; G: { mean: number } }>;
  assert.equal(out.planted.visited, 2);
  assert.equal(out.planted.pairs, 3);
  assert.ok(Math.abs(out.planted.H.mean - 0.7) < 1e-6 && Math.abs(out.planted.G.mean - 0.4) < 1e-6);
  assert.equal(out.other.visited, 2);
  // Planted H {.8, .6} vs other {.2, .4}: always greater; G {.3, .5} vs {.9, .7}: never.
  assert.deepEqual((out.planted as unknown as { aucVsOther: unknown }).aucVsOther, { H: 1, G: 0 });
  assert.ok(Math.abs(out.other.H.mean - 0.3) < 1e-6 && Math.abs(out.other.G.mean - 0.8) < 1e-6);
  assert.throws(() => s.inspectPairs({ other: planted }), /'other'/);
});

test('end to end: GDNS on a planted split writes H/G distributions of planted, held-out and other visited pairs per epoch', async () => {
  const d = loadDataset({ ...spec, plantFalseNegatives: 1 });
  const root = mkdtempSync(join(tmpdir(), 'hn-planted-'));
  try {
    const r = await train({
      dataset: { ...spec, plantFalseNegatives: 1 }, encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'gdns', m: 16 },
      optimizer: { name: 'adagrad', lr: 0.05 }, batching: 'groups', groupSize: 4, batchSize: 8, epochs: 4, evalEvery: 2,
      patience: 0, evalProtocol: 'sampled', evalNegatives: 20, metric: 'ndcg@3', ks: [3],
    }, d, { runDir: join(root, 'run') });
    const recs = readFileSync(join(root, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch');
    assert.equal(recs.length, 4);
    let prev = 0;
    for (const rec of recs) {
      const a = rec.analysis.plantedFalseNegatives;
      assert.equal(a.planted.pairs, d.plantedNegatives!.indices.length);
      const visited = a.planted.visited + a.heldOut.visited + a.other.visited;
      assert.ok(visited > prev, 'visited pairs grow');
      prev = visited;
      assert.equal(a.planted.H.n, a.planted.visited);
      assert.equal(a.other.G.histogram.counts.reduce((x: number, y: number) => x + y, 0), a.other.visited);
      for (const q of Object.values(a.other.H.quantiles) as number[]) assert.ok(q > 0 && q < 1);
    }
    // Every user's group visits 4 items per epoch: 40 users × 4 × 4 epochs pairs at most.
    assert.ok(prev <= 40 * 4 * 4 && prev > 40 * 4);
    assert.ok(recs[3].analysis.plantedFalseNegatives.planted.visited > 0, 'GDNS does draw planted items as candidates');
    assert.equal(r.epochsRun, 4);
    // A sampler without per-pair statistics: a warning, no analysis.
    const u = await train({ dataset: { ...spec, plantFalseNegatives: 1 }, sampler: { name: 'uniform' }, encoder: { dim: 8 }, epochs: 1, ks: [3], metric: 'ndcg@3' }, d);
    assert.ok(u.warnings.some((w) => /planted false negatives/.test(w)));
    assert.equal(u.epochs[0].analysis, undefined);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
