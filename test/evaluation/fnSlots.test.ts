// The per-slot false-negative rate: contrastive DNS's j (slot 0) and j′ (slot 1) counted apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SamplerDiagnostics } from '../../src/evaluation/diagnostics.js';
import { datasetOf } from './fixtures.js';

test('false-negative rate per negative slot, by hand; null when K changes between steps', () => {
  // u0 test {2}; u1 test {4}.
  const ds = datasetOf(5, [[0, 1], [0, 3]], [[2], [4]], [[3], []]);
  const diag = new SamplerDiagnostics(ds);
  // K = 2. Step 1: u0 → (2 hit, 3), u1 → (1, 4 hit). Step 2: u1 → (4 hit, −1 none), u0 → (3, 2 hit).
  diag.add(Int32Array.of(0, 1), null, null, 2, Int32Array.of(2, 3, 1, 4));
  diag.add(Int32Array.of(1, 0), null, null, 2, Int32Array.of(4, -1, 3, 2));
  const s = diag.summary();
  // slot 0: items 2 (hit), 1, 4 (hit), 3 → 2/4; slot 1: 3, 4 (hit), 2 (hit) (the −1 not counted) → 2/3.
  assert.deepEqual(s.falseNegativeRateBySlot, [2 / 4, 2 / 3]);
  assert.equal(s.falseNegativeRate, 4 / 7);
  diag.add(Int32Array.of(0), null, null, 1, Int32Array.of(2));
  assert.equal(diag.summary().falseNegativeRateBySlot, null, 'mixed K');
  diag.reset();
  assert.equal(diag.summary().falseNegativeRateBySlot, null, 'nothing added');
  diag.add(Int32Array.of(0), null, null, 1, Int32Array.of(2));
  assert.deepEqual(diag.summary().falseNegativeRateBySlot, [1]);
});
