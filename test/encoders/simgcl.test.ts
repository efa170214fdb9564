import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { createEncoder, LightGcnEncoder, SimGclEncoder } from '../../src/encoders/index.js';
import { setThreads } from '../../src/engine/kernels/index.js';
import { tidy } from '../../src/engine/tensor.js';
import { train } from '../../src/experiments/run.js';
import { denseNormAdj, finiteDiffCheck, GRAPH_4x5, ids, matF64, rowsOf, tinyDataset } from './fixtures.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

const NU = 4, NI = 5, D = 3, L = 2;
const ds = tinyDataset(NU, NI, GRAPH_4x5);

function encoder(opts = {}): SimGclEncoder {
  const e = createEncoder('simgcl', ds, { dim: D, layers: L, ...opts }, Rng.stream(5, 'init')) as SimGclEncoder;
  e.ego.copyFrom(Float32Array.from({ length: (NU + NI) * D }, (_, k) => Math.sin(1.7 * k + 0.3)));
  return e;
}

test('simgcl noise: each layer adds sign(Â e) ⊙ normalize(U(0,1)) · ε, the uniforms drawn row-major from the stream', () => {
  const e = encoder();
  const a = denseNormAdj(NU, NI, GRAPH_4x5);
  tidy(() => {
    const ls = e.noisyLayers(Rng.stream(3, 'simgcl-noise'));
    assert.equal(ls.length, L);
    const ref = Rng.stream(3, 'simgcl-noise');
    let prev = rowsOf(e.ego.data, NU + NI, D);
    for (let l = 0; l < L; l++) {
      const clean = matF64(a, prev);
      const got = rowsOf(ls[l].data, NU + NI, D);
      for (let r = 0; r < NU + NI; r++) {
        const u = Array.from({ length: D }, () => ref.float());
        const n = Math.hypot(...u);
        let norm2 = 0;
        for (let c = 0; c < D; c++) {
          const want = clean[r][c] + Math.sign(clean[r][c]) * (u[c] / n) * 0.1;
          assert.ok(Math.abs(got[r][c] - want) < 1e-5, `layer ${l + 1} row ${r} col ${c}: ${got[r][c]} vs ${want}`);
          norm2 += (got[r][c] - clean[r][c]) ** 2;
        }
        assert.ok(Math.abs(Math.sqrt(norm2) - 0.1) < 1e-5, 'the noise has norm ε per row');
      }
      prev = got;
    }
  });
});

/** float64 InfoNCE between two views' rows. */
function infoNceF64(a: Float64Array[], b: Float64Array[], tau: number): number {
  const nz = (x: Float64Array) => {
    const n = Math.hypot(...x);
    return Array.from(x, (v) => v / n);
  };
  const z1 = a.map(nz), z2 = b.map(nz);
  const dot = (x: number[], y: number[]) => x.reduce((s, v, k) => s + v * y[k], 0);
  let t = 0;
  for (let s = 0; s < z1.length; s++) {
    const row = z2.map((y) => dot(z1[s], y) / tau);
    const m = Math.max(...row);
    t += m + Math.log(row.reduce((acc, v) => acc + Math.exp(v - m), 0)) - dot(z1[s], z2[s]) / tau;
  }
  return t / z1.length;
}

test('simgcl term: λ·(InfoNCE over distinct users + distinct positive items) of the two views, recomputed in float64', () => {
  const e = encoder();
  const batch = { users: ids(0, 2, 0, 3), pos: ids(1, 4, 1, 0) };
  tidy(() => {
    const pass = e.forward({ training: true, rng: Rng.stream(1, 'dropout'), streams: { get: (n) => Rng.stream(9, n) } });
    const terms = pass.terms!(batch);
    assert.equal(terms.length, 1);
    assert.equal(terms[0].name, 'cl');
    assert.equal(terms[0].weight, 0.5);
    // The same views, redrawn from the same stream.
    const rng = Rng.stream(9, 'simgcl-noise');
    const v1 = rowsOf(e.view(rng).data, NU + NI, D), v2 = rowsOf(e.view(rng).data, NU + NI, D);
    const us = [0, 2, 3], is = [1, 4, 0].map((i) => NU + i);
    const want = infoNceF64(us.map((r) => v1[r]), us.map((r) => v2[r]), 0.2) + infoNceF64(is.map((r) => v1[r]), is.map((r) => v2[r]), 0.2);
    assert.ok(Math.abs(terms[0].value.item() - want) < 1e-5, `${terms[0].value.item()} vs ${want}`);
    // Evaluation passes carry no term, and the clean pass is LightGCN over layers 1..L.
    assert.equal(e.forward({ training: false, rng: Rng.stream(1, 'dropout') }).terms, undefined);
    const lg = createEncoder('lightgcn', ds, { dim: D, layers: L, includeEgoLayer: false }, Rng.stream(5, 'init')) as LightGcnEncoder;
    lg.ego.copyFrom(e.ego.data);
    assert.deepEqual(Array.from(pass.pooledUsers!(ids(0, 1, 2, 3)).data), Array.from(lg.forward({ training: true, rng: Rng.stream(1, 'dropout') }).pooledUsers!(ids(0, 1, 2, 3)).data));
  });
});

test('simgcl contrastive term: gradient-checked against central differences (fixed noise stream)', () => {
  const e = encoder({ eps: 0.05 });
  const batch = { users: ids(0, 1, 3), pos: ids(2, 0, 4) };
  const value = (): number => tidy(() => {
    const rng = Rng.stream(4, 'simgcl-noise');
    return e.contrastive(e.view(rng), e.view(rng), batch).item();
  });
  e.ego.zeroGrad();
  tidy(() => {
    const rng = Rng.stream(4, 'simgcl-noise');
    e.contrastive(e.view(rng), e.view(rng), batch).backward();
  });
  const g = Float32Array.from(e.ego.grad!);
  assert.ok(g.some((x) => Math.abs(x) > 1e-3), 'a non-trivial gradient');
  e.ego.zeroGrad();
  finiteDiffCheck([{ name: 'ego', data: e.ego.data, dense: () => g }], value, 1e-3, 2e-3, 2e-2);
});

test('simgcl trains bit-identically at 1 and 2 threads, logging its cl term', async () => {
  const data = syntheticDataset({ users: 50, items: 70, seed: 6 });
  const cfg: TrainConfig = { epochs: 2, evalEvery: 1, patience: 0, ks: [10], batchSize: 128, encoder: { name: 'simgcl', dim: 8, layers: 2 } };
  const runs = [];
  for (const t of [1, 2]) {
    setThreads(t);
    runs.push(await train(cfg, data));
  }
  setThreads(1);
  assert.ok(runs[0].epochs.every((ep) => ep.terms!.cl > 0), JSON.stringify(runs[0].epochs[0].terms));
  assert.deepEqual(runs[1].epochs.map((ep) => [ep.loss, ep.terms]), runs[0].epochs.map((ep) => [ep.loss, ep.terms]));
  assert.deepEqual(runs[1].weights!.params[0].data, runs[0].weights!.params[0].data);
  assert.deepEqual(runs[1].test, runs[0].test);
  assert.throws(() => createEncoder('simgcl', ds, { layers: 0 }, Rng.stream(1, 'init')), /layers/);
});

test('xsimgcl: the training pass ranks with one noisy propagation and contrasts its pooled rows with layer l*; evaluation is clean', () => {
  const e = encoder({ variant: 'xsimgcl', clLayer: 1, eps: 0.2, clTemperature: 0.15 });
  const batch = { users: ids(0, 2, 0, 3), pos: ids(1, 4, 1, 0) };
  tidy(() => {
    const pass = e.forward({ training: true, rng: Rng.stream(1, 'dropout'), streams: { get: (n) => Rng.stream(9, n) } });
    const ls = e.noisyLayers(Rng.stream(9, 'simgcl-noise')).map((t) => rowsOf(t.data, NU + NI, D));
    const pooled = ls[0].map((r, k) => r.map((x, c) => (x + ls[1][k][c]) / 2));
    const got = rowsOf(pass.pooledUsers!(ids(0, 1, 2, 3)).data, NU, D);
    for (let u = 0; u < NU; u++) for (let c = 0; c < D; c++) assert.ok(Math.abs(got[u][c] - pooled[u][c]) < 1e-6, 'the pass ranks with the noisy rows');
    const us = [0, 2, 3], is = [1, 4, 0].map((i) => NU + i);
    const want = infoNceF64(us.map((r) => pooled[r]), us.map((r) => ls[0][r]), 0.15) + infoNceF64(is.map((r) => pooled[r]), is.map((r) => ls[0][r]), 0.15);
    const terms = pass.terms!(batch);
    assert.ok(Math.abs(terms[0].value.item() - want) < 1e-5, `${terms[0].value.item()} vs ${want}`);
    const clean = e.forward({ training: false, rng: Rng.stream(1, 'dropout') });
    assert.equal(clean.terms, undefined);
    const lg = createEncoder('lightgcn', ds, { dim: D, layers: L, includeEgoLayer: false }, Rng.stream(5, 'init')) as LightGcnEncoder;
    lg.ego.copyFrom(e.ego.data);
    assert.deepEqual(Array.from(clean.pooledUsers!(ids(0, 1, 2, 3)).data), Array.from(lg.forward({ training: false, rng: Rng.stream(1, 'dropout') }).pooledUsers!(ids(0, 1, 2, 3)).data));
  });
  assert.throws(() => createEncoder('simgcl', ds, { layers: 2, clLayer: 3 }, Rng.stream(1, 'init')), /clLayer/);
  assert.throws(() => createEncoder('simgcl', ds, { variant: 'ssl' } as Record<string, unknown>, Rng.stream(1, 'init')), /variant/);
});
