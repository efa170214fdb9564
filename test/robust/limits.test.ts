// Regression tests for the input limits (robustness issue, item 1): ids are checked before anything is sized by
// them, format guessing never picks a format whose parse would explode, and only regular files are read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, guessFormat, loadDataset } from '../../src/data/index.js';
import { cli, hasStackTrace, mkfifo } from '../helpers/child.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-limits-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: Record<string, string>): string {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c);
  return d;
}

function dataError(fn: () => unknown, file: string, line: number, field: string): DataError {
  const t = performance.now();
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${(e as Error).stack}`);
    assert.equal(e.file, file);
    assert.equal(e.line, line, e.message);
    assert.equal(e.field, field, e.message);
    assert.ok(performance.now() - t < 2000, 'refused at once, not after allocating');
    return e;
  }
  assert.fail('expected a DataError');
}

const BIG = 2147483647;

test('one line with id 2^31-1 in LastFM, NCF and MixGCF files is refused at file:line: field before allocating', () => {
  const heap0 = process.memoryUsage().rss;
  const lf = folder({ 'data1.txt': `1\t${BIG}\t5\n`, 'test1.txt': '1\t1\t1\n' });
  const e = dataError(() => loadDataset({ format: 'lastfm', path: lf }), join(lf, 'data1.txt'), 1, 'item');
  assert.match(e.detail, /id space/);
  const lu = folder({ 'data1.txt': '1\t1\t5\n', 'test1.txt': `${BIG}\t1\t1\n` });
  dataError(() => loadDataset({ format: 'lastfm', path: lu }), join(lu, 'test1.txt'), 1, 'user');
  const nc = folder({ 'x.train.rating': `0\t${BIG}\t5\t1\n`, 'x.test.rating': '0\t1\t5\t2\n' });
  dataError(() => loadDataset({ format: 'ncf', path: nc }), join(nc, 'x.train.rating'), 1, 'item');
  const nu = folder({ 'x.train.rating': '0\t1\t5\t1\n', 'x.test.rating': `${BIG}\t1\t5\t2\n` });
  dataError(() => loadDataset({ format: 'ncf', path: nu }), join(nu, 'x.test.rating'), 1, 'user');
  const nn = folder({ 'x.train.rating': '0\t1\t5\t1\n', 'x.test.rating': '0\t2\t5\t2\n', 'x.test.negative': `(0,2)\t3\t${BIG}\n` });
  dataError(() => loadDataset({ format: 'ncf', path: nn }), join(nn, 'x.test.negative'), 1, 'item');
  const mx = folder({ 'train.txt': `0 ${BIG}\n`, 'test.txt': '0 1\n' });
  dataError(() => loadDataset({ format: 'mixgcf', path: mx }), join(mx, 'train.txt'), 1, 'item');
  const mu = folder({ 'train.txt': `${BIG - 1} ${BIG}\n`, 'test.txt': '' });
  dataError(() => loadDataset({ format: 'mixgcf', path: mu }), join(mu, 'train.txt'), 1, 'user');
  assert.ok(process.memoryUsage().rss - heap0 < 500 * 2 ** 20, 'no gigabyte allocations');
});

test('a single id of 50 million is refused even under the 50M cap (the id space must fit the file)', () => {
  const lg = folder({ 'train.txt': '0 1\n1 50000000\n', 'test.txt': '0 2\n' });
  const e = dataError(() => loadDataset({ format: 'lightgcn', path: lg }), join(lg, 'train.txt'), 2, 'item');
  assert.match(e.detail, /3 interactions/);
  assert.match(e.detail, /maxIdsPerRecord/);
  // The limits are options: raising them accepts the sparse ids (cheaply here: 2M ids).
  const ok = folder({ 'train.txt': '0 1\n1 2000000\n', 'test.txt': '0 2\n' });
  assert.throws(() => loadDataset({ format: 'lightgcn', path: ok }), DataError);
  assert.equal(loadDataset({ format: 'lightgcn', path: ok, options: { maxIdsPerRecord: 1_000_000 } }).numItems, 2_000_001);
  // maxId stays an absolute cap.
  const cap = folder({ 'train.txt': '0 1\n1 11\n', 'test.txt': '0 2\n' });
  const c = dataError(() => loadDataset({ format: 'lightgcn', path: cap, options: { maxId: 10 } }), join(cap, 'train.txt'), 2, 'item');
  assert.match(c.detail, /options\.maxId/);
  // LastFM's explicit sizes are held to the same limit.
  const lf = folder({ 'data1.txt': '1\t1\t5\n', 'test1.txt': '1\t1\t1\n' });
  dataError(() => loadDataset({ format: 'lastfm', path: lf, options: { numUsers: 1e9 } }), join(lf, 'data1.txt'), 0, 'options.numUsers');
});

test('a 13-byte LightGCN file is not guessed as MixGCF into a crash; the CLI refuses it with a clear error', () => {
  const d = folder({ 'train.txt': `0 ${BIG}\n`, 'test.txt': '' });
  assert.equal(Buffer.byteLength(`0 ${BIG}\n`), 13);
  const f = guessFormat(d);
  assert.ok(f === 'lightgcn' || f === 'mixgcf');
  assert.throws(() => loadDataset({ format: f!, path: d }), DataError);
  // Pairs whose items are not above the user ids are LightGCN lines with one item each, not MixGCF offsets.
  assert.equal(guessFormat(folder({ 'train.txt': '0 0\n1 0\n2 1\n', 'test.txt': '0 1\n' })), 'lightgcn');
  assert.equal(guessFormat(folder({ 'train.txt': '0 3\n1 4\n2 5\n', 'test.txt': '0 4\n' })), 'mixgcf');
  const r = cli(['data', 'stats', d], { heapMb: 512 });
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /train\.txt:1: item: id 2147483647/);
  assert.ok(!hasStackTrace(r.err), r.err);
});

test('FIFOs are never read: format guessing, data loaders, --config, --users-file and run folders refuse at once', (t) => {
  const d = folder({ 'test.txt': '0 1\n' });
  if (!mkfifo(join(d, 'train.txt'))) return t.skip('mkfifo unavailable');
  const guess = cli(['data', 'stats', d], { timeoutMs: 20_000 });
  assert.ok(!guess.timedOut, 'format guessing hung on a FIFO');
  assert.equal(guess.code, 1, guess.err);
  assert.match(guess.err, /train\.txt: file: is a FIFO/);
  const load = cli(['data', 'stats', d, '--format', 'lightgcn'], { timeoutMs: 20_000 });
  assert.ok(!load.timedOut);
  assert.match(load.err, /train\.txt: file: is a FIFO/);
  const cfg = join(root, 'cfg.yaml');
  mkfifo(cfg);
  const c = cli(['train', '--config', cfg, '--no-save'], { timeoutMs: 20_000 });
  assert.ok(!c.timedOut, '--config hung on a FIFO');
  assert.equal(c.code, 2, c.err);
  assert.match(c.err, /cfg\.yaml.*FIFO/);
  // A run folder whose files are FIFOs.
  const run = join(root, 'fiforun');
  mkdirSync(run);
  for (const f of ['config.json', 'dataset.json', 'summary.json', 'model.safetensors']) mkfifo(join(run, f));
  for (const argv of [['eval', run], ['recommend', run], ['train', '--resume', run]]) {
    const r = cli(argv, { timeoutMs: 20_000 });
    assert.ok(!r.timedOut, `${argv[0]} hung on a FIFO run folder`);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /FIFO/, r.err);
    assert.ok(!hasStackTrace(r.err), r.err);
  }
  // /dev/zero as a data file would never end; a directory where a file belongs is named too.
  const z = cli(['data', 'stats', '/dev/zero', '--format', 'movielens'], { timeoutMs: 20_000 });
  assert.ok(!z.timedOut);
  assert.match(z.err, /character device/);
});
