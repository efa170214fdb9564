import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText, parseOverrides, setPath, validateConfig } from '../../src/experiments/config.js';
import { PRESETS, resolveConfig } from '../../src/experiments/presets.js';
import { configKey } from '../../src/experiments/compare.js';
import { flagOverrides } from '../../src/cli/common.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('wrong types and ranges name the key path and the value', () => {
  assert.deepEqual(problems(() => resolveConfig(undefined, { encoder: { layers: 'three' } })),
    ['encoder.layers: expected an integer in [0, 64], got "three"']);
  assert.deepEqual(problems(() => resolveConfig(undefined, { optimizer: { lr: -1 } })),
    ['optimizer.lr: expected a number > 0, got -1']);
  assert.deepEqual(problems(() => resolveConfig(undefined, { validFraction: 1 })),
    ['validFraction: expected a number > 0 and < 1, got 1']);
  assert.deepEqual(problems(() => resolveConfig(undefined, { batching: 'pairs' })),
    [`batching: expected one of 'interactions', 'users', 'groups', got "pairs"`]);
  assert.deepEqual(problems(() => resolveConfig(undefined, { ks: [20, 0] })),
    ['ks: expected a non-empty list of integers in [1, 100000] (at most 64 of them), got a list [20,0]']);
  assert.match(problems(() => resolveConfig(undefined, { metric: 'recal@20' }))[0], /^metric: expected <name>@<K>/);
  const lazyDecay = problems(() => resolveConfig(undefined, { optimizer: { lazy: true, weightDecay: 1e-4 } }));
  assert.equal(lazyDecay.length, 1);
  assert.match(lazyDecay[0], /^optimizer\.lazy: true cannot be combined with optimizer\.weightDecay > 0 \(got 0\.0001\): .*SparseAdam, has no weight decay/);
  assert.equal(resolveConfig(undefined, { optimizer: { lazy: true, weightDecay: 0 } }).optimizer.lazy, true);
  assert.equal(resolveConfig(undefined, { optimizer: { lazy: false, weightDecay: 1e-4 } }).optimizer.weightDecay, 1e-4);
  // Several problems are all reported.
  assert.equal(problems(() => resolveConfig(undefined, { epochs: 1.5, seed: 'x' })).length, 2);
});

test('unknown keys are rejected with a suggestion', () => {
  assert.deepEqual(problems(() => resolveConfig(undefined, { optimiser: { lr: 0.1 } })),
    [`optimiser: unknown key (did you mean 'optimizer'?)`]);
  assert.match(problems(() => resolveConfig(undefined, { optimizer: { momentum: 0.9 } }))[0],
    /^optimizer\.momentum: unknown key \(known keys: name, lr, lazy, weightDecay\)/);
  assert.match(problems(() => resolveConfig('nope'))[0], /^preset: unknown preset 'nope'/);
});

test('every preset is valid; the LightGCN-PyTorch preset follows the reference protocol', () => {
  for (const name of Object.keys(PRESETS)) assert.doesNotThrow(() => resolveConfig(name), name);
  const c = resolveConfig('lightgcn-pytorch');
  assert.equal(c.encoder.init, 'normal');
  assert.equal(c.optimizer.lr, 1e-3);
  assert.equal(c.l2, 1e-4);
  assert.equal(c.batchSize, 2048);
  assert.equal(c.batching, 'users');
  assert.equal(c.selectOn, 'test');
  assert.equal(c.evalEvery, 10);
  assert.equal(c.epochs, 1000);
  const p = resolveConfig('pdns-mf');
  assert.equal(p.metric, 'recall@50');
  assert.deepEqual(p.ks, [20, 50]);
});

test('switching a method drops its old options; the selection K joins ks', () => {
  const c = resolveConfig('dins-lightgcn', { sampler: { name: 'uniform' }, encoder: { name: 'mf' } });
  assert.deepEqual(c.sampler, { name: 'uniform' });
  assert.equal(c.encoder.layers, 0);
  assert.equal(c.encoder.dim, 64);
  assert.equal((c.encoder as Record<string, unknown>).includeEgoLayer, undefined);
  const g = resolveConfig(undefined, { encoder: { name: 'lightgcn' } });
  assert.equal(g.encoder.layers, 3);
  const d = resolveConfig('dins-lightgcn', { sampler: { m: 64 } });
  assert.deepEqual(d.sampler, { name: 'dins', m: 64, beta: 2, k: 1 });
  assert.deepEqual(resolveConfig(undefined, { metric: 'ndcg@50' }).ks, [10, 20, 50]);
});

test('key=value overrides and YAML/JSON files', () => {
  const o: Record<string, unknown> = {};
  for (const [k, v] of parseOverrides(['encoder.dim=32', 'ks=[20, 50]', 'optimizer.lazy=true', 'sampler.name=dns'])) setPath(o, k, v);
  assert.deepEqual(o, { encoder: { dim: 32 }, ks: [20, 50], optimizer: { lazy: true }, sampler: { name: 'dns' } });
  assert.throws(() => parseOverrides(['epochs']), /expected key\.path=value/);
  const y = parseConfigText('encoder:\n  name: lightgcn\n  layers: 2\nepochs: 3\n', 'x.yaml');
  assert.equal(resolveConfig(undefined, y).encoder.layers, 2);
  assert.throws(() => parseConfigText('{ bad json', 'x.json'), /invalid config \(x\.json\): cannot parse/);
  assert.throws(() => parseConfigText('- 1\n- 2\n', 'x.yaml'), /expected a mapping/);
  // A run's config.json (with its run record: resolved loss, kernel backend) reads back as a config.
  const fromRun = parseConfigText(JSON.stringify({ ...resolveConfig(undefined), epochs: 7, resolvedLoss: { name: 'bpr' },
    run: { backend: { name: 'wasm', threads: 2, requested: 'wasm', fallbackReason: null } } }), 'config.json');
  assert.equal(resolveConfig(undefined, fromRun).epochs, 7);
  assert.throws(() => validateConfig({ ...resolveConfig(undefined), dataset: 5 }), /dataset: expected a dataset name/);
});

test('testCurve is optional (off when absent), a boolean when given, and not part of a config group key', () => {
  assert.equal(resolveConfig(undefined).testCurve, undefined);
  assert.equal(resolveConfig(undefined, { testCurve: true }).testCurve, true);
  assert.throws(() => resolveConfig(undefined, { testCurve: 'yes' }), /testCurve/);
  assert.equal(configKey(resolveConfig(undefined, { testCurve: true })), configKey(resolveConfig(undefined)));
  assert.deepEqual(flagOverrides({ 'test-curve': true }), { testCurve: true });
});

test('faithfulness defaults in presets: gdns-gmf holds out one validation item per user; dins-ngcf queries per layer', async () => {
  const { resolveConfig } = await import('../../src/experiments/presets.js');
  const { createSampler } = await import('../../src/samplers/index.js');
  const g = resolveConfig('gdns-gmf');
  assert.equal((g.dataset as { split: string }).split, 'loo:latest:valid');
  const n = resolveConfig('dins-ngcf');
  assert.equal(n.encoder.name, 'ngcf');
  assert.equal((createSampler('dins', { ...n.sampler }) as unknown as { query: string }).query, 'layer');
  const { hasSharedData } = await import('../helpers/paths.js');
  if (!hasSharedData('ml-100k', 'u.data')) return;
  const { loadDataset } = await import('../../src/data/load.js');
  const ds = loadDataset(g.dataset as never);
  assert.ok(ds.valid, 'the split itself has a validation split (no carve)');
  for (let u = 0; u < ds.numUsers; u++) {
    assert.ok(ds.valid!.indptr[u + 1] - ds.valid!.indptr[u] <= 1, `user ${u}: one validation item at most`);
    assert.ok(ds.test.indptr[u + 1] - ds.test.indptr[u] <= 1);
  }
});

test('a sub-key override of a dataset given by its short name refines it (the name stays)', () => {
  const c = resolveConfig(undefined, { dataset: 'ml-100k' }, { dataset: { split: 'ratio:8:1:1' } });
  assert.deepEqual(c.dataset, { name: 'ml-100k', split: 'ratio:8:1:1' });
  const d = resolveConfig(undefined, { dataset: { synthetic: { users: 60 } } });
  assert.deepEqual(d.dataset, { name: 'synthetic', synthetic: { users: 60 } });
  // A full spec (its own name or format) replaces the short name as before.
  const e = resolveConfig(undefined, { dataset: 'ml-100k' }, { dataset: { name: 'lastfm' } });
  assert.deepEqual(e.dataset, { name: 'lastfm' });
});
