import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLrSchedule } from '../../src/training/schedule.js';
import { ModelSelector } from '../../src/training/selection.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { ConfigError } from '../../src/experiments/config.js';
import { syntheticDataset } from '../../src/data/index.js';
import { train } from '../../src/experiments/run.js';
import type { Evaluator } from '../../src/evaluation/protocol.js';

const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) < 1e-15, `${msg}: ${a} vs ${b}`);

test('lr schedules against hand-computed values', () => {
  const step = createLrSchedule({ name: 'step', stepSize: 2, gamma: 0.5 }, 0.1, 10);
  assert.deepEqual([1, 2, 3, 4, 5].map(step), [0.1, 0.1, 0.05, 0.05, 0.025]);
  // PDNS Fig. 4a: 0.005 before epoch 40, then 0.001 (γ = 0.2 after milestone 40).
  const ms = createLrSchedule({ name: 'step', milestones: [40], gamma: 0.2 }, 0.005, 100);
  close(ms(40), 0.005, 'epoch 40');
  close(ms(41), 0.005 * 0.2, 'epoch 41');
  const ms2 = createLrSchedule({ name: 'step', milestones: [2, 4] }, 1, 10); // default γ 0.1
  assert.deepEqual([1, 2, 3, 4, 5].map(ms2).map((x) => +x.toPrecision(12)), [1, 1, 0.1, 0.1, 0.01]);
  const ex = createLrSchedule({ name: 'exponential', gamma: 0.9 }, 0.2, 10);
  close(ex(1), 0.2, 'exp 1');
  close(ex(3), 0.2 * 0.81, 'exp 3');
  // cosine, T = 4, η_min 0.01: e = 1 → lr0; e = 3 → (lr0 + η)/2; e = 5 → η; beyond T it stays at η.
  const cos = createLrSchedule({ name: 'cosine', tMax: 4, etaMin: 0.01 }, 0.11, 10);
  close(cos(1), 0.11, 'cos 1');
  close(cos(2), 0.01 + 0.1 * (1 + Math.SQRT1_2) / 2, 'cos 2');
  close(cos(3), 0.06, 'cos 3');
  close(cos(5), 0.01, 'cos 5');
  close(cos(9), 0.01, 'cos 9');
  const cosDefault = createLrSchedule({ name: 'cosine' }, 1, 2); // T = the run's epochs
  close(cosDefault(2), 0.5, 'cos T = epochs');
  assert.equal(createLrSchedule(null, 0.3, 5)(4), 0.3);
  assert.equal(createLrSchedule({ name: 'constant' }, 0.3, 5)(4), 0.3);
});

test('lr schedule options are checked, naming the key', () => {
  assert.throws(() => createLrSchedule({ name: 'step', gamma: 0.5 }, 1, 5), /lrSchedule: step needs exactly one of stepSize and milestones/);
  assert.throws(() => createLrSchedule({ name: 'step', milestones: [3, 2] }, 1, 5), /milestones must be ascending/);
  assert.throws(() => createLrSchedule({ name: 'exponential' }, 1, 5), /exponential needs gamma/);
  assert.throws(() => createLrSchedule({ name: 'cosine', gamma: 0.5 } as never, 1, 5), /gamma does not apply to the cosine schedule/);
  assert.throws(() => createLrSchedule({ name: 'cosine', etaMin: 2 }, 1, 5), /etaMin must be in \[0, lr\]/);
  assert.throws(() => createLrSchedule({ name: 'linear' } as never, 1, 5), /unknown schedule 'linear'/);
  // Config keys: validated by the schema (names, types), accepted when right.
  assert.doesNotThrow(() => resolveConfig(undefined, { lrSchedule: { name: 'step', stepSize: 3 }, improveOnTie: true }));
  assert.throws(() => resolveConfig(undefined, { lrSchedule: { name: 'warmup' } }), (e: unknown) => e instanceof ConfigError && /lrSchedule\.name/.test(e.message));
  assert.throws(() => resolveConfig(undefined, { lrSchedule: { name: 'step', stepSize: 0 } }), ConfigError);
  assert.throws(() => resolveConfig(undefined, { improveOnTie: 'yes' }), (e: unknown) => e instanceof ConfigError && /improveOnTie/.test(e.message));
});

test('improveOnTie: an equal validation value counts as an improvement (the DINS/MixGCF code), else not', () => {
  const seq = [0.1, 0.3, 0.3, 0.2, 0.3];
  const strict = new ModelSelector(2);
  const tie = new ModelSelector(2, true);
  assert.deepEqual(seq.map((v, i) => strict.update(i + 1, v).improved), [true, true, false, false, false]);
  assert.equal(strict.bestEpoch, 2);
  assert.deepEqual(seq.map((v, i) => tie.update(i + 1, v).improved), [true, true, true, false, true]);
  assert.equal(tie.bestEpoch, 5, 'the later epoch of equal value is the best');
  assert.equal(new ModelSelector(1).update(1, NaN).improved, false);
});

test('the trainer sets the optimiser lr per epoch from the schedule and records it; improveOnTie reaches the selector', async () => {
  const ds = () => syntheticDataset({ users: 60, items: 80, seed: 3 });
  const base = { epochs: 4, evalEvery: 1, patience: 0, ks: [20], encoder: { dim: 4 }, optimizer: { lr: 0.04 } };
  const r = await train(resolveConfig(undefined, { ...base, lrSchedule: { name: 'step', stepSize: 2, gamma: 0.5 } }), ds(), { keepWeights: false });
  assert.deepEqual(r.epochs.map((e) => e.lr), [0.04, 0.04, 0.02, 0.02]);
  const plain = await train(resolveConfig(undefined, base), ds(), { keepWeights: false });
  assert.equal(plain.epochs[0].lr, undefined);
  assert.equal(r.epochs[1].loss, plain.epochs[1].loss, 'same lr in epochs 1–2: same losses');
  assert.notEqual(r.epochs[3].loss, plain.epochs[3].loss, 'halved lr afterwards');
  const flat: Evaluator = (_e, _d, o) => ({
    metrics: { 'recall@20': 0.5 }, perUser: { users: Int32Array.of(0), values: { 'recall@20': Float32Array.of(0.5) } },
    usersEvaluated: 1, usersSkipped: 0, split: o.split, maskedValid: false,
  });
  const t = await train(resolveConfig(undefined, { ...base, improveOnTie: true }), ds(), { keepWeights: false, evaluator: flat });
  assert.equal(t.bestEpoch, 4);
  const s = await train(resolveConfig(undefined, base), ds(), { keepWeights: false, evaluator: flat });
  assert.equal(s.bestEpoch, 1);
});
