// The speed paths of the engine give the same numbers as the general ones: bulk RNG draws equal one-at-a-time
// draws, dropout keeps its per-entry rule, uninitialised outputs and grad buffers are always fully written (a
// second backward adds exactly the first one's gradient again), and the equal-shape / scalar binary fast paths
// match a float64 reference computed here, forward and backward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heap } from '../../src/engine/memory.js';
import * as O from '../../src/engine/ops.js';
import { Parameter } from '../../src/engine/param.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';

test('fillU32 draws exactly the nextU32 sequence and leaves the stream where single draws would', () => {
  const a = Rng.stream(5, 'bulk');
  const b = Rng.stream(5, 'bulk');
  const bulk = a.fillU32(new Uint32Array(1001));
  const one = Array.from({ length: 1001 }, () => b.nextU32());
  assert.deepEqual(Array.from(bulk), one);
  assert.equal(a.nextU32(), b.nextU32());
  assert.equal(a.float(), b.float());
});

test('dropout zeroes exactly the entries whose float() draw is below p (same draws as before)', () => {
  const x = Tensor.from(Array.from({ length: 300 }, (_, i) => i + 1), [30, 10]);
  const p = 0.3;
  const y = O.dropout(x, p, Rng.stream(9, 'dropout'), true);
  const ref = Rng.stream(9, 'dropout');
  for (let i = 0; i < 300; i++) {
    const expect = ref.float() < p ? 0 : Math.fround((i + 1) * (1 / (1 - p)));
    assert.equal(y.data[i], expect, `entry ${i}`);
  }
});

test('allocF32Uninit returns a usable block of the right size (contents unspecified)', () => {
  const a = heap.allocF32(1000);
  a.fill(7);
  heap.free(a);
  const b = heap.allocF32Uninit(1000);
  assert.equal(b.length, 1000);
  assert.ok(heap.owns(b));
  heap.free(b);
  const c = heap.allocF32(1000);
  assert.ok(c.every((v) => v === 0), 'allocF32 still zero-fills a reused block');
  heap.free(c);
});

/** Runs backward of sum(w ⊙ f(inputs)) once and twice; the second grad must be exactly twice the first. */
function gradTwice(make: (xs: Tensor[]) => Tensor, shapes: number[][], seed: number): { once: number[][]; twice: number[][] } {
  const gen = Rng.stream(seed, 'fastpaths');
  const vals = shapes.map((s) => Array.from({ length: s.length === 1 ? s[0] : s[0] * s[1] }, () => gen.double() * 2 - 1));
  const run = (times: number): number[][] => tidy(() => {
    const xs = shapes.map((s, k) => Tensor.from(vals[k], s, true));
    for (let t = 0; t < times; t++) {
      const out = make(xs);
      const w = Tensor.from(Array.from({ length: out.size }, (_, i) => ((i % 7) - 3) / 4), out.shape);
      O.sum(O.mul(out, w)).backward();
    }
    return xs.map((x) => Array.from(x.grad!));
  });
  return { once: run(1), twice: run(2) };
}

test('fresh (overwritten) and accumulated grad buffers agree for every op with an overwrite path', () => {
  const S = { rows: 3, cols: 4, indptr: Int32Array.from([0, 2, 2, 5]), indices: Int32Array.from([0, 3, 1, 2, 3]),
    values: Float32Array.from([0.5, -1, 2, 0.25, 1.5]) };
  const cases: Array<[string, (xs: Tensor[]) => Tensor, number[][]]> = [
    ['add equal', ([a, b]) => O.add(a, b), [[4, 3], [4, 3]]],
    ['sub equal', ([a, b]) => O.sub(a, b), [[4, 3], [4, 3]]],
    ['mul equal', ([a, b]) => O.mul(a, b), [[4, 3], [4, 3]]],
    ['div equal', ([a, b]) => O.div(a, O.addScalar(O.square(b), 1)), [[4, 3], [4, 3]]],
    ['mul self', ([a]) => O.mul(a, a), [[5]]],
    ['sub scalar', ([a, b]) => O.sub(a, b), [[4, 3], [1]]],
    ['div by scalar', ([a, b]) => O.div(a, O.addScalar(O.square(b), 1)), [[4, 3], [1]]],
    ['scalar minus', ([a, b]) => O.sub(b, a), [[4, 3], [1]]],
    ['row broadcast', ([a, b]) => O.mul(a, b), [[4, 3], [1, 3]]],
    ['column broadcast', ([a, b]) => O.sub(a, b), [[4, 3], [4]]],
    ['scale', ([a]) => O.scale(a, -1.5), [[4, 3]]],
    ['leakyRelu', ([a]) => O.leakyRelu(a, 0.2), [[4, 3]]],
    ['square', ([a]) => O.square(a), [[4, 3]]],
    ['sum', ([a]) => O.reshape(O.sum(a), [1]), [[4, 3]]],
    ['reshape', ([a]) => O.reshape(a, [3, 4]), [[4, 3]]],
    ['rowDot', ([a, b]) => O.rowDot(a, b), [[4, 3], [4, 3]]],
    ['rowDot self', ([a]) => O.rowDot(a, a), [[4, 3]]],
    ['meanOf', ([a, b, c]) => O.meanOf([a, b, c, a]), [[4, 3], [4, 3], [4, 3]]],
    ['matmul', ([a, b]) => O.matmul(a, b), [[4, 3], [3, 5]]],
    ['matmulABt', ([a, b]) => O.matmulABt(a, b), [[4, 3], [5, 3]]],
    ['spmm', ([a]) => O.spmm(S, a), [[4, 2]]],
  ];
  for (const [name, make, shapes] of cases) {
    const { once, twice } = gradTwice(make, shapes, name.length);
    for (let k = 0; k < once.length; k++) {
      for (let i = 0; i < once[k].length; i++) {
        const expect = Math.fround(once[k][i] * 2);
        assert.ok(Math.abs(twice[k][i] - expect) <= 1e-6 * Math.max(1, Math.abs(expect)),
          `${name}: input ${k} grad[${i}] ${twice[k][i]} after two backwards, ${expect} expected`);
      }
    }
  }
});

test('binary fast paths equal a float64 reference, forward and backward', () => {
  const gen = Rng.stream(1, 'binary');
  const A = Array.from({ length: 12 }, () => gen.double() + 0.5);
  const B = Array.from({ length: 12 }, () => gen.double() + 0.5);
  const s = 1.25;
  for (const [kind, f, da, db] of [
    ['add', (x: number, y: number) => x + y, () => 1, () => 1],
    ['sub', (x: number, y: number) => x - y, () => 1, () => -1],
    ['mul', (x: number, y: number) => x * y, (_x: number, y: number) => y, (x: number) => x],
    ['div', (x: number, y: number) => x / y, (_x: number, y: number) => 1 / y, (x: number, y: number) => -x / (y * y)],
  ] as const) {
    const op = (O as unknown as Record<string, (a: Tensor, b: Tensor) => Tensor>)[kind];
    tidy(() => {
      // equal shapes
      const a = Tensor.from(A, [4, 3], true), b = Tensor.from(B, [4, 3], true);
      const y = op(a, b);
      O.sum(y).backward();
      for (let i = 0; i < 12; i++) {
        const x = Math.fround(A[i]), z = Math.fround(B[i]);
        assert.ok(Math.abs(y.data[i] - f(x, z)) < 1e-6, `${kind} equal forward ${i}`);
        assert.ok(Math.abs(a.grad![i] - da(x, z)) < 1e-5, `${kind} equal da ${i}`);
        assert.ok(Math.abs(b.grad![i] - db(x, z)) < 1e-5, `${kind} equal db ${i}`);
      }
      // scalar on the right, then on the left
      const c = Tensor.from(A, [12], true), t = Tensor.from([s], [1], true);
      O.sum(op(c, t)).backward();
      let gt = 0;
      for (let i = 0; i < 12; i++) {
        const x = Math.fround(A[i]);
        assert.ok(Math.abs(c.grad![i] - da(x, s)) < 1e-5, `${kind} scalar-right dc ${i}`);
        gt += db(x, s);
      }
      assert.ok(Math.abs(t.grad![0] - gt) < 1e-4, `${kind} scalar-right dt ${t.grad![0]} vs ${gt}`);
      const c2 = Tensor.from(A, [3, 4], true), t2 = Tensor.from([s], [1], true);
      const y2 = op(t2, c2);
      assert.deepEqual(y2.shape, [3, 4]);
      O.sum(y2).backward();
      let gt2 = 0;
      for (let i = 0; i < 12; i++) {
        const x = Math.fround(A[i]);
        assert.ok(Math.abs(y2.data[i] - f(s, x)) < 1e-6, `${kind} scalar-left forward ${i}`);
        assert.ok(Math.abs(c2.grad![i] - db(s, x)) < 1e-5, `${kind} scalar-left dc ${i}`);
        gt2 += da(s, x);
      }
      assert.ok(Math.abs(t2.grad![0] - gt2) < 1e-4, `${kind} scalar-left dt`);
    });
  }
});

test('Parameter grads: zeroGrad then an overwriting backward, then an accumulating one, stay exact', () => {
  const p = new Parameter([3, 2], { name: 'p', data: [1, 2, 3, 4, 5, 6] });
  const S = { rows: 3, cols: 3, indptr: Int32Array.from([0, 1, 3, 3]), indices: Int32Array.from([2, 0, 1]),
    values: Float32Array.from([2, 1, -1]) };
  for (let step = 0; step < 3; step++) {
    tidy(() => O.sum(O.spmm(S, p)).backward()); // overwrite path: column sums of S per row of p
    assert.deepEqual(Array.from(p.grad!), [1, 1, -1, -1, 2, 2]);
    tidy(() => O.sum(O.scale(p, 2)).backward()); // accumulate
    assert.deepEqual(Array.from(p.grad!), [3, 3, 1, 1, 4, 4]);
    p.zeroGrad();
    assert.equal(p.grad, null);
    tidy(() => O.sum(O.sliceRows(p, 0, 3)).backward()); // accumulates into the kept buffer: must start from zero
    assert.deepEqual(Array.from(p.grad!), [1, 1, 1, 1, 1, 1]);
    p.zeroGrad();
  }
  p.dispose();
});

test('sumSquares: value and gradient against a float64 reference (gradcheck)', async () => {
  const { gradcheck } = await import('../../src/engine/gradcheck.js');
  const gen = Rng.stream(4, 'sumSquares');
  const values = Array.from({ length: 15 }, () => gen.double() * 2 - 1);
  const r = gradcheck(([a]) => O.sumSquares(a), ([x]) => [x.reduce((s, v) => s + v * v, 0)],
    [{ shape: [5, 3], values, requiresGrad: true }], { rng: Rng.stream(3, 'sumSquares') });
  assert.ok(r.forwardError < 1e-5, `forward error ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `gradient errors ${r.relErrors.join(', ')}`);
});
