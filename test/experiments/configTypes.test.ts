// The typed library config: generated from the registries' option schemas (stale file → failure), and rejected by
// the compiler when it names an unknown option. Two kinds of check: `@ts-expect-error` lines below (the build of
// this file fails if any of them stops being an error), and a spawned `tsc` on a fixture that imports 'hardneg' as
// a package user does, asserting the error code and the option it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { configTypesSource } from '../../src/experiments/configTypesSource.js';
import type { EncoderConfigs, LossConfigs, SamplerConfigs, TrainConfig } from '../../src/experiments/configTypes.js';
import { encoders } from '../../src/encoders/index.js';
import { losses } from '../../src/losses/index.js';
import { samplers } from '../../src/samplers/index.js';
import { presets } from '../../src/experiments/presets.js';

test('configTypes.generated.ts is what the registries generate now (run `npm run gen:config-types` when this fails)', () => {
  const file = readFileSync(join(repoRoot, 'src', 'experiments', 'configTypes.generated.ts'), 'utf8');
  assert.equal(file, configTypesSource());
});

test('the generated types name every registered method and option, and only those', () => {
  const text = configTypesSource();
  const section = (iface: string): string => {
    const start = text.indexOf(`export interface ${iface} {`);
    assert.ok(start >= 0, iface);
    return text.slice(start, text.indexOf('\n}\n', start));
  };
  for (const [iface, list] of [['EncoderConfigs', encoders.list()], ['SamplerConfigs', samplers.list()], ['LossConfigs', losses.list()]] as const) {
    const body = section(iface);
    for (const e of list) {
      const q = /^[A-Za-z_$][\w$]*$/.test(e.name) ? e.name : JSON.stringify(e.name);
      const at = body.indexOf(`\n  ${q}: {`);
      assert.ok(at >= 0, `${iface}.${e.name}`);
      const empty = body.startsWith(`\n  ${q}: {};`, at);
      const block = empty ? '' : body.slice(at, body.indexOf('\n  }', at) + 1);
      const keys = [...block.matchAll(/\n {4}([\w$]+)\??: /g)].map((m) => m[1]);
      assert.deepEqual(keys.sort(), Object.keys(e.options).sort(), `${iface}.${e.name}`);
      for (const a of e.aliases ?? []) assert.ok(body.includes(`${iface}[${JSON.stringify(e.name)}]`), `${e.name} alias ${a}`);
    }
  }
  assert.match(text, new RegExp(`export type PresetName = ${presets.names().map((n) => `"${n}"`).join(' \\| ')};`));
});

// ---- compile-time checks: each @ts-expect-error must be an error, or this file does not build (npm test builds it)
const ok: TrainConfig = {
  preset: 'dins-lightgcn', epochs: 3, encoder: { name: 'lightgcn', dim: 16, layers: 2, includeEgoLayer: false },
  sampler: { name: 'dins', m: 8, beta: 2, variant: 'B' }, loss: { name: 'softBpr', beta: 0.5 },
};
const keepPreset: TrainConfig = { sampler: { m: 16 }, encoder: { dim: 8 } }; // no name: the preset's method
// @ts-expect-error -- unknown sampler option (a typo of m)
const typo: TrainConfig = { sampler: { name: 'dns', mm: 64 } };
// @ts-expect-error -- an option of another sampler (beta belongs to dins/pdns)
const foreign: TrainConfig = { sampler: { name: 'dns', beta: 2 } };
// @ts-expect-error -- wrong value type
const wrongType: TrainConfig = { sampler: { name: 'dns', m: '64' } };
// @ts-expect-error -- an enum value that does not exist
const badEnum: TrainConfig = { sampler: { name: 'dins', variant: 'D' } };
// @ts-expect-error -- unknown preset
const badPreset: TrainConfig = { preset: 'quickstrat' };
// @ts-expect-error -- softBpr's beta has no default: required
const missing: TrainConfig = { loss: { name: 'softBpr' } };
// @ts-expect-error -- unknown encoder option
const encTypo: TrainConfig = { encoder: { name: 'mf', dimm: 8 } };
// @ts-expect-error -- unknown option in a block that keeps the preset's sampler
const anyTypo: TrainConfig = { sampler: { mm: 8 } };
// Type-level: the option keys of a method are exactly its schema's (a drift fails the build of this line).
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const dnsKeys: Exact<keyof SamplerConfigs['dns'], 'm' | 'k' | 'kMode'> = true;
const aliasSame: Exact<LossConfigs['soft-bpr'], LossConfigs['softBpr']> = true;
const mfKeys: Exact<keyof EncoderConfigs['mf'], 'dim' | 'init' | 'initStd' | 'layers'> = true;
void [ok, keepPreset, typo, foreign, wrongType, badEnum, badPreset, missing, encTypo, anyTypo, dnsKeys, aliasSame, mfKeys];

test('tsc rejects a library config with an unknown sampler option (TS2769, naming the option), and accepts a correct one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-typed-'));
  try {
    // A package user's project: `import ... from 'hardneg'` resolves to this checkout's built declarations.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repoRoot, join(dir, 'node_modules', 'hardneg'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(dir, 'good.ts'), [
      "import { train, syntheticDataset, type TrainConfig } from 'hardneg';",
      "declare module 'hardneg' { interface SamplerConfigs { mine: { depth?: number } } }",
      "const c: TrainConfig = { encoder: { name: 'lightgcn', dim: 32, layers: 2 }, sampler: { name: 'dins', m: 16, beta: 2 } };",
      "const custom: TrainConfig = { sampler: { name: 'mine', depth: 3 } };",
      'export const run = () => [train(c, syntheticDataset({ users: 10, items: 10 })), custom];',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'bad.ts'), [
      "import { train, syntheticDataset } from 'hardneg';",
      "export const run = () => train({ sampler: { name: 'dns', mm: 64 } }, syntheticDataset({ users: 10, items: 10 }));",
      '',
    ].join('\n'));
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '--strict', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--types', 'node',
      '--typeRoots', join(repoRoot, 'node_modules', '@types'), 'good.ts', 'bad.ts'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 2, `tsc should fail with errors:\n${out}`);
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    assert.equal(errors.length, 1, out);
    assert.match(errors[0], /^bad\.ts\(2,\d+\): error TS2769/, out); // no overload matches …
    assert.match(out, /Object literal may only specify known properties, and 'mm' does not exist/, out);
    assert.match(out, /'mm' does not exist in type '\{ name: "dns"; \} & \{ m\?: number/, out);
    assert.doesNotMatch(out, /good\.ts/, 'the correct config (and the merged custom sampler) compiles');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
