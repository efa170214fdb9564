import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { createEncoder } from '../../src/encoders/index.js';
import { tidy } from '../../src/engine/tensor.js';
import { AobprSampler, aobprRank } from '../../src/samplers/aobpr.js';
import { isPositive } from '../../src/samplers/candidates.js';
import { createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, makeDataset } from './fake.js';
import { resumesBitIdentical, sameAtOneAndTwoThreads } from './stateful.js';

const NI = 40;
const TRAIN = [[0, 1, 2], [3, 4], [5], [6, 7, 8, 9]];

function setup(opts: { layers?: number; pooling?: 'mean' | 'concat' } = {}) {
  const ds = makeDataset(TRAIN, NI);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim: 4, layers: opts.layers ?? 1, pooling: opts.pooling });
  const users = Int32Array.from([0, 1, 2, 3, 0, 2]);
  const pos = Int32Array.from([0, 3, 5, 6, 1, 5]);
  const ctx = (rng: Rng, step = 0): SampleContext => ({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng, epoch: 1, step });
  return { ds, enc, users, pos, ctx };
}

test('aobpr rank draws follow p(r) ∝ exp(−r/λ) on 0..n−1', () => {
  const n = 20;
  const lam = 4;
  assert.equal(aobprRank(0, n, lam), 0);
  assert.equal(aobprRank(1 - 2 ** -53, n, lam), n - 1);
  const rng = Rng.stream(1, 'sampler');
  const counts = new Float64Array(n);
  const N = 200_000;
  for (let t = 0; t < N; t++) counts[aobprRank(rng.double(), n, lam)]++;
  let z = 0;
  for (let r = 0; r < n; r++) z += Math.exp(-r / lam);
  for (let r = 0; r < n; r++) {
    const p = Math.exp(-r / lam) / z;
    const sd = Math.sqrt((p * (1 - p)) / N);
    assert.ok(Math.abs(counts[r] / N - p) < 5 * sd + 1e-4, `rank ${r}: ${counts[r] / N} vs ${p}`);
  }
});

for (const cfg of [{ layers: 1 }, { layers: 2, pooling: 'concat' as const }]) {
  test(`aobpr orderings, σ_f and each draw match an independent replay (${JSON.stringify(cfg)})`, () => {
    const { ds, enc, users, ctx } = setup(cfg);
    const s = new AobprSampler({ k: 3, lambda: 0.1 });
    const neg = tidy(() => s.sample(ctx(Rng.stream(7, 'sampler'))));
    assert.equal(neg.kind, 'items');
    if (neg.kind !== 'items') return;
    const P = enc.pooledItem(0).length;
    // Orderings by descending pooled factor value (ties by id) and population std per factor, in float64.
    const sigma: number[] = [];
    for (let f = 0; f < P; f++) {
      const v = Array.from({ length: NI }, (_, i) => Math.fround(enc.pooledItem(i)[f]));
      const want = Array.from({ length: NI }, (_, i) => i).sort((a, b) => v[b] - v[a] || a - b);
      assert.deepEqual(Array.from(s.rankingOf(f)), want, `factor ${f}`);
      const mean = v.reduce((a, x) => a + x, 0) / NI;
      sigma.push(Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / NI));
    }
    const got = s.sigmas();
    for (let f = 0; f < P; f++) assert.ok(Math.abs(got[f] - sigma[f]) < 1e-5, `σ_${f}`);
    // Replay the draws: rank, factor ∝ |e_uf| σ_f, item at that rank of the sign-flipped ordering, positives rejected.
    const rng = Rng.stream(7, 'sampler');
    for (let b = 0; b < users.length; b++) {
      const u = users[b];
      const e = enc.pooledUser(u).map(Math.fround);
      const w = e.map((x, f) => Math.abs(x) * got[f]);
      const total = w.reduce((a, x) => a + x, 0);
      for (let k = 0; k < 3; k++) {
        let j = -1;
        while (j < 0) {
          const r = aobprRank(rng.double(), NI, 0.1 * NI);
          let x = rng.double() * total;
          let f = 0;
          while (f < P - 1 && x >= w[f]) x -= w[f++];
          const order = s.rankingOf(f);
          const c = order[e[f] < 0 ? NI - 1 - r : r];
          if (!isPositive(ds.train, u, c)) j = c;
        }
        assert.equal(neg.items[b * 3 + k], j, `pair ${b} negative ${k}`);
        assert.ok(!isPositive(ds.train, u, j));
      }
    }
    assert.equal(s.fallbacks, 0);
  });
}

test('aobpr orderings break ties by item id (−0 and +0 tie), as a comparator sort would', () => {
  const ds = makeDataset(TRAIN, NI);
  const pool = [-1, -0, 0, 0.5, 0.5, -1e-30, 1e-30, 3, -3, 0];
  const items = Array.from({ length: NI * 2 }, (_, k) => pool[(k * 7 + (k >> 1)) % pool.length]);
  const enc = new FakeEncoder({ numUsers: 4, numItems: NI, dim: 2, layers: 1, itemInit: [items] });
  const users = Int32Array.from([0]);
  const pos = Int32Array.from([0]);
  const s = new AobprSampler();
  tidy(() => s.sample({ batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(1, 'sampler'), epoch: 1, step: 0 }));
  for (let f = 0; f < 2; f++) {
    const v = Array.from({ length: NI }, (_, i) => Math.fround(items[i * 2 + f]));
    const want = Array.from({ length: NI }, (_, i) => i).sort((a, b) => v[b] - v[a] || a - b);
    assert.deepEqual(Array.from(s.rankingOf(f)), want, `factor ${f}`);
  }
});

test('aobpr recomputes the orderings every `refresh` negatives drawn (default ⌈|I| ln |I|⌉)', () => {
  const { ctx } = setup();
  const s = new AobprSampler({ refresh: 10 });
  const rng = Rng.stream(3, 'sampler');
  const seen: number[] = [];
  for (let step = 0; step < 5; step++) {
    tidy(() => s.sample(ctx(rng, step)));
    seen.push(s.refreshes);
  }
  // 6 negatives a step: rebuilt at step 0, then at the first step after ≥ 10 draws (steps 2 and 4).
  assert.deepEqual(seen, [1, 1, 2, 2, 3]);
  assert.equal(new AobprSampler().refreshDraws(NI), Math.ceil(NI * Math.log(NI)));
});

test('aobpr state round-trips: a sampler restored from a checkpoint draws what the original draws', () => {
  const { enc, ctx } = setup();
  const a = new AobprSampler({ k: 2, refresh: 9 });
  const rng = Rng.stream(5, 'sampler');
  tidy(() => a.sample(ctx(rng)));
  const st = a.getState();
  const rngState = rng.getState();
  // The model moves after the checkpoint: the restored orderings (not fresh ones) must be used until the next refresh.
  for (const p of enc.items) for (let i = 0; i < p.size; i++) p.data[i] = -p.data[i] * 1.5;
  const b = new AobprSampler({ k: 2, refresh: 9 });
  b.setState(st);
  const rb = Rng.stream(0, 'sampler');
  rb.setState(rngState);
  for (let step = 1; step < 4; step++) {
    const na = tidy(() => a.sample(ctx(rng, step)));
    const nb = tidy(() => b.sample(ctx(rb, step)));
    assert.deepEqual(na, nb, `step ${step}`);
  }
  assert.throws(() => b.setState({ ...st, sigma: new Float32Array(1) }), /aobpr.setState/);
});

test('aobpr options: unknown keys and out-of-range values throw naming the option', () => {
  assert.throws(() => createSampler('aobpr', { lambda: 0 }), /lambda/);
  assert.throws(() => createSampler('aobpr', { lambda: 2 }), /lambda/);
  assert.throws(() => createSampler('aobpr', { refresh: -1 }), /refresh/);
  assert.throws(() => createSampler('aobpr', { k: 0 }), /\bk\b/);
  assert.throws(() => createSampler('aobpr', { lamda: 0.1 }), /lamda/);
  assert.equal(createSampler('aobpr', {}).needs, undefined, 'any scorer (GMF through w ⊙ p_u)');
});

test('aobpr on GMF draws what it draws on MF with user rows w ⊙ p_u (the factor weights of the GMF score)', () => {
  const ds = makeDataset(TRAIN, NI);
  const gmf = createEncoder('gmf', ds, { dim: 4, gmfWeightInit: 'xavier' }, Rng.stream(2, 'init'));
  const mf = createEncoder('mf', ds, { dim: 4 }, Rng.stream(3, 'init'));
  const [gu, gi, gw] = gmf.parameters();
  const [mu, mi] = mf.parameters();
  mi.data.set(gi.data);
  for (let k = 0; k < mu.size; k++) mu.data[k] = Math.fround(gu.data[k] * gw.data[k % 4]);
  const users = Int32Array.from([0, 1, 2, 3, 0, 2]);
  const pos = Int32Array.from([0, 3, 5, 6, 1, 5]);
  const draw = (enc: typeof gmf) => {
    const s = new AobprSampler({ k: 4, lambda: 0.2 });
    return tidy(() => {
      const n = s.sample({ batch: { users, pos }, users, pos, pass: enc.forward({ training: true, rng: Rng.stream(1, 'dropout') }), data: ds, rng: Rng.stream(9, 'sampler'), epoch: 1, step: 0 });
      return n.kind === 'items' ? Array.from(n.items) : [];
    });
  };
  assert.ok(gw.data.some((x) => x < 0) || gw.data.some((x) => Math.abs(x - 1) > 1e-3), 'a non-trivial w');
  assert.deepEqual(draw(gmf), draw(mf));
});

test('aobpr trains one epoch identically at 1 and 2 threads (mf, gmf and lightgcn)', async () => {
  await sameAtOneAndTwoThreads({ name: 'aobpr' });
  await sameAtOneAndTwoThreads({ name: 'aobpr', refresh: 200 }, { name: 'gmf', dim: 8 });
  await sameAtOneAndTwoThreads({ name: 'aobpr', refresh: 200 }, { name: 'lightgcn', dim: 8, layers: 2 });
});

test('aobpr: a run killed after a checkpoint and resumed is bit-identical to one that ran through', async () => {
  // refresh 300 draws: recomputations fall inside epochs, so the restored orderings and counter matter.
  await resumesBitIdentical({ name: 'aobpr', refresh: 300 });
});
