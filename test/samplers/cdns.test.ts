import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { heap } from '../../src/engine/memory.js';
import { tidy } from '../../src/engine/tensor.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { drawCandidates, isPositive } from '../../src/samplers/candidates.js';
import { CdnsSampler, buildLists } from '../../src/samplers/cdns.js';
import { createSampler } from '../../src/samplers/index.js';
import type { EpochContext, SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, makeDataset } from './fake.js';

const NU = 5, NI = 12, D = 3;
// Users 0..3 have a few positives; user 4 has all but 3 items (fewer non-positives than k = 4).
const TRAIN = [[0, 1], [2, 3, 4], [5], [6, 7, 8, 9], [0, 1, 2, 3, 4, 5, 6, 7, 8]];

function embeddings(seed: number): { users: Float32Array; items: Float32Array; dim: number } {
  const r = Rng.stream(seed, 'emb');
  const users = new Float32Array(NU * D).map(() => r.normal(0, 1));
  const items = new Float32Array(NI * D).map(() => r.normal(0, 1));
  return { users, items, dim: D };
}

function cos(a: Float32Array, ao: number, b: Float32Array, bo: number): number {
  let ab = 0, aa = 0, bb = 0;
  for (let c = 0; c < D; c++) {
    ab += a[ao + c] * b[bo + c];
    aa += a[ao + c] ** 2;
    bb += b[bo + c] ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** Brute force in float64: u's non-training items sorted by cosine (ascending for dissimilar), first k. */
function bruteList(emb: ReturnType<typeof embeddings>, u: number, k: number, similar: boolean): number[] {
  const cands: Array<[number, number]> = [];
  for (let i = 0; i < NI; i++) if (!TRAIN[u].includes(i)) cands.push([i, cos(emb.users, u * D, emb.items, i * D)]);
  cands.sort((a, b) => (similar ? b[1] - a[1] : a[1] - b[1]));
  return cands.slice(0, k).map((c) => c[0]);
}

test('cdns lists: the k least (dissimilar) / most (similar) cosine-similar non-training items, brute-force checked', () => {
  const ds = makeDataset(TRAIN, NI);
  const emb = embeddings(7);
  for (const list of ['dissimilar', 'similar'] as const) {
    const r = buildLists(emb, ds, 4, list, Rng.stream(1, 'sampler'));
    for (let u = 0; u < NU; u++) {
      const want = bruteList(emb, u, 4, list === 'similar');
      const got = Array.from(r.items.subarray(u * 4, u * 4 + r.lengths[u]));
      assert.deepEqual(got, want, `${list} user ${u}`);
    }
    // User 4 has only 3 non-positives: its list is all of them, padded with −1.
    assert.equal(r.lengths[4], 3);
    assert.equal(r.items[4 * 4 + 3], -1);
    assert.deepEqual([...r.items.subarray(16, 19)].sort((a, b) => a - b), [9, 10, 11]);
  }
  // The item bias never enters the cosine.
  const withBias = buildLists({ ...emb }, ds, 4, 'dissimilar', Rng.stream(1, 'sampler'));
  assert.deepEqual(withBias.items, buildLists(emb, ds, 4, 'dissimilar', Rng.stream(1, 'sampler')).items);
});

test("cdns lists: 'random' draws k non-positives per user from the sampler stream (redrawn at each refresh)", () => {
  const ds = makeDataset(TRAIN, NI);
  const rng = Rng.stream(3, 'sampler');
  const a = buildLists({ users: new Float32Array(0), items: new Float32Array(0), dim: 1 }, ds, 4, 'random', rng);
  const b = buildLists({ users: new Float32Array(0), items: new Float32Array(0), dim: 1 }, ds, 4, 'random', rng);
  const ref = Rng.stream(3, 'sampler');
  for (let u = 0; u < NU; u++) {
    assert.equal(a.lengths[u], 4);
    assert.deepEqual(a.items.subarray(u * 4, u * 4 + 4), drawCandidates(ds.train, Int32Array.of(u), 4, ref), `user ${u}`);
    for (const it of a.items.subarray(u * 4, u * 4 + 4)) assert.ok(!isPositive(ds.train, u, it));
  }
  assert.notDeepEqual(a.items, b.items, 'a second refresh draws new lists');
});

function epochCtx(epoch: number, ds: ReturnType<typeof makeDataset>, emb: ReturnType<typeof embeddings>, calls: { n: number }): EpochContext {
  return {
    epoch, data: ds, rng: Rng.stream(1, 'sampler'), streams: { get: (name: string) => Rng.stream(1, name) },
    embeddings: () => {
      calls.n++;
      const users = heap.allocF32(emb.users.length);
      users.set(emb.users);
      const items = heap.allocF32(emb.items.length);
      items.set(emb.items);
      return { users, items, dim: D, itemBias: null };
    },
  };
}

test('cdns refreshes at epochs 1, 1+n, 1+2n, … and frees the embeddings it asked for', () => {
  const ds = makeDataset(TRAIN, NI);
  const s = new CdnsSampler({ n: 5, k: 4 });
  const calls = { n: 0 };
  const before = heap.stats().liveBytes;
  const refreshed: number[] = [];
  for (let e = 1; e <= 12; e++) {
    const r0 = s.refreshes;
    s.onEpochStart(epochCtx(e, ds, embeddings(e), calls));
    if (s.refreshes > r0) refreshed.push(e);
  }
  assert.deepEqual(refreshed, [1, 6, 11]);
  assert.equal(calls.n, 3);
  assert.equal(s.lastRefresh, 11);
  // The lists are those of epoch 11's embeddings.
  for (let u = 0; u < NU; u++) assert.deepEqual(Array.from(s.listOf(u)), bruteList(embeddings(11), u, 4, false));
  assert.equal(heap.stats().liveBytes, before, 'embeddings freed');
});

test('cdns sample: k = 2 per pair, row b·2 the static uniform j, row b·2+1 a j′ from the user\'s list', () => {
  const ds = makeDataset(TRAIN, NI);
  const s = new CdnsSampler({ n: 5, k: 4 });
  s.onEpochStart(epochCtx(1, ds, embeddings(2), { n: 0 }));
  const enc = new FakeEncoder({ numUsers: NU, numItems: NI, dim: D, layers: 1 });
  const users = Int32Array.of(0, 1, 2, 3, 4, 0, 3);
  const pos = Int32Array.of(0, 2, 5, 6, 0, 1, 9);
  const ctx = (): SampleContext => ({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(9, 'sampler'), epoch: 1, step: 0 });
  const neg = tidy(() => s.sample(ctx()));
  assert.equal(neg.kind, 'items');
  if (neg.kind !== 'items') return;
  assert.equal(neg.k, 2);
  assert.equal(neg.items.length, users.length * 2);
  // j is exactly the uniform sampler's draw from the same stream (drawn first, for the whole batch).
  const j = drawCandidates(ds.train, users, 1, Rng.stream(9, 'sampler'));
  for (let b = 0; b < users.length; b++) {
    assert.equal(neg.items[b * 2], j[b], `j of pair ${b}`);
    const list = Array.from(s.listOf(users[b]));
    assert.ok(list.includes(neg.items[b * 2 + 1]), `j′ of pair ${b} is in its user's list`);
    assert.ok(!isPositive(ds.train, users[b], neg.items[b * 2 + 1]));
  }
  // j′ is uniform over the list: over many draws every entry of user 0's list appears, at about 1/k each.
  const counts = new Map<number, number>();
  const rng = Rng.stream(4, 'sampler');
  const many = new Int32Array(4000).fill(0);
  const manyPos = new Int32Array(4000).fill(0);
  const big = tidy(() => s.sample({ batch: { users: many, pos: manyPos }, users: many, pos: manyPos, pass: enc.forward(), data: ds, rng, epoch: 1, step: 1 }));
  if (big.kind !== 'items') return;
  for (let b = 0; b < 4000; b++) counts.set(big.items[b * 2 + 1], (counts.get(big.items[b * 2 + 1]) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort((a, b) => a - b), Array.from(s.listOf(0)).sort((a, b) => a - b));
  for (const c of counts.values()) assert.ok(Math.abs(c / 4000 - 0.25) < 0.03, `share ${c / 4000}`);
});

test('cdns state: getState/setState restores the lists exactly; defaults and option errors', () => {
  const ds = makeDataset(TRAIN, NI);
  const a = new CdnsSampler({ n: 3, k: 4 });
  a.onEpochStart(epochCtx(1, ds, embeddings(5), { n: 0 }));
  const st = a.getState();
  assert.ok(st.items instanceof Int32Array && st.lengths instanceof Int32Array);
  const b = new CdnsSampler({ n: 3, k: 4 });
  b.setState(st);
  for (let u = 0; u < NU; u++) assert.deepEqual(b.listOf(u), a.listOf(u));
  // Restored lists are used at a non-checkpoint epoch (no embeddings asked for).
  const calls = { n: 0 };
  b.onEpochStart(epochCtx(2, ds, embeddings(6), calls));
  assert.equal(calls.n, 0);
  assert.throws(() => new CdnsSampler({ k: 5 }).setState(st), /k = 4/);
  const d = createSampler('cdns') as CdnsSampler;
  assert.equal(d.n, 5);
  assert.equal(d.k, 100);
  assert.equal(d.list, 'dissimilar');
  assert.deepEqual(d.preferredLoss, { name: 'cdnsInfoNce' });
  assert.throws(() => createSampler('cdns', { list: 'hard' }), /list/);
  assert.throws(() => createSampler('cdns', { n: 0 }), /n/);
});

test('cdns trains through train() with its eq. 5 loss, and a killed + resumed run is bit-identical (all three lists)', async () => {
  const data = () => syntheticDataset({ users: 60, items: 90, seed: 4 });
  for (const list of ['dissimilar', 'similar', 'random']) {
    const cfg = resolveConfig(undefined, {
      epochs: 7, evalEvery: 2, patience: 0, ks: [10], batchSize: 128, encoder: { name: 'bprmf', dim: 8 },
      sampler: { name: 'cdns', n: 3, k: 20, list },
    });
    const root = mkdtempSync(join(tmpdir(), 'hn-cdns-'));
    try {
      const whole = await train(cfg, data(), { runDir: join(root, 'whole') });
      assert.equal(whole.config.loss, null);
      assert.ok(whole.epochs.every((e) => Number.isFinite(e.loss)), list);
      // Crash after epoch 5: the last checkpoint is after epoch 4's evaluation; epoch 5 is no refresh epoch (1, 4, 7).
      const dir = join(root, 'killed');
      await assert.rejects(train(cfg, data(), {
        runDir: dir, onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 5) throw new Error('simulated kill'); },
      }), /simulated kill/);
      const resumed = await train(cfg, data(), { runDir: dir, resume: true });
      assert.deepEqual(resumed.resumedFrom, [4], list);
      assert.deepEqual(resumed.epochs.map((e) => e.loss), whole.epochs.map((e) => e.loss), `${list}: losses`);
      assert.deepEqual(resumed.test, whole.test, `${list}: test`);
      for (let i = 0; i < whole.weights!.params.length; i++) assert.deepEqual(resumed.weights!.params[i].data, whole.weights!.params[i].data);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
