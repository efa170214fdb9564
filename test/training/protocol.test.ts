import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticDataset } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import { Rng } from '../../src/core/rng.js';
import { drawSampledNegatives, evaluateSampled } from '../../src/evaluation/sampled.js';
import { evaluateFullRanking } from '../../src/evaluation/fullRanking.js';
import { configKey } from '../../src/experiments/compare.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { evaluatorFor } from '../../src/evaluation/protocol.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

const ds = () => syntheticDataset({ users: 70, items: 150, seed: 8 });
const base: TrainConfig = { epochs: 3, evalEvery: 1, patience: 0, ks: [5, 10], metric: 'recall@10', encoder: { dim: 8 }, sampler: { name: 'dns', m: 4 } };

test('sampled protocol: selection and test use fixed lists drawn from the run seed; random recall is K/(N+1)', async () => {
  const d = ds();
  const r = await train({ ...base, evalProtocol: 'sampled', evalNegatives: 30 }, d);
  // Independent path: the same lists drawn by hand, scored by evaluateSampled on the best-epoch embeddings.
  const emb = r.weights!.embeddings;
  const seed = r.config.seed;
  const test = evaluateSampled(emb, d, drawSampledNegatives(d, { n: 30, split: 'test', rng: Rng.stream(seed, 'eval-test') }), { split: 'test', ks: [5, 10] });
  const valid = evaluateSampled(emb, d, drawSampledNegatives(d, { n: 30, split: 'valid', rng: Rng.stream(seed, 'eval-valid') }), { split: 'valid', ks: [5, 10] });
  assert.deepEqual(r.test, test.metrics);
  assert.deepEqual(r.best, valid.metrics);
  assert.deepEqual(r.randomRecall, { 'recall@5': 5 / 31, 'recall@10': 10 / 31 });
  // Not the full-ranking numbers.
  const full = evaluateFullRanking(emb, d, { split: 'test', ks: [5, 10] });
  assert.notEqual(full.metrics['recall@10'], r.test['recall@10']);
  // Lists are fixed per run: one evaluator scores the same embeddings the same at every call (epoch), and an
  // evaluator built again for the same seed draws the same lists.
  const ev = evaluatorFor(r.config, d);
  const at = (epoch: number) => ev(emb, d, { split: 'valid', ks: [5, 10], maskValidWhenTesting: true, epoch }).metrics;
  assert.deepEqual(at(1), at(7));
  assert.deepEqual(at(1), valid.metrics);
  const again = await train({ ...base, evalProtocol: 'sampled', evalNegatives: 30 }, ds());
  assert.deepEqual(again.evaluations.map((e) => e.metrics), r.evaluations.map((e) => e.metrics));
  // Lists that cannot be drawn fail before any training.
  let epochs = 0;
  await assert.rejects(train({ ...base, evalProtocol: 'sampled', evalNegatives: 149 }, ds(), { onEvent: (e) => { if (e.type === 'epoch') epochs++; } }),
    /fewer than n = 149/);
  assert.equal(epochs, 0);
});

test("sampled protocol on a dataset with its own test lists (NCF .test.negative) uses them; a clashing N is refused", async () => {
  const d0 = ds();
  const lists = drawSampledNegatives(d0, { n: 20, split: 'test', seed: 99 });
  const d: Dataset = { ...d0, testNegatives: { n: 20, items: lists.items } };
  const r = await train({ ...base, evalProtocol: 'sampled' }, d);
  const own = evaluateSampled(r.weights!.embeddings, d, null, { split: 'test', ks: [5, 10] });
  assert.deepEqual(r.test, own.metrics);
  assert.deepEqual(r.randomRecall, { 'recall@5': 5 / 21, 'recall@10': 10 / 21 });
  await assert.rejects(train({ ...base, evalProtocol: 'sampled', evalNegatives: 50 }, d), /ships its own test lists with 20/);
});

test('compare groups: optional keys count with their defaults and only where they apply; the run record never', () => {
  const k = (o: Record<string, unknown>) => configKey(resolveConfig(undefined, o));
  assert.equal(k({ evalProtocol: 'full' }), k({}));
  assert.equal(k({ evalProtocol: 'sampled' }), k({ evalProtocol: 'sampled', evalNegatives: 100 }));
  assert.equal(k({ groupSize: 8 }), k({}), 'groupSize means nothing without groups batching');
  assert.equal(k({ batching: 'groups' }), k({ batching: 'groups', groupSize: 32 }));
  assert.notEqual(k({ batching: 'groups', groupSize: 8 }), k({ batching: 'groups' }));
  const withRun = { ...resolveConfig(undefined, {}), run: { backend: { name: 'wasm', threads: 1 } } };
  assert.equal(configKey(withRun), k({}));
  assert.notEqual(k({ evalProtocol: 'sampled' }), k({}));
  assert.notEqual(k({ evalProtocol: 'sampled', evalNegatives: 50 }), k({ evalProtocol: 'sampled' }));
  assert.throws(() => resolveConfig(undefined, { evalProtocol: 'loo' }), /evalProtocol/);
  assert.throws(() => resolveConfig(undefined, { evalNegatives: 0 }), /evalNegatives/);
});

test('hardneg eval re-evaluates a sampled run with the same lists, and --protocol full switches protocol', async () => {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
  const root = mkdtempSync(join(tmpdir(), 'hn-proto-'));
  try {
    const dir = join(root, 'run');
    execFileSync(process.execPath, [cli, 'train', '-q', '--threads', '1', '--out', dir, '--epochs', '2', '--eval-every', '1',
      '--ks', '10', '--set', 'evalProtocol=sampled', '--set', 'evalNegatives=40'], { encoding: 'utf8' });
    const printed = JSON.parse(execFileSync(process.execPath, [cli, 'train', '--print-config', '--set', 'evalProtocol=sampled'], { encoding: 'utf8' }));
    assert.equal(printed.evalProtocol, 'sampled');
    const stored = JSON.parse(execFileSync(process.execPath, [cli, 'eval', dir, '--json'], { encoding: 'utf8' }));
    assert.deepEqual(stored.protocol, { name: 'sampled', negatives: 40 });
    const { readRun } = await import('../../src/experiments/runStore.js');
    assert.deepEqual(stored.metrics, readRun(dir).summary.test);
    const full = JSON.parse(execFileSync(process.execPath, [cli, 'eval', dir, '--json', '--protocol', 'full'], { encoding: 'utf8' }));
    assert.deepEqual(full.protocol, { name: 'full' });
    assert.notDeepEqual(full.metrics, stored.metrics);
    const refused = spawnSync(process.execPath, [cli, 'eval', dir, '--protocol', 'full', '--negatives', '10'], { encoding: 'utf8' });
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /--negatives applies to sampled ranking/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
