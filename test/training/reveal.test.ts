// PDNS §4.2 simulation: revealed false negatives are never drawn as negatives by any sampler, the schedule steps
// as configured (given epochs, or every E epochs after the validation peak), the run records it per epoch, and a
// resume across a reveal step is bit-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { hasInteraction } from '../../src/data/csr.js';
import { splitLog } from '../../src/data/split.js';
import { syntheticLog } from '../../src/data/synthetic.js';
import type { CsrMatrix, Dataset } from '../../src/data/types.js';
import { trainView } from '../../src/data/view.js';
import { encoders } from '../../src/encoders/index.js';
import { setBackend, wasmAvailable } from '../../src/engine/kernels/index.js';
import { checkCompatibility } from '../../src/experiments/assemble.js';
import { ConfigError } from '../../src/experiments/config.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';
import { createSampler, drawCandidates, samplers } from '../../src/samplers/index.js';
import type { Negatives, Sampler } from '../../src/samplers/types.js';
import { CHECKPOINT_FILE } from '../../src/training/checkpoint.js';
import { FalseNegativeReveal } from '../../src/training/reveal.js';
import { cli } from '../helpers/child.js';

/** Synthetic data split train : test : false negatives = 4 : 1 : 4, so an unmasked sampler hits the FN set often. */
const fnData = (): Dataset => splitLog(syntheticLog({ users: 40, items: 60, interactionsPerUser: 14, exposure: 2, seed: 7 }), { kind: 'fn', ratios: [4, 1, 4] }, 3);

const rowOf = (m: CsrMatrix, u: number): number[] => Array.from(m.indices.subarray(m.indptr[u], m.indptr[u + 1]));

test('reveal schedule at given epochs: nested per-user prefixes of a seeded order, 20% steps up to c', () => {
  const d = fnData();
  const fn = d.falseNegatives!;
  const r = new FalseNegativeReveal(fn, { fraction: 0.5, at: [3, 5, 9] }, 11);
  assert.equal(r.steps, 3); // 0.2, 0.4, 0.5
  assert.equal(r.beforeEpoch(1), false);
  assert.equal(r.revealed(), null);
  assert.equal(r.record().count, 0);
  assert.equal(r.beforeEpoch(3), true);
  const s1 = r.revealed()!;
  assert.equal(r.beforeEpoch(4), false);
  assert.equal(r.beforeEpoch(5), true);
  const s2 = r.revealed()!;
  r.beforeEpoch(9);
  const s3 = r.revealed()!;
  assert.equal(r.beforeEpoch(50), false);
  for (let u = 0; u < fn.rows; u++) {
    const n = fn.indptr[u + 1] - fn.indptr[u];
    const [a, b, c] = [rowOf(s1, u), rowOf(s2, u), rowOf(s3, u)];
    assert.equal(a.length, Math.round(0.2 * n));
    assert.equal(b.length, Math.round(0.4 * n));
    assert.equal(c.length, Math.round(0.5 * n));
    for (const x of a) assert.ok(b.includes(x), `user ${u}: step 2 keeps step 1's items`);
    for (const x of b) assert.ok(c.includes(x));
    for (const x of c) assert.ok(hasInteraction(fn, u, x), 'only false negatives are revealed');
    assert.deepEqual(c, [...c].sort((x, y) => x - y), 'rows sorted');
  }
  const rec = r.record();
  assert.equal(rec.steps, 3);
  assert.equal(rec.fraction, 0.5);
  assert.equal(rec.count, s3.indices.length);
  assert.equal(rec.total, fn.indices.length);
  // Same seed → same items; another seed → other items.
  const same = new FalseNegativeReveal(fn, { fraction: 0.5, at: [1, 2, 3] }, 11);
  same.beforeEpoch(3);
  assert.deepEqual(same.revealed()!.indices, s3.indices);
  const other = new FalseNegativeReveal(fn, { fraction: 0.5, at: [1, 2, 3] }, 12);
  other.beforeEpoch(3);
  assert.notDeepEqual(other.revealed()!.indices, s3.indices);
  // c = 1 reveals everything in 5 steps.
  const all = new FalseNegativeReveal(fn, { fraction: 1, at: [1, 2, 3, 4, 5] }, 1);
  all.beforeEpoch(5);
  assert.deepEqual(all.revealed()!.indices, fn.indices);
});

test('reveal schedule after the validation peak: first step E epochs past the best, then every E epochs', () => {
  const fn = fnData().falseNegatives!;
  const r = new FalseNegativeReveal(fn, { fraction: 0.4, every: 4 }, 1);
  r.afterEvaluation(2, 2);
  r.afterEvaluation(4, 4);
  r.afterEvaluation(6, 4); // only 2 epochs past the best
  assert.equal(r.beforeEpoch(7), false);
  r.afterEvaluation(8, 4); // 4 past the best: the first step starts at epoch 9
  assert.equal(r.record().firstStepEpoch, 9);
  r.afterEvaluation(10, 10); // a later best does not move the schedule
  assert.equal(r.beforeEpoch(9), true);
  assert.equal(r.record().steps, 1);
  assert.equal(r.beforeEpoch(12), false);
  assert.equal(r.beforeEpoch(13), true);
  assert.equal(r.record().steps, 2);
  assert.equal(r.beforeEpoch(40), false, 'c = 0.4 stops after two steps');
  // State round trip.
  const s = new FalseNegativeReveal(fn, { fraction: 0.4, every: 4 }, 1);
  s.setState(r.getState());
  assert.deepEqual(s.revealed()!.indices, r.revealed()!.indices);
  assert.deepEqual(s.record(), r.record());
});

test('reveal config: bad schedules are config errors naming the key; a dataset without a FN set is refused', async () => {
  assert.throws(() => resolveConfig(undefined, { revealFalseNegatives: { fraction: 0.4 } }), /revealFalseNegatives: give exactly one of 'at'/);
  assert.throws(() => resolveConfig(undefined, { revealFalseNegatives: { fraction: 0.4, at: [2], every: 3 } }), ConfigError);
  assert.throws(() => resolveConfig(undefined, { revealFalseNegatives: { fraction: 0.6, at: [2, 4] } }), /revealFalseNegatives\.at: 3 step\(s\)/);
  assert.throws(() => resolveConfig(undefined, { revealFalseNegatives: { fraction: 1.5, every: 3 } }), /revealFalseNegatives\.fraction/);
  assert.throws(() => resolveConfig(undefined, { revealFalseNegatives: { fraction: 0.2, at: [4, 2] } }), /epochs must increase/);
  await assert.rejects(train({ epochs: 1, revealFalseNegatives: { fraction: 0.2, every: 5 } }, splitLog(syntheticLog({ users: 20, items: 30, seed: 1 }), { kind: 'ratio', ratios: [8, 1, 1] })),
    /no false-negative set to reveal/);
});

test('drawCandidates never returns a revealed false negative (JS and WASM draws)', () => {
  const d = fnData();
  const r = new FalseNegativeReveal(d.falseNegatives!, { fraction: 1, at: [1, 2, 3, 4, 5] }, 2);
  r.beforeEpoch(5);
  const view = trainView(d, r.revealed());
  const users = new Int32Array(d.numUsers * 20).map((_, i) => i % d.numUsers);
  for (const backend of wasmAvailable() ? ['js', 'wasm'] as const : ['js'] as const) {
    setBackend(backend);
    const out = drawCandidates(view.excluded!, users, 16, Rng.stream(1, 'sampler'));
    const plain = drawCandidates(view.train, users, 16, Rng.stream(1, 'sampler'));
    let hitsPlain = 0;
    for (let k = 0; k < out.length; k++) {
      const u = users[Math.floor(k / 16)];
      assert.ok(!hasInteraction(d.train, u, out[k]) && !hasInteraction(d.falseNegatives!, u, out[k]), `${backend}: user ${u} drew ${out[k]}`);
      if (hasInteraction(d.falseNegatives!, u, plain[k])) hitsPlain++;
    }
    assert.ok(hitsPlain > 100, `${backend}: without the reveal the FN set is drawn (${hitsPlain} times)`);
  }
  setBackend(wasmAvailable() ? 'wasm' : 'js');
  // The view keeps held-out data out of reach and train intact.
  assert.equal(view.train, d.train);
  for (const k of ['valid', 'test', 'falseNegatives', 'testNegatives']) assert.ok(!(k in view), k);
});

/** Every real item a sampler returned for row user b (items, shared, synthetic hard items and sources). */
function negativeItems(neg: Negatives, users: Int32Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const B = users.length;
  if (neg.kind === 'shared') {
    for (let b = 0; b < B; b++) for (const j of neg.items) out.push([users[b], j]);
    return out;
  }
  const lists = neg.kind === 'items' ? [neg.items] : [neg.hardItems, ...(neg.sources ?? [])].filter((x): x is Int32Array => x !== undefined);
  for (const l of lists) for (let r = 0; r < l.length; r++) out.push([users[Math.floor(r / (l.length / B))], l[r]]);
  return out;
}

/** Trains sampler `s` (wrapped to inspect every sample() output) and counts negatives in the FN set. */
async function probeRun(d: Dataset, s: string, reveal: Record<string, unknown> | null): Promise<{ seen: number; hits: number; encoder: string } | null> {
  const entry = samplers.get(s);
  const opts = s === 'gdns' ? { m: 16 } : {};
  const e = ['lightgcn', 'mf', 'gmf'].find((name) => {
    const enc = encoders.get(name).create(d, { dim: 8, ...(encoders.get(name).graph ? { layers: 2 } : {}) }, Rng.stream(1, 'init'));
    try {
      checkCompatibility(createSampler(s, opts), enc, d);
      return true;
    } catch {
      return false;
    }
  });
  if (!e) return null;
  let seen = 0;
  let hits = 0;
  const probe = `probe-${s}`;
  samplers.register({
    ...entry, name: probe, aliases: [],
    create: (o) => {
      const inner = entry.create(o) as Sampler;
      return new Proxy(inner, {
        get(t, k) {
          const v = Reflect.get(t, k, t);
          if (k !== 'sample') return typeof v === 'function' ? v.bind(t) : v;
          return (ctx: Parameters<Sampler['sample']>[0]) => {
            const neg = t.sample(ctx);
            for (const [u, j] of negativeItems(neg, ctx.users)) {
              seen++;
              if (hasInteraction(d.falseNegatives!, u, j)) hits++;
            }
            return neg;
          };
        },
      });
    },
  });
  try {
    const groups = entry.create(opts).needs?.groups === true;
    await train({
      encoder: { name: e, dim: 8, layers: encoders.get(e).graph ? 2 : 0 }, sampler: { name: probe, ...opts },
      epochs: 3, evalEvery: 1, patience: 0, batchSize: groups ? 16 : 64, ks: [10],
      ...(groups ? { batching: 'groups', groupSize: 4 } : {}),
      ...(reveal ? { revealFalseNegatives: reveal } : {}),
    } as TrainConfig, d);
  } catch (err) {
    throw new Error(`${s} on ${e}: ${(err as Error).message}`);
  } finally {
    samplers.unregister(probe);
  }
  return { seen, hits, encoder: e };
}

test('every registered sampler, trained through train() with the whole FN set revealed, never returns a revealed item', async () => {
  const d = fnData();
  const checked: string[] = [];
  for (const s of samplers.names()) {
    const r = await probeRun(d, s, { fraction: 1, step: 1, at: [1] });
    if (!r) continue;
    assert.ok(r.seen > 0, `${s}: no negatives seen`);
    assert.equal(r.hits, 0, `${s} on ${r.encoder}: ${r.hits} of ${r.seen} negatives were revealed false negatives`);
    checked.push(s);
  }
  assert.deepEqual(checked, samplers.names(), 'every sampler checked');
  // The probe can fail: without the reveal the same samplers do draw the FN set.
  for (const s of ['uniform', 'dns', 'srns', 'gdns']) {
    const r = (await probeRun(d, s, null))!;
    assert.ok(r.hits > 0, `${s}: ${r.hits} FN negatives without the reveal`);
  }
});

test('end to end: the run records the schedule per epoch, c = 0 and c > 0 agree until the first step, resume across a step is bit-identical', async () => {
  const d = fnData();
  const root = mkdtempSync(join(tmpdir(), 'hn-reveal-'));
  const base: TrainConfig = { epochs: 8, evalEvery: 2, patience: 0, ks: [10], batchSize: 64, encoder: { dim: 8 }, sampler: { name: 'dns', m: 8 } };
  const lines = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  try {
    const cfg = resolveConfig(undefined, { ...base, revealFalseNegatives: { fraction: 0.4, at: [3, 6] } });
    const whole = await train(cfg, d, { runDir: join(root, 'whole') });
    const epochs = lines(join(root, 'whole')).filter((l) => l.type === 'epoch');
    assert.deepEqual(epochs.map((l) => l.revealed.steps), [0, 0, 1, 1, 1, 2, 2, 2]);
    assert.deepEqual(epochs.map((l) => l.revealed.fraction), [0, 0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4]);
    assert.equal(epochs[7].revealed.total, d.falseNegatives!.indices.length);
    assert.ok(epochs[2].revealed.count > 0 && epochs[5].revealed.count > epochs[2].revealed.count);
    assert.deepEqual(JSON.parse(readFileSync(join(root, 'whole', 'config.json'), 'utf8')).revealFalseNegatives, { fraction: 0.4, at: [3, 6] });

    const none = await train({ ...base, revealFalseNegatives: { fraction: 0, at: [3, 6] } }, d);
    assert.deepEqual(none.epochs.slice(0, 2).map((e) => e.loss), whole.epochs.slice(0, 2).map((e) => e.loss), 'same until the first step');
    assert.notDeepEqual(none.epochs.slice(2).map((e) => e.loss), whole.epochs.slice(2).map((e) => e.loss), 'the reveal changes training');
    assert.ok(none.epochs.every((e) => e.revealed!.count === 0));

    // Killed after epoch 5 (checkpoint after epoch 4, one step in), resumed: step 2 happens in the resumed process.
    const dir = join(root, 'killed');
    await assert.rejects(train(cfg, d, {
      runDir: dir, onEvent: (e) => {
        if (e.type === 'epoch' && e.record.epoch === 5) throw new Error('simulated kill');
      },
    }), /simulated kill/);
    assert.ok(existsSync(join(dir, CHECKPOINT_FILE)));
    const resumed = await train(cfg, d, { runDir: dir, resume: true });
    assert.deepEqual(resumed.resumedFrom, [4]);
    assert.deepEqual(resumed.epochs.map((e) => e.loss), whole.epochs.map((e) => e.loss));
    assert.deepEqual(resumed.evaluations.map((e) => e.metrics), whole.evaluations.map((e) => e.metrics));
    assert.deepEqual(resumed.epochs.map((e) => e.revealed), whole.epochs.map((e) => e.revealed));
    assert.deepEqual(resumed.weights!.params[0].data, whole.weights!.params[0].data);

    // The schedule after the validation peak, resumed across its first step.
    const peak = resolveConfig(undefined, { ...base, epochs: 12, revealFalseNegatives: { fraction: 1, every: 2 } });
    const w2 = await train(peak, d, { runDir: join(root, 'peak') });
    const first = w2.epochs[w2.epochs.length - 1].revealed!.firstStepEpoch;
    const d2 = join(root, 'peak-killed');
    await assert.rejects(train(peak, d, {
      runDir: d2, onEvent: (e) => {
        if (e.type === 'epoch' && e.record.epoch === 11) throw new Error('simulated kill');
      },
    }), /simulated kill/);
    const r2 = await train(peak, d, { runDir: d2, resume: true });
    assert.deepEqual(r2.epochs.map((e) => [e.loss, e.revealed]), w2.epochs.map((e) => [e.loss, e.revealed]));
    assert.ok(first !== null && first <= 10, `the first step comes before the kill (epoch ${first})`);
    // Steps follow every 2 epochs from the first one.
    for (const e of w2.epochs) assert.equal(e.revealed!.steps, e.epoch < first ? 0 : Math.min(5, 1 + Math.floor((e.epoch - first) / 2)));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('CLI: hardneg train on an fn split with --set revealFalseNegatives.* records the schedule; a bad schedule exits 2 naming the key', () => {
  const root = mkdtempSync(join(tmpdir(), 'hn-reveal-cli-'));
  try {
    const ds = ['--set', 'dataset.name=synthetic', '--set', 'dataset.synthetic.users=30', '--set', 'dataset.synthetic.items=50', '--set', 'dataset.split=fn'];
    const ok = cli(['train', ...ds, '--epochs', '4', '--eval-every', '2', '--set', 'sampler.name=dns', '--set', 'revealFalseNegatives.fraction=0.4',
      '--set', 'revealFalseNegatives.at=[2,3]', '--out', join(root, 'run'), '-q']);
    assert.equal(ok.code, 0, ok.err);
    const recs = readFileSync(join(root, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'epoch');
    assert.deepEqual(recs.map((r) => r.revealed.fraction), [0, 0.2, 0.4, 0.4]);
    const bad = cli(['train', ...ds, '--epochs', '1', '--set', 'revealFalseNegatives.fraction=0.4', '-q']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /revealFalseNegatives: give exactly one of 'at'/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
