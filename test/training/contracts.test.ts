// The contracts the remaining methods build on (docs/contracts.md): shared negatives scored B×N with log-Q and
// hit masking, synthetic negatives with several sources (L2 over all of them), named loss terms from the encoder
// pass logged per epoch, a training-only view for samplers, named streams and component states in checkpoints, and
// components added through the registries alone (a toy sampler and a toy encoder term defined in this file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import type { Dataset } from '../../src/data/types.js';
import { createEncoder, encoders, mfEntry } from '../../src/encoders/index.js';
import { MfEncoder } from '../../src/encoders/mf.js';
import type { Encoder, EncoderPass } from '../../src/encoders/types.js';
import { gradcheck } from '../../src/engine/gradcheck.js';
import { gatherRows, sumSquares } from '../../src/engine/ops.js';
import { tidy } from '../../src/engine/tensor.js';
import { backendInfo, setBackend } from '../../src/engine/kernels/index.js';
import { train } from '../../src/experiments/run.js';
import { buildLoss, bpr } from '../../src/losses/index.js';
import { drawCandidates, samplers } from '../../src/samplers/index.js';
import type { Negatives, SampleContext, Sampler } from '../../src/samplers/types.js';
import { createTrainStep } from '../../src/training/step.js';
import { RunStreams } from '../../src/training/streams.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

// Components registered at run time are typed by declaration merging (as a program using hardneg would do), so the
// configs below are checked by the compiler like those of built-in components.
declare module '../../src/experiments/configTypes.generated.js' {
  interface SamplerConfigs {
    probe: {};
    'toy-shared': { n?: number };
  }
  interface EncoderConfigs {
    'mf-toyterm': { dim?: number; weight?: number };
    'mf-stateful': { dim?: number };
  }
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
/** The step's optimiser when a test only reads the forward values. */
const noStep = { step(): void {}, zeroGrad(): void {} };
const small = (): Dataset => syntheticDataset({ users: 40, items: 60, interactionsPerUser: 8, seed: 3 });

/** A sampler that returns a fixed negative set. */
function fixed(neg: Negatives): Sampler {
  return { name: 'fixed', sample: () => neg };
}

test('shared negatives: B×N scores from scoreMatrix, log-Q subtracted, accidental hits masked, BPR by hand', () => {
  const ds = small();
  const enc = createEncoder('mf', ds, { dim: 4 }, Rng.stream(1, 'init')) as MfEncoder;
  const users = Int32Array.of(0, 1);
  const pos = Int32Array.of(ds.train.indices[ds.train.indptr[0]], ds.train.indices[ds.train.indptr[1]]);
  const items = Int32Array.of(pos[1], 7, 11); // item pos[1] is pair 1's own positive: a hit for row 1
  const logQ = Float32Array.of(-1, -2, -0.5);
  const U = enc.parameters()[0].data, I = enc.parameters()[1].data;
  const dot = (u: number, i: number): number => {
    let s = 0;
    for (let d = 0; d < 4; d++) s += U[u * 4 + d] * I[i * 4 + d];
    return s;
  };
  // Hand value before the step changes anything: mean over the 2×3 pairs of softplus(s⁻ − log q − s⁺), hit → −1e9.
  let expected = 0;
  for (let b = 0; b < 2; b++) {
    for (let n = 0; n < 3; n++) {
      const sNeg = items[n] === pos[b] ? -1e9 : dot(users[b], items[n]) - logQ[n];
      expected += softplus(sNeg - dot(users[b], pos[b]));
    }
  }
  expected /= 6;
  const step = createTrainStep({
    encoder: enc, sampler: fixed({ kind: 'shared', items, k: 3, logQ, maskHits: true }), lossFn: buildLoss('bpr'),
    optimizer: noStep, dataset: ds, l2: 0, samplerRng: Rng.stream(1, 's'), dropoutRng: Rng.stream(1, 'd'), diagnostics: null,
  });
  const r = step({ users, pos }, 1, 0);
  assert.ok(Math.abs(r.loss - expected) < 1e-5, `loss ${r.loss} vs hand ${expected}`);
  assert.equal(r.terms.get('loss'), r.loss);
});

test('scoreMatrix equals row-aligned score on every (user, item) pair, and its gradient checks (GMF and BPR-MF)', () => {
  const ds = small();
  for (const name of ['gmf', 'bprmf'] as const) {
    const enc = createEncoder(name, ds, { dim: 3, ...(name === 'gmf' ? { gmfWeightInit: 'xavier' } : {}) }, Rng.stream(2, 'init'));
    const p = enc.parameters();
    if (name === 'bprmf') for (const t of p.slice(2)) for (let k = 0; k < t.size; k++) t.data[k] = 0.1 * (k + 1);
    const uids = Int32Array.of(3, 5), iids = Int32Array.of(1, 4, 9);
    tidy(() => {
      const pass = enc.forward({ training: false, rng: Rng.stream(0, 'x') });
      const u = pass.pool(pass.userLayers(uids));
      const it = pass.pool(pass.itemLayers(iids));
      const m = pass.scoreMatrix(u, it, iids, uids);
      assert.deepEqual(m.shape, [2, 3]);
      for (let b = 0; b < 2; b++) {
        for (let n = 0; n < 3; n++) {
          const one = pass.score(gatherRows(u, Int32Array.of(b)), gatherRows(it, Int32Array.of(n)), iids.subarray(n, n + 1), uids.subarray(b, b + 1));
          assert.ok(Math.abs(one.data[0] - m.data[b * 3 + n]) < 1e-6, `${name} (${b},${n})`);
        }
      }
      // Finite differences through scoreMatrix with respect to the user and item rows.
      const w = name === 'gmf' ? Float64Array.from(p[2].data) : null;
      const bias = (t: number, i: number): number => (name === 'bprmf' ? p[t].data[i] : 0);
      const g = gradcheck(
        (xs) => pass.scoreMatrix(xs[0], xs[1], iids, uids),
        ([x, y]) => {
          const out: number[] = [];
          for (let b = 0; b < 2; b++) {
            for (let n = 0; n < 3; n++) {
              let s = 0;
              for (let d = 0; d < 3; d++) s += x[b * 3 + d] * y[n * 3 + d] * (w ? w[d] : 1);
              out.push(s + bias(3, iids[n]) + bias(2, uids[b]) + bias(4, 0));
            }
          }
          return out;
        },
        [{ values: Array.from(u.data), shape: [2, 3] }, { values: Array.from(it.data), shape: [3, 3] }],
      );
      assert.ok(g.maxRelError < 1e-4 && g.forwardError < 1e-5, `${name}: ${g.maxRelError} ${g.forwardError}`);
    });
  }
});

test('synthetic negatives with several sources: the batch L2 covers every source item', () => {
  const ds = small();
  const enc = createEncoder('mf', ds, { dim: 4 }, Rng.stream(4, 'init'));
  const users = Int32Array.of(2, 3), pos = Int32Array.of(1, 2);
  const a = Int32Array.of(5, 6), b = Int32Array.of(8, 9);
  const E = enc.parameters();
  const sq = (t: Float32Array, rows: Int32Array): number => {
    let s = 0;
    for (const r of rows) for (let d = 0; d < 4; d++) s += t[r * 4 + d] ** 2;
    return s;
  };
  const l2 = 0.5 * (sq(E[0].data, users) + sq(E[1].data, pos) + sq(E[1].data, a) + sq(E[1].data, b)) / 2;
  const neg = (): Negatives => ({ kind: 'synthetic', pooled: gatherRows(E[1], a), k: 1, hardItems: a, sources: [b] });
  const step = createTrainStep({
    encoder: enc, sampler: { name: 'synth', sample: neg }, lossFn: bpr, optimizer: noStep, dataset: ds, l2: 1,
    samplerRng: Rng.stream(1, 's'), dropoutRng: Rng.stream(1, 'd'), diagnostics: null,
  });
  const r = step({ users, pos }, 1, 0);
  assert.ok(Math.abs(r.terms.get('l2')! - l2) < 1e-5, `l2 ${r.terms.get('l2')} vs ${l2}`);
  assert.ok(Math.abs(r.loss - r.terms.get('loss')! - l2) < 1e-5);
});

test('samplers see a training-only view: no valid, test or false-negative set is reachable', async () => {
  const ds = small();
  const seen: string[][] = [];
  const entry = samplers.register({
    name: 'probe', describe: 'test probe', options: {},
    create: () => ({
      name: 'probe',
      prepare: (data) => void seen.push(Object.keys(data)),
      sample: (ctx: SampleContext): Negatives => {
        seen.push(Object.keys(ctx.data));
        return { kind: 'items', items: drawCandidates(ctx.data.train, ctx.users, 1, ctx.rng), k: 1 };
      },
    }),
  });
  try {
    await train({ sampler: { name: 'probe' }, epochs: 1 }, ds);
  } finally {
    samplers.unregister(entry.name);
  }
  assert.ok(seen.length > 1);
  for (const keys of seen) {
    for (const k of ['valid', 'test', 'falseNegatives', 'testNegatives']) assert.ok(!keys.includes(k), `${k} reachable: ${keys}`);
    assert.ok(keys.includes('train'));
  }
});

test('a toy shared-negative sampler and a toy encoder term, added through the registries alone, train end to end', async () => {
  const ds = small();
  const s = samplers.register({
    name: 'toy-shared', describe: 'N uniform items shared by the batch', options: { n: { type: 'integer', default: 4, min: 1, doc: 'N' } },
    create: (o) => {
      const n = (o.n as number | undefined) ?? 4;
      return {
        name: 'toy-shared',
        sample: (ctx) => {
          const items = new Int32Array(n);
          for (let j = 0; j < n; j++) items[j] = ctx.rng.int(ctx.data.numItems);
          return { kind: 'shared', items, k: n, maskHits: true };
        },
      };
    },
  });
  let epochHooks = 0;
  const e = encoders.register({
    name: 'mf-toyterm', describe: 'MF with a toy extra term', graph: false,
    options: { ...mfEntry.options, weight: { type: 'number', default: 0.1, doc: 'term weight' } },
    create: (d, o, rng) => {
      const { weight = 0.1, ...mo } = o as { weight?: number };
      const base = new MfEncoder('mf', d, mo, rng);
      const enc: Encoder = Object.assign(Object.create(base) as Encoder, {
        name: 'mf-toyterm',
        onEpochStart: (_e: number, streams: { get(n: string): Rng }) => {
          epochHooks++;
          streams.get('toy-term').nextU32();
        },
        forward(ctx: Parameters<Encoder['forward']>[0]): EncoderPass {
          const pass = base.forward(ctx);
          return Object.assign(Object.create(pass) as EncoderPass, {
            info: pass.info,
            terms: (batch: { users: Int32Array }) => [{ name: 'toy', value: sumSquares(gatherRows(base.parameters()[0], batch.users)), weight }],
          });
        },
      });
      return enc;
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-contracts-'));
  try {
    const r = await train({ encoder: { name: 'mf-toyterm', dim: 8, weight: 0.05 }, sampler: { name: 'toy-shared', n: 6 }, epochs: 2, evalEvery: 1 }, ds,
      { runDir: join(dir, 'run') });
    assert.ok(Number.isFinite(r.test['recall@20']));
    assert.equal(epochHooks, 2);
    for (const ep of r.epochs) {
      assert.ok(ep.terms && ep.terms.toy > 0 && ep.terms.loss > 0, JSON.stringify(ep.terms));
      assert.ok(Math.abs(ep.terms.loss + ep.terms.toy + (ep.terms.l2 ?? 0) - ep.loss) < 1e-4 * ep.loss);
    }
    const lines = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.filter((l) => l.type === 'epoch').every((l) => typeof l.terms.toy === 'number'));
    // Unknown options of registered components fail before any data is read, naming the key.
    // @ts-expect-error -- the misspelt option fails the build too
    await assert.rejects(train({ encoder: { name: 'mf-toyterm', wieght: 1 }, sampler: { name: 'toy-shared' } }, ds),
      /encoder 'mf-toyterm': unknown option 'wieght' \(did you mean 'weight'\?\)/);
    // @ts-expect-error -- 'toy-shared' declares no option m
    await assert.rejects(train({ sampler: { name: 'toy-shared', m: 1 } }, ds), /toy-shared: unknown option m/);
  } finally {
    samplers.unregister(s.name);
    encoders.unregister(e.name);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('named streams: created on first use from (seed, name), restored by name', () => {
  const a = new RunStreams(9);
  a.get('batch').nextU32();
  a.get('toy').nextU32();
  a.get('toy').nextU32();
  const st = a.states();
  assert.deepEqual(Object.keys(st).sort(), ['batch', 'toy']);
  assert.equal(new RunStreams(9).get('x').nextU32(), Rng.stream(9, 'x').nextU32());
  const b = new RunStreams(9);
  b.restore(st);
  assert.equal(b.get('toy').nextU32(), a.get('toy').nextU32());
  assert.equal(b.get('batch').nextU32(), a.get('batch').nextU32());
});

test('an encoder\'s state and its own named stream are checkpointed by name and resume bit for bit', async () => {
  const ds = small();
  // An encoder whose pass adds noise from its own stream and keeps a step counter as state.
  const e = encoders.register({
    name: 'mf-stateful', describe: 'MF with state', graph: false, options: mfEntry.options,
    create: (d, o, rng) => {
      const base = new MfEncoder('mf', d, o, rng);
      let steps = 0;
      let noise = 0;
      return Object.assign(Object.create(base) as Encoder, {
        name: 'mf-stateful',
        onEpochStart: (_e: number, streams: { get(n: string): Rng }) => void (noise = streams.get('mf-noise').double()),
        getState: () => ({ steps, noise }),
        setState: (s: Record<string, number>) => {
          steps = s.steps;
          noise = s.noise;
        },
        forward(ctx: Parameters<Encoder['forward']>[0]): EncoderPass {
          steps++;
          const pass = base.forward(ctx);
          return Object.assign(Object.create(pass) as EncoderPass, {
            info: pass.info,
            terms: (batch: { users: Int32Array }) => [{ name: 'noise', value: sumSquares(gatherRows(base.parameters()[0], batch.users)), weight: 1e-4 * (noise + steps) }],
          });
        },
      });
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-encstate-'));
  try {
    const cfg: TrainConfig = { encoder: { name: 'mf-stateful', dim: 8 }, sampler: { name: 'dns', m: 4 }, epochs: 4, evalEvery: 1, patience: 0 };
    const whole = await train(cfg, ds, { runDir: join(dir, 'whole') });
    const ctl = new AbortController();
    let evals = 0;
    await train(cfg, ds, { runDir: join(dir, 'cut'), onEvent: (ev) => { if (ev.type === 'epoch' && ++evals === 3) ctl.abort(); }, signal: ctl.signal });
    assert.ok(existsSync(join(dir, 'cut', 'checkpoint.safetensors')));
    const resumed = await train(cfg, ds, { runDir: join(dir, 'cut'), resume: true });
    assert.deepEqual(resumed.test, whole.test);
    assert.deepEqual(resumed.epochs.map((x) => [x.loss, x.terms]), whole.epochs.map((x) => [x.loss, x.terms]));
  } finally {
    encoders.unregister(e.name);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint written by one kernel backend is not resumed by another (the last bits would differ)', async () => {
  const ds = small();
  const dir = mkdtempSync(join(tmpdir(), 'hardneg-kernels-'));
  const before = backendInfo().name as 'js' | 'wasm';
  try {
    const cfg: TrainConfig = { sampler: { name: 'uniform' }, epochs: 4, evalEvery: 1, patience: 0 };
    const ctl = new AbortController();
    let n = 0;
    await train(cfg, ds, { runDir: dir, signal: ctl.signal, onEvent: (ev) => { if (ev.type === 'epoch' && ++n === 3) ctl.abort(); } });
    assert.ok(existsSync(join(dir, 'checkpoint.safetensors')));
    setBackend(before === 'js' ? 'wasm' : 'js');
    await assert.rejects(train(cfg, ds, { runDir: dir, resume: true }), /checkpoint .* was written by the \w+ backend/);
    setBackend(before);
    const r = await train(cfg, ds, { runDir: dir, resume: true });
    assert.equal(r.epochsRun, 4);
  } finally {
    setBackend(before);
    rmSync(dir, { recursive: true, force: true });
  }
});
