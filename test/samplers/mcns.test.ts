import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { McnsSampler, acceptance, logTarget, neighbourLists, proposalDensity } from '../../src/samplers/mcns.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, dot, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';

const NI = 12;
// Item 11 has no training user (its proposal is uniform).
const TRAIN = [[0, 1, 2], [2, 3, 4], [4, 5, 6, 7], [7, 8, 9, 10]];
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('mcns target: paper α·log σ(s) and code log σ(max(s, 0)^α) against hand-computed values', () => {
  close(logTarget(0, 0.25, 'paper'), 0.25 * Math.log(0.5));
  close(logTarget(2, 0.25, 'paper'), 0.25 * Math.log(1 / (1 + Math.exp(-2))));
  close(logTarget(-3, 0.5, 'paper'), 0.5 * Math.log(1 / (1 + Math.exp(3))));
  close(logTarget(-800, 1, 'paper'), -800, 1e-9); // stable far out: log σ(−800) ≈ −800
  close(logTarget(16, 0.25, 'code'), Math.log(1 / (1 + Math.exp(-2)))); // 16^0.25 = 2
  close(logTarget(-3, 0.25, 'code'), Math.log(0.5)); // clamped to σ(0)
});

test('mcns acceptance min(1, p(y) q(x|y) / (p(x) q(y|x))) against hand-computed values', () => {
  assert.equal(acceptance(Math.log(0.2), Math.log(0.4), 0.3, 0.1), 1); // ratio 1.5
  close(acceptance(Math.log(0.1), Math.log(0.4), 0.1, 0.2), 0.125); // 0.1·0.1 / (0.4·0.2)
  assert.equal(acceptance(-Infinity, Math.log(0.4), 0.1, 0.2), 0); // a positive is never accepted
  assert.equal(acceptance(Math.log(0.1), -Infinity, 0.1, 0.2), 1); // leaving a positive always is
});

test('mcns neighbour lists are two-hop items and the mixture proposal is a distribution', () => {
  const ds = makeDataset(TRAIN, NI);
  const C = 7;
  const lists = neighbourLists(ds.train, C);
  for (let x = 0; x < NI; x++) {
    const users = TRAIN.map((r, u) => (r.includes(x) ? u : -1)).filter((u) => u >= 0);
    for (let c = 0; c < C; c++) {
      const y = lists[x * C + c];
      if (users.length === 0) assert.equal(y, -1);
      else assert.ok(users.some((u) => TRAIN[u].includes(y)), `item ${y} is not two hops from ${x}`);
    }
    let total = 0;
    for (let y = 0; y < NI; y++) total += proposalDensity(lists, C, NI, 0.3, x, y);
    close(total, 1, 1e-12);
  }
  // Deterministic: the same graph gives the same lists.
  assert.deepEqual(neighbourLists(ds.train, C), lists);
});

test('mcns chains reach the target σ(s)^α over the user\'s non-positives (empirical check)', () => {
  const ds = makeDataset(TRAIN, NI);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim: 4, layers: 1, std: 1 });
  const alpha = 1;
  const s = new McnsSampler({ steps: 15, alpha, neighbours: 6, uniformShare: 0.4 });
  const u = 1;
  const B = 250;
  const users = new Int32Array(B).fill(u);
  const pos = new Int32Array(B).fill(2);
  const counts = new Float64Array(NI);
  const rng = Rng.stream(7, 'sampler');
  let n = 0;
  for (let r = 0; r < 80; r++) {
    const neg = tidy(() => s.sample({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch: 1, step: r } as SampleContext));
    if (neg.kind !== 'items') throw new Error('items expected');
    for (const j of neg.items) {
      assert.ok(!isPositive(ds.train, u, j), `positive ${j} drawn`);
      counts[j]++;
      n++;
    }
  }
  const qu = enc.pooledUser(u);
  const p = Array.from({ length: NI }, (_, j) => (TRAIN[u].includes(j) ? 0 : Math.exp(logTarget(dot(qu, enc.pooledItem(j)), alpha, 'paper'))));
  const z = p.reduce((a, x) => a + x, 0);
  let tv = 0;
  for (let j = 0; j < NI; j++) tv += Math.abs(counts[j] / n - p[j] / z) / 2;
  assert.ok(tv < 0.03, `total variation from the target ${tv.toFixed(4)} (n = ${n})`);
  assert.ok(s.accepted > 0 && s.accepted < s.proposals, 'some proposals accepted, some rejected');
  assert.ok(s.stateOf(u) >= 0 && !TRAIN[u].includes(s.stateOf(u)), 'the chain state is the last non-positive');
});

test('mcns: k successive states per pair, state round-trips, options checked', () => {
  const ds = makeDataset(TRAIN, NI);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim: 4, layers: 2 });
  const users = Int32Array.from([0, 1, 2, 3]);
  const pos = Int32Array.from([0, 2, 4, 7]);
  const ctx = (rng: Rng): SampleContext => ({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch: 1, step: 0 });
  const a = new McnsSampler({ k: 3, steps: 2 });
  const na = tidy(() => a.sample(ctx(Rng.stream(3, 'sampler'))));
  if (na.kind !== 'items') throw new Error('items expected');
  assert.equal(na.items.length, 12);
  for (let b = 0; b < 4; b++) for (let k = 0; k < 3; k++) assert.ok(!TRAIN[users[b]].includes(na.items[b * 3 + k]));
  // A second sampler given the first one's state continues identically.
  const b2 = new McnsSampler({ k: 3, steps: 2 });
  b2.setState(a.getState());
  const r1 = Rng.stream(5, 'sampler');
  const r2 = Rng.stream(5, 'sampler');
  const x = tidy(() => a.sample(ctx(r1)));
  const y = tidy(() => b2.sample(ctx(r2)));
  assert.deepEqual(y, x);
  assert.throws(() => createSampler('mcns', { uniformShare: 1.5 }), /uniformShare/);
  assert.throws(() => createSampler('mcns', { target: 'nope' }), /target/);
  assert.throws(() => createSampler('mcns', { stepz: 3 }), /stepz/);
  assert.throws(() => b2.setState({ chain: [1, 2] as unknown as Int32Array }), /chain/);
});

test('mcns: identical at 1 and 2 threads', async () => {
  await sameAtOneAndTwoThreads({ name: 'mcns', steps: 3, neighbours: 8 });
});

test('mcns: a killed run resumes bit-identical', async () => {
  await resumesBitIdentical({ name: 'mcns', steps: 3, neighbours: 8 });
});
