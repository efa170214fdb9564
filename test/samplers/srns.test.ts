import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { SrnsSampler } from '../../src/samplers/srns.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, dot, makeDataset } from './fake.js';

function setup(scorerKind: 'dot' | 'dot+bias' = 'dot') {
  const numItems = 40;
  const train = [[0, 1, 2, 3], [4], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35], [36], [37, 38, 39]];
  const ds = makeDataset(train, numItems, [[4], [5], [36], [0], [1]]);
  const enc = new FakeEncoder({ numUsers: 5, numItems, dim: 4, layers: 2, scorerKind, seed: 2 });
  const ctx = (users: Int32Array, pos: Int32Array, rng: Rng, epoch: number, step = 0): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch, step,
  });
  return { ds, enc, ctx, train };
}

function batch(rng: Rng, train: number[][], B: number): { users: Int32Array; pos: Int32Array } {
  const users = new Int32Array(B);
  const pos = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const u = rng.int(train.length);
    users[b] = u;
    pos[b] = train[u][rng.int(train[u].length)];
  }
  return { users, pos };
}

test('srns memory stays within each user\'s training non-positives, and negatives come from the memory', () => {
  const { ds, ctx, train } = setup();
  const s = new SrnsSampler({ s1: 4, s2: 6, warmup: 2 });
  const rng = Rng.stream(1, 'sampler');
  s.prepare(ds, Rng.stream(1, 'srns-init'));
  const brng = Rng.stream(1, 'batch');
  for (let step = 0; step < 40; step++) {
    const { users, pos } = batch(brng, train, 6);
    const neg = tidy(() => s.sample(ctx(users, pos, rng, Math.floor(step / 8), step)));
    if (neg.kind !== 'items') throw new Error('items expected');
    for (let b = 0; b < users.length; b++) {
      assert.ok(Array.from(s.last!.memory.subarray(b * 4, b * 4 + 4)).includes(neg.items[b]));
      assert.ok(!isPositive(ds.train, users[b], neg.items[b]));
    }
    for (let u = 0; u < 5; u++) {
      for (const it of s.memoryOf(u)) assert.ok(!isPositive(ds.train, u, it), `user ${u} memory holds positive ${it}`);
    }
  }
  // User 2's only non-positives are items 0-4 and 36-39: its memory is among them.
  const allowed = new Set([0, 1, 2, 3, 4, 36, 37, 38, 39]);
  for (const it of s.memoryOf(2)) assert.ok(allowed.has(it));
});

test('srns at epoch 0 (no variance weight) picks the memory item with the highest score', () => {
  const { ds, enc, ctx } = setup('dot+bias');
  const s = new SrnsSampler({ s1: 5 });
  s.prepare(ds, Rng.stream(3, 'init'));
  const users = Int32Array.from([0, 1, 3, 4]);
  const pos = Int32Array.from([2, 4, 36, 38]);
  const mems = Array.from(users, (u) => s.memoryOf(u));
  const neg = tidy(() => s.sample(ctx(users, pos, Rng.stream(3, 'sampler'), 0)));
  if (neg.kind !== 'items') throw new Error('items expected');
  for (let b = 0; b < users.length; b++) {
    const q = enc.pooledUser(users[b]);
    const sc = (i: number) => dot(q, enc.pooledItem(i)) + enc.itemBias.data[i]; // the encoder's scorer, with bias
    const best = mems[b].reduce((a, i) => (sc(i) > sc(a) ? i : a), mems[b][0]);
    assert.equal(neg.items[b], best, `pair ${b}`);
  }
});

test('srns variance term: argmax σ(s_uj − s_ui) + α·min(1, epoch/warmup)·std over the last 5 epochs', () => {
  const { ds, enc, ctx } = setup();
  const S1 = 2;
  const H = 5;
  const s = new SrnsSampler({ s1: S1, alpha: 5, warmup: 20 });
  s.prepare(ds, Rng.stream(1, 'init'));
  const st = s.getState();
  const mem = st.memory as Int32Array;
  const hv = st.historyValues as Float32Array;
  const he = st.historyEpochs as Int32Array;
  // User 0: slot 0 = item 10, slot 1 = item 11; whichever scores higher now is "hi", the other "lo".
  const q = enc.pooledUser(0);
  const sPos = dot(q, enc.pooledItem(2));
  const v = (i: number) => 1 / (1 + Math.exp(-(dot(q, enc.pooledItem(i)) - sPos)));
  const [hi, lo] = v(10) > v(11) ? [10, 11] : [11, 10];
  mem[0] = lo;
  mem[1] = hi;
  const epoch = 12;
  // lo's slot: values alternating 0 / 1 in epochs 8..11 (std large); hi's slot: stale extreme values (epochs ≤ 7)
  // that must be ignored, so its std is 0.
  for (let h = 0; h < H; h++) {
    he[0 * H + h] = -1;
    he[1 * H + h] = -1;
  }
  const put = (slot: number, ep: number, val: number) => {
    hv[slot * H + (ep % H)] = val;
    he[slot * H + (ep % H)] = ep;
  };
  [8, 9, 10, 11].forEach((ep, k) => put(0, ep, k % 2));
  put(1, 6, 0);
  put(1, 7, 1);
  s.setState(st);
  const vals = [0, 1, 0, 1, v(lo)];
  const mean = vals.reduce((a, x) => a + x, 0) / 5;
  const std = Math.sqrt(vals.reduce((a, x) => a + (x - mean) ** 2, 0) / 5);
  const ramp = 5 * Math.min(1, epoch / 20);
  const expectLo = v(lo) + ramp * std > v(hi);
  assert.ok(expectLo, 'test construction: the variance bonus should win here');
  const neg = tidy(() => s.sample(ctx(Int32Array.from([0]), Int32Array.from([2]), Rng.stream(1, 'sampler'), epoch)));
  if (neg.kind !== 'items') throw new Error('items expected');
  assert.equal(neg.items[0], lo);
  // Same memory one epoch earlier with no history at all: the plain score wins.
  const s2 = new SrnsSampler({ s1: S1, alpha: 5, warmup: 20 });
  s2.prepare(ds, Rng.stream(1, 'init'));
  const st2 = s2.getState();
  (st2.memory as Int32Array)[0] = lo;
  (st2.memory as Int32Array)[1] = hi;
  s2.setState(st2);
  const neg2 = tidy(() => s2.sample(ctx(Int32Array.from([0]), Int32Array.from([2]), Rng.stream(1, 'sampler'), epoch)));
  if (neg2.kind !== 'items') throw new Error('items expected');
  assert.equal(neg2.items[0], hi);
});

test('srns refresh with a tiny τ keeps the S1 best-scored of memory ∪ fresh; kept items keep their history', () => {
  const { ds, enc, ctx } = setup();
  const S1 = 3;
  const s = new SrnsSampler({ s1: S1, s2: 8, tau: 1e-4 });
  s.prepare(ds, Rng.stream(4, 'init'));
  const users = Int32Array.from([0, 3]);
  const pos = Int32Array.from([1, 36]);
  tidy(() => s.sample(ctx(users, pos, Rng.stream(4, 'sampler'), 3)));
  const { memory, fresh } = s.last!;
  const st = s.getState();
  for (let b = 0; b < 2; b++) {
    const u = users[b];
    const q = enc.pooledUser(u);
    const old = Array.from(memory.subarray(b * S1, b * S1 + S1));
    const union = [...old, ...Array.from(fresh.subarray(b * 8, b * 8 + 8))];
    const scores = union.map((i) => dot(q, enc.pooledItem(i)));
    const want = union.map((i, t) => ({ i, s: scores[t] })).sort((a, c) => c.s - a.s).slice(0, S1).map((x) => x.i).sort((a, c) => a - c);
    const got = Array.from(s.memoryOf(u)).sort((a, c) => a - c);
    assert.deepEqual(got, want, `user ${u}`);
    const H = s.historyEpochs;
    for (let k = 0; k < S1; k++) {
      const it = s.memoryOf(u)[k];
      const eps = Array.from((st.historyEpochs as Int32Array).subarray((u * S1 + k) * H, (u * S1 + k + 1) * H));
      if (old.includes(it)) assert.ok(eps.includes(3), `kept item ${it} lost its history`);
      else assert.ok(eps.every((e) => e === -1), `new item ${it} has history`);
    }
  }
});

test('srns state save/restore continues exactly like an uninterrupted run; deterministic per seed', () => {
  const { ds, ctx, train } = setup();
  const runSteps = (s: SrnsSampler, rng: Rng, brng: Rng, from: number, to: number) => {
    const out: number[] = [];
    for (let step = from; step < to; step++) {
      const { users, pos } = batch(brng, train, 5);
      const neg = tidy(() => s.sample(ctx(users, pos, rng, Math.floor(step / 3), step)));
      if (neg.kind === 'items') out.push(...neg.items);
    }
    return out;
  };
  const a = new SrnsSampler({ s1: 3, s2: 5, warmup: 1 });
  a.prepare(ds, Rng.stream(9, 'init'));
  const rngA = Rng.stream(9, 'sampler');
  const brngA = Rng.stream(9, 'batch');
  const first = runSteps(a, rngA, brngA, 0, 6);
  const saved = a.getState();
  const savedRng = rngA.getState();
  const savedBatch = brngA.getState();
  const rest = runSteps(a, rngA, brngA, 6, 12);

  const b = new SrnsSampler({ s1: 3, s2: 5, warmup: 1 });
  b.setState(saved);
  const rngB = Rng.stream(0, 'other');
  rngB.setState(savedRng);
  const brngB = Rng.stream(0, 'other');
  brngB.setState(savedBatch);
  assert.deepEqual(runSteps(b, rngB, brngB, 6, 12), rest);
  assert.deepEqual(b.getState(), a.getState());

  const c = new SrnsSampler({ s1: 3, s2: 5, warmup: 1 });
  c.prepare(ds, Rng.stream(9, 'init'));
  assert.deepEqual(runSteps(c, Rng.stream(9, 'sampler'), Rng.stream(9, 'batch'), 0, 6), first);
  assert.throws(() => new SrnsSampler({ s1: 4 }).setState(saved), /state has s1 = 3/);
});

test('srns prescribes the pairwise log(1 + exp(s⁻ − s⁺)) of its released code; the point-wise loss by objective', async () => {
  const { createSampler } = await import('../../src/samplers/index.js');
  const { createLoss } = await import('../../src/losses/index.js');
  const { Tensor } = await import('../../src/engine/tensor.js');
  const s = createSampler('srns', {});
  assert.deepEqual(s.preferredLoss, { name: 'bpr' });
  // The prescribed loss is mean log(1 + exp(s⁻ − s⁺)): s⁺ = (1, 0), s⁻ = (0.5, 2).
  const v = createLoss(s.preferredLoss!)(Tensor.from(Float32Array.of(1, 0), [2]), Tensor.from(Float32Array.of(0.5, 2), [2])).data[0];
  const want = (Math.log1p(Math.exp(0.5 - 1)) + Math.log1p(Math.exp(2 - 0))) / 2;
  assert.ok(Math.abs(v - want) < 1e-6, `${v} vs ${want}`);
  const p = createSampler('srns', { objective: 'pointwise' });
  assert.deepEqual(p.preferredLoss, { name: 'softplusPointwise' });
  assert.doesNotThrow(() => createLoss(p.preferredLoss!));
  assert.throws(() => createSampler('srns', { objective: 'listwise' }), /objective/);
});
