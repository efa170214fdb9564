// Regression tests (robustness issue, item 2): one validation pass before anything is written; own-property checks
// (no prototype keys); unknown dataset and loader keys refused with suggestions; value ranges checked before data
// loads; exit 2 for every usage or config error; YAML parse time linear in the number of keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfigText, setPath } from '../../src/experiments/config.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { loadDataset } from '../../src/data/index.js';
import { cli, hasStackTrace } from '../helpers/child.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-config-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, (e as Error).stack);
    return e.problems;
  }
  assert.fail('expected a ConfigError');
}

test('--set __proto__.evalProtocol=… is refused (it changed the protocol through the prototype, unrecorded)', () => {
  const out = join(root, 'proto');
  const r = cli(['train', '--epochs', '1', '--set', '__proto__.evalProtocol=sampled', '--out', out]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /__proto__\.evalProtocol: '__proto__' is not allowed as a config key/);
  assert.ok(!existsSync(out), 'nothing written');
  assert.throws(() => setPath({}, '__proto__.evalProtocol', 'sampled'), ConfigError);
  assert.equal(({} as Record<string, unknown>).evalProtocol, undefined, 'Object.prototype untouched');
  // The same key from a JSON or YAML file (JSON.parse makes it an own key; merging used to assign the prototype).
  assert.match(problems(() => resolveConfig(undefined, parseConfigText('{"__proto__": {"evalProtocol": "sampled"}}', 'c.json')))[0],
    /__proto__: '__proto__' is not allowed/);
  assert.match(problems(() => resolveConfig(undefined, JSON.parse('{"__proto__": {"evalProtocol": "sampled"}}')))[0], /__proto__/);
  assert.match(problems(() => parseConfigText('__proto__:\n  evalProtocol: sampled\n', 'c.yaml'))[0], /__proto__/);
});

test('constructor / prototype keys do not pass the unknown-key check, at any depth', () => {
  assert.match(problems(() => resolveConfig(undefined, JSON.parse('{"constructor": 1}')))[0], /^constructor: 'constructor' is not allowed/);
  assert.match(problems(() => resolveConfig(undefined, { optimizer: JSON.parse('{"constructor": {"x": 1}}') }))[0], /optimizer\.constructor/);
  assert.match(problems(() => resolveConfig(undefined, { sampler: { name: 'dns', prototype: 2 } }))[0], /sampler\.prototype/);
  assert.match(problems(() => resolveConfig(undefined, { dataset: { name: 'synthetic', synthetic: JSON.parse('{"constructor": 1}') } }))[0], /dataset\.synthetic\.constructor/);
  for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
    const r = cli(['train', '--set', `${key}=1`, '--no-save']);
    assert.equal(r.code, 2, `${key}: ${r.err}`);
    assert.match(r.err, new RegExp(`${key}`));
  }
});

test('unknown dataset keys and loader options are refused with a suggestion (spilt: loo trained on the default split)', () => {
  assert.deepEqual(problems(() => resolveConfig(undefined, { dataset: { name: 'synthetic', spilt: 'loo:latest' } })),
    [`dataset.spilt: unknown key (did you mean 'split'?)`]);
  assert.match(problems(() => resolveConfig(undefined, { dataset: { format: 'lightgcn', path: 'x', options: { trian: 'a.txt' } } }))[0],
    /^dataset\.options\.trian: unknown key \(did you mean 'train'\?\)/);
  assert.match(problems(() => resolveConfig(undefined, { dataset: { format: 'movielens', path: 'x', options: { sep: '::' } } }))[0],
    /dataset\.options\.sep: unknown key \(this object takes no keys\)/);
  assert.match(problems(() => resolveConfig(undefined, { dataset: { name: 'synthetic', split: 'lol:1' } }))[0], /^dataset\.split: /);
  assert.match(problems(() => resolveConfig(undefined, { dataset: { name: 'nosuch' } }))[0], /dataset\.name: unknown dataset 'nosuch'/);
  // The library's loadDataset checks the same schema.
  assert.match(problems(() => loadDataset({ name: 'synthetic', spilt: 'loo' } as never))[0], /dataset\.spilt: unknown key/);
  const out = join(root, 'spilt');
  const r = cli(['train', '--set', 'dataset.spilt=loo', '--out', out]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /dataset\.spilt: unknown key \(did you mean 'split'\?\)/);
  assert.ok(!existsSync(out));
});

test('value ranges are checked before data loads or a folder exists: exit 2 naming the key, never "Invalid typed array length"', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--set', 'dataset.synthetic.users=1e12'], /dataset\.synthetic\.users: expected an integer in \[1, 10000000\]/],
    [['--set', 'dataset.synthetic.items=-5'], /dataset\.synthetic\.items/],
    [['--set', 'dataset.synthetic.interactionsPerUser=1e9'], /dataset\.synthetic\.interactionsPerUser/],
    [['--dim', '1e9'], /encoder\.dim: expected an integer in \[1, 4096\]/],
    [['--batch-size', '1e10'], /batchSize/],
    [['--ks', '1000000000'], /ks: /],
    [['--set', 'evalNegatives=1e12'], /evalNegatives/],
    [['--layers', '100', '--encoder', 'lightgcn'], /encoder\.layers/],
    [['--set', 'dataset.kcore=0'], /dataset\.kcore/],
  ];
  for (const [argv, re] of cases) {
    const out = join(root, `range-${argv.join('_').replace(/[^a-z0-9]/gi, '')}`);
    const r = cli(['train', ...argv, '--out', out]);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.doesNotMatch(r.err, /Invalid typed array length/);
    assert.ok(!hasStackTrace(r.err), r.err);
    assert.ok(!existsSync(out), `${argv.join(' ')}: no run folder`);
  }
});

test('exit 2 for config and usage errors across commands', () => {
  const bad = join(root, 'bad.yaml');
  writeFileSync(bad, 'epochs: [1\n');
  for (const argv of [
    ['train', '--config', bad, '--no-save'],
    ['sweep', '--grid', 'encoder.dim=0,8', '--epochs', '1', '--out', join(root, 'sw')],
    ['sweep', '--grid', 'dataset.spilt=a,b', '--out', join(root, 'sw2')],
    ['data', 'stats', 'synthetic', '--split', 'nope'],
    ['eval'],
    ['recommend', join(root, 'nothing-here')],
    ['train', '--dataset', join(root, 'no-such-path'), '--no-save'],
  ]) {
    const r = cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.ok(!hasStackTrace(r.err), r.err);
  }
});

test('YAML parse time is linear in the number of keys; duplicate keys are still refused', () => {
  const n = 30_000;
  let text = 'epochs: 3\n';
  for (let i = 0; i < n; i++) text += `k${i}: ${i}\n`;
  const t = performance.now();
  const v = parseConfigText(text, 'big.yaml');
  const ms = performance.now() - t;
  assert.equal(Object.keys(v).length, n + 1);
  assert.ok(ms < 3000, `${n} keys parsed in ${ms.toFixed(0)} ms`);
  assert.match(problems(() => parseConfigText('epochs: 1\nseed: 2\nepochs: 3\n', 'd.yaml'))[0], /epochs: key given twice/);
  assert.match(problems(() => parseConfigText('sampler:\n  name: dns\n  m: 1\n  m: 2\n', 'd.yaml'))[0], /sampler\.m: key given twice/);
  // An alias bomb is refused, not expanded.
  const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n';
  assert.throws(() => parseConfigText(bomb, 'bomb.yaml'), ConfigError);
});
