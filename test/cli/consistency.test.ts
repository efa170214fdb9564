// The CLI is consistent across commands (issue 16 item 5): the same dataset flags on every command that reads a
// dataset, --version, run folders that record the versions they were made with (old ones still read), a preset's
// dataset and expected run time before a run starts, a note when no preset was given, and usage errors that exit 2
// naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presets } from '../../src/experiments/presets.js';
import { hasSharedData, repoRoot, sharedData } from '../helpers/paths.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const VERSION = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd, timeout: 120_000, env: { ...process.env, HARDNEG_THREADS: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--version and `hardneg version` print the package and Node versions; extra arguments are a usage error', () => {
  for (const a of [['--version'], ['version'], ['-V']]) {
    const r = cli(a);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.trim(), `hardneg ${VERSION} (Node ${process.versions.node})`);
  }
  const bad = cli(['version', 'now']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /hardneg version: takes no arguments/);
});

test('every preset states its expected run time, labelled estimated or measured', () => {
  for (const p of presets.list()) {
    assert.ok(p.expected && /estimate|measured/.test(p.expected), `${p.name}: ${p.expected}`);
  }
});

test('train shows the preset, its dataset and expected run time before it starts, and says when no preset was given', () => {
  const none = cli(['train', '--epochs', '1', '--no-save']);
  assert.equal(none.code, 0, none.err);
  assert.match(none.err, /^preset quickstart \(no preset given: the quickstart settings are the defaults; -p NAME picks another\): dataset synthetic, mf \+ uniform, 1 epochs/m);
  assert.match(none.err, /expected run time of the preset as defined: a few seconds \(measured/);
  // The notice comes before the data loads.
  assert.ok(none.err.indexOf('preset quickstart') < none.err.indexOf('dataset synthetic:'), none.err);
  const named = cli(['train', '-p', 'quickstart', '--epochs', '1', '--no-save']);
  assert.match(named.err, /^preset quickstart: dataset synthetic/m);
  assert.doesNotMatch(named.err, /no preset given/);
  assert.equal(cli(['train', '--epochs', '1', '--no-save', '-q']).err, '', '--quiet prints nothing');
});

test('dataset flags: the same -d/--format/--data-dir/--split on train, sweep, eval, recommend and data; data that moved is found again', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-dsflags-'));
  try {
    // A small LightGCN-format dataset on disk (written by `data split` from the synthetic generator).
    const data = join(dir, 'data');
    const w = cli(['data', 'split', '-d', 'synthetic', '--split', 'ratio:8:0:2', '--out', data, '--no-csv']);
    assert.equal(w.code, 0, w.err);
    // train: --format and --split refine a dataset given by path; the resolved spec records them (absolute path).
    const pc = cli(['train', '-d', data, '--format', 'lightgcn', '--split', 'ratio:7:1:2', '--print-config']);
    assert.equal(pc.code, 0, pc.err);
    const ds = JSON.parse(pc.out).dataset;
    assert.deepEqual({ ...ds, path: undefined }, { name: 'data', format: 'lightgcn', path: undefined, split: 'ratio:7:1:2' });
    assert.equal(ds.path, data);
    // --data-dir refines a named dataset (the preset's, when no -d is given); train's own error suggests it.
    const dd = cli(['train', '-p', 'mf-bpr-gowalla', '--data-dir', dir, '--print-config']);
    assert.equal(dd.code, 0, dd.err);
    assert.deepEqual(JSON.parse(dd.out).dataset, { name: 'gowalla', dataDir: dir });
    // data stats takes the same flags.
    const st = cli(['data', 'stats', '-d', data, '--format', 'lightgcn', '--split', 'ratio:8:1:1', '--json']);
    assert.equal(st.code, 0, st.err);
    assert.match(JSON.parse(st.out).split, /8:1:1/);
    // sweep: the flags reach every run of the grid.
    const sw = join(dir, 'sweep');
    const s = cli(['sweep', '-d', data, '--split', 'ratio:8:1:1', '--grid', 'epochs=1', '--out', sw, '-q']);
    assert.equal(s.code, 0, s.err);
    const runDir = join(sw, readFileSync(join(sw, 'sweep.json'), 'utf8').match(/"runDir": "[^"]*\/([^/"]+)"/)![1]);
    assert.equal(JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')).dataset.split, 'ratio:8:1:1');
    // A run trained on the folder, which then moves: eval and recommend find it again with -d (fingerprint checked).
    const run = join(dir, 'run');
    const t = cli(['train', '-d', data, '--epochs', '2', '--out', run, '-q']);
    assert.equal(t.code, 0, t.err);
    const before = cli(['eval', run, '--json']);
    assert.equal(before.code, 0, before.err);
    const moved = join(dir, 'moved');
    renameSync(data, moved);
    assert.notEqual(cli(['eval', run]).code, 0, 'the recorded path is gone');
    const after = cli(['eval', run, '-d', moved, '--format', 'lightgcn', '--json']);
    assert.equal(after.code, 0, after.err);
    assert.deepEqual(JSON.parse(after.out).metrics, JSON.parse(before.out).metrics);
    // recommend serves from the run's own files; a run without them (written before ids.json) needs -d.
    const rec = cli(['recommend', run, '-k', '3']);
    assert.equal(rec.code, 0, rec.err);
    for (const f of ['ids.json', 'exclude.safetensors']) unlinkSync(join(run, f));
    assert.notEqual(cli(['recommend', run, '-k', '3']).code, 0);
    const old = cli(['recommend', run, '-k', '3', '-d', moved]);
    assert.equal(old.code, 0, old.err);
    assert.equal(old.out, rec.out);
    // Usage errors exit 2 and name the flag.
    for (const [args, re] of [
      [['train', '--split', 'bogus', '--print-config'], /^hardneg train: --split: unknown split 'bogus'/],
      [['train', '--data-dir', join(dir, 'none'), '--print-config'], /^hardneg train: --data-dir: '.*none' does not exist/],
      [['train', '-d', moved, '--format', 'parquetx', '--print-config'], /^hardneg train: --format: unknown format 'parquetx'/],
      [['train', '--format', 'csv', '--print-config'], /^hardneg train: --format: gives the format of a dataset path/],
      [['train', '-d', join(dir, 'nowhere'), '--split', 'none', '--print-config'], /^hardneg train: -d\/--dataset: '.*nowhere' is neither a dataset name/],
      [['eval', run, '--format', 'lightgcn'], /^hardneg eval: --format: gives the format of -d PATH/],
      [['eval', run, '--data-dir', join(dir, 'none')], /^hardneg eval: --data-dir: '.*none' does not exist/],
      [['data', 'stats', '-d', moved, '--split', 'bogus'], /^hardneg data stats: --split: unknown split 'bogus'/],
      [['sweep', '--grid', 'epochs=1', '--split', 'bogus'], /^hardneg sweep: --split: unknown split 'bogus'/],
    ] as Array<[string[], RegExp]>) {
      const r = cli(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re, args.join(' '));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('run folders record the hardneg and Node versions; folders written before they did are still read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-versions-'));
  try {
    const run = join(dir, 'run');
    const t = cli(['train', '--epochs', '2', '--out', run, '-q']);
    assert.equal(t.code, 0, t.err);
    const want = { hardneg: VERSION, node: process.versions.node };
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    assert.deepEqual(config.run.versions, want);
    const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'));
    assert.deepEqual(summary.versions, want);
    assert.match(readFileSync(join(run, 'summary.md'), 'utf8'), new RegExp(`- versions: hardneg ${VERSION.replace(/\./g, '\\.')}, Node ${process.versions.node.replace(/\./g, '\\.')}`));
    // An old folder: no versions anywhere. eval, recommend and compare read it as before.
    delete config.run.versions;
    delete summary.versions;
    writeFileSync(join(run, 'config.json'), JSON.stringify(config, null, 2));
    writeFileSync(join(run, 'summary.json'), JSON.stringify(summary, null, 2));
    for (const args of [['eval', run], ['recommend', run, '-k', '2'], ['compare', run, run]]) {
      const r = cli(args);
      assert.equal(r.code, 0, `${args[0]}: ${r.err}`);
    }
    // A config.json given back as a config (its `run` record is dropped) still trains.
    assert.equal(cli(['train', '--config', join(run, 'config.json'), '--epochs', '1', '--no-save', '-q']).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data stats on a dataset folder holding its archive beside the unpacked files (the shared Gowalla folder)', { skip: !hasSharedData('gowalla') && 'no ../shared/data/gowalla' }, () => {
  const r = cli(['data', 'stats', sharedData('gowalla'), '--json']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.ok(existsSync(sharedData('gowalla', 'light_gcn_gowalla.zip')), 'the archive is there too');
  assert.equal(JSON.stringify(s).includes('29858') || JSON.stringify(s).includes('29,858'), true, r.out.slice(0, 400));
});
