// Warm start (config initFrom / --init-from): the new run's encoder starts from the saved run's best-epoch
// parameters (checked before any step: epoch 0 evaluates exactly the source's weights), mismatches are refused
// naming the tensor and the file, the run records what it loaded, and a resumed warm-started run equals an
// uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { createEncoder } from '../../src/encoders/index.js';
import { Rng } from '../../src/core/rng.js';
import { ConfigError } from '../../src/experiments/config.js';
import { train } from '../../src/experiments/run.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';
import { readRunParams } from '../../src/io/runFiles.js';
import { warmStart } from '../../src/experiments/warmStart.js';

const ds = syntheticDataset({ users: 40, items: 60, interactionsPerUser: 8, seed: 3 });
const base: TrainConfig = { encoder: { name: 'mf', dim: 8, layers: 0 }, sampler: { name: 'uniform' }, epochs: 2, evalEvery: 1, batchSize: 64, seed: 1 };

test('initFrom loads the source run\'s parameters into the encoder and the run records it', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hardneg-warm-'));
  try {
    const src = join(root, 'src');
    await train(base, ds, { runDir: src });
    const saved = readRunParams(src);
    // The copy itself: every parameter equals the file's.
    const enc = createEncoder('mf', ds, { dim: 8 }, Rng.stream(9, 'init'));
    const rec = warmStart(enc, src, ds.fingerprint, () => assert.fail('same data: no warning'));
    for (const p of enc.parameters()) assert.deepEqual(Array.from(p.data), Array.from(saved.params.get(p.name)!.data), p.name);
    assert.deepEqual(rec.tensors, ['user_embedding', 'item_embedding']);
    assert.equal(rec.bestEpoch, saved.bestEpoch);

    // A run: another seed (other 'init' draws), yet the loaded weights are what it trains from (its summary says so).
    const dst = join(root, 'dst');
    const r = await train({ ...base, seed: 7, initFrom: src }, ds, { runDir: dst });
    assert.equal(r.initFrom?.run, src);
    assert.deepEqual(r.initFrom?.tensors, ['user_embedding', 'item_embedding']);
    const summary = JSON.parse(readFileSync(join(dst, 'summary.json'), 'utf8'));
    assert.equal(summary.initFrom.run, src);
    assert.match(readFileSync(join(dst, 'summary.md'), 'utf8'), /warm start: parameters user_embedding, item_embedding/);
    assert.equal(JSON.parse(readFileSync(join(dst, 'config.json'), 'utf8')).initFrom, src);
    // Zero epochs of training: the warm-started model is the source's best model, so its test metrics are the source's.
    const zero = await train({ ...base, seed: 7, epochs: 1, initFrom: src, optimizer: { name: 'sgd', lr: 1e-30, lazy: false, weightDecay: 0 } }, ds);
    const fresh = await train({ ...base, seed: 7, epochs: 1, optimizer: { name: 'sgd', lr: 1e-30, lazy: false, weightDecay: 0 } }, ds);
    const srcRun = JSON.parse(readFileSync(join(src, 'summary.json'), 'utf8'));
    assert.deepEqual(zero.test, srcRun.test);
    assert.notDeepEqual(fresh.test, srcRun.test);

    // Resume: a warm-started run stopped after epoch 1 and resumed equals the uninterrupted one.
    const full = await train({ ...base, epochs: 3, seed: 5, initFrom: src }, ds);
    const stop = join(root, 'stop');
    const ac = new AbortController();
    await train({ ...base, epochs: 3, seed: 5, initFrom: src }, ds, {
      runDir: stop, signal: ac.signal, onEvent: (e) => { if (e.type === 'eval' && e.record.epoch === 1) ac.abort(); },
    });
    const resumed = await train({ ...base, epochs: 3, seed: 5, initFrom: src }, ds, { runDir: stop, resume: true });
    assert.equal(resumed.resumedFrom.length, 1);
    assert.deepEqual(resumed.test, full.test);
    assert.deepEqual(resumed.epochs.map((e) => e.loss), full.epochs.map((e) => e.loss));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('initFrom refuses mismatches, naming the tensor and the file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hardneg-warm-'));
  try {
    const src = join(root, 'src');
    await train({ ...base, epochs: 1 }, ds, { runDir: src });
    const file = join(src, 'model.safetensors');
    // Another dim: the shape of the first tensor is named with the file.
    await assert.rejects(train({ ...base, encoder: { name: 'mf', dim: 16, layers: 0 }, initFrom: src }, ds), (e: Error) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.includes(file), e.message);
      assert.match(e.message, /'param\.user_embedding' has shape \[40, 8\], this run's mf encoder needs \[40, 16\]/);
      return true;
    });
    // Another encoder: GMF has a weight the file lacks.
    await assert.rejects(train({ ...base, encoder: { name: 'gmf', dim: 8, layers: 0 }, initFrom: src }, ds),
      /has no tensor 'param\.gmf_weight'/);
    // Other data sizes.
    const other = syntheticDataset({ users: 41, items: 60, interactionsPerUser: 8, seed: 3 });
    await assert.rejects(train({ ...base, initFrom: src }, other), /'param\.user_embedding' has shape \[40, 8\].*\[41, 8\]/);
    // A folder that is not a run, and a config value that is not a path.
    await assert.rejects(train({ ...base, initFrom: join(root, 'nope') }, ds), /initFrom: .*nope' is not a run folder/);
    await assert.rejects(train({ ...base, initFrom: root }, ds), /model\.safetensors does not exist/);
    await assert.rejects(train({ ...base, initFrom: 3 } as unknown as TrainConfig, ds), /initFrom: expected a non-empty string or null/);
    // The CLI: a usage error (exit 2) with the same message.
    const main = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
    const cli = spawnSync(process.execPath, [main, 'train', '--dataset', 'synthetic', '--dim', '16', '--epochs', '1', '--init-from', src],
      { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 2, cli.stderr);
    assert.match(cli.stderr, /param\.user_embedding/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
