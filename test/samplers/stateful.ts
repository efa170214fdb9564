// Shared checks for stateful samplers (AOBPR, AdaSIR, …) and losses (`extra`: e.g. a loss config): a short train() run gives the same result at one and two
// kernel threads, and a run killed after a checkpoint and resumed ends bit-identical to one that ran through.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { backendInfo, setThreads } from '../../src/engine/kernels/index.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { CHECKPOINT_FILE } from '../../src/training/checkpoint.js';
import type { RunResult } from '../../src/training/types.js';

/** The runs' dataset; `exposure` adds exposure records (for samplers that need them: RNS-AS). */
const dataOf = (exposure = false) => () => syntheticDataset({ users: 60, items: 90, seed: 3, ...(exposure ? { exposure: 3 } : {}) });

function same(a: RunResult, b: RunResult, what: string): void {
  assert.deepEqual(b.epochs.map((e) => e.loss), a.epochs.map((e) => e.loss), `${what}: epoch losses`);
  assert.deepEqual(b.evaluations.map((e) => e.metrics), a.evaluations.map((e) => e.metrics), `${what}: evaluations`);
  assert.deepEqual(b.test, a.test, `${what}: test`);
  for (let i = 0; i < a.weights!.params.length; i++) {
    assert.deepEqual(b.weights!.params[i].data, a.weights!.params[i].data, `${what}: weights ${a.weights!.params[i].name}`);
  }
}

/** One epoch at 1 and at 2 threads: identical losses, metrics and weights. */
export async function sameAtOneAndTwoThreads(sampler: Record<string, unknown>, encoder: Record<string, unknown> = { dim: 8 }, exposure = false,
  extra: Record<string, unknown> = {}): Promise<void> {
  const data = dataOf(exposure);
  const cfg = resolveConfig(undefined, { epochs: 1, evalEvery: 1, patience: 0, ks: [10], batchSize: 128, encoder, sampler, ...extra });
  const before = backendInfo();
  try {
    setThreads(1);
    const one = await train(cfg, data());
    setThreads(2);
    const two = await train(cfg, data());
    assert.equal(one.epochsRun, 1);
    assert.ok(Number.isFinite(one.epochs[0].loss));
    same(one, two, `${String(sampler.name)}: 1 vs 2 threads`);
  } finally {
    setThreads(before.threads);
  }
}

/** Killed after the epoch-3 record (checkpoint after epoch 2), resumed: bit-identical to an uninterrupted run. */
export async function resumesBitIdentical(sampler: Record<string, unknown>, encoder: Record<string, unknown> = { dim: 8 }, exposure = false,
  extra: Record<string, unknown> = {}): Promise<void> {
  const data = dataOf(exposure);
  const cfg = resolveConfig(undefined, { epochs: 4, evalEvery: 2, patience: 0, ks: [10], batchSize: 128, encoder, sampler, ...extra });
  const root = mkdtempSync(join(tmpdir(), 'hn-stateful-'));
  try {
    const whole = await train(cfg, data(), { runDir: join(root, 'whole') });
    const dir = join(root, 'killed');
    await assert.rejects(train(cfg, data(), {
      runDir: dir,
      onEvent: (e) => {
        if (e.type === 'epoch' && e.record.epoch === 3) throw new Error('simulated kill');
      },
    }), /simulated kill/);
    assert.ok(existsSync(join(dir, CHECKPOINT_FILE)), 'checkpoint left by the killed run');
    const resumed = await train(cfg, data(), { runDir: dir, resume: true });
    assert.deepEqual(resumed.resumedFrom, [2]);
    same(whole, resumed, `${String(sampler.name)}: resumed`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
