import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/index.js';
import { Rng } from '../../src/core/rng.js';
import { Tensor } from '../../src/engine/tensor.js';
import { groupHinge } from '../../src/losses/losses.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { GdnsSampler } from '../../src/samplers/gdns.js';
import { PairTable } from '../../src/samplers/pairTable.js';
import type { Negatives, SampleContext } from '../../src/samplers/types.js';
import { groupBatcher } from '../../src/training/batching.js';
import { train } from '../../src/experiments/run.js';
import { makeDataset } from './fake.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** The item ids of a sampler's negatives (asserting they are items). */
function itemsOf(neg: Negatives): Int32Array {
  assert.equal(neg.kind, 'items');
  if (neg.kind !== 'items') throw new Error('unreachable');
  return neg.items;
}

test('PairTable: defaults for unseen pairs, values survive growth, export/from round-trips', () => {
  const t = new PairTable([1, 0.5], 16);
  assert.equal(t.get(3, 4, 0), 1);
  assert.equal(t.get(3, 4, 1), 0.5);
  const ref = new Map<string, number>();
  const rng = Rng.stream(1, 'pairs');
  for (let n = 0; n < 5000; n++) {
    const u = rng.int(300), i = rng.int(2000), v = rng.float();
    const s = t.slot(u, i);
    t.values[s * 2 + 1] = v;
    ref.set(`${u},${i}`, Math.fround(v));
  }
  assert.equal(t.size, ref.size);
  for (const [k, v] of ref) {
    const [u, i] = k.split(',').map(Number);
    assert.equal(t.get(u, i, 1), v);
    assert.equal(t.get(u, i, 0), 1, 'untouched field keeps its default');
  }
  assert.equal(t.find(299, 2001), -1);
  const back = PairTable.from([1, 0.5], t.export());
  for (const [k, v] of ref) {
    const [u, i] = k.split(',').map(Number);
    assert.equal(back.get(u, i, 1), v);
  }
  assert.throws(() => t.slot(-1, 2), /non-negative/);
});

/** User 0 trains on items 0–9 of 16: its 6 free items are all of δ when m = 6 (the complement path). */
function tiny() {
  const ds = makeDataset([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [10, 11]], 16, [[10], [0]]);
  const ctx = (ids: number[], rng: Rng): SampleContext => {
    const users = Int32Array.from(ids);
    const pos = Int32Array.from(ids.map((u) => (u === 0 ? 0 : 10)));
    return { users, pos, batch: { users, pos }, pass: null as never, data: ds, rng, epoch: 1, step: 0 };
  };
  return { ds, ctx };
}

test('gdns: Δ\'_u = the N candidates of highest G (ties by draw order), shared by the group\'s rows; H and G follow eqs. 4–5', () => {
  const { ctx } = tiny();
  const s = new GdnsSampler({ m: 6, alpha: 0.2 });
  const rng = Rng.stream(3, 'sampler');
  const N = 3;
  const c1 = ctx([0, 0, 0], rng);
  const neg = s.sample(c1);
  const items1 = itemsOf(neg);
  assert.equal(neg.k, N);
  const first = Array.from(items1.subarray(0, N));
  for (let r = 1; r < N; r++) assert.deepEqual(Array.from(items1.subarray(r * N, r * N + N)), first, 'every row of the group gets Δ\'_u');
  assert.equal(new Set(first).size, N);
  for (const j of first) assert.ok(j >= 10 && j < 16, `item ${j} is not one of user 0's training items`);

  // Scores of the step: s⁺ per row, s⁻ [rows × N].
  const pos = Float32Array.from([2, 1, 0.5]);
  const negS = Float32Array.from([0.3, -1, 2, 0.1, 0.4, -0.2, 1.5, 0, 0.7]);
  s.observe(c1, neg, { pos, neg: negS });
  const H1 = first.map((_, k) => [0, 1, 2].reduce((a, r) => a + sig(negS[r * N + k] - pos[r]), 0) / N);
  first.forEach((j, k) => {
    assert.ok(Math.abs(s.value(0, j, 'H') - H1[k]) < 1e-6, 'H = mean over the group of σ(r_uj − r_ui)');
    const g = 0.2 * 1 + 0.8 * sig((1 - H1[k]) / (H1[k] + 1e-8)); // H⁰ = G⁰ = 1
    assert.ok(Math.abs(s.value(0, j, 'G') - g) < 1e-6, 'G = αG⁰ + (1−α)σ((H⁰ − H¹)/(H¹ + ε))');
    assert.ok(s.value(0, j, 'G') < 1);
  });

  // Next iteration: δ is all 6 free items again; the 3 unvisited ones (G = 1) outrank every visited one (G < 1).
  const c2 = ctx([0, 0, 0], rng);
  const neg2 = s.sample(c2);
  const second = Array.from(itemsOf(neg2).subarray(0, N));
  assert.deepEqual(second.filter((j) => first.includes(j)), []);
  assert.deepEqual([...first, ...second].sort((a, b) => a - b), [10, 11, 12, 13, 14, 15]);

  // Third: all visited; the top 3 by G are chosen, and the update reads the stored H (not the default 1).
  const s3 = ctx([0, 0, 0], rng);
  s.observe(c2, neg2, { pos, neg: negS });
  const gBefore = new Map([10, 11, 12, 13, 14, 15].map((j) => [j, s.value(0, j, 'G')]));
  const hBefore = new Map([10, 11, 12, 13, 14, 15].map((j) => [j, s.value(0, j, 'H')]));
  const neg3 = s.sample(s3);
  const third = Array.from(itemsOf(neg3).subarray(0, N));
  const chosenG = third.map((j) => gBefore.get(j)!);
  const otherG = [...gBefore.entries()].filter(([j]) => !third.includes(j)).map(([, g]) => g);
  assert.ok(Math.min(...chosenG) >= Math.max(...otherG), `top N by G: chose ${chosenG}, left ${otherG}`);
  const pos3 = Float32Array.from([0, 0, 0]);
  const neg3S = new Float32Array(9).fill(1);
  s.observe(s3, neg3, { pos: pos3, neg: neg3S });
  for (const j of third) {
    const h = sig(1);
    const g = 0.2 * gBefore.get(j)! + 0.8 * sig((hBefore.get(j)! - h) / (h + 1e-8));
    assert.ok(Math.abs(s.value(0, j, 'H') - h) < 1e-6);
    assert.ok(Math.abs(s.value(0, j, 'G') - g) < 1e-6);
  }
});

test("gdns select: 'expectation' (w/o G) ranks δ by H; state round-trips; bad batches and options are refused", () => {
  const { ctx } = tiny();
  const s = new GdnsSampler({ m: 6, select: 'expectation' });
  const rng = Rng.stream(4, 'sampler');
  const c = ctx([0, 0], rng);
  const a = s.sample(c);
  const aItems = itemsOf(a);
  // Give the two chosen items a low H: the next pick must avoid them (H of unvisited = 1 is highest).
  s.observe(c, a, { pos: Float32Array.from([5, 5]), neg: new Float32Array(4).fill(-5) });
  const b = itemsOf(s.sample(ctx([0, 0], rng)));
  assert.deepEqual(Array.from(b.subarray(0, 2)).filter((j) => j === aItems[0] || j === aItems[1]), []);
  const copy = new GdnsSampler({ m: 6, select: 'expectation' });
  copy.setState(s.getState());
  for (let j = 10; j < 16; j++) assert.equal(copy.value(0, j, 'H'), s.value(0, j, 'H'));

  assert.throws(() => s.sample(ctx([0, 0, 1], rng)), /groups of equal users of one size/);
  assert.throws(() => new GdnsSampler({ m: 2 }).sample(ctx([0, 0, 0], rng)), /at least the group size/);
  assert.throws(() => new GdnsSampler({ m: 20 }).sample(ctx([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], rng)), /fewer than the group size/);
  assert.throws(() => new GdnsSampler({ selection: 'gain' } as never), /unknown option/);
});

test('gdns on a large catalogue draws δ by rejection: M distinct non-positives per group', () => {
  const ds = syntheticDataset({ users: 30, items: 400, seed: 2 });
  const s = new GdnsSampler({ m: 40 });
  const users = new Int32Array(5 * 8);
  for (let g = 0; g < 5; g++) users.fill(g, g * 8, g * 8 + 8);
  const items = itemsOf(s.sample({ batch: { users, pos: new Int32Array(40) }, users, pos: new Int32Array(40), pass: null as never, data: ds, rng: Rng.stream(1, 's'), epoch: 1, step: 0 }));
  for (let g = 0; g < 5; g++) {
    const chosen: number[] = Array.from(items.subarray(g * 8 * 8, g * 8 * 8 + 8));
    assert.equal(new Set(chosen).size, 8);
    for (const j of chosen) assert.ok(!isPositive(ds.train, g, j));
  }
});

test('gdns dense and hash storage give the same negatives and H/G; auto picks dense for a small catalogue', () => {
  const ds = syntheticDataset({ users: 20, items: 200, seed: 4 });
  const users = new Int32Array(4 * 5);
  for (let g = 0; g < 4; g++) users.fill(g * 3, g * 5, g * 5 + 5);
  const run = (storage: 'dense' | 'hash') => {
    const s = new GdnsSampler({ m: 12, storage });
    s.prepare(ds);
    const rng = Rng.stream(2, 's');
    const sr = Rng.stream(2, 'scores');
    const out: number[][] = [];
    for (let t = 0; t < 6; t++) {
      const c: SampleContext = { batch: { users, pos: new Int32Array(20) }, users, pos: new Int32Array(20), pass: null as never, data: ds, rng, epoch: t, step: 0 };
      const neg = s.sample(c);
      out.push(Array.from(itemsOf(neg)));
      s.observe(c, neg, { pos: Float32Array.from({ length: 20 }, () => sr.normal()), neg: Float32Array.from({ length: 100 }, () => sr.normal()) });
    }
    return { s, out };
  };
  const d = run('dense'), h = run('hash');
  assert.deepEqual(d.out, h.out);
  assert.equal(d.s.storage, 'dense');
  assert.equal(h.s.storage, 'hash');
  assert.equal(d.s.visited, h.s.visited);
  for (let u = 0; u < 20; u++) for (let j = 0; j < 200; j++) assert.equal(d.s.value(u, j, 'G'), h.s.value(u, j, 'G'));
  const auto = new GdnsSampler();
  auto.prepare(ds);
  assert.equal(auto.storage, 'dense');
  // A resumed dense sampler stays dense and holds the same state.
  const copy = new GdnsSampler({ m: 12 });
  copy.prepare(ds);
  copy.setState(d.s.getState());
  assert.equal(copy.storage, 'dense');
  for (let u = 0; u < 20; u++) for (let j = 0; j < 200; j++) assert.equal(copy.value(u, j, 'H'), d.s.value(u, j, 'H'));
});

test('groupHinge on group rows (each row (u,i) holding all of Δ\'_u) = eq. 6 per-user double sum / N, averaged over users', () => {
  // Two users, N = 2: rows (u0,i0),(u0,i1),(u1,i0),(u1,i1); each row's negatives = the user's group.
  const sPos = [1, 0.2, -0.5, 0.3];
  const groups = [[0.5, 1.5], [0, -1]];
  const sNeg = [...groups[0], ...groups[0], ...groups[1], ...groups[1]];
  const loss = groupHinge(1, 'meanUsers')(Tensor.from(Float32Array.from(sPos), [4]), Tensor.from(Float32Array.from(sNeg), [4, 2])).item();
  let eq6 = 0;
  for (let u = 0; u < 2; u++) for (let i = 0; i < 2; i++) for (const rj of groups[u]) eq6 += Math.max(0, rj - sPos[u * 2 + i] + 1);
  assert.ok(Math.abs(loss - eq6 / 2 / 2) < 1e-6, `${loss} vs ${eq6 / 4}`);
});

test('group batches: every user with training items once per epoch, N consecutive rows of its own positives', () => {
  const ds = syntheticDataset({ users: 50, items: 80, seed: 6 });
  const b = groupBatcher(ds.train, 16, 4);
  const seen = new Map<number, number>();
  let steps = 0;
  for (const { users, pos } of b.epoch(Rng.stream(1, 'batch'))) {
    steps++;
    for (let r = 0; r < users.length; r += 4) {
      for (let q = r; q < r + 4; q++) {
        assert.equal(users[q], users[r]);
        assert.ok(isPositive(ds.train, users[q], pos[q]));
      }
      seen.set(users[r], (seen.get(users[r]) ?? 0) + 1);
    }
  }
  let active = 0;
  for (let u = 0; u < ds.train.rows; u++) if (ds.train.indptr[u + 1] > ds.train.indptr[u]) active++;
  assert.equal(seen.size, active);
  assert.ok([...seen.values()].every((c) => c === 1));
  assert.equal(steps, b.stepsPerEpoch);
  assert.equal(b.pairsPerEpoch, active * 4);
});

test('GMF + GDNS trains end to end with group batches (and asks for them otherwise)', async () => {
  const ds = syntheticDataset({ users: 60, items: 150, seed: 9 });
  const cfg = resolveConfig(undefined, {
    encoder: { name: 'gmf', dim: 8 }, sampler: { name: 'gdns', m: 16 }, optimizer: { name: 'adagrad', lr: 0.05 },
    batching: 'groups', groupSize: 4, batchSize: 16, epochs: 30, evalEvery: 10, ks: [10], metric: 'recall@10', l2: 0,
  });
  const r = await train(cfg, ds, { keepWeights: false });
  assert.ok(r.epochs.every((e) => Number.isFinite(e.loss)));
  assert.ok(r.epochs[29].loss < r.epochs[0].loss, `loss ${r.epochs.map((e) => e.loss.toFixed(3)).join(' → ')}`);
  assert.ok(r.test['recall@10'] > r.randomRecall['recall@10']);
  assert.deepEqual(r.config.loss, null);
  await assert.rejects(train({ ...cfg, batching: 'interactions' }, ds), /batching: groups/);
});

test('gdns w/o group-wise loss (Fig. 4 ablation): row k gets the k-th item of Δ\'_u, K = 1, pairwise hinge; H is still eq. 4', () => {
  const { ctx } = tiny();
  const s = new GdnsSampler({ m: 6, groupLoss: false });
  assert.deepEqual(s.preferredLoss, { name: 'marginHinge', margin: 1 });
  const full = new GdnsSampler({ m: 6 });
  const N = 3;
  const neg = s.sample(ctx([0, 0, 0], Rng.stream(3, 'sampler')));
  const ref = itemsOf(full.sample(ctx([0, 0, 0], Rng.stream(3, 'sampler'))));
  assert.equal(neg.k, 1);
  const items = itemsOf(neg);
  assert.equal(items.length, N);
  assert.deepEqual(Array.from(items), Array.from(ref.subarray(0, N)), 'the same Δ\'_u, one item per row');
  // H(u, j_k) = mean over the group's positives of σ(r_uj − r_ui), with r_uj the score of row k's negative.
  const pos = Float32Array.from([2, 1, 0.5]);
  const negS = Float32Array.from([0.3, -1, 2]);
  s.observe(ctx([0, 0, 0], Rng.stream(3, 'sampler')), neg, { pos, neg: negS });
  for (let k = 0; k < N; k++) {
    const h = [0, 1, 2].reduce((a, r) => a + sig(negS[k] - pos[r]), 0) / N;
    assert.ok(Math.abs(s.value(0, items[k], 'H') - h) < 1e-6, `H of item ${items[k]}`);
    const g = 0.2 * 1 + 0.8 * sig((1 - h) / (h + 1e-8));
    assert.ok(Math.abs(s.value(0, items[k], 'G') - g) < 1e-6, `G of item ${items[k]}`);
  }
  assert.throws(() => new GdnsSampler({ groupLoss: 'no' as never }), /groupLoss must be true or false/);
});

test('gdns unvisited: \'one\' ranks new pairs first; \'userMean\' ranks them at the user\'s running mean of G', () => {
  const { ctx } = tiny();
  // User 0's free items are 10..15 (m = 6: δ is all of them every time). Visit 3 of them with hand-set scores.
  for (const mode of ['one', 'userMean'] as const) {
    const s = new GdnsSampler({ m: 6, unvisited: mode });
    const rng = Rng.stream(3, 'sampler');
    const c = ctx([0, 0, 0], rng);
    const neg = s.sample(c);
    const first = Array.from(itemsOf(neg).subarray(0, 3));
    // Item first[0] an easy negative (low score → H small → G high), the others hard.
    s.observe(c, neg, { pos: Float32Array.from([0, 0, 0]), neg: Float32Array.from([-1, 3, 3, -1, 3, 3, -1, 3, 3]) });
    const gs = first.map((j) => s.value(0, j, 'G'));
    assert.ok(gs[0] > gs[1], `easy negative has the higher gain: ${gs}`);
    const mean = gs.reduce((a, x) => a + x, 0) / 3;
    const second = Array.from(itemsOf(s.sample(ctx([0, 0, 0], rng))).subarray(0, 3));
    const unvisited = [10, 11, 12, 13, 14, 15].filter((j) => !first.includes(j));
    if (mode === 'one') {
      assert.deepEqual([...second].sort(), [...unvisited].sort(), 'G = 1 of unvisited pairs beats every visited pair');
    } else {
      // Keys: visited G values; unvisited at the mean. gs[0] > mean, so the easy visited item comes first, then two
      // unvisited items (ties at the mean by draw order) ahead of the hard visited ones (G < mean).
      assert.ok(gs[0] > mean && gs[1] < mean && gs[2] < mean);
      assert.equal(second[0], first[0]);
      assert.ok(unvisited.includes(second[1]) && unvisited.includes(second[2]), `${second}`);
    }
  }
  assert.throws(() => new GdnsSampler({ unvisited: 'zero' as never }), /unvisited/);
});

test('gdns state plan: a Pinterest-sized catalogue (55,187 × 9,916) fits as dense arrays, or fails early with the bytes', async () => {
  const { gdnsStatePlan, DENSE_BYTES_PER_PAIR } = await import('../../src/samplers/gdns.js');
  const U = 55187, I = 9916, nnz = 1_500_809; // Pinterest (NCF): 1,500,809 interactions
  const pairs = U * I; // 547,234,292 — beyond DENSE_PAIRS_LIMIT (2^28), but 2 floats per pair stay one legal array
  const ok = gdnsStatePlan(U, I, nnz, 'auto', 16 * 2 ** 30);
  assert.equal(ok.storage, 'dense');
  assert.equal(ok.bytes, pairs * DENSE_BYTES_PER_PAIR); // 4.59 GiB
  assert.ok(ok.fits);
  const small = gdnsStatePlan(U, I, nnz, 'auto', 2 ** 30);
  assert.equal(small.storage, 'hash');
  assert.ok(!small.fits);
  assert.match(small.message, /55,187 users × 9,916 items .* reaches [0-9.]+ GiB as hash storage; the budget .* is 1\.00 GiB; dense storage would need 4\.59 GiB/);
  // prepare() fails before any training with that message.
  const ds = makeDataset([[0, 1], [2]], 8);
  assert.throws(() => new GdnsSampler({ maxStateBytes: 10 }).prepare(ds), /H\/G state for 2 users × 8 items .* budget/);
  assert.doesNotThrow(() => new GdnsSampler({ maxStateBytes: 10, storage: 'hash' }).prepare(ds), 'an explicit hash store may grow');
});
