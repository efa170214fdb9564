import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizedAdjacency } from '../../src/encoders/graph.js';
import { heap } from '../../src/engine/memory.js';
import { GRAPH_4x5, denseNormAdj, tinyDataset } from './fixtures.js';

test('Â = D^-½ A D^-½ on a 2-user × 3-item graph, by hand', () => {
  // u0–i0, u0–i1, u1–i1, u1–i2: degrees u0 2, u1 2, i0 1, i1 2, i2 1. Nodes: u0 u1 | i0 i1 i2 = 0 1 | 2 3 4.
  const a = normalizedAdjacency(tinyDataset(2, 3, [[0, 0], [0, 1], [1, 1], [1, 2]]));
  assert.equal(a.rows, 5);
  assert.deepEqual(Array.from(a.indptr), [0, 2, 4, 5, 7, 8]);
  assert.deepEqual(Array.from(a.indices), [2, 3, 3, 4, 0, 0, 1, 1]);
  const s2 = 1 / Math.sqrt(2), h = 0.5;
  const want = [s2, h, h, s2, s2, h, h, s2];
  a.values!.forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-7, `value ${k}: ${v} vs ${want[k]}`));
  // kernels address it in place
  assert.ok(heap.owns(a.indptr) && heap.owns(a.indices) && heap.owns(a.values!));
});

test('Â matches a dense float64 construction, is symmetric, rows sorted, no self-loops', () => {
  const nu = 4, ni = 5;
  const a = normalizedAdjacency(tinyDataset(nu, ni, GRAPH_4x5));
  const dense = denseNormAdj(nu, ni, GRAPH_4x5);
  const n = nu + ni;
  const got = Array.from({ length: n }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      if (p > a.indptr[r]) assert.ok(a.indices[p] > a.indices[p - 1], `row ${r} not sorted`);
      assert.notEqual(a.indices[p], r, 'self-loop');
      got[r][a.indices[p]] = a.values![p];
    }
  }
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    assert.ok(Math.abs(got[r][c] - dense[r][c]) < 1e-7, `(${r},${c}) ${got[r][c]} vs ${dense[r][c]}`);
    assert.equal(got[r][c], got[c][r]);
  }
});

test('duplicate training pairs count once; isolated nodes get empty rows; bad items are named', () => {
  const a = normalizedAdjacency(tinyDataset(2, 3, [[0, 1], [0, 1]]));
  assert.equal(a.indptr[a.rows], 2);
  assert.equal(a.values![0], 1);
  assert.equal(a.indptr[2] - a.indptr[1], 0); // user 1 has no edges
  const bad = tinyDataset(1, 2, [[0, 1]]);
  (bad.train.indices as Int32Array)[0] = 7;
  assert.throws(() => normalizedAdjacency(bad), /item 7 for user 0, outside 0\.\.1/);
});
