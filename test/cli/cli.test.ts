import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticDataset } from '../../src/data/index.js';
import { recommend, formatRecommendations } from '../../src/serving/recommend.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('`hardneg train` with no arguments runs the synthetic example end to end (epochs overridden to stay fast)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-cli-'));
  try {
    const out = join(dir, 'run');
    const r = cli(['train', '--epochs', '4', '--out', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /synthetic: mf \+ uniform, seed 2024; best epoch \d\/4/);
    assert.match(r.out, /random ranking/);
    assert.match(r.err, /eval epoch 4 \(valid\)/, 'progress goes to stderr (one line per epoch when not a TTY)');
    assert.doesNotMatch(r.out, /eval epoch/);
    const j = cli(['train', '--epochs', '4', '--no-save', '--json', '-q']);
    assert.equal(j.code, 0, j.err);
    assert.equal(j.err, '');
    const s = JSON.parse(j.out);
    assert.ok(s.test['recall@20'] > 3 * s.randomRecall['recall@20'], `recall@20 ${s.test['recall@20']} vs random ${s.randomRecall['recall@20']}`);
    // eval on the saved run reproduces the test metrics at the best epoch
    const e = cli(['eval', out, '--json']);
    assert.equal(e.code, 0, e.err);
    const saved = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.ok(Math.abs(JSON.parse(e.out).metrics['recall@20'] - saved.test['recall@20']) < 1e-6);
    // recommend: CSV with original ids, k rows per user
    const rec = cli(['recommend', out, '--users', '0,1', '-k', '3']);
    assert.equal(rec.code, 0, rec.err);
    const lines = rec.out.trim().split('\n');
    assert.equal(lines[0], 'user,rank,item,score');
    assert.equal(lines.length, 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config errors exit 2 and name the key path', () => {
  const r = cli(['train', '--set', 'encoder.layers=three', '--no-save']);
  assert.equal(r.code, 2);
  assert.match(r.err, /encoder\.layers: expected an integer in \[0, 64\], got "three"/);
  const dir = mkdtempSync(join(tmpdir(), 'hn-cli-'));
  try {
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'epochs: 2\noptimizer:\n  name: adamw\nbatchsize: 10\n');
    const y = cli(['train', '--config', f, '--no-save']);
    assert.equal(y.code, 2);
    assert.match(y.err, /c\.yaml/);
    assert.match(y.err, /optimizer\.name: expected one of 'adam', 'adagrad', 'sgd', got "adamw"/);
    assert.match(y.err, /batchsize: unknown key \(did you mean 'batchSize'\?\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const u = cli(['train', '--epoch', '3']);
  assert.equal(u.code, 2);
  assert.match(u.err, /Unknown option '--epoch'/);
});

test('recommend excludes training and validation items and ranks the rest by score', () => {
  const ds = syntheticDataset({ users: 30, items: 40, seed: 2 });
  const dim = 4;
  // Scores rise with the item index, so the unmasked answer would always be the highest ids.
  const users = new Float32Array(ds.numUsers * dim).fill(1);
  const items = Float32Array.from({ length: ds.numItems * dim }, (_, i) => Math.floor(i / dim) / 100);
  const all = Int32Array.from({ length: ds.numUsers }, (_, u) => u);
  const recs = recommend({ users, items, dim, itemBias: null }, ds, all, 5);
  for (const r of recs) {
    const seen = new Set<number>();
    for (const s of [ds.train, ds.valid!]) for (let p = s.indptr[r.user]; p < s.indptr[r.user + 1]; p++) seen.add(s.indices[p]);
    const expected: number[] = [];
    for (let i = ds.numItems - 1; i >= 0 && expected.length < 5; i--) if (!seen.has(i)) expected.push(i);
    assert.deepEqual(Array.from(r.items), expected, `user ${r.user}`);
  }
  const withSeen = recommend({ users, items, dim, itemBias: null }, ds, Int32Array.from([0]), 3, true);
  assert.deepEqual(Array.from(withSeen[0].items), [39, 38, 37]);
  const json = JSON.parse(formatRecommendations(withSeen, ds, 'json'));
  assert.equal(json[0].user, ds.userIds[0]);
  assert.equal(json[0].items[0].item, ds.itemIds[39]);
});

test('sweep (two child processes) and compare over its runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-cli-'));
  try {
    const out = join(dir, 'sw');
    const r = cli(['sweep', '--grid', 'encoder.dim=4,8', '--seeds', '1,2', '--epochs', '2', '--parallel', '2', '--out', out, '-q']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /encoder\.dim=4 +2 /);
    assert.equal((r.out.match(/^\* encoder/gm) ?? []).length, 1, 'exactly one best cell');
    const sw = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8'));
    assert.equal(sw.runs.length, 4);
    for (const run of sw.runs) assert.ok(existsSync(join(run.runDir, 'model.safetensors')));
    const seeds = sw.runs.filter((x: { cell: number }) => x.cell === 0).map((x: { test: Record<string, number> }) => x.test['recall@20']);
    const m = (seeds[0] + seeds[1]) / 2;
    assert.ok(Math.abs(sw.cells[0].test['recall@20'].mean - m) < 1e-12, 'cell mean = mean over its seeds');
    const c = cli(['compare', out, '--group-seeds', '--metrics', 'recall@20', '--json']);
    assert.equal(c.code, 0, c.err);
    const cmp = JSON.parse(c.out);
    assert.equal(cmp.rows.length, 2);
    assert.ok(cmp.rows[1].cells['recall@20'].n > 0, 'paired over users');
    assert.ok(Number.isFinite(cmp.rows[1].cells['recall@20'].p));
    // Default metrics: accuracy, then beyond accuracy at the selection K; set-level ones without a p-value.
    const d = cli(['compare', out, '--group-seeds', '--json']);
    assert.equal(d.code, 0, d.err);
    const dc = JSON.parse(d.out);
    assert.ok(dc.metrics.includes('itemcoverage@20') && dc.metrics.includes('novelty@20'), dc.metrics.join(','));
    assert.ok(Number.isNaN(dc.rows[1].cells['itemcoverage@20'].p ?? NaN), 'coverage: no paired test');
    assert.ok(Number.isFinite(dc.rows[1].cells['novelty@20'].p), 'novelty: per-user, paired');
    const txt = cli(['compare', out, '--group-seeds']);
    assert.match(txt.out, /giniindex@20/);
    assert.doesNotMatch(txt.err, /different datasets/, 'one dataset: no warning');
    // A run on other data beside them: compare warns.
    const other = join(dir, 'other');
    const o = cli(['train', '--epochs', '1', '--set', 'dataset={"name":"synthetic","synthetic":{"users":60,"items":80}}', '--out', other, '-q']);
    assert.equal(o.code, 0, o.err);
    const mixed = cli(['compare', out, other]);
    assert.equal(mixed.code, 0, mixed.err);
    assert.match(mixed.err, /warning: the runs come from 2 different datasets/);
    assert.match(txt.out, /set-level/);
    const md = readFileSync(join(sw.runs[0].runDir, 'summary.md'), 'utf8');
    assert.match(md, /## Beyond accuracy/);
    assert.match(md, /\| itemcoverage +\| [0-9.]+/);
    const ev = cli(['eval', sw.runs[0].runDir, '--json']);
    assert.ok(Number.isFinite(JSON.parse(ev.out).metrics['tailpercentage@20']), 'hardneg eval reports them');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every command shares one preamble: usage errors exit 2 with `hardneg CMD: problem` and the usage; --help exits 0', async () => {
  const mods: Record<string, { run(argv: string[]): Promise<number> }> = {
    train: await import('../../src/cli/train.js'), eval: await import('../../src/cli/eval.js'),
    recommend: await import('../../src/cli/recommend.js'), compare: await import('../../src/cli/compare.js'),
    sweep: await import('../../src/cli/sweep.js'),
  };
  const err: string[] = [];
  const out: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    for (const [cmd, m] of Object.entries(mods)) {
      err.length = 0;
      assert.equal(await m.run(['--bogus']), 2, cmd);
      assert.match(err.join('\n'), new RegExp(`^hardneg ${cmd}: Unknown option '--bogus'.*\\n\\nusage: hardneg ${cmd} `, 's'), cmd);
      out.length = 0;
      assert.equal(await m.run(['--help']), 0, cmd);
      assert.match(out.join('\n'), new RegExp(`^usage: hardneg ${cmd} `), cmd);
    }
    // Commands that take run folders check their positionals (not under --help).
    for (const cmd of ['eval', 'recommend']) {
      err.length = 0;
      assert.equal(await mods[cmd].run([]), 2);
      assert.match(err.join('\n'), new RegExp(`^hardneg ${cmd}: expected one RUN_DIR`));
    }
    err.length = 0;
    assert.equal(await mods.eval.run(['x', '--split', 'train']), 2);
    assert.match(err.join('\n'), /^hardneg eval: --split: expected test or valid, got 'train'/);
    assert.equal(await mods.compare.run([]), 2);
    assert.equal(await mods.train.run(['positional']), 2, 'train takes no positionals');
  } finally {
    console.log = log;
    console.error = error;
  }
});

test("the package's bin (what `npx hardneg` runs) is built executable and runs without `node` in front", (t) => {
  const root = join(MAIN, '..', '..', '..', '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(root, pkg.bin.hardneg);
  if (!existsSync(bin)) {
    t.skip(`${bin} not built (npm run build makes it)`);
    return;
  }
  const r = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `spawning ${bin}: ${String(r.error)}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /hardneg/);
});
