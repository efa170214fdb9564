// customOp: fused ops defined outside ops/ through the public API only (a row softmax and a segment mean of gathered
// rows, PinSage-style), gradient-checked by central differences; and the tape/memory semantics they share with the
// built-in ops: tidy frees them and their scratch buffers, grads accumulate across ops and backward passes exactly
// like built-ins, sparse Parameters keep row grads, noGrad and non-grad inputs record nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { customOp, gatherRows, meanOf, mul, sum, sumSquares, rowDot } from '../../src/engine/ops.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor, noGrad, tidy } from '../../src/engine/tensor.js';
import { Parameter } from '../../src/engine/param.js';
import { heap } from '../../src/engine/memory.js';

// ---------------------------------------------------------------------------------------------------------------
// the ops under test, written as a method file would write them

/** Softmax over each row of x [r×c] → [r×c] (max subtracted, float64 sums). */
function rowSoftmax(x: Tensor): Tensor {
  return customOp({
    name: 'rowSoftmax',
    inputs: [x],
    forward: ([a], ctx) => {
      const R = a.rows, C = a.cols;
      const out = ctx.output(a.shape);
      const xd = a.data, y = out.data;
      for (let i = 0; i < R; i++) {
        const o = i * C;
        let m = -Infinity;
        for (let j = 0; j < C; j++) if (xd[o + j] > m) m = xd[o + j];
        let s = 0;
        for (let j = 0; j < C; j++) s += Math.exp(xd[o + j] - m);
        for (let j = 0; j < C; j++) y[o + j] = Math.exp(xd[o + j] - m) / s;
      }
      return out;
    },
    backward: (g, ctx) => {
      // dx = y ⊙ (g − Σ_j y_j g_j) per row
      const y = ctx.output.data, C = ctx.output.cols, R = ctx.output.rows;
      const ga = ctx.grad(0);
      for (let i = 0; i < R; i++) {
        const o = i * C;
        let yg = 0;
        for (let j = 0; j < C; j++) yg += y[o + j] * g[o + j];
        for (let j = 0; j < C; j++) ga[o + j] += y[o + j] * (g[o + j] - yg);
      }
    },
  });
}

/**
 * Mean of the rows table[ids[e]] for e in [indptr[s], indptr[s+1]) → [S×d] (an empty segment gives zeros): the
 * neighbourhood aggregation of PinSage, in one pass with no gathered [E×d] tensor. The per-row weights 1/|segment|
 * are kept in a scratch buffer that lives as long as the output.
 */
function segmentMean(table: Tensor, ids: Int32Array, indptr: Int32Array): Tensor {
  const S = indptr.length - 1, d = table.cols, E = ids.length;
  let w!: Float32Array;
  return customOp({
    name: 'segmentMean',
    inputs: [table],
    forward: ([t], ctx) => {
      if (indptr[S] !== E) throw new Error(`segmentMean: indptr ends at ${indptr[S]}, ${E} ids`);
      const out = ctx.output([S, d]);
      w = ctx.scratchF32(E);
      const x = t.data, y = out.data;
      for (let s = 0; s < S; s++) {
        const a = indptr[s], b = indptr[s + 1], f = b > a ? 1 / (b - a) : 0;
        for (let j = 0; j < d; j++) {
          let acc = 0;
          for (let e = a; e < b; e++) acc += x[ids[e] * d + j];
          y[s * d + j] = acc * f;
        }
        for (let e = a; e < b; e++) w[e] = f;
      }
      return out;
    },
    backward: (g, ctx) => {
      const rows = new Float32Array(E * d);
      for (let s = 0; s < S; s++) {
        for (let e = indptr[s]; e < indptr[s + 1]; e++) {
          for (let j = 0; j < d; j++) rows[e * d + j] = g[s * d + j] * w[e];
        }
      }
      ctx.addRows(0, ids, rows);
    },
  });
}

/** a ⊙ b for equal shapes, as a custom op (to compare with the built-in mul bit for bit). */
function customMul(a: Tensor, b: Tensor): Tensor {
  return customOp({
    name: 'customMul',
    inputs: [a, b],
    forward: ([x, y], ctx) => {
      const out = ctx.output(x.shape);
      for (let i = 0; i < out.size; i++) out.data[i] = x.data[i] * y.data[i];
      return out;
    },
    backward: (g, ctx) => {
      const [x, y] = ctx.inputs;
      if (ctx.needsGrad(0)) {
        const ga = ctx.grad(0);
        for (let i = 0; i < g.length; i++) ga[i] += g[i] * y.data[i];
      }
      if (ctx.needsGrad(1)) {
        const gb = ctx.grad(1);
        for (let i = 0; i < g.length; i++) gb[i] += g[i] * x.data[i];
      }
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------

const gen = Rng.stream(11, 'customOp-test');
const vals = (n: number, scale = 1): number[] => Array.from({ length: n }, () => scale * (2 * gen.double() - 1));
const live = () => heap.stats().liveBytes;

test('customOp rowSoftmax: forward and gradient match a float64 reference (central differences)', () => {
  const R = 4, C = 5;
  const ref = ([x]: Float64Array[]) => {
    const o = new Float64Array(R * C);
    for (let i = 0; i < R; i++) {
      let m = -Infinity, s = 0;
      for (let j = 0; j < C; j++) m = Math.max(m, x[i * C + j]);
      for (let j = 0; j < C; j++) s += Math.exp(x[i * C + j] - m);
      for (let j = 0; j < C; j++) o[i * C + j] = Math.exp(x[i * C + j] - m) / s;
    }
    return o;
  };
  const r = gradcheck(([x]) => rowSoftmax(x), ref, [{ shape: [R, C], values: vals(R * C, 3) }]);
  assert.ok(r.forwardError < 1e-6, `forward error ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `gradient relative error ${r.maxRelError}`);
});

test('customOp segmentMean: forward and gradient match a float64 reference, repeats and an empty segment included', () => {
  const n = 6, d = 3;
  const ids = Int32Array.from([0, 2, 2, 5, 1, 3, 3, 3, 4]);
  const indptr = Int32Array.from([0, 3, 3, 4, 9]); // segment 1 is empty
  const S = indptr.length - 1;
  const ref = ([x]: Float64Array[]) => {
    const o = new Float64Array(S * d);
    for (let s = 0; s < S; s++) {
      const a = indptr[s], b = indptr[s + 1];
      for (let e = a; e < b; e++) for (let j = 0; j < d; j++) o[s * d + j] += x[ids[e] * d + j] / (b - a);
    }
    return o;
  };
  const r = gradcheck(([x]) => segmentMean(x, ids, indptr), ref, [{ shape: [n, d], values: vals(n * d) }]);
  assert.ok(r.forwardError < 1e-6, `forward error ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `gradient relative error ${r.maxRelError}`);
});

test('customOp grads accumulate like built-ins: an input used twice, two backward passes, bit for bit', () => {
  const a0 = vals(12), b0 = vals(12), c0 = vals(12);
  const run = (m: (x: Tensor, y: Tensor) => Tensor) => tidy(() => {
    const a = Tensor.from(a0, [3, 4], true), b = Tensor.from(b0, [3, 4], true), c = Tensor.from(c0, [3, 4], true);
    // a feeds two products; then a second pass adds to the grads already there
    const loss1 = sum(mul(m(a, b), m(a, c)));
    loss1.backward();
    const loss2 = sumSquares(m(m(a, b), c));
    loss2.backward();
    return { y: [...loss1.data, ...loss2.data], ga: [...a.grad!], gb: [...b.grad!], gc: [...c.grad!] };
  });
  const builtin = run(mul), custom = run(customMul);
  assert.deepEqual(custom, builtin);
});

test('customOp on a sparse Parameter: addRows keeps the grad row-sparse, equal to meanOf(gatherRows) rows', () => {
  const n = 8, d = 4;
  const init = vals(n * d);
  const ids = Int32Array.from([3, 1, 3, 6]);
  const indptr = Int32Array.from([0, 2, 4]);
  const viaCustom = new Parameter([n, d], { sparse: true, data: init });
  const viaBuiltin = new Parameter([n, d], { sparse: true, data: init });
  const wts = Tensor.from(vals(2 * d), [2, d]);
  tidy(() => {
    sum(mul(segmentMean(viaCustom, ids, indptr), wts)).backward();
    // segment s is the mean of two gathered rows: meanOf over the first and second member of each segment
    const first = gatherRows(viaBuiltin, Int32Array.from([3, 3])), second = gatherRows(viaBuiltin, Int32Array.from([1, 6]));
    sum(mul(meanOf([first, second]), wts)).backward();
  });
  const rc = viaCustom.rowGrad!, rb = viaBuiltin.rowGrad!;
  assert.ok(rc !== null, 'custom op left the sparse grad row-sparse');
  assert.deepEqual([...rc.rows].sort(), [...rb.rows].sort());
  for (const row of rb.rows) {
    const kc = rc.rows.indexOf(row), kb = rb.rows.indexOf(row);
    for (let j = 0; j < d; j++) assert.ok(Math.abs(rc.values[kc * d + j] - rb.values[kb * d + j]) < 1e-6);
  }
  wts.dispose();
  viaCustom.dispose();
  viaBuiltin.dispose();
});

test('customOp memory: tidy frees outputs, scratch and grads (forward, backward, retainGrad); dispose frees scratch', () => {
  const x = new Parameter([5, 3], { data: vals(15) });
  const ids = Int32Array.from([0, 4, 4, 2]), indptr = Int32Array.from([0, 1, 4]);
  const step = () => {
    tidy(() => {
      const s = segmentMean(x, ids, indptr);
      s.retainGrad = true;
      const p = rowSoftmax(s);
      sum(mul(p, p)).backward();
      assert.ok(s.grad !== null, 'retained grad of a custom op output');
      assert.ok(x.grad !== null);
    });
    x.zeroGrad();
  };
  const base = live();
  step();
  // The Parameter keeps its grad buffer for reuse (as with built-ins: one 64-byte block for 15 floats); nothing else.
  assert.equal(live() - base, 64);
  const steady = live();
  for (let rep = 0; rep < 3; rep++) {
    step();
    assert.equal(live(), steady, `step ${rep + 2} leaves the heap as the first did`);
  }
  // Outside any tidy: dispose() frees the output together with its scratch buffer.
  const before = live();
  const s = noGrad(() => segmentMean(x, ids, indptr));
  assert.ok(live() > before);
  s.dispose();
  assert.equal(live(), before);
  x.dispose();
});

test('customOp records nothing under noGrad or without grad inputs; built-ins inside forward record nothing', () => {
  tidy(() => {
    const a = Tensor.from(vals(6), [2, 3], true);
    assert.equal(noGrad(() => rowSoftmax(a)).isLeaf, true);
    assert.equal(rowSoftmax(Tensor.from(vals(6), [2, 3])).requiresGrad, false);
    const y = rowSoftmax(a);
    assert.equal(y.isLeaf, false);
    assert.deepEqual(y._parents, [a]);
    // A forward composed of built-in ops: they run as plain functions, so only the custom node is on the tape.
    let inner: Tensor | null = null;
    const z = customOp({
      name: 'composed',
      inputs: [a],
      forward: ([t]) => (inner = mul(t, t)),
      backward: (g, ctx) => {
        const ga = ctx.grad(0), xd = ctx.inputs[0].data;
        for (let i = 0; i < g.length; i++) ga[i] += 2 * g[i] * xd[i];
      },
    });
    assert.equal(inner, z);
    assert.deepEqual(z._parents, [a]);
    sum(z).backward();
    for (let i = 0; i < a.size; i++) assert.equal(a.grad![i], Math.fround(2 * a.data[i]));
  });
});

test('customOp checks: disposed inputs, returning an input, forward errors free scratch; messages name the op', () => {
  const a = Tensor.from(vals(4), [2, 2], true);
  assert.throws(() => customOp({ name: 'ident', inputs: [a], forward: ([t]) => t, backward: () => {} }),
    /ident: forward must return a new tensor/);
  const before = live();
  assert.throws(() => customOp({
    name: 'boom',
    inputs: [a],
    forward: (_xs, ctx) => {
      ctx.scratchF32(1000);
      throw new Error('boom: failed');
    },
    backward: () => {},
  }), /boom: failed/);
  assert.equal(live(), before, 'scratch taken by a failing forward is freed');
  assert.throws(() => customOp({ name: '', inputs: [a], forward: () => a, backward: () => {} }), /non-empty string/);
  a.dispose();
  assert.throws(() => rowSoftmax(a), /rowSoftmax: tensor \[2, 2\] was disposed/);
  // rowDot is a built-in on the same primitive: its error for the same misuse reads the same way
  assert.throws(() => rowDot(a, a), /rowDot: tensor \[2, 2\] was disposed/);
});
