// PinSage (encoders/pinsage.ts): the segment-sum op and the whole forward pass gradient-checked against a float64
// recursion over the encoder's neighbourhoods (an independent path: it never sees the computation tree); the
// uniform neighbourhoods (distinct, real neighbours, min(deg, f) of them, each with probability f/deg; the same
// for one (epoch, step, node) whatever the call order, different across steps); importance neighbourhoods (top-T
// random-walk visits, weights summing to 1); batch-local rows equal to the evaluation embeddings; candidate scores
// equal to the pooled rows' dot products; identical training at 1 and 2 threads and across a resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { createEncoder } from '../../src/encoders/index.js';
import { EVAL_KEY, PinSageEncoder, segmentSum, type Segments } from '../../src/encoders/pinsage.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { backendInfo, setThreads } from '../../src/engine/kernels/index.js';
import { heap } from '../../src/engine/memory.js';
import { noGrad, tidy } from '../../src/engine/tensor.js';
import { train } from '../../src/experiments/run.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

const ds = (): Dataset => syntheticDataset({ users: 30, items: 40, interactionsPerUser: 8, seed: 4 });

function build(d: Dataset, opts: Record<string, unknown> = {}, seed = 1): PinSageEncoder {
  return createEncoder('pinsage', d, { dim: 4, fanouts: [3, 2], ...opts }, Rng.stream(seed, 'init')) as PinSageEncoder;
}

function neighboursOf(enc: PinSageEncoder, l: number, v: number, a: number, b: number): { idx: number[]; w: number[] } {
  const c = enc.neighbours(l, v, a, b);
  const nb = enc as unknown as { nbIdx: Int32Array; nbW: Float32Array };
  return { idx: Array.from(nb.nbIdx.subarray(0, c)), w: Array.from(nb.nbW.subarray(0, c)) };
}

function neighbourSet(d: Dataset, v: number): Set<number> {
  const nu = d.numUsers;
  const out = new Set<number>();
  if (v < nu) for (let p = d.train.indptr[v]; p < d.train.indptr[v + 1]; p++) out.add(nu + d.train.indices[p]);
  else for (let u = 0; u < nu; u++) for (let p = d.train.indptr[u]; p < d.train.indptr[u + 1]; p++) if (d.train.indices[p] === v - nu) out.add(u);
  return out;
}

test('segmentSum: values and gradient against a float64 reference', () => {
  const seg: Segments = { indptr: Int32Array.from([0, 2, 2, 5]), idx: Int32Array.from([1, 3, 0, 0, 2]), w: Float32Array.from([0.5, 0.5, 0.25, 1, -2]) };
  const rng = Rng.stream(3, 'x');
  const x = Array.from({ length: 4 * 3 }, () => rng.double() * 2 - 1);
  const r = gradcheck(([t]) => segmentSum(t, seg), ([t]) => {
    const out = new Float64Array(3 * 3);
    for (let r = 0; r < 3; r++) for (let p = seg.indptr[r]; p < seg.indptr[r + 1]; p++) for (let c = 0; c < 3; c++) out[r * 3 + c] += seg.w[p] * t[seg.idx[p] * 3 + c];
    return out;
  }, [{ values: x, shape: [4, 3] }]);
  assert.ok(r.forwardError < 1e-6, `forward ${r.forwardError}`);
  assert.ok(r.maxRelError < 1e-3, `grad ${r.relErrors}`);
});

test('uniform neighbourhoods: min(deg, f) distinct real neighbours, each with probability f/deg; keyed by (epoch, step, node)', () => {
  const d = ds();
  const enc = build(d, { fanouts: [5, 2] });
  const n = d.numUsers + d.numItems;
  let sampled = 0;
  for (let v = 0; v < n; v++) {
    const real = neighbourSet(d, v);
    for (const l of [1, 2]) {
      const f = enc.fanouts[l - 1];
      const { idx, w } = neighboursOf(enc, l, v, 3, 7);
      assert.equal(idx.length, Math.min(real.size, f), `node ${v} layer ${l}`);
      assert.equal(new Set(idx).size, idx.length, 'distinct');
      for (const x of idx) assert.ok(real.has(x), `node ${v}: ${x} is not a neighbour`);
      for (const x of w) assert.ok(Math.abs(x - 1 / idx.length) < 1e-7);
      if (real.size > f) sampled++;
      // The same keys give the same neighbourhood (call-order independence); another step another one.
      assert.deepEqual(neighboursOf(enc, l, v, 3, 7).idx, idx);
    }
  }
  assert.ok(sampled > 10, `${sampled} nodes were sampled`);
  // Inclusion frequency of each neighbour of one high-degree item over 4000 steps: f/deg within 5σ.
  let hub = 0, hubDeg = 0;
  for (let v = d.numUsers; v < n; v++) { const s = neighbourSet(d, v).size; if (s > hubDeg) [hub, hubDeg] = [v, s]; }
  assert.ok(hubDeg > 5);
  const count = new Map<number, number>();
  let differ = 0;
  const first = neighboursOf(enc, 1, hub, 0, 0).idx.join();
  for (let step = 0; step < 4000; step++) {
    const { idx } = neighboursOf(enc, 1, hub, 2, step);
    if (idx.join() !== first) differ++;
    for (const x of idx) count.set(x, (count.get(x) ?? 0) + 1);
  }
  assert.ok(differ > 3500, 'steps draw different neighbourhoods');
  const p = 5 / hubDeg, sd = Math.sqrt(4000 * p * (1 - p));
  assert.equal(count.size, hubDeg);
  for (const c of count.values()) assert.ok(Math.abs(c - 4000 * p) < 5 * sd, `count ${c} vs ${4000 * p}`);
});

/** h^L of stacked node v by the definition, in float64, from the encoder's neighbourhoods. */
function reference(enc: PinSageEncoder, a: number, b: number, ego: Float64Array, W: Float64Array[], B: Float64Array[]): (v: number) => Float64Array {
  const d = enc.dim, L = enc.numLayers;
  const memo = new Map<string, Float64Array>();
  const h = (l: number, v: number): Float64Array => {
    if (l === 0) return ego.subarray(v * d, (v + 1) * d);
    const key = `${l}:${v}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const { idx, w } = neighboursOf(enc, l, v, a, b);
    const x = new Float64Array(2 * d);
    x.set(h(l - 1, v), 0);
    for (let j = 0; j < idx.length; j++) { const r = h(l - 1, idx[j]); for (let c = 0; c < d; c++) x[d + c] += w[j] * r[c]; }
    const z = new Float64Array(d);
    for (let c = 0; c < d; c++) { let s = B[l - 1][c]; for (let k = 0; k < 2 * d; k++) s += x[k] * W[l - 1][k * d + c]; z[c] = l < L || enc.lastActivation === 'relu' ? Math.max(0, s) : s; }
    let nrm = 0;
    for (const t of z) nrm += t * t;
    nrm = Math.max(Math.sqrt(nrm), 1e-12);
    for (let c = 0; c < d; c++) z[c] /= nrm;
    memo.set(key, z);
    return z;
  };
  return (v) => h(L, v);
}

test('PinSage forward and backward: gradient check of ego rows, weights and biases through two sampled layers', () => {
  const d = ds();
  for (const opts of [{}, { lastActivation: 'relu' }, { neighborhood: 'importance', walks: 20 }]) {
    const enc = build(d, opts);
    const nu = d.numUsers;
    const ids = Int32Array.from([0, 5, nu + 3, 5, nu + 17, 12]); // users and items, one repeated
    const plan = enc.plan(ids, 1, 2);
    const rng = Rng.stream(9, 'values');
    const vals = (n: number, s: number) => Array.from({ length: n }, () => (rng.double() * 2 - 1) * s);
    const N = nu + d.numItems, D = enc.dim;
    const inputs = [
      { values: vals(N * D, 1), shape: [N, D] }, { values: vals(2 * D * D, 0.7), shape: [2 * D, D] },
      { values: vals(2 * D * D, 0.7), shape: [2 * D, D] }, { values: vals(D, 0.3), shape: [1, D] }, { values: vals(D, 0.3), shape: [1, D] },
    ];
    const r = gradcheck(
      (xs) => enc.compute(plan, { ego: xs[0], w: [xs[1], xs[2]], b: [xs[3], xs[4]] }),
      (xs) => {
        const f = reference(enc, 1, 2, xs[0], [xs[1], xs[2]], [xs[3], xs[4]]);
        const out = new Float64Array(ids.length * D);
        ids.forEach((v, t) => out.set(f(v), t * D));
        return out;
      },
      inputs as never,
    );
    assert.ok(r.forwardError < 1e-5, `${JSON.stringify(opts)}: forward ${r.forwardError}`);
    assert.ok(r.maxRelError < 1e-3, `${JSON.stringify(opts)}: grad ${r.relErrors}`);
    // Only the trees' ego rows get gradient (batch-local): rows outside nodes[0] are zero.
    const inTree = new Set(plan.nodes[0]);
    for (let v = 0; v < N; v++) if (!inTree.has(v)) for (let c = 0; c < D; c++) assert.equal(r.analytic[0][v * D + c], 0);
    assert.ok(inTree.size < N, 'the tree is smaller than the graph');
  }
});

test('importance neighbourhoods: top-T random-walk visits of the other side, weights summing to 1', () => {
  const d = ds();
  const nu = d.numUsers;
  const one = build(d, { neighborhood: 'importance', walkLength: 1, walks: 200, fanouts: [100, 100] });
  const three = build(d, { neighborhood: 'importance', walkLength: 3, walks: 200, fanouts: [6, 3] });
  let beyond = 0;
  for (let v = 0; v < nu + d.numItems; v++) {
    const real = neighbourSet(d, v);
    // One hop: the visited nodes are (all, with 200 walks w.h.p.) the node's neighbours.
    const a = neighboursOf(one, 1, v, 0, 0);
    for (const x of a.idx) assert.ok(real.has(x));
    assert.ok(a.idx.length === 0 || Math.abs(a.w.reduce((s, x) => s + x, 0) - 1) < 1e-5);
    // Three hops: the other side (users ↔ items), weights non-increasing, sum 1; layer 2 is the prefix of layer 1.
    const b1 = neighboursOf(three, 1, v, 0, 0), b2 = neighboursOf(three, 2, v, 0, 0);
    for (const x of b1.idx) assert.equal(x < nu, v >= nu, `node ${v}: ${x} on the same side`);
    for (let j = 1; j < b1.w.length; j++) assert.ok(b1.w[j] <= b1.w[j - 1] + 1e-7);
    if (b1.idx.length) assert.ok(Math.abs(b1.w.reduce((s, x) => s + x, 0) - 1) < 1e-5);
    assert.deepEqual(b2.idx, b1.idx.slice(0, b2.idx.length));
    for (const x of b1.idx) if (!real.has(x)) beyond++;
    // Fixed: the same at every step.
    assert.deepEqual(neighboursOf(three, 1, v, 5, 9).idx, b1.idx);
  }
  assert.ok(beyond > 0, 'walks of 3 hops reach nodes beyond the direct neighbours');
});

test('batch-local rows: call-order independent within a step, equal to the evaluation embeddings, candidate scores = dot of pooled rows', () => {
  const d = ds();
  const enc = build(d, { dim: 6 });
  tidy(() => {
    const pass = enc.forward({ training: true, rng: Rng.stream(0, 'dropout') });
    const a = pass.pooledItems!(Int32Array.from([3, 7, 11])).data.slice();
    const b = pass.pooledItems!(Int32Array.from([11, 2, 3, 7])).data;
    assert.deepEqual(Array.from(b.subarray(12, 18)), Array.from(a.subarray(0, 6)));
    assert.deepEqual(Array.from(b.subarray(0, 6)), Array.from(a.subarray(12, 18)));
    // Unit rows.
    for (let r = 0; r < 3; r++) { let s = 0; for (let c = 0; c < 6; c++) s += a[r * 6 + c] ** 2; assert.ok(Math.abs(s - 1) < 1e-5); }
    // The next training pass (next step) draws other neighbourhoods.
    const next = enc.forward({ training: true, rng: Rng.stream(0, 'dropout') }).pooledItems!(Int32Array.from([3, 7, 11])).data;
    assert.notDeepEqual(Array.from(next), Array.from(a));
    // Candidate scores (selection) = the dot products of the pooled rows.
    const users = Int32Array.from([0, 4]);
    const q = pass.pooledUsers!(users).data.slice();
    const cands = Int32Array.from([3, 7, 11, 30, 2, 2]);
    const s = pass.scoreCandidates(q, 6, 1, cands, 3, users);
    const rows = pass.pooledItems!(cands).data;
    for (let t = 0; t < 6; t++) {
      let dot = 0;
      for (let c = 0; c < 6; c++) dot += q[Math.floor(t / 3) * 6 + c] * rows[t * 6 + c];
      assert.ok(Math.abs(s[t] - dot) < 1e-5, `candidate ${t}: ${s[t]} vs ${dot}`);
    }
  });
  // Evaluation: embeddings() (the whole graph layer by layer) equals an evaluation pass's batch-local rows.
  const emb = enc.embeddings();
  try {
    tidy(() => noGrad(() => {
      const pass = enc.forward({ training: false, rng: Rng.stream(0, 'dropout') });
      const users = Int32Array.from([0, 9, 29]);
      const u = pass.pooledUsers!(users).data;
      users.forEach((v, r) => { for (let c = 0; c < 6; c++) assert.ok(Math.abs(u[r * 6 + c] - emb.users[v * 6 + c]) < 1e-6); });
      const items = Int32Array.from([0, 39, 20]);
      const it = pass.pooledItems!(items).data;
      items.forEach((v, r) => { for (let c = 0; c < 6; c++) assert.ok(Math.abs(it[r * 6 + c] - emb.items[v * 6 + c]) < 1e-6); });
    }));
    assert.equal(EVAL_KEY, 0xffffffff);
  } finally {
    heap.free(emb.users);
    heap.free(emb.items);
  }
});

test('options are checked', () => {
  const d = ds();
  assert.throws(() => build(d, { fanouts: [3] }), /'fanouts' must list 2 positive integers/);
  assert.throws(() => build(d, { walks: 3 }), /apply to neighborhood 'importance' only/);
  assert.throws(() => build(d, { neighborhood: 'pagerank' }), /neighborhood/);
  assert.deepEqual(build(d, { layers: 3, fanouts: [4, 3, 2] }).fanouts, [4, 3, 2]);
  assert.deepEqual((createEncoder('pinsage', d, { layers: 3 }, Rng.stream(1, 'init')) as PinSageEncoder).fanouts, [10, 10, 10]);
  assert.deepEqual(createEncoder('pinsage', d, {}, Rng.stream(1, 'init')).layerSet, [2]);
  assert.equal(createEncoder('pinsage', d, {}, Rng.stream(1, 'init')).dim, 256);
});

const cfg: TrainConfig = {
  encoder: { name: 'pinsage', dim: 8, fanouts: [4, 3] }, sampler: { name: 'dns', m: 8 }, epochs: 4, evalEvery: 2, patience: 0,
  ks: [10], batchSize: 128, optimizer: { name: 'adam', lr: 0.01 },
};

test('training is identical at 1 and 2 kernel threads', async () => {
  const before = backendInfo();
  try {
    setThreads(1);
    const one = await train(cfg, ds());
    setThreads(2);
    const two = await train(cfg, ds());
    assert.deepEqual(one.epochs.map((e) => e.loss), two.epochs.map((e) => e.loss));
    assert.deepEqual(one.test, two.test);
    assert.deepEqual(Array.from(one.weights!.embeddings.users), Array.from(two.weights!.embeddings.users));
  } finally {
    setThreads(before.threads);
  }
});

test('a run killed after a checkpoint and resumed equals one that ran through (neighbourhood keys restored)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'hardneg-pinsage-'));
  try {
    const whole = await train(cfg, ds(), { runDir: join(root, 'whole') });
    const dir = join(root, 'killed');
    await assert.rejects(train(cfg, ds(), {
      runDir: dir,
      onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 3) throw new Error('simulated kill'); },
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
