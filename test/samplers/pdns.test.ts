import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatherRows, reshape, rowDot } from '../../src/engine/ops.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { bpr, createLoss } from '../../src/losses/index.js';
import { DnsSampler } from '../../src/samplers/dns.js';
import { PdnsSampler } from '../../src/samplers/pdns.js';
import type { Negatives, SampleContext, SyntheticNegatives } from '../../src/samplers/types.js';
import { FakeEncoder, bprSum, dot, gradCheck, makeDataset } from './fake.js';

function setup(layers: number, pooling: 'mean' | 'concat', dim = 4, seed = 3) {
  const numItems = 20;
  const ds = makeDataset([[0, 1], [2], [3, 4, 5], [6]], numItems);
  const enc = new FakeEncoder({ numUsers: 4, numItems, dim, layers, pooling, seed });
  const users = Int32Array.from([0, 1, 2, 3, 2]);
  const pos = Int32Array.from([1, 2, 4, 6, 3]);
  const ctx = (s: number): SampleContext => ({
    batch: { users, pos }, users, pos, pass: enc.forward(), data: ds, rng: Rng.stream(s, 'sampler'), epoch: 0, step: 0,
  });
  return { enc, users, pos, ctx };
}

/** Mean-reduced loss of the trainer's shape: pos [B], neg [B] or [B×K]. */
function scores(c: SampleContext, negs: Negatives) {
  const { pass, users, pos } = c;
  const K = negs.k;
  const u = pass.pool(pass.userLayers(users));
  const rep = new Int32Array(users.length * K);
  for (let b = 0; b < users.length; b++) for (let k = 0; k < K; k++) rep[b * K + k] = b;
  const sPos = rowDot(u, pass.pool(pass.itemLayers(pos)));
  const negRows = negs.kind === 'items' ? pass.pool(pass.itemLayers(negs.items)) : (negs as SyntheticNegatives).pooled;
  const sNeg = rowDot(gatherRows(u, rep), negRows);
  return { sPos, sNeg: K === 1 ? sNeg : reshape(sNeg, [users.length, K]) };
}

test('pdns softBpr mode: DNS items and a soft-BPR preferred loss', () => {
  const { users, ctx } = setup(2, 'mean');
  const s = new PdnsSampler({ m: 8, beta: 0.2 });
  assert.deepEqual(s.preferredLoss, { name: 'softBpr', beta: 0.2 });
  assert.equal(new PdnsSampler({ mode: 'mix' }).preferredLoss, undefined);
  assert.doesNotThrow(() => createLoss(s.preferredLoss!));
  tidy(() => {
    const neg = s.sample(ctx(1));
    if (neg.kind !== 'items') throw new Error('items expected');
    // PDNS's selection is DNS's (same seed, same pools, same argmax; DNS's argmax is tested in dns.test).
    assert.equal(neg.items.length, users.length);
    const d = new DnsSampler({ m: 8 }).sample(ctx(1));
    assert.deepEqual(neg.items, d.kind === 'items' ? d.items : null);
  });
  assert.throws(() => new PdnsSampler({ alpha: 0.9 }), /alpha applies to mode 'mix'/);
  assert.throws(() => new PdnsSampler({ mode: 'mix', beta: 0.1 }), /beta applies to mode 'softBpr'/);
  assert.throws(() => new PdnsSampler({ mode: 'mix', alpha: 1 }), /alpha must be < 1/);
  assert.throws(() => new PdnsSampler({ beta: 0 }), /option beta must be a number > 0/);
});

for (const [layers, pooling, K] of [[1, 'mean', 1], [3, 'mean', 2], [2, 'concat', 1]] as const) {
  test(`pdns: BPR on the positive-dominated mix (α) ≡ soft BPR (β = 1 − α) on the DNS item, loss and gradients (L=${layers}, ${pooling}, K=${K})`, () => {
    const alpha = 0.8;
    const { enc, ctx, users, pos } = setup(layers, pooling);
    const run = (mode: 'mix' | 'softBpr') => {
      enc.zeroGrad();
      return tidy(() => {
        const c = ctx(5);
        const s = mode === 'mix' ? new PdnsSampler({ m: 6, k: K, mode, alpha }) : new PdnsSampler({ m: 6, k: K, beta: 1 - alpha });
        const neg = s.sample(c);
        const { sPos, sNeg } = scores(c, neg);
        const loss = mode === 'mix' ? bpr(sPos, sNeg) : createLoss(s.preferredLoss!)(sPos, sNeg);
        loss.backward();
        const hard = neg.kind === 'items' ? neg.items : (neg as SyntheticNegatives).hardItems!;
        return {
          loss: loss.item(),
          hard: Array.from(hard),
          grads: enc.parameters().slice(0, 2 * layers).map((p) => Float32Array.from(p.grad ?? new Float32Array(p.size))),
        };
      });
    };
    const mix = run('mix');
    const soft = run('softBpr');
    assert.deepEqual(mix.hard, soft.hard, 'both modes must select the same DNS items');
    assert.ok(Math.abs(mix.loss - soft.loss) < 1e-6 * Math.max(1, Math.abs(soft.loss)), `${mix.loss} vs ${soft.loss}`);
    let nz = 0;
    mix.grads.forEach((g, t) => {
      for (let k = 0; k < g.length; k++) {
        assert.ok(Math.abs(g[k] - soft.grads[t][k]) < 1e-6, `grad ${t}[${k}]: ${g[k]} vs ${soft.grads[t][k]}`);
        if (g[k] !== 0) nz++;
      }
    });
    assert.ok(nz > 0);
    // The soft factor by hand (MF, K = 1): ∂L/∂e_u = −(1/B)·β·(1 − σ(β(ŷ_ui − ŷ_uj)))·(e_i − e_j) for a user in one pair.
    if (layers === 1 && K === 1) {
      const beta = 1 - alpha;
      const b = 0; // user 0 appears once
      const eu = enc.pooledUser(users[b]);
      const ei = enc.pooledItem(pos[b]);
      const ej = enc.pooledItem(mix.hard[b]);
      const z = beta * (dot(eu, ei) - dot(eu, ej));
      const f = (-beta * (1 - 1 / (1 + Math.exp(-z)))) / users.length;
      for (let k = 0; k < enc.dim; k++) {
        const want = f * (ei[k] - ej[k]);
        assert.ok(Math.abs(mix.grads[0][users[b] * enc.dim + k] - want) < 1e-6, `dim ${k}`);
      }
    }
  });
}

for (const [layers, pooling, K] of [[2, 'mean', 1], [2, 'concat', 2]] as const) {
  test(`pdns mix gradient check through sampler + BPR (L=${layers}, ${pooling}, K=${K})`, () => {
    const { enc, users, pos, ctx } = setup(layers, pooling, 3, 7);
    const r = gradCheck(enc, () => {
      const c = ctx(13);
      const neg = new PdnsSampler({ m: 5, k: K, mode: 'mix', alpha: 0.7 }).sample(c);
      if (neg.kind !== 'synthetic') throw new Error('synthetic expected');
      return { loss: bprSum(c.pass, users, pos, neg), choices: neg.hardItems! };
    }, { eps: 2e-3 });
    assert.ok(r.nonZero > 10, `only ${r.nonZero} non-zero grads`);
  });
}

test('pdns is deterministic for a seed', () => {
  const { ctx } = setup(2, 'mean');
  const run = (seed: number) =>
    tidy(() => {
      const n = new PdnsSampler({ m: 6, k: 2, kMode: 'topk' }).sample(ctx(seed));
      return n.kind === 'items' ? Array.from(n.items) : [];
    });
  assert.deepEqual(run(1), run(1));
  assert.notDeepEqual(run(1), run(2));
});
