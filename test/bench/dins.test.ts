// The DINS step benchmark must time the trainer's step, not an approximation of it: after one epoch, the bench's
// composed step (OurDinsStep) and train() with the same configuration and seed hold bit-identical parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OurDinsStep, STEP } from '../../bench/dins.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { train } from '../../src/experiments/run.js';

test('bench dins: one epoch of the bench step equals one epoch of train() with the same config', async () => {
  const ds = syntheticDataset({ users: 300, items: 500, seed: 3 });
  const seed = 11;
  const ours = new OurDinsStep(ds, seed);
  assert.ok(ours.stepsPerEpoch >= 2, 'the dataset should give several batches of 2048');
  ours.run(1, null); // the first step shuffles the epoch, so it is never timed
  const times = { full: [] as number[], sample: [] as number[], model: [] as number[], losses: [] as number[] };
  ours.run(ours.stepsPerEpoch - 1, times);
  assert.equal(times.full.length, ours.stepsPerEpoch - 1);
  for (let i = 0; i < times.full.length; i++) {
    assert.ok(times.sample[i]! > 0 && times.model[i]! > 0, 'both parts take time');
    assert.ok(Math.abs(times.sample[i]! + times.model[i]! - times.full[i]!) < 1e-9, 'sample + model = full');
    assert.ok(Number.isFinite(times.losses[i]!));
  }
  assert.throws(() => ours.run(1, null), /more steps than one epoch/);

  const res = await train({
    preset: 'dins-lightgcn', seed, epochs: 1, evalEvery: 1, patience: 0, selectOn: 'test',
    encoder: { name: 'lightgcn', dim: STEP.dim, layers: STEP.layers, init: 'xavier', includeEgoLayer: false },
    sampler: { name: 'dins', m: STEP.m, beta: STEP.beta, k: 1 }, loss: { name: 'bpr' },
    optimizer: { name: 'adam', lr: STEP.lr, lazy: false, weightDecay: 0 }, l2: STEP.l2, batchSize: STEP.batch,
  }, ds);
  const trained = res.weights!.params;
  const mine = ours.parameters();
  assert.deepEqual(trained.map((p) => p.name), mine.map((p) => p.name));
  for (let k = 0; k < mine.length; k++) {
    const a = trained[k]!.data, b = mine[k]!.data;
    assert.equal(a.length, b.length);
    let diff = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diff++;
    assert.equal(diff, 0, `${mine[k]!.name}: ${diff} entries differ from train()`);
  }
  // And the step did train: the weights moved away from a fresh initialisation with the same seed.
  const fresh = new OurDinsStep(ds, seed).parameters()[0]!.data;
  let moved = 0;
  for (let i = 0; i < fresh.length; i++) if (fresh[i] !== mine[0]!.data[i]) moved++;
  assert.ok(moved > fresh.length / 2, `only ${moved} of ${fresh.length} weights changed`);
});
