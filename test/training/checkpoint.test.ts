import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticDataset } from '../../src/data/index.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import type { RunConfig } from '../../src/experiments/config.js';
import type { Dataset } from '../../src/data/types.js';
import { datasetFromConfig } from '../../src/cli/common.js';
import { readRunEmbeddings } from '../../src/experiments/runStore.js';
import { CHECKPOINT_FILE, CheckpointTooLargeError, readCheckpoint, writeCheckpoint } from '../../src/training/checkpoint.js';
import { writeSafetensors } from '../../src/io/safetensors.js';
import { type RunResult } from '../../src/training/types.js';
import { train } from '../../src/experiments/run.js';

const ds = () => syntheticDataset({ users: 80, items: 120, seed: 3 });
const base = { epochs: 7, evalEvery: 2, patience: 0, ks: [10], batchSize: 256, encoder: { dim: 8 } };

/** metrics.jsonl without the wall-clock fields (the only thing a resumed run may change). */
function metricsOf(dir: string): unknown[] {
  const timing = new Set(['seconds', 'pairsPerSec', 'sampleTimeShare']);
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l, (k, v) => (timing.has(k) ? undefined : v)));
}

/** Trains until the epoch-`crashAt` record is out, then throws (a killed process: no summary, checkpoint left). */
async function crashAfter(cfg: RunConfig, dir: string, crashAt: number, data: Dataset = ds()): Promise<void> {
  await assert.rejects(train(cfg, data, {
    runDir: dir,
    onEvent: (e) => {
      if (e.type === 'epoch' && e.record.epoch === crashAt) throw new Error('simulated kill');
    },
  }), /simulated kill/);
}

function sameResult(a: RunResult, b: RunResult, what: string): void {
  assert.equal(b.bestEpoch, a.bestEpoch, what);
  assert.deepEqual(b.best, a.best, what);
  assert.deepEqual(b.test, a.test, what);
  assert.deepEqual(b.epochs.map((e) => e.loss), a.epochs.map((e) => e.loss), `${what}: epoch losses`);
  assert.deepEqual(b.evaluations.map((e) => e.metrics), a.evaluations.map((e) => e.metrics), `${what}: evaluations`);
  assert.deepEqual(Array.from(b.perUserTest!.values['recall@10']), Array.from(a.perUserTest!.values['recall@10']), what);
  for (let i = 0; i < a.weights!.params.length; i++) {
    assert.deepEqual(b.weights!.params[i].data, a.weights!.params[i].data, `${what}: best weights ${a.weights!.params[i].name}`);
  }
}

test('a run killed after a checkpoint and resumed ends bit-identical to one that ran through (stateful SRNS and GDNS too, and the whole-data ENMF loss)', async () => {
  const cases: Array<Record<string, unknown>> = [
    { sampler: { name: 'uniform' } },
    { sampler: { name: 'dns', m: 8 }, optimizer: { name: 'adam', lazy: true } },
    { sampler: { name: 'pdns', m: 8 } },
    { encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'srns', s1: 4, s2: 8, warmup: 2 }, optimizer: { name: 'adagrad', lr: 0.05 } },
    { encoder: { name: 'lightgcn', dim: 8, layers: 2 }, sampler: { name: 'dins', m: 8 } },
    { encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'gdns', m: 12 }, batching: 'groups', groupSize: 3, batchSize: 16, optimizer: { name: 'adagrad', lr: 0.05 } },
    // userMean keeps float64 per-user sums in its state; w/o group-wise loss trains on one negative per row.
    { encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'gdns', m: 12, unvisited: 'userMean', groupLoss: false }, batching: 'groups', groupSize: 3, batchSize: 16, optimizer: { name: 'adagrad', lr: 0.05 } },
    // ENMF: a whole-data loss (every item's rows each step), each user once per epoch, dropout on the user rows.
    { encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'uniform' }, loss: { name: 'enmf', dropout: 0.3 }, batching: 'groups', groupSize: 1, batchSize: 16, optimizer: { name: 'adagrad', lr: 0.05 } },
  ];
  for (const c of cases) {
    const cfg = resolveConfig(undefined, { ...base, ...c, encoder: { ...base.encoder, ...(c.encoder as object) } });
    const what = `${cfg.encoder.name}+${cfg.sampler.name}`;
    const root = mkdtempSync(join(tmpdir(), 'hn-ckpt-'));
    try {
      const whole = await train(cfg, ds(), { runDir: join(root, 'whole') });
      assert.ok(!existsSync(join(root, 'whole', CHECKPOINT_FILE)), `${what}: a finished run removes its checkpoint`);
      assert.deepEqual(whole.resumedFrom, []);

      const dir = join(root, 'killed');
      await crashAfter(cfg, dir, 5); // last checkpoint: after the evaluation of epoch 4
      assert.ok(existsSync(join(dir, CHECKPOINT_FILE)), `${what}: checkpoint left by the killed run`);
      assert.ok(!existsSync(join(dir, 'summary.json')));
      const resumed = await train(cfg, ds(), { runDir: dir, resume: true });
      assert.deepEqual(resumed.resumedFrom, [4], what);
      sameResult(whole, resumed, what);
      assert.deepEqual(metricsOf(dir), metricsOf(join(root, 'whole')), `${what}: metrics.jsonl`);
      assert.deepEqual(readRunEmbeddings(dir).items, readRunEmbeddings(join(root, 'whole')).items, `${what}: saved model`);
      assert.ok(!existsSync(join(dir, CHECKPOINT_FILE)));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});

test('resuming twice records both stops; resume refuses another config, other data, or a folder without a checkpoint', async () => {
  const cfg = resolveConfig(undefined, { ...base, sampler: { name: 'dns', m: 4 } });
  const root = mkdtempSync(join(tmpdir(), 'hn-ckpt-'));
  try {
    const dir = join(root, 'r');
    await crashAfter(cfg, dir, 3);
    await assert.rejects(train({ ...cfg, optimizer: { ...cfg.optimizer, lr: 0.5 } }, ds(), { runDir: dir, resume: true }), /another config/);
    const metricsBefore = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
    await assert.rejects(train(cfg, syntheticDataset({ users: 80, items: 120, seed: 4 }), { runDir: dir, resume: true }), /other data/);
    assert.equal(readFileSync(join(dir, 'metrics.jsonl'), 'utf8'), metricsBefore, 'a refused resume leaves the run folder as it was');
    await assert.rejects(
      train(cfg, ds(), { runDir: dir, resume: true, onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 5) throw new Error('simulated kill'); } }),
      /simulated kill/);
    const r = await train(cfg, ds(), { runDir: dir, resume: true });
    assert.deepEqual(r.resumedFrom, [2, 4]);
    assert.equal(r.epochsRun, 7);
    await assert.rejects(train(cfg, ds(), { runDir: join(root, 'none'), resume: true }), new RegExp(`${CHECKPOINT_FILE}: no checkpoint`));
    await assert.rejects(train(cfg, ds(), { resume: true }), /resume needs runDir/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('hardneg train --resume DIR continues a killed run with its own config; config flags beside it are refused', async () => {
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');
  const root = mkdtempSync(join(tmpdir(), 'hn-ckpt-'));
  try {
    const dir = join(root, 'run');
    const cfg = resolveConfig('quickstart', { ...base, epochs: 6 });
    await crashAfter(cfg, dir, 3, await datasetFromConfig(cfg.dataset));
    const out = execFileSync(process.execPath, [cli, 'train', '--resume', dir, '--threads', '1', '--json', '-q'], { encoding: 'utf8' });
    const summary = JSON.parse(out);
    assert.deepEqual(summary.resumedFrom, [2]);
    assert.equal(summary.epochsRun, 6);
    const clash = spawnSync(process.execPath, [cli, 'train', '--resume', dir, '--epochs', '9'], { encoding: 'utf8' });
    assert.equal(clash.status, 2);
    assert.match(clash.stderr, /drop --epochs/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an interrupted run (Ctrl-C: abort signal) keeps its checkpoint, says how to resume, and resumes to the same end', async () => {
  const cfg = resolveConfig(undefined, { ...base, sampler: { name: 'dns', m: 4 } });
  const root = mkdtempSync(join(tmpdir(), 'hn-ckpt-'));
  try {
    const whole = await train(cfg, ds(), { runDir: join(root, 'whole') });
    const dir = join(root, 'r');
    const abort = new AbortController();
    const cut = await train(cfg, ds(), { runDir: dir, signal: abort.signal, onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 3) abort.abort(); } });
    assert.equal(cut.interrupted, true);
    assert.ok(cut.warnings.some((w) => w.includes(`hardneg train --resume ${dir}`)), cut.warnings.join('\n'));
    assert.ok(existsSync(join(dir, CHECKPOINT_FILE)));
    const resumed = await train(cfg, ds(), { runDir: dir, resume: true });
    assert.deepEqual(resumed.resumedFrom, [2]);
    sameResult(whole, resumed, 'after Ctrl-C');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a checkpoint too large to be read back (Node buffers stop at 2 GiB) is refused before any byte is written, and a damaged one is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-ckpt-big-'));
  try {
    const c = {
      epoch: 1, config: '{}', fingerprint: 'f', params: [{ name: 'p', data: new Float32Array(1024) }],
      optimizer: { kind: 'sgd', params: [] }, rng: {}, components: {}, selector: { bestEpoch: 1, bestValue: 0.5, bad: 0 },
      epochs: [], evaluations: [], bestSel: {}, bestTest: {}, perUserTest: null, bestWeights: null,
      counters: { pairsDone: 0, trainMs: 0, evalMs: 0, secondsBefore: 0, metricsLines: 0 }, resumedFrom: [],
    } as unknown as Parameters<typeof writeCheckpoint>[1];
    assert.throws(() => writeCheckpoint(dir, c, 1000), CheckpointTooLargeError);
    assert.ok(!existsSync(join(dir, CHECKPOINT_FILE)));
    writeCheckpoint(dir, c);
    assert.equal(readCheckpoint(dir).epoch, 1);
    // A safetensors file of the checkpoint format whose state lacks what a resume reads.
    writeSafetensors(join(dir, CHECKPOINT_FILE), { x: { shape: [1], data: new Float32Array(1) } }, { format: 'hardneg-checkpoint/1', state: '{"epoch":3}' });
    assert.throws(() => readCheckpoint(dir), /a damaged checkpoint \(its state lacks config, fingerprint, params/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
