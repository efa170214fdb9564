// Every loader on small hand-made files, with hand-computed expectations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv, loadDataset, loadLightGcn, loadLog, loadMixGcf, loadNcf, loadRecBole, nnz, rowOf } from '../../src/data/index.js';

function dir(files: Record<string, string | Buffer>): string {
  const d = mkdtempSync(join(tmpdir(), 'hardneg-data-'));
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c);
  return d;
}

test('LightGCN: ids as given, users with no items, tabs/extra spaces/CRLF, valid.txt picked up', (t) => {
  const d = dir({ 'train.txt': '0 1 2\r\n1  0\t3 \n2\n', 'test.txt': '0 0\n1 2\n', 'valid.txt': '2 1\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const ds = loadLightGcn(d);
  assert.equal(ds.numUsers, 3);
  assert.equal(ds.numItems, 4);
  assert.deepEqual([...ds.train.indptr], [0, 2, 4, 4]);
  assert.deepEqual([...ds.train.indices], [1, 2, 0, 3]);
  assert.deepEqual([...rowOf(ds.valid!, 2)], [1]);
  assert.deepEqual([...ds.itemPopularity], [1, 1, 1, 1]);
  assert.ok(ds.report.some((r) => /1 lines name a user with no items/.test(r.message)));
  assert.deepEqual(ds.userIds, ['0', '1', '2']);
});

test('MixGCF: item ids offset by the number of users', (t) => {
  const d = dir({ 'train.txt': '0\t3\n1\t4\n2\t5\n0\t5\n', 'test.txt': '1\t3\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const ds = loadMixGcf(d);
  assert.equal(ds.numUsers, 3);
  assert.equal(ds.numItems, 3);
  assert.deepEqual([...rowOf(ds.train, 0)], [0, 2]);
  assert.deepEqual([...rowOf(ds.test, 1)], [0]);
  assert.deepEqual(ds.itemIds, ['3', '4', '5']);
  const bad = dir({ 'train.txt': '0\t3\n1\t1\n2\t5\n', 'test.txt': '1\t3\n' });
  t.after(() => rmSync(bad, { recursive: true }));
  assert.throws(() => loadMixGcf(bad), (e: Error) => /train\.txt:2: item: id 1 is below the item offset 3/.test(e.message));
});

test('NCF: ratings files plus .test.negative aligned with the test CSR order', (t) => {
  const d = dir({
    'x.train.rating': '0\t1\t5\t100\n0\t2\t3\t101\n1\t0\t4\t102\n',
    'x.test.rating': '1\t3\t4\t200\n0\t4\t5\t201\n',
    'x.test.negative': '(1,3)\t0\t5\n(0,4)\t3\t0\n',
  });
  t.after(() => rmSync(d, { recursive: true }));
  const ds = loadNcf(join(d, 'x'));
  assert.equal(ds.numUsers, 2);
  assert.equal(ds.numItems, 6);
  assert.equal(ds.testNegatives!.n, 2);
  // test CSR order: user 0 (item 4), then user 1 (item 3).
  assert.deepEqual([...ds.testNegatives!.items], [3, 0, 0, 5]);
  assert.deepEqual([...ds.train.timestamps!], [100, 101, 102]);
  const again = loadNcf(d); // directory form
  assert.equal(again.fingerprint, ds.fingerprint);
  const bad = dir({ 'x.train.rating': '0\t1\t5\t100\n', 'x.test.rating': '0\t2\t5\t1\n', 'x.test.negative': '(0,2)\t3\t4\n(0,9)\t3\n' });
  t.after(() => rmSync(bad, { recursive: true }));
  assert.throws(() => loadNcf(join(bad, 'x')), /x\.test\.negative:2: negatives: 1 negatives, earlier lines have 2/);
});

test('RecBole: typed header, string tokens in sorted order, single log and benchmark triple', (t) => {
  const d = dir({ 'ml.inter': 'user_id:token\titem_id:token\trating:float\ttimestamp:float\n10\tb\t4\t7\n2\ta\t3\t8\n10\ta\t5\t9\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const r = loadRecBole(join(d, 'ml.inter'));
  assert.ok('log' in r);
  const log = r.log;
  assert.deepEqual(log.userIds, ['2', '10']); // numeric order
  assert.deepEqual(log.itemIds, ['a', 'b']);
  assert.deepEqual([...log.users], [1, 0, 1]);
  assert.deepEqual([...log.items], [1, 0, 0]);
  assert.deepEqual([...log.ratings!], [4, 3, 5]);
  const tri = dir({
    'x.train.inter': 'user_id:token\titem_id:token\nu1\ti1\nu2\ti2\n',
    'x.valid.inter': 'user_id:token\titem_id:token\nu1\ti2\n',
    'x.test.inter': 'user_id:token\titem_id:token\nu2\ti3\n',
  });
  t.after(() => rmSync(tri, { recursive: true }));
  const ds = loadDataset({ format: 'recbole', path: tri });
  assert.equal(ds.numUsers, 2);
  assert.equal(ds.numItems, 3);
  assert.equal(nnz(ds.valid!), 1);
  assert.deepEqual([...rowOf(ds.test, 1)], [2]);
  const bad = dir({ 'b.inter': 'user_id\titem_id\n1\t2\n' });
  t.after(() => rmSync(bad, { recursive: true }));
  assert.throws(() => loadRecBole(join(bad, 'b.inter')), /b\.inter:1: header: 'user_id' is not a RecBole/);
});

test('CSV: detected delimiter, named columns, quotes, BOM; a pre-split pair of files', (t) => {
  const d = dir({
    'r.csv': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('userId,movieId,rating,timestamp\n"u,1",m2,4.5,10\nu2,"m""1",3,11\r\n')]),
    'train.tsv': 'user\titem\n1\t1\n2\t2\n',
    'test.tsv': 'user\titem\n2\t1\n',
  });
  t.after(() => rmSync(d, { recursive: true }));
  const r = loadCsv(join(d, 'r.csv'));
  assert.ok('log' in r);
  assert.deepEqual(r.log.userIds, ['u,1', 'u2']);
  assert.deepEqual(r.log.itemIds, ['m"1', 'm2']);
  assert.deepEqual([...r.log.ratings!], [4.5, 3]);
  assert.deepEqual([...r.log.timestamps!], [10, 11]);
  const ds = loadDataset({ format: 'csv', options: { train: join(d, 'train.tsv'), test: join(d, 'test.tsv') } });
  assert.equal(ds.numUsers, 2);
  assert.deepEqual([...rowOf(ds.test, 1)], [0]);
  assert.throws(() => loadCsv(join(d, 'r.csv'), { user: 'customer' }), /r\.csv:1: header: no user column named 'customer'/);
});

test('MovieLens ratings.dat with "::" separators', (t) => {
  const d = dir({ 'ratings.dat': '1::1193::5::978300760\n1::661::3::978302109\n3::1193::4::978301968\n' });
  t.after(() => rmSync(d, { recursive: true }));
  const log = loadLog({ format: 'movielens', path: d });
  assert.deepEqual(log.userIds, ['1', '3']);
  assert.deepEqual(log.itemIds, ['661', '1193']);
  assert.deepEqual([...log.items], [1, 0, 1]);
  assert.deepEqual([...log.ratings!], [5, 3, 4]);
});
