import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { assembleDataset, loadDataset, sequentialIds, syntheticDataset, validSplitFromTrain } from '../../src/data/index.js';
import { Rng } from '../../src/core/rng.js';
import type { Dataset } from '../../src/data/types.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { readPerUser, readRunEmbeddings } from '../../src/experiments/runStore.js';
import { type Evaluator } from '../../src/evaluation/protocol.js';
import { type TrainEvent } from '../../src/training/types.js';
import { carveValid, validCarveFor } from '../../src/training/carve.js';
import { train } from '../../src/experiments/run.js';
import { openRun } from '../../src/cli/common.js';
import { hasSharedData } from '../helpers/paths.js';
import { backendInfo, setBackend, setThreads } from '../../src/engine/kernels/index.js';

const small = () => syntheticDataset({ users: 200, items: 300, seed: 5 });

function withoutValid(d: Dataset): Dataset {
  const { valid: _v, ...rest } = d;
  return rest as Dataset;
}

/** A fake evaluator: valid metric follows a script by epoch; test metric = epoch / 100 (so we see which epoch). */
function scripted(validByEpoch: Record<number, number>): { evaluator: Evaluator; calls: string[] } {
  const calls: string[] = [];
  const evaluator: Evaluator = (_emb, _ds, o) => {
    calls.push(`${o.split}@${o.epoch}`);
    const v = o.split === 'valid' ? validByEpoch[o.epoch] : o.epoch / 100;
    return {
      metrics: { 'recall@20': v, 'ndcg@20': v / 2 },
      perUser: { users: Int32Array.from([0, 1]), values: { 'recall@20': Float32Array.from([v, v]), 'ndcg@20': Float32Array.from([v, 0]) } },
      usersEvaluated: 2, usersSkipped: 0, split: o.split, maskedValid: false,
    };
  };
  return { evaluator, calls };
}

test('selection on validation; test reported at the best validation epoch; patience stops training', async () => {
  const cfg = resolveConfig(undefined, { epochs: 20, evalEvery: 1, patience: 3, ks: [20], encoder: { dim: 8 } });
  const { evaluator, calls } = scripted({ 1: 0.1, 2: 0.3, 3: 0.2, 4: 0.5, 5: 0.4, 6: 0.5, 7: 0.45, 8: 0.9 });
  const r = await train(cfg, small(), { evaluator, keepWeights: false });
  assert.equal(r.bestEpoch, 4);
  assert.equal(r.epochsRun, 7, 'stops after 3 evaluations without improvement');
  assert.equal(r.stoppedEarly, true);
  assert.equal(r.best['recall@20'], 0.5);
  assert.equal(r.test['recall@20'], 0.04, 'test metrics come from the best validation epoch');
  assert.deepEqual(Array.from(r.perUserTest!.values['recall@20']), [0.04, 0.04].map((x) => Math.fround(x)));
  // Test is evaluated only at new bests: epochs 1, 2, 4.
  assert.deepEqual(calls.filter((c) => c.startsWith('test')), ['test@1', 'test@2', 'test@4']);
  assert.equal(r.evaluations.length, 7);
  assert.equal(r.selectOn, 'valid');
  assert.equal(r.carvedValid, false);
  assert.deepEqual(r.warnings, []);
});

test('testCurve: test evaluated at every evaluation and recorded, selection and reported test unchanged', async () => {
  const script = { 1: 0.1, 2: 0.3, 3: 0.2, 4: 0.5, 5: 0.4, 6: 0.5, 7: 0.45 };
  const base = { epochs: 20, evalEvery: 1, patience: 3, ks: [20], encoder: { dim: 8 } };
  const plain = await train(resolveConfig(undefined, base), small(), { evaluator: scripted(script).evaluator, keepWeights: false });
  const { evaluator, calls } = scripted(script);
  const r = await train(resolveConfig(undefined, { ...base, testCurve: true }), small(), { evaluator, keepWeights: false });
  assert.deepEqual(calls.filter((c) => c.startsWith('test')), [1, 2, 3, 4, 5, 6, 7].map((e) => `test@${e}`));
  assert.deepEqual(r.evaluations.map((e) => e.test?.['recall@20']), [1, 2, 3, 4, 5, 6, 7].map((e) => e / 100));
  assert.equal(r.bestEpoch, plain.bestEpoch);
  assert.deepEqual(r.test, plain.test);
  assert.deepEqual(plain.evaluations.map((e) => e.test !== undefined), [true, true, false, true, false, false, false]);
});

test('evaluation every e epochs and at the last epoch', async () => {
  const cfg = resolveConfig(undefined, { epochs: 7, evalEvery: 3, patience: 0, ks: [20], encoder: { dim: 8 } });
  const { evaluator, calls } = scripted({ 3: 0.1, 6: 0.2, 7: 0.3 });
  const r = await train(cfg, small(), { evaluator, keepWeights: false });
  assert.deepEqual(calls.filter((c) => c.startsWith('valid')), ['valid@3', 'valid@6', 'valid@7']);
  assert.equal(r.bestEpoch, 7);
});

test('no validation split: one is carved from training (seeded, 10% per user by default)', async () => {
  const ds = withoutValid(small());
  const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], encoder: { dim: 8 } });
  const r = await train(cfg, ds, { keepWeights: false });
  assert.equal(r.carvedValid, true);
  assert.equal(r.selectOn, 'valid');
  assert.equal(r.dataset.train + r.dataset.valid, ds.train.indices.length);
  const share = r.dataset.valid / ds.train.indices.length;
  assert.ok(share > 0.07 && share < 0.13, `carved share ${share}`);
  const again = await train(cfg, ds, { keepWeights: false });
  assert.equal(again.dataset.fingerprint, r.dataset.fingerprint, 'same seed, same carved split');
});

test('a temporally split dataset without valid: the carved valid is each user\'s latest training items; eval re-carves it', async () => {
  const spec = { name: 'synthetic', synthetic: { users: 120, items: 200, seed: 4 }, split: 'temporal:8:2' };
  const ds = loadDataset(spec);
  assert.equal(ds.valid, undefined);
  assert.deepEqual(ds.splitRule, { kind: 'temporal', temporal: true });
  const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], encoder: { dim: 4 } });
  const dir = mkdtempSync(join(tmpdir(), 'hn-train-'));
  try {
    const r = await train(cfg, ds, { runDir: dir, datasetSpec: spec });
    assert.equal(r.carvedValid, true);
    const rec = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8'));
    assert.equal(rec.validMode, 'latest');
    const carved = carveValid(ds, cfg.seed, { validFraction: cfg.validFraction, validMode: 'latest', validStream: 'valid-split' });
    assert.equal(carved.fingerprint, r.dataset.fingerprint);
    // No training interaction of a user is later than any of that user's validation interactions.
    const { train: tr, valid } = carved;
    let users = 0;
    for (let u = 0; u < ds.numUsers; u++) {
      if (valid!.indptr[u + 1] === valid!.indptr[u]) continue;
      users++;
      let lastTrain = -Infinity;
      for (let k = tr.indptr[u]; k < tr.indptr[u + 1]; k++) lastTrain = Math.max(lastTrain, tr.timestamps![k]);
      for (let k = valid!.indptr[u]; k < valid!.indptr[u + 1]; k++) assert.ok(valid!.timestamps![k] >= lastTrain, `user ${u}`);
    }
    assert.ok(users > 100, `${users} users with validation items`);
    // eval / recommend reopen the run with the same carve (the fingerprint check would throw otherwise).
    const opened = await openRun(dir);
    assert.equal(opened.dataset.fingerprint, r.dataset.fingerprint);
    // A randomly split dataset is carved at random.
    assert.equal(validCarveFor(withoutValid(small()), 0.1).validMode, 'random');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the carve draws from the run seed's 'valid-split' stream (not the splitter's 'split'); older runs reopen with 'split'", async () => {
  // Dataset seed = run seed = 0: with one stream name the carve would replay the splitter's draws.
  const spec = { name: 'synthetic', synthetic: { users: 80, items: 120 }, split: 'ratio:8:2', seed: 0 };
  const ds = loadDataset(spec);
  const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], encoder: { dim: 4 }, seed: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'hn-train-'));
  try {
    const r = await train(cfg, ds, { runDir: dir, datasetSpec: spec, keepWeights: true });
    const byStream = (name: string) => validSplitFromTrain(ds, cfg.validFraction, Rng.stream(0, name)).fingerprint;
    assert.equal(r.dataset.fingerprint, byStream('valid-split'));
    assert.notEqual(r.dataset.fingerprint, byStream('split'));
    const recPath = join(dir, 'dataset.json');
    const rec = JSON.parse(readFileSync(recPath, 'utf8'));
    assert.equal(rec.validStream, 'valid-split');
    assert.equal((await openRun(dir)).dataset.fingerprint, r.dataset.fingerprint);
    // A run written before the stream was recorded carved with 'split': openRun redoes that carve.
    delete rec.validStream;
    delete rec.validMode;
    rec.fingerprint = byStream('split');
    writeFileSync(recPath, JSON.stringify(rec));
    assert.equal((await openRun(dir)).dataset.fingerprint, byStream('split'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('opting into selection on test is warned (event + result) and recorded', async () => {
  const ds = withoutValid(small());
  const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], selectOn: 'test', encoder: { dim: 8 } });
  const events: TrainEvent[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'hn-train-'));
  try {
    const r = await train(cfg, ds, { keepWeights: true, runDir: dir, onEvent: (e) => events.push(e) });
    assert.equal(r.carvedValid, false);
    assert.equal(r.selectOn, 'test');
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0], /TEST split/);
    assert.ok(events.some((e) => e.type === 'warning' && /TEST split/.test(e.message)));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.equal(summary.selectOn, 'test');
    assert.match(summary.warnings[0], /TEST split/);
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), /\*\*Warning:\*\*.*TEST split/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deterministic for a seed: same seed → identical metrics and weights; another seed differs', async () => {
  const ds = small();
  const cfg = resolveConfig(undefined, { epochs: 2, evalEvery: 1, ks: [20], encoder: { dim: 8 } });
  const a = await train(cfg, ds);
  const b = await train(cfg, ds);
  const c = await train({ ...cfg, seed: cfg.seed + 1 }, ds);
  assert.deepEqual(a.evaluations.map((e) => e.metrics), b.evaluations.map((e) => e.metrics));
  assert.deepEqual(a.epochs.map((e) => e.loss), b.epochs.map((e) => e.loss));
  assert.deepEqual(Array.from(a.weights!.embeddings.users), Array.from(b.weights!.embeddings.users));
  assert.notDeepEqual(a.epochs.map((e) => e.loss), c.epochs.map((e) => e.loss));
});

test('same results with one or two kernel threads and with the JS backend', async () => {
  const ds = small();
  const cfg = resolveConfig(undefined, { epochs: 2, evalEvery: 1, ks: [20], encoder: { name: 'lightgcn', dim: 8, layers: 2 } });
  const before = backendInfo();
  try {
    setThreads(1);
    const one = await train(cfg, ds);
    setThreads(2);
    const two = await train(cfg, ds);
    setBackend('js');
    const js = await train(cfg, ds);
    assert.deepEqual(one.epochs.map((e) => e.loss), two.epochs.map((e) => e.loss));
    assert.deepEqual(one.test, two.test);
    assert.deepEqual(one.epochs.map((e) => e.loss), js.epochs.map((e) => e.loss));
    assert.deepEqual(one.test, js.test);
  } finally {
    setBackend(before.requested);
    setThreads(before.threads);
  }
});

test('run folder: config, dataset fingerprint, metrics.jsonl with diagnostics, summary, safetensors weights', async () => {
  const ds = small();
  const cfg = resolveConfig(undefined, { epochs: 2, evalEvery: 1, ks: [20], encoder: { dim: 8 } });
  const dir = mkdtempSync(join(tmpdir(), 'hn-train-'));
  try {
    const r = await train(cfg, ds, { runDir: dir });
    for (const f of ['config.json', 'dataset.json', 'metrics.jsonl', 'summary.json', 'summary.md', 'model.safetensors', 'per_user.safetensors']) {
      assert.ok(existsSync(join(dir, f)), f);
    }
    assert.equal(JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')).fingerprint, ds.fingerprint);
    // The kernel backend is part of what makes a run reproducible: recorded in config.json, summary.json/.md.
    const want = backendInfo();
    assert.ok(want.kernels === 'simd' || want.kernels === 'fma' || want.name === 'js', `kernel set ${want.kernels}`);
    assert.deepEqual(r.backend, want);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).run.backend, want);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.deepEqual(summary.backend, want);
    assert.deepEqual(Object.keys(summary), ['runDir', 'dataset', 'encoder', 'sampler', 'seed', 'backend', 'versions', 'selectOn', 'carvedValid',
      'metric', 'bestEpoch', 'epochsRun', 'stoppedEarly', 'interrupted', 'best', 'test', 'randomRecall', 'warnings', 'seconds', 'resumedFrom', 'lastDiagnostics']);
    assert.equal(summary.bestEpoch, r.bestEpoch);
    assert.deepEqual(summary.test, r.test);
    assert.deepEqual(summary.seconds, r.seconds);
    assert.match(readFileSync(join(dir, 'summary.md'), 'utf8'), new RegExp(`- kernels: ${want.name} backend${want.kernels ? ` \\(${want.kernels} kernels\\)` : ''}, ${want.threads} thread`));
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => `${l.type}${l.epoch}`), ['epoch1', 'eval1', 'epoch2', 'eval2']);
    for (const k of ['scoreGap', 'falseNegativeRate', 'negPopularity', 'negPopularityPercentile', 'sampleTimeShare']) {
      assert.equal(typeof lines[0].diagnostics[k], 'number', k);
    }
    assert.ok(lines[2].diagnostics.scoreGap > lines[0].diagnostics.scoreGap, 'training widens the score gap');
    const emb = readRunEmbeddings(dir);
    assert.equal(emb.users.length, ds.numUsers * emb.dim);
    assert.deepEqual(Array.from(emb.items), Array.from(r.weights!.embeddings.items));
    const pu = readPerUser(dir);
    assert.equal(pu.users.length, r.perUserTest!.users.length);
    const mean = pu.values['recall@20'].reduce((s, x) => s + x, 0) / pu.users.length;
    assert.ok(Math.abs(mean - r.test['recall@20']) < 1e-5, 'per-user values average to the reported metric');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('LastFM (real data, no validation split): MF learns well above a random ranking in two epochs', async (t) => {
  if (!hasSharedData('lastfm', 'data1.txt')) {
    t.skip('shared LastFM data not present');
    return;
  }
  const ds = loadDataset({ name: 'lastfm' });
  const cfg = resolveConfig(undefined, {
    dataset: 'lastfm', epochs: 2, evalEvery: 2, batchSize: 1024, ks: [20], optimizer: { lr: 0.005 }, encoder: { dim: 32, init: 'xavier' },
  });
  const r = await train(cfg, ds, { keepWeights: false });
  assert.equal(r.carvedValid, true);
  t.diagnostic(`LastFM recall@20 test ${r.test['recall@20'].toFixed(4)} vs random ${r.randomRecall['recall@20'].toFixed(4)}; ${r.seconds.total.toFixed(2)} s`);
  assert.ok(r.test['recall@20'] > 5 * r.randomRecall['recall@20']);
});

test('every sampler trains through the loop (items and synthetic negatives, K > 1) with diagnostics', async () => {
  const ds = syntheticDataset({ users: 60, items: 90, seed: 9 });
  const cases: Array<Record<string, unknown>> = [
    { sampler: { name: 'uniform', k: 2 } },
    { sampler: { name: 'popularity' } },
    { sampler: { name: 'dns', m: 8, k: 2 } },
    { sampler: { name: 'pdns', m: 8 } },
    { sampler: { name: 'srns' } },
    { encoder: { name: 'lightgcn', layers: 2 }, sampler: { name: 'mixgcf', m: 8 } },
    { encoder: { name: 'lightgcn', layers: 2 }, sampler: { name: 'dins', m: 8, k: 2 } },
    { encoder: { name: 'lightgcn', layers: 2, init: 'normal' }, batching: 'users', sampler: { name: 'uniform' } },
  ];
  for (const c of cases) {
    const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], encoder: { dim: 8 }, ...c });
    const r = await train(cfg, ds, { keepWeights: false });
    const d = r.epochs[0].diagnostics;
    const label = JSON.stringify(c);
    assert.ok(Number.isFinite(r.epochs[0].loss), label);
    assert.ok(Number.isFinite(d.scoreGap), label);
    assert.ok(d.sampleTimeShare > 0 && d.sampleTimeShare < 1, label);
    assert.ok(Number.isFinite(r.test['recall@20']), label);
  }
});

test('an abort signal stops after the current step; the partial epoch is evaluated and reported', async () => {
  const ds = small();
  const cfg = resolveConfig(undefined, { epochs: 50, evalEvery: 10, batchSize: 64, ks: [20], encoder: { dim: 8 } });
  const ac = new AbortController();
  const r = await train(cfg, ds, {
    keepWeights: false, signal: ac.signal,
    onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 3) ac.abort(); },
  });
  assert.equal(r.interrupted, true);
  assert.equal(r.epochsRun, 3, 'aborted before the first step of epoch 4');
  assert.deepEqual(r.evaluations.map((e) => e.epoch), [3], 'the model after epoch 3 is evaluated');
  assert.match(r.warnings[0], /interrupted before epoch 4/);
  // Aborting mid-epoch: the partial epoch is recorded and evaluated.
  const ac2 = new AbortController();
  let steps = 0;
  const r2 = await train(cfg, ds, {
    keepWeights: false, signal: ac2.signal,
    progress: { step: () => { if (++steps === 5) ac2.abort(); }, epochEnd() {}, message() {}, done() {} },
  });
  assert.equal(r2.epochsRun, 1);
  assert.deepEqual(r2.evaluations.map((e) => e.epoch), [1]);
  assert.match(r2.warnings[0], /interrupted during epoch 1 after 5 of \d+ steps/);
});

test('a default backend that falls back to JS (no kernels.wasm) is recorded and warned in the run', (t) => {
  // A copy of the compiled sources where kernels.wasm cannot be found: the default WASM backend falls back.
  const src = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
  const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  if (!existsSync(join(repo, 'node_modules', 'yaml'))) {
    t.skip('node_modules/yaml not found');
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'hn-fallback-'));
  try {
    cpSync(src, join(tmp, 'a', 'src'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(tmp, 'node_modules'));
    const runDir = join(tmp, 'run');
    mkdirSync(runDir);
    const script = join(tmp, 'a', 'go.mjs');
    writeFileSync(script, `import { train } from './src/experiments/run.js';
import { syntheticDataset } from './src/data/index.js';
const r = await train({ epochs: 1, ks: [20], encoder: { dim: 4 } }, syntheticDataset({ users: 40, items: 60, seed: 1 }),
  { runDir: ${JSON.stringify(runDir)}, keepWeights: false });
console.log(JSON.stringify(r.backend));`);
    const env = { ...process.env };
    delete env.HARDNEG_BACKEND;
    const out = execFileSync(process.execPath, [script], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const backend = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(backend.name, 'js');
    assert.equal(backend.requested, 'wasm');
    assert.match(backend.fallbackReason, /kernels\.wasm not found/);
    assert.deepEqual(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).run.backend, backend);
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    assert.deepEqual(summary.backend, backend);
    assert.ok(summary.warnings.some((w: string) => /WASM kernel backend could not start .*plain-JS backend/.test(w)), summary.warnings.join('; '));
    const md = readFileSync(join(runDir, 'summary.md'), 'utf8');
    assert.match(md, /\*\*Warning:\*\* the WASM kernel backend could not start/);
    assert.match(md, /- kernels: js backend, \d+ threads? \(fell back from wasm: .*kernels\.wasm not found/);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a selection split without interactions fails before training; an always-NaN metric is warned', async () => {
  const cfg = resolveConfig(undefined, { epochs: 1, ks: [20], encoder: { dim: 4 } });
  // Every user has a single training item: a carve moves nothing, so valid would be empty.
  const one = assembleDataset({
    name: 'one-each', numUsers: 3, numItems: 5, userIds: sequentialIds(3), itemIds: sequentialIds(5),
    train: { users: Int32Array.from([0, 1, 2]), items: Int32Array.from([0, 1, 2]), label: 'train' },
    test: { users: Int32Array.from([0, 1]), items: Int32Array.from([3, 4]), label: 'test' },
  });
  let evaluated = 0;
  const evaluator: Evaluator = () => { evaluated++; throw new Error('must not evaluate'); };
  await assert.rejects(train(cfg, one, { evaluator }),
    /dataset 'one-each': the selection split 'valid' has no interactions.*carved from train \(validFraction 0\.1\)/);
  const unsplit = loadDataset({ name: 'synthetic', synthetic: { users: 30, items: 40 }, split: 'none' });
  await assert.rejects(train({ ...cfg, selectOn: 'test' }, unsplit, { evaluator }), /selection split 'test' has no interactions.*test split is empty/);
  assert.equal(evaluated, 0, 'nothing trained or evaluated');
  // Selection on a carved valid of an unsplit log: trains, with a warning that test metrics are unavailable.
  const r = await train(cfg, unsplit, { keepWeights: false });
  assert.ok(r.warnings.some((w) => /empty test split/.test(w)), r.warnings.join('; '));
  // An evaluator whose selection metric is never a number: no best epoch, said so in the result.
  const { evaluator: nan } = scripted({ 1: NaN, 2: NaN });
  const n = await train({ ...cfg, epochs: 2, evalEvery: 1 }, small(), { evaluator: nan, keepWeights: false });
  assert.equal(n.bestEpoch, -1);
  assert.ok(n.warnings.some((w) => /selection metric recall@20 on valid was never a number in 2 evaluation/.test(w)), n.warnings.join('; '));
});

test("a sampler's prescribed loss is used by default, and a config loss that overrides it is warned about", async () => {
  const base = { epochs: 1, evalEvery: 1, patience: 0, ks: [20], encoder: { dim: 4 } };
  const { evaluator } = scripted({ 1: 0.1 });
  // Presets leave loss null, so PDNS keeps its soft BPR (it used to train as plain DNS under a BPR-pinning preset).
  const preset = resolveConfig('mf-bpr-gowalla', { ...base, dataset: 'synthetic', sampler: { name: 'pdns', m: 4, beta: 0.2 } });
  assert.equal(preset.loss, null);
  const own = await train(preset, small(), { evaluator, keepWeights: false });
  assert.deepEqual(own.warnings, []);
  const pinned = resolveConfig(undefined, { ...base, sampler: { name: 'pdns', m: 4, beta: 0.2 }, loss: { name: 'bpr' } });
  const r = await train(pinned, small(), { evaluator: scripted({ 1: 0.1 }).evaluator, keepWeights: false });
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0], /pdns prescribes the loss softBpr\(beta=0\.2\); the config's loss bpr overrides it/);
});
