// gatherMean(tables, idx) is meanOf(tables.map((t) => gatherRows(t, idx))) fused: the same numbers forward and the same
// gradients, added to every table in the same order (so training is bit for bit unchanged), checked against the
// unfused ops on a LightGCN-like graph (tables computed from one another by spmm), against finite differences, and
// its kernels (gatherMean, scatterAddScaled, scaleRowsF64) WASM against JS at 1 and 2 threads.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { jsKernels } from '../../src/engine/kernels/js.js';
import { createWasmKernels } from '../../src/engine/kernels/wasm.js';
import type { CsrMatrix } from '../../src/engine/kernels/types.js';
import { heap } from '../../src/engine/memory.js';
import { gatherMean, gatherRows, meanOf, rowDot, spmm, sum, sumSquares, add, mul } from '../../src/engine/ops.js';
import { Parameter } from '../../src/engine/param.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor, noGrad, tidy } from '../../src/engine/tensor.js';

const w1 = createWasmKernels(1);
const w2 = createWasmKernels(2, { minParallelWork: 0 });
after(() => {
  w1.dispose();
  w2.dispose();
});

function bitsEqual(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** A random symmetric n×n CSR with positive values (a stand-in for the normalised adjacency). */
function symmetricCsr(n: number, rng: Rng): CsrMatrix {
  const w = new Map<number, number>();
  for (let e = 0; e < 4 * n; e++) {
    const i = rng.int(n), j = rng.int(n);
    if (i === j) continue;
    const v = 0.1 + rng.float();
    w.set(i * n + j, v);
    w.set(j * n + i, v);
  }
  const keys = [...w.keys()].sort((a, b) => a - b);
  const indptr = new Int32Array(n + 1), indices = new Int32Array(keys.length), values = new Float32Array(keys.length);
  keys.forEach((k, e) => {
    indptr[Math.floor(k / n) + 1]++;
    indices[e] = k % n;
    values[e] = w.get(k)!;
  });
  for (let i = 0; i < n; i++) indptr[i + 1] += indptr[i];
  return { rows: n, cols: n, indptr, indices, values };
}

/**
 * A training-step-shaped loss over L tables [ego, Âego, Â²ego, …]: pooled users / positives / negatives (repeated ids),
 * BPR-like scores, plus an L2 term on ego rows (so ego's grad gets contributions before and after the propagation's).
 * Returns the loss, the pooled rows and ego's grad.
 */
function step(L: number, fused: boolean, seed: number): { loss: number; pooled: Float32Array[]; grad: Float32Array } {
  const rng = Rng.stream(seed, 'gatherMean-step');
  const n = 40, d = 7;
  const S = symmetricCsr(n, rng);
  const ego = new Parameter([n, d], { data: rng.fillNormal(new Float32Array(n * d), 0, 0.5) });
  const ids = (m: number): Int32Array => Int32Array.from({ length: m }, () => rng.int(n));
  const users = ids(13), pos = ids(13), neg = ids(13);
  const res = tidy(() => {
    const tables: Tensor[] = [ego];
    for (let l = 1; l < L; l++) tables.push(spmm(S, tables[l - 1], S));
    const pool = (idx: Int32Array): Tensor => fused ? gatherMean(tables, idx) : meanOf(tables.map((t) => gatherRows(t, idx)));
    const u = pool(users), p = pool(pos), q = pool(neg);
    const margin = sum(mul(add(rowDot(u, p), mul(rowDot(u, q), -1)), rowDot(u, u)));
    const loss = add(margin, sumSquares(gatherRows(ego, users)));
    loss.backward();
    return { loss: loss.item(), pooled: [u, p, q].map((t) => Float32Array.from(t.data)) };
  });
  const grad = Float32Array.from(ego.grad!);
  ego.dispose();
  return { ...res, grad };
}

test('gatherMean equals meanOf(gatherRows) bit for bit, values and gradients, through a propagation', () => {
  for (const L of [2, 3, 4, 5, 7]) {
    const a = step(L, false, L);
    const b = step(L, true, L);
    assert.ok(Number.isFinite(a.loss));
    assert.ok(Object.is(a.loss, b.loss), `L=${L}: loss ${a.loss} vs ${b.loss}`);
    for (let k = 0; k < 3; k++) bitsEqual(b.pooled[k], a.pooled[k], `L=${L} pooled ${k}`);
    bitsEqual(b.grad, a.grad, `L=${L} ego grad`);
    assert.ok(a.grad.some((x) => x !== 0));
  }
});

test('gatherMean: the mean of the picked rows (hand-computed), one table is a plain gather, no graph under noGrad', () => {
  const a = Tensor.from([1, 2, 3, 4, 5, 6], [3, 2]);
  const b = Tensor.from([10, 20, 30, 40, 50, 60], [3, 2]);
  const c = Tensor.from([0.5, 0.5, 1, 1, 3, 3], [3, 2]);
  const y = gatherMean([a, b, c], Int32Array.from([2, 0, 2]));
  assert.deepEqual([...y.data], [...[(5 + 50 + 3) / 3, (6 + 60 + 3) / 3, (1 + 10 + 0.5) / 3, (2 + 20 + 0.5) / 3,
    (5 + 50 + 3) / 3, (6 + 60 + 3) / 3]].map(Math.fround));
  assert.deepEqual([...gatherMean([b], Int32Array.from([1])).data], [30, 40]);
  const p = new Parameter([3, 2], { data: [1, 2, 3, 4, 5, 6] });
  const z = noGrad(() => gatherMean([p, a], Int32Array.from([0])));
  assert.equal(z.requiresGrad, false);
  assert.deepEqual([...z.data], [1, 2]);
  for (const t of [a, b, c, y, p, z]) t.dispose();
});

test('gatherMean: backward adds g/L into each table, repeated ids add up, retained output grad kept', () => {
  const p = new Parameter([3, 2]), q = new Parameter([3, 2]);
  tidy(() => {
    const y = gatherMean([p, q], Int32Array.from([1, 1, 2]));
    y.retainGrad = true;
    y.backward([1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...y.grad!], [1, 2, 3, 4, 5, 6]);
  });
  for (const t of [p, q]) assert.deepEqual([...t.grad!], [0, 0, 2, 3, 2.5, 3]);
  // A second graph over the same tables starts from a fresh output grad (nothing carried over).
  tidy(() => gatherMean([p, q], Int32Array.from([0])).backward([1, 1]));
  for (const t of [p, q]) assert.deepEqual([...t.grad!], [0.5, 0.5, 2, 3, 2.5, 3]);
  p.dispose();
  q.dispose();
});

test('gatherMean: a sparse Parameter table keeps its gradient row-sparse, equal to the unfused path', () => {
  const grads = [false, true].map((fused) => {
    const rng = Rng.stream(5, 'gatherMean-sparse');
    const p = new Parameter([6, 3], { sparse: true, data: rng.fillNormal(new Float32Array(18), 0, 1) });
    const t = Tensor.from(rng.fillNormal(new Float32Array(18), 0, 1), [6, 3], true);
    const idx = Int32Array.from([4, 1, 4, 0]);
    const w = rng.fillNormal(new Float32Array(12), 0, 1);
    tidy(() => {
      const y = fused ? gatherMean([p, t, t], idx) : meanOf([p, t, t].map((x) => gatherRows(x, idx)));
      y.backward(w);
    });
    const rg = p.rowGrad!;
    const out = { rows: [...rg.rows], values: Float32Array.from(rg.values), dense: Float32Array.from(t.grad!) };
    p.dispose();
    t.dispose();
    return out;
  });
  assert.deepEqual(grads[1].rows, [4, 1, 0]);
  assert.deepEqual(grads[1].rows, grads[0].rows);
  bitsEqual(grads[1].values, grads[0].values, 'row grads');
  bitsEqual(grads[1].dense, grads[0].dense, 'dense table grad');
});

test('gatherMean gradient matches central differences of a float64 reference', () => {
  const rng = Rng.stream(9, 'gatherMean-gc');
  const idx = Int32Array.from([3, 0, 3, 2, 1]);
  const vals = (): Float32Array => rng.fillNormal(new Float32Array(4 * 5), 0, 1);
  const r = gradcheck(([a, b, c]) => gatherMean([a, b, c], idx), ([a, b, c]) => {
    const out: number[] = [];
    for (const i of idx) for (let j = 0; j < 5; j++) out.push((a[i * 5 + j] + b[i * 5 + j] + c[i * 5 + j]) / 3);
    return out;
  }, [{ shape: [4, 5], values: vals() }, { shape: [4, 5], values: vals(), requiresGrad: false }, { shape: [4, 5], values: vals() }],
  { rng: Rng.stream(2, 'gatherMean-w') });
  assert.ok(r.forwardError < 1e-6, `forward error ${r.forwardError}`);
  assert.ok(r.relErrors[0] < 1e-3 && r.relErrors[2] < 1e-3, `gradient errors ${r.relErrors.join(', ')}`);
  assert.ok(Number.isNaN(r.relErrors[1]));
});

test('gatherMean rejects mismatched tables, bad indices and an empty list, naming the problem', () => {
  const a = Tensor.zeros([3, 2]), b = Tensor.zeros([3, 3]), v = Tensor.zeros([3]);
  assert.throws(() => gatherMean([], Int32Array.from([0])), /gatherMean: no tables/);
  assert.throws(() => gatherMean([a, b], Int32Array.from([0])), /share one \[n, d\] shape.*\[3, 2\], \[3, 3\]/);
  assert.throws(() => gatherMean([v, v], Int32Array.from([0])), /share one \[n, d\] shape/);
  assert.throws(() => gatherMean([a, a], Int32Array.from([0, 3])), /index 3 at position 1 out of range \[0, 3\)/);
  for (const t of [a, b, v]) t.dispose();
});

test('kernels gatherMean / scatterAddScaled / scaleRowsF64: WASM (1 and 2 threads) equal JS bit for bit, tails included', () => {
  const rng = Rng.stream(4, 'gatherMean-kernels');
  for (const d of [1, 3, 4, 9, 64]) {
    for (const L of [2, 3, 4, 6]) {
      const n = 23, m = 31;
      const tables = Array.from({ length: L }, () => rng.fillNormal(heap.allocF32(n * d), 0, 1));
      const idx = heap.allocI32(m);
      for (let r = 0; r < m; r++) idx[r] = rng.int(n);
      const ref = new Float32Array(m * d);
      jsKernels.gatherMean!(tables, d, idx, ref);
      // meanOf's expression, written out here.
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < d; j++) {
          let s = L > 4 ? 0 + tables[0][idx[r] * d + j] : tables[0][idx[r] * d + j];
          for (let k = 1; k < L; k++) s += tables[k][idx[r] * d + j];
          assert.ok(Object.is(ref[r * d + j], Math.fround(s * (1 / L))));
        }
      }
      for (const w of [w1, w2]) {
        const out = heap.allocF32(m * d);
        w.gatherMean(tables, d, idx, out);
        bitsEqual(out, ref, `gatherMean d=${d} L=${L} threads=${w.threads}`);
        heap.free(out);
      }
      const g = rng.fillNormal(heap.allocF32(m * d), 0, 1);
      const base = rng.fillNormal(new Float32Array(n * d), 0, 1);
      const tRef = Float32Array.from(base);
      jsKernels.scatterAddScaled!(g, d, idx, 1 / L, tRef);
      for (const w of [w1, w2]) {
        const t = heap.allocF32(n * d);
        t.set(base);
        w.scatterAddScaled(g, d, idx, 1 / L, t);
        bitsEqual(t, tRef, `scatterAddScaled d=${d} L=${L} threads=${w.threads}`);
        heap.free(t);
      }
      const coef = rng.fillNormal(heap.allocF32(m), 0, 1);
      for (const acc of [false, true]) {
        const oRef = rng.fillNormal(new Float32Array(m * d), 0, 1);
        const start = Float32Array.from(oRef);
        jsKernels.scaleRowsF64!(g, coef, m, d, oRef, acc);
        for (let i = 0; i < m * d; i++) {
          const c = coef[Math.floor(i / d)] * g[i];
          assert.ok(Object.is(oRef[i], Math.fround(acc ? start[i] + c : c)));
        }
        for (const w of [w1, w2]) {
          const o = heap.allocF32(m * d);
          o.set(start);
          w.scaleRowsF64(g, coef, m, d, o, acc);
          bitsEqual(o, oRef, `scaleRowsF64 d=${d} acc=${acc} threads=${w.threads}`);
          heap.free(o);
        }
      }
      for (const t of [...tables, g, coef]) heap.free(t);
      heap.free(idx);
    }
  }
});
