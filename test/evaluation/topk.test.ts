// topK, the one ranking path of evaluation, recommend and (later) contrastive DNS: against a brute-force sort with
// exclusions, cosine scores and bottom-K, at several block sizes; bad arguments are refused before any heap work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { buildCsr } from '../../src/data/csr.js';
import { heap } from '../../src/engine/memory.js';
import { topK } from '../../src/evaluation/topk.js';

function brute(U: Float32Array, I: Float32Array, bias: Float32Array | null, d: number, u: number, k: number,
  excluded: Set<number>, o: { normalize?: boolean; negate?: boolean }): number[] {
  const ni = I.length / d;
  const norm = (x: Float32Array, r: number) => Math.hypot(...Array.from(x.subarray(r * d, (r + 1) * d)));
  const s: Array<[number, number]> = [];
  for (let i = 0; i < ni; i++) {
    if (excluded.has(i)) continue;
    let v = 0;
    for (let j = 0; j < d; j++) v += U[u * d + j] * I[i * d + j];
    if (o.normalize) v /= norm(U, u) * norm(I, i);
    else if (bias) v += bias[i];
    s.push([o.negate ? -v : v, i]);
  }
  s.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return s.slice(0, k).map((x) => x[1]);
}

test('topK equals a brute-force ranking with exclusions, cosine and bottom-K, at any block size', () => {
  const rng = Rng.stream(4, 'topk');
  const nu = 9, ni = 23, d = 5;
  const U = new Float32Array(nu * d).map(() => rng.normal());
  const I = new Float32Array(ni * d).map(() => rng.normal());
  const bias = new Float32Array(ni).map(() => rng.normal(0, 0.5));
  const rows: number[] = [], cols: number[] = [];
  for (let u = 0; u < nu; u++) for (let i = 0; i < ni; i++) if (rng.double() < 0.3) { rows.push(u); cols.push(i); }
  const train = buildCsr(nu, ni, Int32Array.from(rows), Int32Array.from(cols)).set;
  const users = Int32Array.of(3, 0, 8, 5);
  const before = heap.stats().liveBytes;
  for (const o of [{}, { normalize: true }, { negate: true }, { normalize: true, negate: true }]) {
    for (const blockSize of [1, 3, 4096]) {
      const r = topK({ users: U, items: I, dim: d, itemBias: bias }, users, 6, { exclude: [train], blockSize, ...o });
      users.forEach((u, row) => {
        const ex = new Set<number>(Array.from(train.indices.subarray(train.indptr[u], train.indptr[u + 1])));
        const want = brute(U, I, bias, d, u, 6, ex, o);
        const got = Array.from(r.items.subarray(row * r.k, row * r.k + want.length));
        assert.deepEqual(got, want, `${JSON.stringify(o)} block ${blockSize} user ${u}`);
      });
    }
  }
  assert.equal(heap.stats().liveBytes, before, 'heap returned to its size');
  assert.throws(() => topK({ users: U, items: I, dim: d, itemBias: null }, Int32Array.of(nu), 3), /user 9 out of range/);
  assert.throws(() => topK({ users: U, items: I, dim: d, itemBias: null }, null, 0), /k must be a positive integer/);
});
