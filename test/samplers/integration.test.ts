// Every sampler with the real encoders: a few Adam steps of BPR on a small random dataset must run, keep every
// gradient finite, and lower the loss on a fixed evaluation batch (the synthetic negatives carry gradients).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder } from '../../src/encoders/index.js';
import { gatherRows, reshape } from '../../src/engine/ops.js';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { bpr } from '../../src/losses/index.js';
import { createSampler } from '../../src/samplers/index.js';
import type { Negatives, Sampler, SyntheticNegatives } from '../../src/samplers/types.js';
import { csrFromLists, makeDataset } from './fake.js';

function randomDataset(seed: number) {
  const rng = Rng.stream(seed, 'split');
  const lists: number[][] = [];
  for (let u = 0; u < 60; u++) {
    const n = 3 + rng.int(8);
    const l: number[] = [];
    // Users prefer a block of items, so there is something to learn.
    const base = (u % 4) * 20;
    for (let k = 0; k < n; k++) l.push(base + rng.int(20));
    lists.push(l);
  }
  // Exposure records (read only by the exposure samplers): a few items of the user's block, some already positives.
  const exposure = lists.map((_, u) => Array.from({ length: 4 }, () => (u % 4) * 20 + rng.int(20)));
  return { ...makeDataset(lists, 80), exposure: csrFromLists(exposure, 80) };
}

const samplers: Array<[string, Record<string, unknown>]> = [
  ['uniform', { k: 2 }], ['popularity', {}], ['dns', { m: 8 }], ['mixgcf', { m: 8 }], ['dins', { m: 8, k: 2 }],
  ['dins', { m: 8, variant: 'B' }], ['pdns', { m: 8, mode: 'mix' }], ['pdns', { m: 8 }], ['srns', { s1: 4, s2: 8 }], ['aobpr', { refresh: 200 }],
  ['adasir', { m: 16, cacheSize: 8 }], ['adasir', { proposal: 'popularity', m: 16 }], ['mcns', { steps: 3, neighbours: 8 }],
  ['irgan', { dim: 8 }], ['irgan', { dim: 8, reward: 'code', baseline: true, excludePositives: false }], ['irgan', { dim: 8, schedule: 'epochs' }],
  ['rnsas', { dim: 8, candidates: 8, exposedCandidates: 2 }], ['simns', { candidates: 20, k: 2 }],
  ['advir', { dim: 8 }],
];

for (const encName of ['mf', 'gmf', 'lightgcn', 'ngcf']) {
  test(`samplers train with encoder ${encName}`, () => {
    const ds = randomDataset(1);
    const users = new Int32Array(ds.train.indices.length);
    for (let u = 0; u < ds.numUsers; u++) users.fill(u, ds.train.indptr[u], ds.train.indptr[u + 1]);
    const pos = ds.train.indices;
    for (const [name, opts] of samplers) {
      const s: Sampler = createSampler(name, opts);
      if (s.needs?.scorer && !s.needs.scorer.includes(encName === 'gmf' ? 'gmf' : 'dot')) continue;
      if (s.needs?.meanPooling && encName === 'ngcf') continue;
      const encOpts = encName === 'mf' || encName === 'gmf' ? { dim: 8 } : { dim: 8, layers: 2 };
      const enc = createEncoder(encName, ds, encOpts, Rng.stream(2, 'init'));
      const opt = new Adam(enc.parameters(), { lr: 0.02 });
      const rng = Rng.stream(2, 'sampler');
      s.prepare?.(ds, rng);
      const evalRng = Rng.stream(3, 'eval');
      const evalNeg = createSampler('uniform', { k: 4 });
      const lossOf = (neg: Negatives, pass: ReturnType<typeof enc.forward>) => {
        const k = neg.k;
        const b = users.length;
        const u = pass.pool(pass.userLayers(users));
        const rep = new Int32Array(b * k);
        for (let i = 0; i < b * k; i++) rep[i] = Math.floor(i / k);
        const sPos = pass.score(u, pass.pool(pass.itemLayers(pos)), pos, users);
        const rows = neg.kind === 'items' ? pass.pool(pass.itemLayers(neg.items)) : (neg as SyntheticNegatives).pooled;
        const sNeg = pass.score(gatherRows(u, rep), rows, neg.kind === 'items' ? neg.items : undefined);
        return bpr(sPos, k === 1 ? sNeg : reshape(sNeg, [b, k]));
      };
      const fixedNeg = tidy(() => {
        const pass = enc.forward({ training: false, rng: evalRng });
        const n = evalNeg.sample({ batch: { users, pos }, users, pos, pass, data: ds, rng: evalRng, epoch: 0, step: 0 });
        return n.kind === 'items' ? n.items : new Int32Array(0);
      });
      const evalLoss = () =>
        tidy(() => lossOf({ kind: 'items', items: fixedNeg, k: 4 }, enc.forward({ training: false, rng: evalRng })).item());
      const before = evalLoss();
      for (let step = 0; step < 25; step++) {
        tidy(() => {
          const pass = enc.forward({ training: true, rng: Rng.stream(step, 'dropout') });
          const neg = s.sample({ batch: { users, pos }, users, pos, pass, data: ds, rng, epoch: 1 + Math.floor(step / 5), step });
          const loss = lossOf(neg, pass);
          assert.ok(Number.isFinite(loss.item()), `${encName}/${name}: loss ${loss.item()}`);
          loss.backward();
          for (const p of enc.parameters()) {
            const g = p.grad ?? p.rowGrad?.values;
            if (g) for (let i = 0; i < g.length; i++) assert.ok(Number.isFinite(g[i]), `${encName}/${name}: non-finite grad in ${p.name}`);
          }
          opt.step();
          opt.zeroGrad();
        });
      }
      const after = evalLoss();
      assert.ok(after < before, `${encName}/${name} ${JSON.stringify(opts)}: eval loss ${before} → ${after}`);
    }
  });
}
