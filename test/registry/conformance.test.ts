// The registries are the one list of what hardneg offers: every registered sampler trains one epoch on every
// compatible registered encoder through train(); every schema agrees with its component (a default stated in the
// schema builds the same component as no option at all; a key outside it is refused); --help and the library's
// exports list every entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { syntheticDataset } from '../../src/data/synthetic.js';
import { encoders } from '../../src/encoders/index.js';
import { Tensor, tidy } from '../../src/engine/tensor.js';
import { checkCompatibility } from '../../src/experiments/assemble.js';
import { presets } from '../../src/experiments/presets.js';
import { train } from '../../src/experiments/run.js';
import { losses, buildLoss } from '../../src/losses/index.js';
import { samplers, createSampler } from '../../src/samplers/index.js';
import { configFlagsHelp } from '../../src/cli/common.js';
import { listMethods } from '../../src/cli/methods.js';
import * as lib from '../../src/index.js';
import type { TrainConfig } from '../../src/experiments/configTypes.js';

const ds = syntheticDataset({ users: 50, items: 70, interactionsPerUser: 8, exposure: 2, seed: 5 });

test('every registered sampler trains one epoch on every compatible registered encoder', async () => {
  const trained: string[] = [];
  const skipped: string[] = [];
  for (const s of samplers.names()) {
    for (const e of encoders.names()) {
      const enc = encoders.get(e).create(ds, { dim: 8, ...(encoders.get(e).graph ? { layers: 2 } : {}) }, Rng.stream(1, 'init'));
      const smp = createSampler(s, s === 'gdns' ? { m: 16 } : {});
      try {
        checkCompatibility(smp, enc, ds);
      } catch (err) {
        skipped.push(`${s}×${e}: ${(err as Error).message}`);
        continue;
      }
      const groups = smp.needs?.groups === true;
      const r = await train({
        encoder: { name: e, dim: 8, layers: encoders.get(e).graph ? 2 : 0 },
        sampler: { name: s, ...(s === 'gdns' ? { m: 16 } : {}) },
        epochs: 1, evalEvery: 1, batchSize: groups ? 16 : 128, ...(groups ? { batching: 'groups', groupSize: 4 } : {}),
      } as TrainConfig, ds); // names read from the registries: checked at run time
      assert.equal(r.epochsRun, 1, `${s}×${e}`);
      assert.ok(Number.isFinite(r.epochs[0].loss), `${s}×${e}: loss ${r.epochs[0].loss}`);
      assert.ok(Object.values(r.test).every(Number.isFinite), `${s}×${e}: ${JSON.stringify(r.test)}`);
      trained.push(`${s}×${e}`);
    }
  }
  // Every sampler runs somewhere; the graph-only ones need lightgcn or ngcf.
  for (const s of samplers.names()) assert.ok(trained.some((t) => t.startsWith(`${s}×`)), `${s} never trained; skipped: ${skipped.join('; ')}`);
  assert.ok(trained.length >= 25, `${trained.length} combinations trained`);
});

test('sampler schemas agree with the samplers: stated defaults change nothing, other keys are refused', () => {
  for (const e of samplers.list()) {
    const plain = JSON.stringify(e.create({}));
    let checked = 0;
    for (const [k, spec] of Object.entries(e.options)) {
      if (spec.default === undefined) continue;
      let built;
      try {
        built = e.create({ [k]: spec.default });
      } catch (err) {
        // Only a cross-option rule may refuse a stated default (e.g. PDNS's alpha belongs to mode 'mix').
        assert.match((err as Error).message, /applies to|means/, `${e.name}.${k}`);
        continue;
      }
      assert.equal(JSON.stringify(built), plain, `${e.name}: option ${k} = ${JSON.stringify(spec.default)} is not the default`);
      checked++;
    }
    assert.ok(checked > 0 || Object.keys(e.options).length === 0 || e.name === 'gdns', `${e.name}: no default checked`);
    assert.throws(() => createSampler(e.name, { notAnOption: 1 }), /unknown option notAnOption/);
    assert.throws(() => createSampler(e.name, JSON.parse('{"__proto__": {"k": 2}}')), /unknown option __proto__/);
  }
});

test('encoder schemas agree with the encoders: stated defaults build the same parameters', () => {
  for (const e of encoders.list()) {
    const base = { dim: 4 };
    const params = (o: Record<string, unknown>) => e.create(ds, { ...base, ...o }, Rng.stream(3, 'init')).parameters().map((p) => Array.from(p.data));
    const plain = params({});
    for (const [k, spec] of Object.entries(e.options)) {
      if (spec.default === undefined || k === 'dim' || (k === 'initStd')) continue;
      assert.deepEqual(params({ [k]: spec.default }), plain, `${e.name}: option ${k}`);
    }
    assert.throws(() => e.create(ds, { ...base, notAnOption: 1 }, Rng.stream(3, 'init')), /unknown option 'notAnOption'/);
  }
});

test('loss schemas agree with the losses: stated defaults give the same values', () => {
  const pos = Float32Array.of(0.3, -0.2, 1.1), neg = Float32Array.of(0.1, 0.5, -0.4);
  for (const e of losses.list()) {
    const required = Object.entries(e.options).filter(([, s]) => s.default === undefined).map(([k]) => [k, 0.5]);
    const spec = { name: e.name, ...Object.fromEntries(required) };
    // Losses that read the pooled rows (cosine InfoNCE) or every item (ENMF) are checked against their definition in
    // their own tests.
    const needs = buildLoss(spec).needs;
    if (needs?.rows || needs?.wholeData) continue;
    const value = (s: Record<string, unknown>) => tidy(() => buildLoss(s as { name: string }).compute({
      pos: Tensor.from(pos, [3]), neg: Tensor.from(neg, [3]), shared: false, batch: { users: new Int32Array(3), pos: new Int32Array(3) },
    }).item());
    const plain = value(spec);
    for (const [k, o] of Object.entries(e.options)) if (o.default !== undefined) assert.equal(value({ ...spec, [k]: o.default }), plain, `${e.name}.${k}`);
  }
});

test('--help, --list-methods and the library exports list every registered entry', () => {
  const help = configFlagsHelp();
  const methods = listMethods();
  for (const reg of [encoders, samplers, losses, presets]) {
    for (const n of reg.names()) {
      assert.ok(help.includes(n), `--help lacks ${reg.kind} ${n}`);
      assert.ok(methods.includes(`  ${n}`), `--list-methods lacks ${reg.kind} ${n}`);
    }
  }
  assert.equal(lib.samplers, samplers);
  assert.equal(lib.encoders, encoders);
  assert.equal(lib.losses, losses);
  assert.equal(lib.presets, presets);
  // Each built-in sampler class is exported (the hand-kept list once omitted GDNS).
  for (const n of samplers.names()) {
    const cls = Object.entries(lib).find(([k]) => k.toLowerCase() === `${n}sampler` || (n === 'mixgcf' && k === 'MixGcfSampler'));
    assert.ok(cls, `no ${n} sampler class exported`);
  }
});
