// Every evaluation records eq. 6's embedding entropy of the embeddings it evaluated (contrastive DNS, Fig. 3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { embeddingEntropy } from '../../src/evaluation/diagnostics.js';
import { train } from '../../src/experiments/run.js';

test('each evaluation records the eq. 6 entropy of the evaluated embeddings', async () => {
  const ds = syntheticDataset({ users: 40, items: 60, seed: 2 });
  const r = await train({ epochs: 4, evalEvery: 1, patience: 0, ks: [10], batchSize: 128, encoder: { name: 'bprmf', dim: 8 },
    sampler: { name: 'cdns', n: 2, k: 10 } }, ds);
  assert.equal(r.evaluations.length, 4);
  for (const e of r.evaluations) assert.ok(Number.isFinite(e.entropy) && e.entropy! > 0, `epoch ${e.epoch}: ${e.entropy}`);
  const best = r.evaluations.find((e) => e.epoch === r.bestEpoch)!;
  const emb = r.weights!.embeddings;
  assert.equal(best.entropy, embeddingEntropy(emb.users, emb.items, emb.dim));
  // Bounded by log(dim) per row.
  assert.ok(best.entropy! <= (40 + 60) * Math.log(8) / 8 + 1e-9);
});
