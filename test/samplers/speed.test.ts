// Sampling speed on Gowalla-sized tables with the real encoders: batch 2048 × M = 64 (the contract: milliseconds,
// not seconds). Bounds are generous (shared 2-core machine); the measured medians are printed as diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEncoder } from '../../src/encoders/index.js';
import { Rng } from '../../src/core/rng.js';
import { tidy } from '../../src/engine/tensor.js';
import { createSampler } from '../../src/samplers/index.js';
import type { SampleContext } from '../../src/samplers/types.js';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { loadGowallaTrain } from './fake.js';

const parts = ['gowalla', 'light_gcn_gowalla', 'train.txt'];

test('sampler time per batch on Gowalla (2048 pairs, M = 64)', (t) => {
  if (!hasSharedData(...parts)) {
    t.skip(`no Gowalla data at ${sharedData(...parts)}`);
    return;
  }
  const ds = loadGowallaTrain(sharedData(...parts));
  const rng = Rng.stream(1, 'batch');
  const B = 2048;
  const users = new Int32Array(B);
  const pos = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let u = rng.int(ds.numUsers);
    while (ds.train.indptr[u + 1] === ds.train.indptr[u]) u = rng.int(ds.numUsers);
    users[b] = u;
    pos[b] = ds.train.indices[ds.train.indptr[u] + rng.int(ds.train.indptr[u + 1] - ds.train.indptr[u])];
  }
  for (const encName of ['mf', 'lightgcn']) {
    const enc = createEncoder(encName, ds, encName === 'mf' ? { dim: 64 } : { dim: 64, layers: 3 }, Rng.stream(1, 'init'));
    tidy(() => {
      const pass = enc.forward({ training: true, rng: Rng.stream(1, 'dropout') });
      const samplerRng = Rng.stream(1, 'sampler');
      const ctx: SampleContext = { batch: { users, pos }, users, pos, pass, data: ds, rng: samplerRng, epoch: 1, step: 0 };
      const lines: string[] = [];
      for (const [name, opts] of [
        ['uniform', {}], ['dns', { m: 64 }], ['mixgcf', { m: 64 }], ['dins', { m: 64 }], ['srns', {}], ['aobpr', {}], ['adasir', { m: 64 }],
      ] as const) {
        const s = createSampler(name, opts);
        s.prepare?.(ds, samplerRng);
        const times: number[] = [];
        for (let rep = 0; rep < 3; rep++) {
          const t0 = performance.now();
          tidy(() => {
            s.sample(ctx);
          });
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        lines.push(`${name} ${times[1].toFixed(1)} ms`);
        assert.ok(times[1] < 1500, `${encName}/${name}: median ${times[1]} ms per batch`);
      }
      t.diagnostic(`${encName} (Gowalla ${ds.numUsers}×${ds.numItems}, d 64): ${lines.join(', ')}`);
    });
  }
});
