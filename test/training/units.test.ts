import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Dataset, InteractionSet } from '../../src/data/types.js';
import { interactionBatcher, userBatcher } from '../../src/training/batching.js';
import { SamplerDiagnostics } from '../../src/evaluation/diagnostics.js';
import { ModelSelector } from '../../src/training/selection.js';
import { checkCompatibility } from '../../src/experiments/assemble.js';
import { formatDuration } from '../../src/training/progress.js';

function csr(rows: number[][], cols: number): InteractionSet {
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  rows.forEach((r, u) => {
    idx.push(...r);
    indptr[u + 1] = idx.length;
  });
  return { rows: rows.length, cols, indptr, indices: Int32Array.from(idx) };
}

test('model selection: best = first strict maximum; patience counts evaluations without improvement', () => {
  const s = new ModelSelector(3);
  const seq = [0.1, 0.3, 0.2, 0.5, 0.4, 0.5, 0.45];
  const steps = seq.map((v, i) => s.update((i + 1) * 2, v));
  assert.deepEqual(steps.map((x) => x.improved), [true, true, false, true, false, false, false]);
  assert.deepEqual(steps.map((x) => x.stop), [false, false, false, false, false, false, true]);
  assert.equal(s.bestEpoch, 8); // the tie at 0.5 (epoch 12) does not replace it
  assert.equal(s.bestValue, 0.5);
  const off = new ModelSelector(0);
  for (let i = 0; i < 50; i++) assert.equal(off.update(i, 0).stop, false);
  const nan = new ModelSelector(1);
  assert.equal(nan.update(1, NaN).improved, false);
  assert.throws(() => new ModelSelector(-1), /patience/);
});

test('interaction batching visits every training pair once per epoch, in a seeded shuffled order', () => {
  const train = csr([[0, 2], [1], [], [0, 1, 3]], 4);
  const b = interactionBatcher(train, 4);
  assert.equal(b.stepsPerEpoch, 2);
  const seen: string[] = [];
  const sizes: number[] = [];
  for (const { users, pos } of b.epoch(Rng.stream(1, 'batch'))) {
    sizes.push(users.length);
    for (let j = 0; j < users.length; j++) seen.push(`${users[j]}:${pos[j]}`);
  }
  assert.deepEqual(sizes, [4, 2]);
  assert.deepEqual([...seen].sort(), ['0:0', '0:2', '1:1', '3:0', '3:1', '3:3']);
  const again: string[] = [];
  for (const { users, pos } of b.epoch(Rng.stream(1, 'batch'))) for (let j = 0; j < users.length; j++) again.push(`${users[j]}:${pos[j]}`);
  assert.deepEqual(again, seen, 'same seed, same order');
});

test('user batching: ⌈#train / B⌉ steps, users with items only, each positive a training item of its user', () => {
  const train = csr([[0, 2], [1], [], [0, 1, 3]], 4);
  const b = userBatcher(train, 4, null);
  assert.equal(b.stepsPerEpoch, 2);
  assert.equal(b.pairsPerEpoch, 6);
  const counts = new Map<number, number>();
  const rng = Rng.stream(3, 'batch');
  for (let e = 0; e < 300; e++) {
    for (const { users, pos } of b.epoch(rng)) {
      for (let j = 0; j < users.length; j++) {
        const u = users[j];
        assert.notEqual(u, 2, 'user 2 has no training items');
        const row = Array.from(train.indices.subarray(train.indptr[u], train.indptr[u + 1]));
        assert.ok(row.includes(pos[j]));
        counts.set(u, (counts.get(u) ?? 0) + 1);
      }
    }
  }
  // Users are uniform over the 3 active users (not weighted by degree): 1800 draws, ≈600 each.
  for (const u of [0, 1, 3]) assert.ok(Math.abs((counts.get(u) ?? 0) - 600) < 90, `user ${u}: ${counts.get(u)}`);
  assert.equal(userBatcher(train, 4, 5).stepsPerEpoch, 5);
});

test('diagnostics as the trainer feeds them: score gap, false-negative share, negative popularity and percentile, sampling share', () => {
  const ds = {
    test: csr([[2], [0]], 4),
    valid: csr([[1], []], 4),
    itemPopularity: Int32Array.from([1, 2, 3, 4]),
  } as unknown as Dataset;
  const d = new SamplerDiagnostics(ds);
  d.add(Int32Array.from([0, 1]), Float32Array.from([1, 2]), Float32Array.from([0.5, 0, 1, 3]), 2, Int32Array.from([2, 1, 3, 0]));
  d.addTime(1, 4);
  const s = d.summary();
  assert.equal(s.scoreGap, 0.375); // ((1−.5) + (1−0) + (2−1) + (2−3)) / 4
  assert.equal(s.falseNegativeRate, 0.5); // (0,2) and (1,0) are test positives
  assert.equal(s.validFalseNegativeRate, 0.25); // (0,1)
  assert.equal(s.negPopularity, 2.5); // (3 + 2 + 4 + 1) / 4
  assert.ok(Math.abs(s.negPopularityPercentile - 0.5) < 1e-6); // (2/3 + 1/3 + 1 + 0) / 4
  assert.equal(s.sampleTimeShare, 0.25);
  d.reset();
  assert.ok(Number.isNaN(d.summary().scoreGap));
});

test('compatibility checks name the sampler, the need and the encoder', () => {
  const enc = { name: 'mf', numLayers: 0, scorerKind: 'dot', pooling: 'mean' } as never;
  const ds = { name: 'toy' } as Dataset;
  assert.throws(() => checkCompatibility({ name: 'mixgcf', needs: { graph: true } } as never, enc, ds),
    /sampler 'mixgcf' needs a graph encoder .* encoder 'mf' has none/);
  assert.throws(() => checkCompatibility({ name: 'recns', needs: { exposure: true } } as never, enc, ds),
    /needs exposure data .* dataset 'toy' has none/);
  assert.throws(() => checkCompatibility({ name: 'srns', needs: { scorer: ['gmf'] } } as never, enc, ds),
    /works with scorer gmf; encoder 'mf' scores with 'dot'/);
  assert.doesNotThrow(() => checkCompatibility({ name: 'uniform' } as never, enc, ds));
});

test('durations format as mm:ss / h:mm:ss', () => {
  assert.equal(formatDuration(65), '01:05');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '--:--');
});
