// End-to-end smoke: encoder + loss + optimiser on a small synthetic dataset reduce the training loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { hasInteraction } from '../../src/data/csr.js';
import type { Dataset } from '../../src/data/types.js';
import { createEncoder } from '../../src/encoders/index.js';
import { add, scale } from '../../src/engine/ops.js';
import { Adam } from '../../src/engine/optim.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { createLoss } from '../../src/losses/index.js';

/** Mean loss per epoch of `epochs` epochs of uniform-negative training. */
function trainLosses(ds: Dataset, encoderName: string, opts: Record<string, unknown>, lazy: boolean, epochs: number): number[] {
  const enc = createEncoder(encoderName, ds, opts, Rng.stream(1, 'init'));
  const opt = new Adam(enc.parameters(), { lr: 0.02, lazy });
  const loss = createLoss({ name: 'bpr' });
  const rng = Rng.stream(1, 'batch');
  const dropout = Rng.stream(1, 'dropout');
  const tr = ds.train;
  const nnz = tr.indptr[tr.rows];
  const users = new Int32Array(nnz), items = new Int32Array(nnz);
  for (let u = 0; u < tr.rows; u++) for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) { users[p] = u; items[p] = tr.indices[p]; }
  const B = 64;
  const out: number[] = [];
  for (let e = 0; e < epochs; e++) {
    const perm = rng.permutation(nnz);
    let total = 0, steps = 0;
    for (let s = 0; s + B <= nnz; s += B) {
      const bu = new Int32Array(B), bi = new Int32Array(B), bj = new Int32Array(B);
      for (let r = 0; r < B; r++) {
        const k = perm[s + r];
        bu[r] = users[k];
        bi[r] = items[k];
        let j = rng.int(ds.numItems);
        while (hasInteraction(tr, bu[r], j)) j = rng.int(ds.numItems);
        bj[r] = j;
      }
      total += tidy(() => {
        const pass = enc.forward({ training: true, rng: dropout });
        const u = pass.pool(pass.userLayers(bu));
        const sp = pass.score(u, pass.pool(pass.itemLayers(bi)), bi, bu);
        const sn = pass.score(u, pass.pool(pass.itemLayers(bj)), bj, bu);
        const l = add(loss(sp, sn), scale(pass.egoL2(bu, [bi, bj], B), 1e-4));
        const v = l.item();
        l.backward();
        opt.step();
        opt.zeroGrad();
        return v;
      });
      steps++;
    }
    out.push(total / steps);
  }
  return out;
}

const ds = syntheticDataset({ users: 150, items: 200, interactionsPerUser: 15, seed: 3 });

test('smoke: MF + BPR + lazy Adam reduces the training loss', () => {
  const losses = trainLosses(ds, 'mf', { dim: 16 }, true, 6);
  assert.ok(losses[0] > 0.6 && losses[0] < 0.75, `first epoch near log 2: ${losses[0]}`);
  assert.ok(losses[5] < 0.4, `loss went ${losses.map((x) => x.toFixed(3)).join(' → ')}`);
});

test('smoke: LightGCN, BPR-MF and NGCF + BPR + Adam reduce the training loss', () => {
  for (const [name, opts] of [['lightgcn', { dim: 16, layers: 2 }], ['bprmf', { dim: 16 }], ['gmf', { dim: 16 }],
    ['ngcf', { dim: 16, layers: 2, variant: 'code' }]] as const) {
    const losses = trainLosses(ds, name, opts, false, 3);
    assert.ok(losses[2] < losses[0] - 0.15, `${name}: loss went ${losses.map((x) => x.toFixed(3)).join(' → ')}`);
  }
});
