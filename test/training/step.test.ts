// createTrainStep is train()'s loop body (train() runs it; the benches time it). Checked: (1) an epoch of steps equals
// train() bit for bit; (2) with graph encoders it pools through the fused EncoderPass.pooledUsers/pooledItems, and the
// trained weights equal those of the former step, composed here with pool(userLayers(…)) / pool(itemLayers(…)), bit
// for bit, for LightGCN with and without the ego layer, K = 3 item negatives, and NGCF (concat pooling).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { createEncoder } from '../../src/encoders/index.js';
import type { Encoder } from '../../src/encoders/types.js';
import { add, gatherRows, reshape, scale } from '../../src/engine/ops.js';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { createLoss } from '../../src/losses/index.js';
import { createSampler } from '../../src/samplers/index.js';
import type { Sampler } from '../../src/samplers/types.js';
import { interactionBatcher } from '../../src/training/batching.js';
import { createTrainStep } from '../../src/training/step.js';
import { train } from '../../src/experiments/run.js';

interface Setup { encoder: Encoder; sampler: Sampler; optimizer: Adam; samplerRng: Rng; dropoutRng: Rng }

function setup(ds: Dataset, enc: Record<string, unknown> & { name: string }, smp: Record<string, unknown> & { name: string },
  seed: number): Setup {
  const { name, ...eo } = enc;
  const { name: sn, ...so } = smp;
  const encoder = createEncoder(name, ds, eo, Rng.stream(seed, 'init'));
  const sampler = createSampler(sn, so) as Sampler;
  const samplerRng = Rng.stream(seed, 'sampler');
  sampler.prepare?.(ds, samplerRng);
  return { encoder, sampler, optimizer: new Adam(encoder.parameters(), { lr: 1e-2 }), samplerRng,
    dropoutRng: Rng.stream(seed, 'dropout') };
}

/** The step as the trainer composed it before pooledUsers/pooledItems: per-layer gathers, then pool. */
function unfusedStep(s: Setup, ds: Dataset, users: Int32Array, pos: Int32Array, step: number, l2: number): number {
  const { encoder, sampler, optimizer, samplerRng, dropoutRng } = s;
  const lossFn = createLoss({ name: 'bpr' });
  return tidy(() => {
    const pass = encoder.forward({ training: true, rng: dropoutRng });
    const b = users.length;
    const u = pass.pool(pass.userLayers(users));
    const p = pass.pool(pass.itemLayers(pos));
    const neg = sampler.sample({ batch: { users, pos }, users, pos, pass, data: ds, rng: samplerRng, epoch: 1, step });
    if (neg.kind !== 'items') throw new Error('test expects item negatives');
    const k = neg.k;
    const rep = new Int32Array(b * k);
    for (let r = 0; r < b; r++) rep.fill(r, r * k, (r + 1) * k);
    const uK = k === 1 ? u : gatherRows(u, rep);
    const nRows = pass.pool(pass.itemLayers(neg.items));
    const sPos = pass.score(u, p, pos, users);
    const sNeg = pass.score(uK, nRows, neg.items, users);
    let loss = lossFn(sPos, k === 1 ? sNeg : reshape(sNeg, [b, k]));
    loss = add(loss, scale(pass.egoL2(users, [pos, neg.items], b), l2));
    const lv = loss.item();
    loss.backward();
    optimizer.step();
    optimizer.zeroGrad();
    return lv;
  });
}

test('createTrainStep trains bit for bit as the former unfused step (per-layer gathers + pool)', () => {
  const ds = syntheticDataset({ users: 120, items: 200, seed: 4 });
  const cases: Array<[Record<string, unknown> & { name: string }, Record<string, unknown> & { name: string }]> = [
    [{ name: 'lightgcn', dim: 8, layers: 3 }, { name: 'uniform' }],
    [{ name: 'lightgcn', dim: 6, layers: 2, includeEgoLayer: false }, { name: 'uniform', k: 3 }],
    [{ name: 'ngcf', dim: 8, layers: 2 }, { name: 'uniform', k: 2 }],
  ];
  for (const [enc, smp] of cases) {
    const what = `${JSON.stringify(enc)} + ${JSON.stringify(smp)}`;
    const a = setup(ds, enc, smp, 7), b = setup(ds, enc, smp, 7);
    const fused = createTrainStep({ encoder: b.encoder, sampler: b.sampler, lossFn: createLoss({ name: 'bpr' }),
      optimizer: b.optimizer, dataset: ds, l2: 1e-3, samplerRng: b.samplerRng, dropoutRng: b.dropoutRng, diagnostics: null });
    const batcher = interactionBatcher(ds.train, 64);
    let n = 0;
    for (const { users, pos } of batcher.epoch(Rng.stream(7, 'batch'))) {
      if (n++ === 4) break;
      const la = unfusedStep(a, ds, users, pos, n, 1e-3);
      const r = fused({ users, pos }, 1, n);
      assert.ok(Object.is(la, r.loss), `${what} step ${n}: loss ${la} vs ${r.loss}`);
      for (const t of ['sampleMs', 'forwardMs', 'backwardMs', 'optimMs'] as const) assert.ok(r[t] >= 0, t);
    }
    const pa = a.encoder.parameters(), pb = b.encoder.parameters();
    for (let k = 0; k < pa.length; k++) {
      let diff = 0;
      for (let i = 0; i < pa[k].data.length; i++) if (!Object.is(pa[k].data[i], pb[k].data[i])) diff++;
      assert.equal(diff, 0, `${what}: ${pa[k].name} differs in ${diff} entries`);
    }
    for (const p of [...pa, ...pb]) p.dispose();
  }
});

test('createTrainStep: one epoch equals train() with the same configuration, and a non-finite loss names the step', async () => {
  const ds = syntheticDataset({ users: 150, items: 220, seed: 9 });
  const seed = 5;
  const enc = { name: 'lightgcn', dim: 8, layers: 2, init: 'normal' } as const;
  const s = setup(ds, enc, { name: 'uniform' }, seed);
  const step = createTrainStep({ encoder: s.encoder, sampler: s.sampler, lossFn: createLoss({ name: 'bpr' }),
    optimizer: s.optimizer, dataset: ds, l2: 1e-4, samplerRng: s.samplerRng, dropoutRng: s.dropoutRng, diagnostics: null });
  let n = 0;
  for (const batch of interactionBatcher(ds.train, 256).epoch(Rng.stream(seed, 'batch'))) step(batch, 1, n++);
  assert.ok(n >= 3);
  const res = await train({
    seed, epochs: 1, evalEvery: 1, patience: 0, selectOn: 'test', batching: 'interactions', encoder: enc,
    sampler: { name: 'uniform' }, loss: { name: 'bpr' }, optimizer: { name: 'adam', lr: 1e-2, lazy: false, weightDecay: 0 },
    l2: 1e-4, batchSize: 256,
  }, ds);
  const mine = s.encoder.parameters();
  const theirs = res.weights!.params;
  assert.equal(theirs.length, mine.length);
  for (let k = 0; k < mine.length; k++) {
    let diff = 0;
    for (let i = 0; i < mine[k].data.length; i++) if (!Object.is(mine[k].data[i], theirs[k].data[i])) diff++;
    assert.equal(diff, 0, `${mine[k].name}: ${diff} entries differ from train()`);
  }

  // A loss that is NaN stops before backward, naming epoch and step.
  const bad = createTrainStep({ encoder: s.encoder, sampler: s.sampler, lossFn: () => { throw new Error('unused'); },
    optimizer: s.optimizer, dataset: ds, l2: 0, samplerRng: s.samplerRng, dropoutRng: s.dropoutRng, diagnostics: null });
  assert.throws(() => bad({ users: Int32Array.of(0), pos: Int32Array.of(ds.train.indices[0]) }, 3, 8), /unused/);
  const nan = createTrainStep({ encoder: s.encoder, sampler: s.sampler, lossFn: (sp) => scale(gatherRows(sp, Int32Array.of(0)), NaN),
    optimizer: s.optimizer, dataset: ds, l2: 0, samplerRng: s.samplerRng, dropoutRng: s.dropoutRng, diagnostics: null });
  const u0 = ds.train.indptr.findIndex((_, u) => ds.train.indptr[u + 1] > ds.train.indptr[u]);
  assert.throws(() => nan({ users: Int32Array.of(u0), pos: Int32Array.of(ds.train.indices[ds.train.indptr[u0]]) }, 3, 8),
    /loss became NaN at epoch 3, step 8/);
  for (const p of mine) p.dispose();
});
