import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { tidy, Tensor } from '../../src/engine/tensor.js';
import { rowDot, reshape } from '../../src/engine/ops.js';
import { RecnsSampler, drawAlpha, mergeRows, selfAmplified } from '../../src/samplers/recns.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { createSampler } from '../../src/samplers/index.js';
import { augmentedHinge } from '../../src/losses/augmentedHinge.js';
import { buildLoss } from '../../src/losses/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import type { Dataset } from '../../src/data/types.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { train } from '../../src/experiments/run.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';
import { backendInfo, setThreads } from '../../src/engine/kernels/index.js';
import { FakeEncoder, csrFromLists, dot, gradCheck, makeDataset } from './fake.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

// Users 0–3 on 20 items; users 0 and 2 have exposure records, users 1 and 3 none (the per-user fallback).
function setup(dim = 4, layers = 2) {
  const numItems = 20;
  const trainLists = [[0, 1, 2], [2, 3, 4], [4, 5, 6, 7], [7, 8, 9], [9, 10, 11], [11, 12, 13, 14], [14, 15, 16, 17, 18, 19]];
  const ds0 = makeDataset(trainLists, numItems);
  const exposure = csrFromLists([[5, 6, 9, 12], [], [0, 1, 8, 13, 15], [], [], [], []], numItems);
  const ds: Dataset = { ...ds0, exposure };
  const enc = new FakeEncoder({ numUsers: trainLists.length, numItems, dim, layers, seed: 9 });
  const users = Int32Array.from([0, 1, 2, 3]);
  const pos = Int32Array.from([1, 3, 6, 8]);
  const ctx = (seed: number): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(seed, 'sampler'), epoch: 0, step: 0,
  });
  return { enc, ds, users, pos, ctx, trainLists, numItems };
}

/** Items within `khop` hops of u (plain BFS), minus u's training items. */
function intermediate(lists: number[][], u: number, khop: number): Set<number> {
  let users = new Set([u]);
  const items = new Set<number>();
  for (let h = 1; h <= khop; h += 2) {
    for (const v of users) for (const i of lists[v]) items.add(i);
    users = new Set(lists.flatMap((l, v) => (l.some((i) => items.has(i)) ? [v] : [])));
  }
  for (const i of lists[u]) items.delete(i);
  return items;
}

for (const variant of ['paper', 'code'] as const) {
  test(`recns eq. 7: candidates from R_med(u) without replacement, one α per candidate, weights σ(α s_u + (1−α) s_i) (${variant})`, () => {
    const { enc, users, pos, ctx, trainLists } = setup();
    const M = 5, K = 3;
    const s = new RecnsSampler({ m: M, k: K, variant });
    tidy(() => {
      s.sample(ctx(4));
      const d = s.last!;
      for (let b = 0; b < users.length; b++) {
        const region = intermediate(trainLists, users[b], 3);
        const c = Array.from(d.candidates.subarray(b * M, (b + 1) * M));
        for (const j of c) assert.ok(region.has(j), `user ${users[b]}: candidate ${j} outside R_med`);
        assert.equal(new Set(c).size, Math.min(M, region.size), 'without replacement');
        const eu = enc.pooledUser(users[b]);
        const ei = enc.pooledItem(pos[b]);
        for (let m = 0; m < M; m++) {
          const a = d.alpha[b * M + m];
          assert.ok(a >= 0 && a < 1);
          const ec = enc.pooledItem(c[m]);
          const w = sig(a * dot(eu, ec) + (1 - a) * dot(ei, ec));
          const want = variant === 'code' ? Math.exp(w) : w;
          assert.ok(Math.abs(d.weights[b * M + m] - want) < 1e-5, `weight ${b},${m}: ${d.weights[b * M + m]} vs ${want}`);
        }
        for (let t = 0; t < K; t++) assert.ok(c.includes(d.picks[b * K + t]));
      }
      assert.equal(new Set(d.alpha).size, d.alpha.length, 'α is drawn per candidate');
    });
  });
}

test('recns eq. 7: the k picks follow p(c) ∝ weight (with replacement)', () => {
  const { ctx } = setup();
  const M = 5, K = 20000;
  const s = new RecnsSampler({ m: M, k: K, exposure: false });
  tidy(() => {
    const neg = s.sample(ctx(8));
    assert.equal(neg.kind, 'items');
    const d = s.last!;
    for (let b = 0; b < 4; b++) {
      let total = 0;
      for (let m = 0; m < M; m++) total += d.weights[b * M + m];
      const count = new Map<number, number>();
      for (let t = 0; t < K; t++) count.set(d.picks[b * K + t], (count.get(d.picks[b * K + t]) ?? 0) + 1);
      // A small region repeats items in C_u: an item's probability is the sum over its copies.
      const p = new Map<number, number>();
      for (let m = 0; m < M; m++) p.set(d.candidates[b * M + m], (p.get(d.candidates[b * M + m]) ?? 0) + d.weights[b * M + m] / total);
      for (const [j, pj] of p) {
        const f = (count.get(j) ?? 0) / K;
        assert.ok(Math.abs(f - pj) < 0.012, `pair ${b} item ${j}: frequency ${f} vs p ${pj}`);
      }
      assert.equal([...count.keys()].filter((j) => !p.has(j)).length, 0);
    }
  });
});

test('recns α distributions: U(0,1), U(0,0.5), N(0,1), N(0,0.5) (variance 0.5, as N(μ, σ²))', () => {
  const rng = Rng.stream(1, 'a');
  for (const [dist, mean, variance, lo, hi] of [['U(0,1)', 0.5, 1 / 12, 0, 1], ['U(0,0.5)', 0.25, 1 / 48, 0, 0.5],
    ['N(0,1)', 0, 1, -Infinity, Infinity], ['N(0,0.5)', 0, 0.5, -Infinity, Infinity]] as const) {
    const n = 40000;
    let s = 0, s2 = 0;
    for (let t = 0; t < n; t++) {
      const a = drawAlpha(dist, rng);
      assert.ok(a >= lo && a < hi);
      s += a;
      s2 += a * a;
    }
    const m = s / n;
    assert.ok(Math.abs(m - mean) < 0.02, `${dist} mean ${m}`);
    assert.ok(Math.abs(s2 / n - m * m - variance) < 0.03 * Math.max(1, variance), `${dist} variance ${s2 / n - m * m}`);
  }
});

test('recns β (eq. 9): the paper counts exposed entries in C_u; the code counts C_u items in M_u and needs ≥ 2', () => {
  const beta = new Float32Array(5);
  const c = Int32Array.of(3, 7, 9, 11);
  // M_u hits 7 and 9: count 2 under both rules, β = 2 for those two entries, 1 otherwise.
  selfAmplified(c, 0, 4, Int32Array.of(7, 1, 9, 4, 2), 0, 5, 'paper', beta);
  assert.deepEqual(Array.from(beta), [2, 1, 2, 1, 1]);
  selfAmplified(c, 0, 4, Int32Array.of(7, 1, 9, 4, 2), 0, 5, 'code', beta);
  assert.deepEqual(Array.from(beta), [2, 1, 2, 1, 1]);
  // One hit: β = 1 either way.
  selfAmplified(c, 0, 4, Int32Array.of(7, 1, 5, 4, 2), 0, 5, 'paper', beta);
  assert.deepEqual(Array.from(beta), [1, 1, 1, 1, 1]);
  selfAmplified(c, 0, 4, Int32Array.of(7, 1, 5, 4, 2), 0, 5, 'code', beta);
  assert.deepEqual(Array.from(beta), [1, 1, 1, 1, 1]);
  // M_u repeats 7 (drawn with replacement): paper counts 3 entries, the code 2 distinct candidates.
  selfAmplified(c, 0, 4, Int32Array.of(7, 7, 9, 4, 2), 0, 5, 'paper', beta);
  assert.deepEqual(Array.from(beta), [3, 3, 3, 1, 1]);
  selfAmplified(c, 0, 4, Int32Array.of(7, 7, 9, 4, 2), 0, 5, 'code', beta);
  assert.deepEqual(Array.from(beta), [2, 2, 2, 1, 1]);
  // Repeated single hit: the paper amplifies (count 2), the code does not (one distinct candidate).
  selfAmplified(c, 0, 4, Int32Array.of(7, 7, 1, 4, 2), 0, 5, 'paper', beta);
  assert.deepEqual(Array.from(beta), [2, 2, 1, 1, 1]);
  selfAmplified(c, 0, 4, Int32Array.of(7, 7, 1, 4, 2), 0, 5, 'code', beta);
  assert.deepEqual(Array.from(beta), [1, 1, 1, 1, 1]);
});

for (const [merge, n] of [['paper', 1], ['code', 1], ['paper', 2]] as const) {
  test(`recns exposure pick (eq. 8) and merge (${merge}${n > 1 ? `, ${n} exposed negatives` : ''}) against hand-computed vectors; per-user fallback to C_u`, () => {
    const { enc, users, ctx, ds } = setup();
    const M = 5, K = 3;
    const s = new RecnsSampler({ m: M, k: K, merge, exposedNegatives: n });
    tidy(() => {
      const neg = s.sample(ctx(6));
      assert.equal(neg.kind, 'synthetic');
      if (neg.kind !== 'synthetic') return;
      const d = s.last!;
      const P = enc.dim;
      for (let b = 0; b < users.length; b++) {
        const u = users[b];
        const row = Array.from(ds.exposure!.indices.subarray(ds.exposure!.indptr[u], ds.exposure!.indptr[u + 1]));
        const ex = Array.from(d.exposed.subarray(b * M, (b + 1) * M));
        const cands = Array.from(d.candidates.subarray(b * M, (b + 1) * M));
        if (row.length === 0) {
          assert.equal(d.hasExposure[b], 0);
          assert.deepEqual(ex, cands, `user ${u} without exposure uses C_u`);
          for (let m = 0; m < M; m++) assert.equal(d.beta[b * M + m], 1);
        } else {
          assert.equal(d.hasExposure[b], 1);
          for (const j of ex) assert.ok(row.includes(j), `exposed ${j} not in u's exposure`);
          if (row.length >= M) assert.equal(new Set(ex).size, M);
          const count = ex.filter((j) => cands.includes(j)).length;
          for (let m = 0; m < M; m++) assert.equal(d.beta[b * M + m], cands.includes(ex[m]) ? count : 1);
        }
        // v_e = the n best of σ(β s_u(j)).
        const eu = enc.pooledUser(u);
        const ranked = ex.map((j, m) => ({ j, v: sig(d.beta[b * M + m] * dot(eu, enc.pooledItem(j))), m }))
          .sort((x, y) => y.v - x.v || x.m - y.m);
        for (let t = 0; t < K; t++) {
          const ve = ranked[t % n].j;
          assert.equal(d.exposedPicks![b * K + t], ve);
          const vp = d.picks[b * K + t];
          const eP = enc.pooledItem(vp), eE = enc.pooledItem(ve), e1 = enc.pooledItem(d.picks[b * K]);
          const want = merge === 'paper'
            ? eP.map((x, k) => eE[k] / K + (1 - 1 / K) * x)
            : eP.map((x, k) => (1 - 1 / K) * x + ((1 - 1 / K) * e1[k] + eE[k] / K) / K);
          for (let k = 0; k < P; k++) assert.ok(Math.abs(neg.pooled.data[(b * K + t) * P + k] - want[k]) < 1e-5, `pair ${b} neg ${t} dim ${k}`);
        }
      }
      assert.deepEqual(neg.hardItems, d.picks);
      assert.deepEqual(neg.sources![0], d.exposedPicks);
      if (merge === 'code') assert.equal(neg.sources!.length, 2);
    });
  });
}

test('recns w/o positive-assisted: the k hardest candidates by <e_u, e_c>; w/o exposure: the picks as item negatives', () => {
  const { enc, users, ctx } = setup();
  const M = 6, K = 3;
  const s = new RecnsSampler({ m: M, k: K, positiveAssisted: false, exposure: false });
  tidy(() => {
    const neg = s.sample(ctx(2));
    assert.equal(neg.kind, 'items');
    const d = s.last!;
    for (let b = 0; b < users.length; b++) {
      const eu = enc.pooledUser(users[b]);
      const c = Array.from(d.candidates.subarray(b * M, (b + 1) * M)).map((j, m) => ({ j, v: dot(eu, enc.pooledItem(j)), m }))
        .sort((x, y) => y.v - x.v || x.m - y.m);
      assert.deepEqual(Array.from(d.picks.subarray(b * K, (b + 1) * K)), c.slice(0, K).map((x) => x.j));
    }
    if (neg.kind === 'items') assert.deepEqual(neg.items, d.picks);
  });
  assert.throws(() => new RecnsSampler({ positiveAssisted: false, k: 30, m: 20 }), /needs k ≤ m/);
  assert.throws(() => new RecnsSampler({ exposure: false, exposedNegatives: 2 }), /applies to exposure-augmented/);
  assert.throws(() => new RecnsSampler({ khop: 4 }), /khop must be an odd integer/);
  assert.throws(() => createSampler('recns', { alpha: 'U(0,2)' }), /alpha/);
});

test('recns regions switch: Med draws inside R_med, Dis outside within-khop, All any non-positive', () => {
  const { users, ctx, trainLists, numItems } = setup();
  const M = 4;
  for (const region of ['intermediate', 'distant', 'global'] as const) {
    const s = new RecnsSampler({ m: M, k: 2, region, khop: 3 });
    tidy(() => {
      s.sample(ctx(11));
      for (let b = 0; b < users.length; b++) {
        const u = users[b];
        const med = intermediate(trainLists, u, 3);
        const own = new Set(trainLists[u]);
        for (const j of s.last!.candidates.subarray(b * M, (b + 1) * M)) {
          assert.ok(j >= 0 && j < numItems && !own.has(j), `${region}: ${j} is a positive`);
          if (region === 'intermediate') assert.ok(med.has(j));
          if (region === 'distant') assert.ok(!med.has(j));
        }
      }
    });
  }
});

test('the merge op (both forms) is gradient-checked against a float64 reference', () => {
  const R = 6, D = 3, Y = 2;
  const f = Int32Array.of(0, 0, 0, 3, 3, 3), g = Int32Array.of(0, 0, 0, 1, 1, 1);
  const vals = (n: number, seed: number) => Array.from({ length: n }, (_, k) => Math.sin(seed * 7.1 + k * 1.3));
  for (const withF of [false, true]) {
    const [a, c, e] = [2 / 3, withF ? 2 / 9 : 0, withF ? 1 / 9 : 1 / 3];
    const ref = ([x, y]: Float64Array[]) => Array.from({ length: R * D }, (_, t) => {
      const r = Math.floor(t / D), k = t % D;
      return a * x[t] + (withF ? c * x[f[r] * D + k] : 0) + e * y[g[r] * D + k];
    });
    const res = gradcheck(([x, y]) => mergeRows(x, a, withF ? f : null, c, y, g, e), ref,
      [{ shape: [R, D], values: vals(R * D, 1) }, { shape: [Y, D], values: vals(Y * D, 2) }]);
    assert.ok(res.maxRelError < 1e-3 && res.forwardError < 1e-6, `two-step ${withF}: ${res.maxRelError}, ${res.forwardError}`);
  }
});

test('augmented hinge (eq. 5) against hand-computed values; k = 1 is the sigmoid hinge', () => {
  tidy(() => {
    const pos = Tensor.from(Float32Array.of(0.5, -0.2), [2]);
    const neg = Tensor.from(Float32Array.of(0.1, 0.3, -0.4, 0.9, -1.5, 0.2), [2, 3]);
    // Pair 0: σ(0.0) − σ(1.5) + 0.1 = 0.5 − 0.817574 + 0.1 < 0 → 0. Pair 1: σ(−0.4) − σ(−0.6) + 0.1.
    const p1 = sig(-0.4) - sig(-0.6) + 0.1;
    const want = (0 + p1) / 2 / 3;
    assert.ok(Math.abs(augmentedHinge(0.1)(pos, neg).item() - want) < 1e-6);
    const big = augmentedHinge(1)(pos, neg).item();
    assert.ok(Math.abs(big - ((sig(0) - sig(1.5) + 1) + (sig(-0.4) - sig(-0.6) + 1)) / 6) < 1e-6);
    const one = Tensor.from(Float32Array.of(0.3, -0.1), [2]);
    const want1 = (Math.max(0, sig(0.3) - sig(0.5) + 0.1) + Math.max(0, sig(-0.1) - sig(-0.2) + 0.1)) / 2;
    assert.ok(Math.abs(augmentedHinge(0.1)(pos, one).item() - want1) < 1e-6);
    assert.ok(Math.abs(buildLoss({ name: 'sigmoidHinge' }).compute({ pos, neg: one, shared: false, batch: { users: new Int32Array(2), pos: new Int32Array(2) } }).item() - want1) < 1e-6);
    assert.equal(buildLoss('augmented-hinge').name, 'augmentedHinge');
    // Its gradient through sigmoid, sum and hinge (margin 1 keeps every pair active), against a float64 reference.
    const ref = ([p, n]: Float64Array[]) => {
      let t = 0;
      for (let b = 0; b < 2; b++) t += Math.max(0, sig(n[b * 3] + n[b * 3 + 1] + n[b * 3 + 2]) - sig(3 * p[b]) + 1);
      return [t / 2 / 3];
    };
    const r = gradcheck(([p, n]) => augmentedHinge(1)(p, n), ref, [{ shape: [2], values: [0.5, -0.2] }, { shape: [2, 3], values: [0.1, 0.3, -0.4, 0.9, -1.5, 0.2] }]);
    assert.ok(r.maxRelError < 1e-3, `augmented hinge gradient ${r.maxRelError}`);
  });
  assert.deepEqual(new RecnsSampler().preferredLoss, { name: 'augmentedHinge', margin: 0.1 });
  assert.deepEqual(new RecnsSampler({ variant: 'code', margin: 0.2 }).preferredLoss, { name: 'sigmoidHinge', margin: 0.2 });
});

for (const merge of ['paper', 'code'] as const) {
  test(`recns gradient check through sampler + merge (${merge}) + augmented hinge: gradients reach users, positives and both sources`, () => {
    const { enc, users, pos, ctx } = setup(3, 2);
    // A margin large enough that every pair's hinge is active (a kink would void the finite differences), and a seed
    // whose inverse-CDF picks do not sit within ±eps of a boundary (gradCheck refuses a run whose choices flip).
    const loss = augmentedHinge(2);
    let last: RecnsSampler | null = null;
    const r = gradCheck(enc, () => {
      const c = ctx(17);
      const s = new RecnsSampler({ m: 5, k: 3, merge });
      last = s;
      const neg = s.sample(c);
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      const u = c.pass.pool(c.pass.userLayers(users));
      const rep = new Int32Array(users.length * 3).map((_, t) => Math.floor(t / 3));
      const uRep = c.pass.pool(c.pass.userLayers(Int32Array.from(rep, (b) => users[b])));
      const sPos = rowDot(u, c.pass.pool(c.pass.itemLayers(pos)));
      const sNeg = reshape(rowDot(uRep, neg.pooled), [users.length, 3]);
      const d = s.last!;
      return { loss: loss(sPos, sNeg), choices: [...d.candidates, ...d.picks, ...d.exposedPicks!] };
    });
    assert.ok(r.nonZero > 20, `only ${r.nonZero} non-zero grads`);
    // Every exposed pick's rows got a gradient through the merge.
    const d = (last as unknown as RecnsSampler).last!;
    tidy(() => {
      enc.zeroGrad();
      const c = ctx(17);
      const neg = new RecnsSampler({ m: 5, k: 3, merge }).sample(c);
      if (neg.kind !== 'synthetic') return;
      const uRep = c.pass.pool(c.pass.userLayers(Int32Array.from({ length: 12 }, (_, t) => users[Math.floor(t / 3)])));
      rowDot(uRep, neg.pooled).backward(new Float32Array(12).fill(1));
      for (const j of d.exposedPicks!) {
        const g = enc.items[0].grad!;
        assert.ok(Array.from(g.subarray(j * 3, j * 3 + 3)).some((x) => x !== 0), `exposed item ${j} got no gradient`);
      }
      enc.zeroGrad();
    });
  });
}

test('recns in train(): same losses and metrics at 1 and 2 threads, every region mode gives the same run', async () => {
  const ds = syntheticDataset({ users: 60, items: 90, interactionsPerUser: 8, exposure: 2, seed: 4 });
  const cfg: TrainConfig = { epochs: 2, evalEvery: 1, ks: [10], batchSize: 128, encoder: { name: 'lightgcn', dim: 8, layers: 2 }, sampler: { name: 'recns', m: 8, k: 4 } };
  const before = backendInfo();
  try {
    setThreads(1);
    const one = await train(cfg, ds);
    setThreads(2);
    const two = await train(cfg, ds);
    const lazy = await train({ ...cfg, sampler: { ...cfg.sampler, regionMode: 'lazy' } } as TrainConfig, ds);
    assert.deepEqual(one.epochs.map((e) => e.loss), two.epochs.map((e) => e.loss));
    assert.deepEqual(one.test, two.test);
    assert.deepEqual(one.epochs.map((e) => e.loss), lazy.epochs.map((e) => e.loss));
    assert.ok(one.epochs.every((e) => Number.isFinite(e.loss) && e.loss > 0));
  } finally {
    setThreads(before.threads);
  }
});

test('recns: a killed run resumed from its checkpoint ends bit-identical to one that ran through', async () => {
  const ds = () => syntheticDataset({ users: 60, items: 90, interactionsPerUser: 8, exposure: 2, seed: 4 });
  const cfg: TrainConfig = { epochs: 5, evalEvery: 2, patience: 0, ks: [10], batchSize: 128, encoder: { name: 'lightgcn', dim: 8, layers: 2 }, sampler: { name: 'recns', m: 8, k: 4, variant: 'code' } };
  const root = mkdtempSync(join(tmpdir(), 'hn-recns-'));
  try {
    const whole = await train(cfg, ds(), { runDir: join(root, 'whole') });
    const dir = join(root, 'killed');
    await assert.rejects(train(cfg, ds(), {
      runDir: dir, onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 3) throw new Error('simulated kill'); },
    }), /simulated kill/);
    const resumed = await train(cfg, ds(), { runDir: dir, resume: true });
    assert.deepEqual(resumed.resumedFrom, [2]);
    assert.deepEqual(resumed.epochs.map((e) => e.loss), whole.epochs.map((e) => e.loss));
    assert.deepEqual(resumed.test, whole.test);
    for (let i = 0; i < whole.weights!.params.length; i++) assert.deepEqual(resumed.weights!.params[i].data, whole.weights!.params[i].data);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
