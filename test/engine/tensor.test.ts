// Tensor factories, memory scopes (tidy / keep / dispose) and the autograd tape's bookkeeping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { heap } from '../../src/engine/memory.js';
import { Tensor, tidy, keep, noGrad, scopeDepth } from '../../src/engine/tensor.js';
import { Parameter } from '../../src/engine/param.js';
import * as O from '../../src/engine/ops.js';

const live = () => heap.stats().liveBytes;

test('factories: shapes, rows/cols, heap residence, errors', () => {
  const z = Tensor.zeros([2, 3]);
  assert.deepEqual(z.shape, [2, 3]);
  assert.equal(z.rows, 2);
  assert.equal(z.cols, 3);
  assert.equal(z.size, 6);
  assert.ok(heap.owns(z.data));
  const v = Tensor.from([1, 2, 3]);
  assert.deepEqual(v.shape, [3]);
  assert.equal(v.cols, 1);
  assert.equal(Tensor.scalar(2.5).item(), 2.5);
  assert.throws(() => Tensor.from([1, 2, 3], [2, 2]), /3 values do not fill shape \[2, 2\]/);
  assert.throws(() => Tensor.zeros([2, 2, 2]), /shape must be \[n\] or \[r, c\]/);
  assert.throws(() => v.item(), /not one element/);
  z.dispose();
  v.dispose();
});

test('tidy frees temporaries, keeps results (tensor, arrays, objects), kept tensors and Parameters', () => {
  const before = live();
  const p = new Parameter([4, 4], { name: 'p' });
  const afterParam = live();
  const { out, list } = tidy(() => {
    const a = Tensor.from([1, 2, 3, 4], [2, 2]);
    const b = O.mul(a, a);
    const c = O.add(b, 1); // the scalar 1 and b are temporaries
    const k = keep(O.scale(a, 2));
    assert.equal(scopeDepth(), 1);
    return { out: c, list: [k, O.sum(c)] };
  });
  assert.equal(scopeDepth(), 0);
  assert.ok(!out.disposed && !list[0].disposed && !list[1].disposed && !p.disposed);
  assert.deepEqual(Array.from(out.data), [2, 5, 10, 17]);
  out.dispose();
  list[0].dispose();
  list[1].dispose();
  assert.equal(live(), afterParam);
  p.dispose();
  assert.equal(live(), before);
});

test('nested tidy: inner results move to the outer scope and are freed there', () => {
  const before = live();
  let inner!: Tensor;
  tidy(() => {
    inner = tidy(() => {
      const t = Tensor.from([1, 2]);
      return O.scale(t, 3);
    });
    assert.ok(!inner.disposed);
    assert.deepEqual(Array.from(inner.data), [3, 6]);
    return null;
  });
  assert.ok(inner.disposed);
  assert.equal(live(), before);
});

test('tidy frees everything when fn throws, and rejects async functions', () => {
  const before = live();
  assert.throws(() => tidy(() => {
    Tensor.from([1, 2, 3]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(live(), before);
  assert.equal(scopeDepth(), 0);
  assert.throws(() => tidy(() => Promise.resolve(1)), /Promise/);
});

test('a full step inside tidy leaves only the parameter and its grad allocated', () => {
  const p = new Parameter([3, 2], { name: 'w', data: [1, 2, 3, 4, 5, 6] });
  tidy(() => O.sum(O.square(O.gatherRows(p, Int32Array.from([0, 2])))).backward());
  const steady = live();
  for (let i = 0; i < 5; i++) {
    p.zeroGrad();
    tidy(() => O.sum(O.square(O.gatherRows(p, Int32Array.from([0, 2])))).backward());
  }
  assert.equal(live(), steady, 'no growth across steps');
  assert.deepEqual(Array.from(p.grad!), [2, 4, 0, 0, 10, 12]);
  p.dispose();
});

test('autograd: only tensors that require grad get grads; intermediates are freed unless retained', () => {
  const a = Tensor.from([1, 2], [2], true);
  const c = Tensor.from([3, 4], [2]);
  const m = O.mul(a, c);
  const r = O.mul(a, a);
  r.retainGrad = true;
  const y = O.sum(O.add(m, r));
  assert.ok(y.requiresGrad && !y.isLeaf);
  y.backward();
  assert.deepEqual(Array.from(a.grad!), [3 + 2, 4 + 4]);
  assert.equal(c.grad, null);
  assert.equal(m.grad, null, 'intermediate grad freed');
  assert.deepEqual(Array.from(r.grad!), [1, 1], 'retained');
  // grads accumulate over two backward passes
  O.sum(a).backward();
  assert.deepEqual(Array.from(a.grad!), [6, 9]);
  assert.throws(() => O.add(a, a).backward(), /reduce it to a scalar/);
  assert.throws(() => O.sum(c).backward(), /does not depend on anything that requires grad/);
});

test('backward with an explicit seed; noGrad records nothing; detach cuts the graph', () => {
  const a = Tensor.from([1, 2, 3], [3], true);
  O.scale(a, 2).backward([1, 0, -1]);
  assert.deepEqual(Array.from(a.grad!), [2, 0, -2]);
  const n = noGrad(() => O.scale(a, 2));
  assert.equal(n.requiresGrad, false);
  assert.equal(n._backward, null);
  const d = a.detach();
  assert.equal(d.requiresGrad, false);
  assert.deepEqual(Array.from(d.data), [1, 2, 3]);
});

test('backward across a graph freed by tidy fails with a clear message; disposed tensors refuse use', () => {
  const a = Tensor.from([1, 2], [2], true);
  const y = tidy(() => O.sum(O.square(O.scale(a, 2))));
  assert.throws(() => y.backward(), /disposed/);
  const t = Tensor.from([1]);
  t.dispose();
  assert.throws(() => O.scale(t, 2), /scale: tensor \[1\] was disposed/);
  t.dispose(); // idempotent
});

test('a deep chain (10 000 ops) backpropagates without stack overflow', () => {
  tidy(() => {
    const a = Tensor.from([0.5], [1], true);
    let x: Tensor = a;
    for (let i = 0; i < 10000; i++) x = O.addScalar(x, 0.001);
    O.scale(x, 2).backward();
    assert.equal(a.grad![0], 2);
  });
});
