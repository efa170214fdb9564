// The multi-draw sampled protocol (contrastive DNS §4.2): test metrics are the mean over `evalDraws` independent
// draws of negative lists, each draw is its own stream (draw 0 is the single-draw protocol's), the per-draw values
// are kept, and compare's paired tests see per-user values averaged over the draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { drawSampledNegatives, evaluateSampled } from '../../src/evaluation/sampled.js';
import { evaluatorFor } from '../../src/evaluation/protocol.js';
import { ConfigError } from '../../src/experiments/config.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { intEmbeddings, randomDataset } from './fixtures.js';

test('evalDraws: test metrics are the mean of independent draws, each from its own stream; validation uses one', () => {
  const ds = randomDataset(30, 400, 7);
  const rng = Rng.stream(3, 'emb');
  const emb = { users: intEmbeddings(ds.numUsers, 4, rng), items: intEmbeddings(ds.numItems, 4, rng), dim: 4, itemBias: null };
  const ev = evaluatorFor({ evalProtocol: 'sampled', evalNegatives: 50, evalDraws: 4, seed: 9 }, ds);
  const r = ev(emb, ds, { split: 'test', ks: [5, 10], maskValidWhenTesting: true, epoch: 1 });
  assert.equal(r.draws?.length, 4);
  // Each draw by hand: stream 'eval-test' for draw 0, 'eval-test#d' after.
  const byHand = [0, 1, 2, 3].map((d) => evaluateSampled(emb, ds, drawSampledNegatives(ds, { n: 50, split: 'test', rng: Rng.stream(9, d === 0 ? 'eval-test' : `eval-test#${d}`) }), { split: 'test', ks: [5, 10] }));
  for (let d = 0; d < 4; d++) assert.deepEqual(r.draws![d], byHand[d].metrics, `draw ${d}`);
  for (const k of Object.keys(r.metrics)) {
    const mean = byHand.reduce((a, x) => a + x.metrics[k], 0) / 4;
    assert.ok(Math.abs(r.metrics[k] - mean) < 1e-12, `${k}: ${r.metrics[k]} vs ${mean}`);
  }
  assert.notDeepEqual(byHand[0].metrics, byHand[1].metrics, 'the draws differ');
  // Per-user values: the mean over draws, user by user.
  const u = 3;
  const want = byHand.reduce((a, x) => a + x.perUser.values['ndcg@10'][u], 0) / 4;
  assert.ok(Math.abs(r.perUser.values['ndcg@10'][u] - want) < 1e-6);
  // One draw is the single-draw protocol exactly.
  const one = evaluatorFor({ evalProtocol: 'sampled', evalNegatives: 50, seed: 9 }, ds)(emb, ds, { split: 'test', ks: [5, 10], maskValidWhenTesting: true, epoch: 1 });
  assert.deepEqual(one.metrics, byHand[0].metrics);
  assert.equal(one.draws, undefined);
  const valid = ev(emb, ds, { split: 'valid', ks: [5], maskValidWhenTesting: true, epoch: 1 });
  assert.equal(valid.draws, undefined, 'validation selects on one list');
});

test('evalDraws through train(): the summary keeps the best epoch\'s per-draw values; the config is checked', async () => {
  const cfg = resolveConfig(undefined, { epochs: 3, evalEvery: 1, patience: 0, ks: [10], batchSize: 128, evalProtocol: 'sampled', evalNegatives: 50, evalDraws: 3,
    dataset: { name: 'synthetic', synthetic: { users: 60, items: 200 } } });
  const r = await train(cfg, syntheticDataset({ users: 60, items: 200, seed: 3 }));
  assert.equal(r.testDraws?.length, 3);
  for (const k of Object.keys(r.test)) {
    const mean = r.testDraws!.reduce((a, d) => a + d[k], 0) / 3;
    assert.ok(Math.abs(r.test[k] - mean) < 1e-12, k);
  }
  assert.deepEqual(r.evaluations.find((e) => e.epoch === r.bestEpoch)?.testDraws, r.testDraws);
  assert.throws(() => resolveConfig(undefined, { evalDraws: 3 }), (e: unknown) => e instanceof ConfigError && /evalDraws: 3 draws .* need evalProtocol: sampled/.test(e.message));
  assert.throws(() => resolveConfig(undefined, { evalProtocol: 'sampled', evalDraws: 0 }), /evalDraws/);
});
