// The RecNS exposure file (`train_exposed.txt`, train.txt's layout) beside the ratings-threshold exposure: loaded
// with the LightGCN folder (found by name or named by the `exposure` option), cleaned of training positives,
// and malformed or out-of-range lines are DataErrors naming the file and line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/schema.js';
import { DataError, loadDataset, loadExposureFile } from '../../src/data/index.js';
import { rowOf } from '../../src/data/csr.js';
import { trainView } from '../../src/data/view.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-exposure-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
function folder(files: Record<string, string>): string {
  const d = join(root, String(n++));
  mkdirSync(d, { recursive: true });
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c);
  return d;
}

const TRAIN = '0 1 2 3\n1 0 2\n2 1 3 4\n';
const TEST = '0 0\n1 1\n2 2\n';

function expectDataError(fn: () => unknown, file: string, line: number, field: string, detail: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.line, line, e.message);
    assert.equal(e.field, field, e.message);
    assert.match(e.detail, detail);
    assert.ok(e.message.startsWith(`${file}${line ? `:${line}` : ''}: ${field}: `), e.message);
    return true;
  });
}

test('train_exposed.txt beside train.txt becomes the exposure set, training positives dropped and counted', () => {
  // user 0: 4, 1, 0 exposed; 1 is a training positive (dropped), 0 a test positive (kept: cleaning it would leak
  // test into training inputs). user 1: 1 (its test item) and 3. user 2: none listed.
  const d = folder({ 'train.txt': TRAIN, 'test.txt': TEST, 'train_exposed.txt': '0 4 1 0\n1 1 3\n\n' });
  const ds = loadDataset({ format: 'lightgcn', path: d });
  assert.ok(ds.exposure, 'exposure loaded');
  assert.deepEqual([...rowOf(ds.exposure, 0)], [0, 4]);
  assert.deepEqual([...rowOf(ds.exposure, 1)], [1, 3]);
  assert.deepEqual([...rowOf(ds.exposure, 2)], []);
  const reported = ds.report.map((r) => r.message).join('\n');
  assert.match(reported, /5 exposure records/);
  assert.match(reported, /skipped 1 blank lines/);
  // Samplers see it through the train view.
  assert.equal(trainView(ds).exposure, ds.exposure);
  // The fingerprint covers exposure: the same folder without the file differs.
  const bare = loadDataset({ format: 'lightgcn', path: folder({ 'train.txt': TRAIN, 'test.txt': TEST }) });
  assert.equal(bare.exposure, undefined);
  assert.notEqual(bare.fingerprint, ds.fingerprint);
  // exposure: null ignores the file.
  assert.equal(loadDataset({ format: 'lightgcn', path: d, options: { exposure: null } }).exposure, undefined);
});

test('the exposure option names another file; a missing named file is an error', () => {
  const d = folder({ 'train.txt': TRAIN, 'test.txt': TEST, 'shown.txt': '2 0\t2\n' });
  const ds = loadDataset({ format: 'lightgcn', path: d, options: { exposure: 'shown.txt' } });
  assert.deepEqual([...rowOf(ds.exposure!, 2)], [0, 2]);
  expectDataError(() => loadDataset({ format: 'lightgcn', path: d, options: { exposure: 'nope.txt' } }),
    join(d, 'nope.txt'), 0, 'file', /no such file/);
  assert.throws(() => loadDataset({ format: 'lightgcn', path: d, options: { exposure: 3 } as never }), ConfigError);
});

test('malformed exposure lines name the file, the line and the field', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['0 1\n1 x\n', 2, 'item 1', /not an integer id: "x"/],
    ['0 1\n\n-1 2\n', 3, 'user', /negative id "-1"/],
    ['0 1 2\n2 1.5\n', 2, 'item 1', /not an integer id/],
    ['0 1\n7 1\n', 2, 'user', /user id 7 is outside the dataset's users 0\.\.2/],
    ['0 1\n1 2 9\n2 0\n', 2, 'item', /item id 9 is outside the dataset's items 0\.\.4/],
  ];
  for (const [text, line, field, detail] of cases) {
    const d = folder({ 'train.txt': TRAIN, 'test.txt': TEST, 'train_exposed.txt': text });
    const file = join(d, 'train_exposed.txt');
    expectDataError(() => loadDataset({ format: 'lightgcn', path: d }), file, line, field, detail);
    expectDataError(() => loadExposureFile(file, 3, 5), file, line, field, detail);
  }
});

test('exposure records survive a re-split of the folder (pooled with the splits)', () => {
  const d = folder({ 'train.txt': TRAIN, 'test.txt': TEST, 'train_exposed.txt': '0 4\n1 3\n2 0\n' });
  const ds = loadDataset({ format: 'lightgcn', path: d, split: 'ratio:8:2', seed: 1 });
  let total = 0;
  for (let u = 0; u < ds.numUsers; u++) total += rowOf(ds.exposure!, u).length;
  assert.equal(total, 3);
});
