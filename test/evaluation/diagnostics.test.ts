import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamplerDiagnostics, embeddingEntropy, popularityPercentiles } from '../../src/evaluation/diagnostics.js';
import { datasetOf } from './fixtures.js';

const close = (a: number, b: number, msg: string, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${msg}: got ${a}, want ${b}`);

test('popularity percentiles: share of strictly less popular items over n − 1', () => {
  // popularity 3, 0, 3, 1, 5 → less popular counts 2, 0, 2, 1, 4 → / 4.
  assert.deepEqual([...popularityPercentiles(Int32Array.of(3, 0, 3, 1, 5))], [0.5, 0, 0.5, 0.25, 1]);
});

test('sampler diagnostics over two steps, worked by hand', () => {
  // 5 items; train gives popularity i0 2, i1 1, i2 0, i3 1, i4 0. u0 test {2}, valid {3}; u1 test {4}.
  const ds = datasetOf(5, [[0, 1], [0, 3]], [[2], [4]], [[3], []]);
  assert.deepEqual([...ds.itemPopularity], [2, 1, 0, 1, 0]);
  // percentiles: less-popular counts 4, 2, 0, 2, 0 → 1, 0.5, 0, 0.5, 0.
  const diag = new SamplerDiagnostics(ds);
  // Step 1, k = 2: u0 picks 2 (test positive) and 3 (valid positive); u1 picks 4 (test positive) and 1.
  //   gaps: u0 s⁺ 1 vs 0.5, 2 → 0.5, −1; u1 s⁺ 0 vs −1, 0 → 1, 0.
  diag.add(Int32Array.of(0, 1), Float32Array.of(1, 0), Float32Array.of(0.5, 2, -1, 0), 2, Int32Array.of(2, 3, 4, 1));
  // Step 2, k = 1: a synthetic negative for u1 mixed from item 0 (score gap 3), and a −1 slot (no real item) for u0.
  diag.add(Int32Array.of(1, 0), Float32Array.of(4, 0), Float32Array.of(1, 0), 1, Int32Array.of(0, -1));
  diag.addTime(2, 10);
  diag.addTime(1, 5);
  const s = diag.summary();
  close(s.scoreGap, (0.5 - 1 + 1 + 0 + 3 + 0) / 6, 'gap');
  // Real items: 2, 3, 4, 1, 0 → 5; test positives: (u0,2), (u1,4) → 2/5; valid: (u0,3) → 1/5.
  assert.equal(s.negativesSeen, 5);
  close(s.falseNegativeRate, 2 / 5, 'test FN rate');
  close(s.validFalseNegativeRate!, 1 / 5, 'valid FN rate');
  close(s.negPopularity, (0 + 1 + 0 + 1 + 2) / 5, 'mean popularity');
  close(s.negPopularityPercentile, (0 + 0.5 + 0 + 0.5 + 1) / 5, 'mean percentile');
  close(s.sampleTimeShare, 3 / 15, 'sample time share');
  diag.reset();
  const e = diag.summary();
  assert.ok(Number.isNaN(e.scoreGap) && Number.isNaN(e.falseNegativeRate));
  assert.equal(e.negativesSeen, 0);
  // Scores only (no items) and items only (no scores).
  diag.add(Int32Array.of(0), Float32Array.of(2), Float32Array.of(1), 1, null);
  diag.add(Int32Array.of(0), null, null, 1, Int32Array.of(2));
  close(diag.summary().scoreGap, 1, 'gap only');
  close(diag.summary().falseNegativeRate, 1, 'FN only');
  assert.throws(() => diag.add(Int32Array.of(0), Float32Array.of(1), Float32Array.of(1, 2, 3), 2, null), /expected 1 positive and 2 negative/);
  // Without a validation split the valid rate is null.
  assert.equal(new SamplerDiagnostics(datasetOf(3, [[0]], [[1]])).summary().validFalseNegativeRate, null);
});

test('embedding entropy (contrastive DNS eq. 6) against hand values', () => {
  // Constant rows: softmax uniform over d = 4 → each row has entropy ln 4; 3 rows → H = 3 ln 4 / 4.
  close(embeddingEntropy(new Float32Array(8), Float32Array.of(7, 7, 7, 7), 4), (3 * Math.log(4)) / 4, 'uniform rows');
  // Row (0, ln 3): softmax (1/4, 3/4) → −(¼ ln ¼ + ¾ ln ¾) = 0.5623351446188083; d = 2 (ln 3 rounded to float32).
  close(embeddingEntropy(Float32Array.of(0, Math.log(3)), new Float32Array(0), 2), 0.5623351446188083 / 2, 'two-way row', 1e-7);
  // A dominant coordinate: softmax ≈ one-hot → entropy ≈ 0 (and no overflow for large values).
  assert.ok(embeddingEntropy(Float32Array.of(1000, 0, 0), new Float32Array(0), 3) < 1e-12);
  // Shift invariance per row.
  close(embeddingEntropy(Float32Array.of(1, 2, 3), Float32Array.of(11, 12, 13), 3),
    2 * embeddingEntropy(Float32Array.of(-4, -3, -2), new Float32Array(0), 3), 'shift invariance');
  assert.throws(() => embeddingEntropy(new Float32Array(5), new Float32Array(0), 2), /not rows of 2/);
});
