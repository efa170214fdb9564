import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { DinsSampler, type DinsOptions } from '../../src/samplers/dins.js';
import { createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { FakeEncoder, bprSum, dot, gradCheck, makeDataset } from './fake.js';

/** One user (q), positive item 0 (p) and a single possible candidate, item 1 (n): the pool is all n. */
function tiny(q: number[], p: number[], n: number[]) {
  const ds = makeDataset([[0]], 2);
  const enc = new FakeEncoder({ numUsers: 1, numItems: 2, dim: q.length, layers: 1, userInit: [q], itemInit: [[...p, ...n]] });
  return (opts: DinsOptions): Float32Array =>
    tidy(() => {
      const neg = new DinsSampler({ m: 3, ...opts }).sample({
        batch: { users: Int32Array.from([0]), pos: Int32Array.from([0]) }, users: Int32Array.from([0]), pos: Int32Array.from([0]), pass: enc.forward(), data: ds,
        rng: Rng.stream(1, 'sampler'), epoch: 0, step: 0,
      });
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      assert.deepEqual(Array.from(neg.hardItems!), [1]);
      return Float32Array.from(neg.pooled.data);
    });
}

function close(got: ArrayLike<number>, want: number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k] - want[k]) <= tol, `${what}[${k}]: ${got[k]} vs ${want[k]}`);
}

test('dins weights against hand-computed values (β = 2, 0.5, 0, very large)', () => {
  // q = (1, −2), p = (0.5, 0.1), n = (−0.3, 0.4).
  // β = 2: w = σ(q⊙(n−p) − ln 2) = σ(−0.8 − 0.693147, −0.6 − 0.693147) = (0.183450, 0.215321)
  //        e⁻ = p + w⊙(n−p) = (0.5 − 0.8·0.183450, 0.1 + 0.3·0.215321) = (0.353240, 0.164596)
  const run = tiny([1, -2], [0.5, 0.1], [-0.3, 0.4]);
  close(run({ beta: 2 }), [0.353240, 0.164596], 2e-6, 'β=2');
  // β = 0.5: w = σ(−0.8 + 0.693147, −0.6 + 0.693147) = (0.473312, 0.523270) → (0.121350, 0.256981)
  close(run({ beta: 0.5 }), [0.121350, 0.256981], 2e-6, 'β=0.5');
  // β = 0: w = 1, the boundary item itself.
  close(run({ beta: 0 }), [-0.3, 0.4], 1e-7, 'β=0');
  // β → ∞: w → 0, the positive.
  close(run({ beta: 1e9 }), [0.5, 0.1], 1e-8, 'β=1e9');
  // Scalar mixup (variant B), β = 2: w = σ(<q, n−p> − ln 2) = σ(−1.4 − 0.693147) = 0.109765 → (0.412188, 0.132929)
  close(run({ beta: 2, variant: 'B' }), [0.412188, 0.132929], 2e-6, 'variant B');
});

test('dins stable sigmoid form equals the softmax form, and stays finite where the softmax form overflows', () => {
  const q = [0.7, -1.3, 2.1];
  const p = [0.2, 0.9, -0.4];
  const n = [-1.1, 0.3, 0.8];
  for (const beta of [0.1, 1, 2.3, 7]) {
    const want = q.map((qd, d) => {
      const w = Math.exp(qd * n[d]) / (beta * Math.exp(qd * p[d]) + Math.exp(qd * n[d]));
      return (1 - w) * p[d] + w * n[d];
    });
    close(tiny(q, p, n)({ beta }), want, 2e-6, `β=${beta}`);
  }
  // q = (2000, −2000): exp(q₀p₀) = exp(1000) overflows, the softmax form is NaN; w = σ(−1600.7, −600.7) = 0 → p.
  const naive = Math.exp(2000 * -0.3) / (2 * Math.exp(2000 * 0.5) + Math.exp(2000 * -0.3));
  assert.ok(Number.isNaN(naive) || naive === 0);
  close(tiny([2000, -2000], [0.5, 0.1], [-0.3, 0.4])({ beta: 2 }), [0.5, 0.1], 1e-7, 'extreme');
  close(tiny([-2000, 2000], [0.5, 0.1], [-0.3, 0.4])({ beta: 2 }), [-0.3, 0.4], 1e-7, 'extreme, other side');
});

function setup(layers: number, pooling: 'mean' | 'concat', dim = 4, seed = 5) {
  const numItems = 16;
  const ds = makeDataset([[0, 1], [2], [3, 4, 5]], numItems);
  const enc = new FakeEncoder({ numUsers: 3, numItems, dim, layers, pooling, seed });
  const users = Int32Array.from([0, 1, 2]);
  const pos = Int32Array.from([1, 2, 4]);
  const ctx = (s: number): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(s, 'sampler'), epoch: 0, step: 0,
  });
  return { enc, users, pos, ctx };
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

for (const [label, opts, layers, pooling] of [
  ['full, mean', { beta: 2 }, 3, 'mean'],
  ['full, concat, K=2', { beta: 1.5, k: 2 }, 2, 'concat'],
  ['B scalar', { beta: 2, variant: 'B' }, 2, 'mean'],
  ['C first layer', { beta: 2, variant: 'C' }, 3, 'mean'],
  ['minVolume', { beta: 2, boundary: 'minVolume' }, 2, 'mean'],
  ['maxVolume', { beta: 0.7, boundary: 'maxVolume' }, 2, 'concat'],
  ['A random', { beta: 2, variant: 'A' }, 2, 'mean'],
  ['code: per-layer query, concat, K=2', { beta: 1.5, k: 2, variant: 'code' }, 3, 'concat'],
  ['per-layer query, mean', { beta: 2, query: 'layer' }, 2, 'mean'],
] as const) {
  test(`dins synthetic negative recomputed independently (${label})`, () => {
    const { enc, users, pos, ctx } = setup(layers, pooling);
    const M = 6;
    const K = (opts as DinsOptions).k ?? 1;
    const s = new DinsSampler({ m: M, ...(opts as DinsOptions) });
    tidy(() => {
      const neg = s.sample(ctx(7));
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      const cands = s.last!.candidates;
      const d = enc.dim;
      const nL = s.layers === 'first' ? 1 : layers;
      const R = users.length * K;
      const beta = s.beta;
      let agreeDot = 0;
      for (let r = 0; r < R; r++) {
        const b = Math.floor(r / K);
        const ul = enc.users.map((t) => enc.row(t, users[b]));
        const q = ul[0].map((_, k) => ul.reduce((a, x) => a + x[k], 0) / layers);
        const negs: number[][] = [];
        for (let l = 0; l < nL; l++) {
          // The released code's query (variant code): the user's own layer-l row; the paper's: the mean.
          const ql = s.query === 'layer' ? ul[l] : q;
          const p = enc.row(enc.items[l], pos[b]);
          const pool = Array.from(cands.subarray(r * M, r * M + M));
          const rule = (c: number): number => {
            const e = enc.row(enc.items[l], c);
            if (s.boundary === 'minVolume') return -e.reduce((a, x, k) => a + Math.log(Math.abs(p[k] - x)), 0);
            if (s.boundary === 'maxVolume') return e.reduce((a, x, k) => a + Math.log(Math.abs(p[k] - x)), 0);
            return dot(ql, e);
          };
          const chosen: number = neg.hardItemsByLayer![r * nL + l];
          assert.ok(pool.includes(chosen));
          const best = pool.reduce((a, c) => (rule(c) > rule(a) ? c : a), pool[0]);
          if (s.boundary === 'random') {
            if (rule(chosen) === rule(best)) agreeDot++;
          } else {
            assert.equal(chosen, best, `row ${r} layer ${l}`);
          }
          const n = enc.row(enc.items[l], chosen);
          let w: number[];
          if (s.mixup === 'scalar') {
            const ws = sig(dot(ql, n.map((x, k) => x - p[k])) - Math.log(beta));
            w = n.map(() => ws);
          } else {
            w = ql.map((qd, k) => sig(qd * (n[k] - p[k]) - Math.log(beta)));
          }
          negs.push(p.map((pv, k) => pv + w[k] * (n[k] - pv)));
        }
        const want = s.layers === 'first' ? negs[0] : pooling === 'concat' ? negs.flat() : negs[0].map((_, k) => negs.reduce((a, x) => a + x[k], 0) / nL);
        close(neg.pooled.data.subarray(r * want.length, (r + 1) * want.length), want, 2e-5, `row ${r}`);
      }
      if (s.boundary === 'random') assert.ok(agreeDot < R * nL, 'random boundaries all coincided with the dot argmax');
    });
  });
}

test('dins option checks: variant C needs mean pooling; variants contradicting explicit switches are errors', () => {
  const { ctx } = setup(2, 'concat');
  assert.throws(() => tidy(() => new DinsSampler({ variant: 'C' }).sample(ctx(1))), /needs an encoder with mean pooling/);
  assert.throws(() => new DinsSampler({ variant: 'A', boundary: 'dot' }), /variant A means boundary = random/);
  assert.throws(() => new DinsSampler({ beta: -1 }), /option beta must be a number ≥ 0/);
  assert.throws(() => createSampler('dins', { boundry: 'dot' }), /unknown option boundry/);
  const a = new DinsSampler({ variant: 'A' });
  assert.equal(a.boundary, 'random');
  assert.equal(new DinsSampler({ variant: 'B' }).mixup, 'scalar');
  assert.equal(new DinsSampler({ variant: 'C' }).layers, 'first');
});

for (const [label, opts, layers, pooling] of [
  ['per-dimension w, mean', { beta: 2 }, 3, 'mean'],
  ['per-dimension w, concat, K=2', { beta: 0.8, k: 2 }, 2, 'concat'],
  ['scalar w (B)', { beta: 2, variant: 'B' }, 2, 'mean'],
  ['first layer (C)', { beta: 3, variant: 'C' }, 2, 'mean'],
  ['β = 0', { beta: 0 }, 2, 'mean'],
] as const) {
  test(`dins gradient check through sampler + BPR, gradients through w (${label})`, () => {
    const { enc, users, pos, ctx } = setup(layers, pooling, 3, 11);
    const r = gradCheck(enc, () => {
      const c = ctx(33);
      const neg = new DinsSampler({ m: 5, ...(opts as DinsOptions) }).sample(c);
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      return { loss: bprSum(c.pass, users, pos, neg), choices: neg.hardItemsByLayer! };
    }, { eps: 2e-3 });
    assert.ok(r.nonZero > 10, `only ${r.nonZero} non-zero grads`);
  });
}

test('dins is deterministic for a seed', () => {
  const { ctx } = setup(2, 'mean');
  const run = (seed: number, variant: 'full' | 'A') =>
    tidy(() => {
      const n = new DinsSampler({ m: 6, k: 2, variant }).sample(ctx(seed));
      return n.kind === 'synthetic' ? Array.from(n.pooled.data) : [];
    });
  assert.deepEqual(run(1, 'A'), run(1, 'A'));
  assert.deepEqual(run(1, 'full'), run(1, 'full'));
  assert.notDeepEqual(run(1, 'full'), run(2, 'full'));
});

test('dins/mixgcf K > 1 loss: kPairSoftplus prescribed by default (released code), mean BPR by kLoss; variant code = query layer', () => {
  assert.deepEqual(new DinsSampler({ k: 4 }).preferredLoss, { name: 'kPairSoftplus' });
  assert.equal(new DinsSampler({ k: 1 }).preferredLoss, undefined, 'K = 1: BPR either way, nothing prescribed');
  assert.equal(new DinsSampler({ k: 4, kLoss: 'meanBpr' }).preferredLoss, undefined);
  assert.equal(new DinsSampler({ variant: 'code' }).query, 'layer');
  assert.equal(new DinsSampler({}).query, 'mean');
  assert.throws(() => new DinsSampler({ variant: 'code', query: 'mean' }), /variant code means query = layer/);
  assert.throws(() => new DinsSampler({ kLoss: 'sum' as never }), /kLoss/);
});

test('dins gradient check with the per-layer query (variant code, concat)', () => {
  const { enc, users, pos, ctx } = setup(2, 'concat', 3);
  const r = gradCheck(enc, () => {
    const c = ctx(13);
    const neg = new DinsSampler({ m: 5, beta: 1.5, variant: 'code' }).sample(c);
    if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
    return { loss: bprSum(c.pass, users, pos, neg), choices: neg.hardItemsByLayer! };
  });
  assert.ok(r.nonZero > 10, `only ${r.nonZero} non-zero grads`);
});
