// Optimiser update steps against values worked out by hand (PyTorch formulas, float64 arithmetic written out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Parameter } from '../../src/engine/param.js';
import { tidy } from '../../src/engine/tensor.js';
import { Adam, AdaGrad, SGD, createOptimizer, type Optimizer } from '../../src/engine/optim.js';
import * as O from '../../src/engine/ops.js';

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 2e-6, msg = ''): void {
  assert.equal(actual.length, expected.length, msg);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])),
      `${msg} entry ${i}: got ${actual[i]}, expected ${expected[i]}`);
  }
}

/** One step of L = ½‖p‖² (so grad = p) followed by opt.step(). */
function halfSquareStep(p: Parameter, opt: Optimizer): void {
  opt.zeroGrad();
  tidy(() => O.scale(O.sum(O.square(p)), 0.5).backward());
  opt.step();
}

test('Adam (no weight decay): steps 1–3 by hand', () => {
  const p = new Parameter([2], { data: [1, -2] });
  const opt = new Adam([p], { lr: 0.1 });
  // step 1: m̂ = g, v̂ = g², so the move is lr·g/(|g| + eps) = ±0.1
  halfSquareStep(p, opt);
  near(p.data, [0.9, -1.9]);
  // step 2, g = [0.9, −1.9]
  const m2 = [0.9 * 0.1 * 1 + 0.1 * 0.9, 0.9 * 0.1 * -2 + 0.1 * -1.9];
  const v2 = [0.999 * 0.001 * 1 + 0.001 * 0.81, 0.999 * 0.001 * 4 + 0.001 * 3.61];
  const bc1 = 1 - 0.81, bc2 = 1 - 0.998001;
  const p2 = [0, 1].map((i) => [0.9, -1.9][i] - (0.1 * m2[i] / bc1) / (Math.sqrt(v2[i] / bc2) + 1e-8));
  halfSquareStep(p, opt);
  near(p.data, p2);
  // step 3, g = p2
  const m3 = [0, 1].map((i) => 0.9 * m2[i] + 0.1 * p2[i]);
  const v3 = [0, 1].map((i) => 0.999 * v2[i] + 0.001 * p2[i] * p2[i]);
  const b1 = 1 - 0.9 ** 3, b2 = 1 - 0.999 ** 3;
  const p3 = [0, 1].map((i) => p2[i] - (0.1 * m3[i] / b1) / (Math.sqrt(v3[i] / b2) + 1e-8));
  halfSquareStep(p, opt);
  near(p.data, p3);
  const st = opt.getState();
  near(st.params[0].buffers.m, m3, 1e-5);
  near(st.params[0].buffers.v, v3, 1e-5);
  assert.equal(st.params[0].step, 3);
});

test('Adam with weight decay (L2 added to the grad): steps 1–2 by hand', () => {
  const p = new Parameter([2], { data: [1, -2] });
  const opt = new Adam([p], { lr: 0.1, weightDecay: 0.5 });
  halfSquareStep(p, opt); // g = 1.5·p: still a ±lr first move
  near(p.data, [0.9, -1.9]);
  const g2 = [1.5 * 0.9, 1.5 * -1.9];
  const m2 = [0.09 * 1.5 + 0.1 * g2[0], 0.09 * -3 + 0.1 * g2[1]];
  const v2 = [0.000999 * 2.25 + 0.001 * g2[0] ** 2, 0.000999 * 9 + 0.001 * g2[1] ** 2];
  const p2 = [0, 1].map((i) => [0.9, -1.9][i] - (0.1 * m2[i] / 0.19) / (Math.sqrt(v2[i] / 0.001999) + 1e-8));
  halfSquareStep(p, opt);
  near(p.data, p2);
});

test('lazy Adam: only touched rows move; their bias correction uses the parameter step count', () => {
  const data = [1, 2, 3, 4, 5, 6, 7, 8];
  const lazyP = new Parameter([4, 2], { sparse: true, data });
  const denseP = new Parameter([4, 2], { sparse: true, data });
  const lazy = new Adam([lazyP], { lr: 0.1, lazy: true });
  const dense = new Adam([denseP], { lr: 0.1 });
  const stepRows = (p: Parameter, opt: Optimizer, rows: number[]) => {
    opt.zeroGrad();
    tidy(() => O.scale(O.sum(O.square(O.gatherRows(p, Int32Array.from(rows)))), 0.5).backward());
    opt.step();
  };
  stepRows(lazyP, lazy, [0, 2]);
  stepRows(denseP, dense, [0, 2]);
  // step 1: touched rows move by lr·sign(g) (g = p > 0 here), others stay
  near(lazyP.data, [0.9, 1.9, 3, 4, 4.9, 5.9, 7, 8]);
  near(denseP.data, lazyP.data);
  stepRows(lazyP, lazy, [2, 3]);
  stepRows(denseP, dense, [2, 3]);
  // row 0 untouched: lazy keeps it (values and moments); dense Adam keeps moving it on momentum alone
  near(lazyP.data.subarray(0, 2), [0.9, 1.9]);
  const st = lazy.getState().params[0].buffers;
  near(st.m.subarray(0, 2), [0.1 * 1, 0.1 * 2], 1e-6);
  near(st.v.subarray(0, 2), [0.001 * 1, 0.001 * 4], 1e-6);
  // dense row 0: m = 0.9·0.1·g1, v = 0.999·0.001·g1²; move = lr·(m/0.19)/(sqrt(v/0.001999) + eps)
  const d0 = [1, 2].map((g) => 0.1 * (0.09 * g / 0.19) / (Math.sqrt(0.000999 * g * g / 0.001999) + 1e-8));
  near(denseP.data.subarray(0, 2), [1 - 0.1 - d0[0], 2 - 0.1 - d0[1]]);
  // row 3, first touched at step 2: m = 0.1·g, v = 0.001·g², corrected with t = 2
  const r3 = [7, 8].map((g) => g - 0.1 * (0.1 * g / 0.19) / (Math.sqrt(0.001 * g * g / 0.001999) + 1e-8));
  near(lazyP.data.subarray(6, 8), r3);
  // row 2, touched twice: the same as dense Adam's row 2
  near(lazyP.data.subarray(4, 6), Array.from(denseP.data.subarray(4, 6)));
});

test('AdaGrad: steps 1–2 by hand, with an initial accumulator and with weight decay', () => {
  const p = new Parameter([2], { data: [1, -2] });
  const opt = new AdaGrad([p], { lr: 0.1 });
  halfSquareStep(p, opt); // sum = g², move = lr·g/|g|
  near(p.data, [0.9, -1.9]);
  halfSquareStep(p, opt); // sum = [1 + 0.81, 4 + 3.61]
  near(p.data, [0.9 - 0.1 * 0.9 / (Math.sqrt(1.81) + 1e-10), -1.9 + 0.1 * 1.9 / (Math.sqrt(7.61) + 1e-10)]);

  const q = new Parameter([1], { data: [2] });
  const opt2 = new AdaGrad([q], { lr: 0.5, initialAccumulator: 0.1, weightDecay: 1, eps: 1e-3 });
  halfSquareStep(q, opt2); // g = 2 + 1·2 = 4; sum = 0.1 + 16
  const q1 = 2 - 0.5 * 4 / (Math.sqrt(16.1) + 1e-3);
  near(q.data, [q1]);
  halfSquareStep(q, opt2); // g = 2·q1; sum += g²
  const g = 2 * q1;
  near(q.data, [q1 - 0.5 * g / (Math.sqrt(16.1 + g * g) + 1e-3)]);
});

test('AdaGrad and SGD on row-sparse grads equal their dense updates', () => {
  for (const make of [(p: Parameter) => new AdaGrad([p], { lr: 0.3 }), (p: Parameter) => new SGD([p], { lr: 0.3 })]) {
    const a = new Parameter([3, 2], { sparse: true, data: [1, 2, 3, 4, 5, 6] });
    const b = new Parameter([3, 2], { data: [1, 2, 3, 4, 5, 6] });
    const oa = make(a), ob = make(b);
    for (const rows of [[0, 0], [2], [0, 2]]) {
      for (const [p, o] of [[a, oa], [b, ob]] as const) {
        o.zeroGrad();
        tidy(() => O.sum(O.square(O.gatherRows(p, Int32Array.from(rows)))).backward());
        if (p === a) assert.ok(a.rowGrad !== null);
        o.step();
      }
    }
    near(a.data, Array.from(b.data), 1e-7);
  }
});

test('SGD: steps by hand, with weight decay', () => {
  const p = new Parameter([2], { data: [1, -2] });
  const opt = new SGD([p], { lr: 0.1, weightDecay: 0.5 });
  halfSquareStep(p, opt); // p −= 0.1·(p + 0.5p) = 0.85p
  near(p.data, [0.85, -1.7]);
  halfSquareStep(p, opt);
  near(p.data, [0.85 * 0.85, -1.7 * 0.85]);
});

test('getState/setState: a restored optimizer continues exactly; mismatches are refused', () => {
  const mk = () => new Parameter([3], { data: [0.5, -1, 2] });
  const a = mk(), b = mk();
  const oa = new Adam([a], { lr: 0.05 });
  halfSquareStep(a, oa);
  halfSquareStep(a, oa);
  b.copyFrom(a.data);
  const ob = new Adam([b], { lr: 0.05 });
  ob.setState(oa.getState());
  halfSquareStep(a, oa);
  halfSquareStep(b, ob);
  assert.deepEqual(Array.from(b.data), Array.from(a.data));
  assert.throws(() => new SGD([b], { lr: 1 }).setState(oa.getState()), /state is for 'adam'/);
  assert.throws(() => new Adam([new Parameter([2])], { lr: 1 }).setState(oa.getState()), /has size 2, state 3/);
});

test('parameters without a grad are skipped; createOptimizer; option errors', () => {
  const a = new Parameter([1], { data: [1] });
  const b = new Parameter([1], { data: [1] });
  const opt = createOptimizer([a, b], { name: 'adam', lr: 0.1 });
  assert.ok(opt instanceof Adam);
  halfSquareStep(a, opt);
  assert.equal(b.data[0], 1);
  assert.equal((opt.getState().params[1].step), 0);
  assert.ok(createOptimizer([a], { name: 'sgd', lr: 1 }) instanceof SGD);
  assert.ok(createOptimizer([a], { name: 'adagrad', lr: 1 }) instanceof AdaGrad);
  assert.throws(() => createOptimizer([a], { name: 'rmsprop' as 'sgd', lr: 1 }), /unknown optimizer 'rmsprop'/);
  assert.throws(() => new Adam([a], { lr: 0 }), /lr must be a positive number/);
  assert.throws(() => new Adam([a, a], { lr: 1 }), /listed twice/);
});
