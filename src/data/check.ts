// A Dataset handed to a public entry point (train, evaluation) by a library user is checked before the engine
// sizes anything by it: counts are positive integers, every split is a CSR over numUsers rows whose item indices
// are in range. A malformed object is a TypeError naming the field, never a crash deep in a kernel.
import type { Dataset, InteractionSet } from './types.js';

function fail(what: string, detail: string): never {
  throw new TypeError(`${what}: ${detail}`);
}

function checkSet(s: InteractionSet, key: string, nu: number, ni: number, what: string): void {
  if (s === null || typeof s !== 'object') fail(what, `dataset.${key} is not an interaction set`);
  if (!(s.indptr instanceof Int32Array) || s.indptr.length !== nu + 1) fail(what, `dataset.${key}.indptr must be an Int32Array of numUsers + 1 = ${nu + 1} entries`);
  if (!(s.indices instanceof Int32Array)) fail(what, `dataset.${key}.indices must be an Int32Array`);
  if (s.indptr[0] !== 0 || s.indptr[nu] !== s.indices.length) fail(what, `dataset.${key}.indptr does not span its ${s.indices.length} indices`);
  for (let u = 0; u < nu; u++) if (s.indptr[u + 1] < s.indptr[u]) fail(what, `dataset.${key}.indptr decreases at row ${u}`);
  const idx = s.indices;
  for (let k = 0; k < idx.length; k++) if (idx[k] < 0 || idx[k] >= ni) fail(what, `dataset.${key}.indices[${k}] = ${idx[k]} is not an item in 0..${ni - 1}`);
}

export function checkDatasetShape(d: Dataset, what = 'dataset'): void {
  if (d === null || typeof d !== 'object') fail(what, 'expected a Dataset (from loadDataset or syntheticDataset)');
  for (const k of ['numUsers', 'numItems'] as const) {
    if (!Number.isInteger(d[k]) || d[k] < 1 || d[k] > 2 ** 31 - 1) fail(what, `dataset.${k} must be a positive integer, got ${String(d[k])}`);
  }
  checkSet(d.train, 'train', d.numUsers, d.numItems, what);
  checkSet(d.test, 'test', d.numUsers, d.numItems, what);
  if (d.valid !== undefined) checkSet(d.valid, 'valid', d.numUsers, d.numItems, what);
}
