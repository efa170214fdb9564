// The Parquet loader (src/data/loaders/parquet.ts): fixtures are written here with hyparquet-writer (a dev
// dependency), next to the same log as CSV; the two must load to the same log and Dataset (fingerprint included).
// Malformed files must fail with a DataError naming the file and the column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { guessFormat, loadCsv, loadDataset, loadParquet, type InteractionLog } from '../../src/data/index.js';
import { ConfigError } from '../../src/core/schema.js';
import { Rng } from '../../src/core/rng.js';

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'hardneg-parquet-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

type Col = Parameters<typeof parquetWriteFile>[0]['columnData'][number];

function write(file: string, columnData: Col[], extra: Partial<Parameters<typeof parquetWriteFile>[0]> = {}): string {
  parquetWriteFile({ filename: file, columnData, ...extra });
  return file;
}

/** A log without its name and source (the two loaders name those differently). */
function content(r: ReturnType<typeof loadCsv>): Omit<InteractionLog, 'name' | 'source'> {
  assert.ok('log' in r);
  const { name: _n, source: _s, ...rest } = r.log;
  return rest;
}

/** A random log (ids drawn from a sparse range, so ids are remapped) as columns and as CSV text. */
function randomLog(seed: number, rows: number) {
  const rng = Rng.stream(seed, 'parquet-test');
  const users = new Int32Array(rows);
  const items = new Int32Array(rows);
  const ratings = new Float64Array(rows);
  const ts = new BigInt64Array(rows);
  const lines = ['user,item,rating,timestamp'];
  for (let k = 0; k < rows; k++) {
    users[k] = 1000 + 7 * rng.int(60);
    items[k] = rng.int(3) ? rng.int(40) : 100000 + rng.int(500);
    ratings[k] = rng.int(10) / 2;
    ts[k] = BigInt(1_600_000_000 + rng.int(100000));
    lines.push(`${users[k]},${items[k]},${ratings[k]},${ts[k]}`);
  }
  return { users, items, ratings, ts, csv: lines.join('\n') + '\n' };
}

test('parquet: the same log as its CSV (INT32/INT64 ids, row groups, plain and dictionary pages, codecs)', (t) => {
  const d = tmp(t);
  const g = randomLog(1, 3000);
  writeFileSync(join(d, 'log.csv'), g.csv);
  const csv = loadCsv(join(d, 'log.csv'));
  const variants: Array<[string, Col[], Partial<Parameters<typeof parquetWriteFile>[0]>]> = [
    ['int32', [
      { name: 'user', data: g.users, type: 'INT32', nullable: false },
      { name: 'item', data: g.items, type: 'INT32', nullable: false },
      { name: 'rating', data: g.ratings, type: 'DOUBLE', nullable: false },
      { name: 'timestamp', data: g.ts, type: 'INT64', nullable: false },
    ], { rowGroupSize: 1000 }],
    ['int64-nullable-plain', [
      { name: 'user_id', data: BigInt64Array.from(g.users, BigInt), type: 'INT64', encoding: 'PLAIN' },
      { name: 'ItemId', data: BigInt64Array.from(g.items, BigInt), type: 'INT64' },
      { name: 'score', data: Array.from(g.ratings), type: 'DOUBLE' },
      { name: 'ts', data: g.ts, type: 'INT64', encoding: 'DELTA_BINARY_PACKED' },
    ], { rowGroupSize: [700, 1100], codec: 'UNCOMPRESSED' }],
    ['gzip', [
      { name: 'user', data: g.users, type: 'INT32' },
      { name: 'item', data: g.items, type: 'INT32' },
      { name: 'rating', data: g.ratings, type: 'DOUBLE' },
      { name: 'timestamp', data: g.ts, type: 'INT64' },
    ], { codec: 'GZIP', compressors: { GZIP: (b: Uint8Array) => new Uint8Array(gzipSync(b)) } }],
  ];
  for (const [name, cols, extra] of variants) {
    const f = write(join(d, `${name}.parquet`), cols, extra);
    const pq = loadParquet(f);
    assert.deepStrictEqual(content(pq), content(csv), name);
    const a = loadDataset({ format: 'parquet', path: f, split: 'temporal:8:1:1' });
    const b = loadDataset({ format: 'csv', path: join(d, 'log.csv'), split: 'temporal:8:1:1' });
    assert.equal(a.fingerprint, b.fingerprint, name);
  }
});

test('parquet: string ids, and integer ids outside [0, 2^31), order and name ids as the CSV loader does', (t) => {
  const d = tmp(t);
  const users = ['bob', ' alice', 'carol', 'bob', '10'];
  const items = [5n, -3n, 2n ** 40n, 5n, 0n];
  write(join(d, 's.parquet'), [
    { name: 'user', data: users, type: 'STRING' },
    { name: 'item', data: BigInt64Array.from(items), type: 'INT64' },
  ]);
  writeFileSync(join(d, 's.csv'), 'user,item\n' + users.map((u, k) => `${u},${items[k]}`).join('\n') + '\n');
  const pq = loadParquet(join(d, 's.parquet'));
  assert.deepStrictEqual(content(pq), content(loadCsv(join(d, 's.csv'))));
  assert.ok('log' in pq);
  assert.deepEqual(pq.log.userIds, ['10', 'alice', 'bob', 'carol']);
  assert.deepEqual(pq.log.itemIds, ['-3', '0', '1099511627776', '5']);
});

test('parquet: a pre-split source (train/test/valid files) shares one id space, as the CSV one does', (t) => {
  const d = tmp(t);
  const parts = { tr: [[10, 5], [2, 5], [10, 9]], te: [[2, 9], [30, 1]], va: [[10, 1]] };
  for (const [k, rows] of Object.entries(parts)) {
    write(join(d, `${k}.parquet`), [
      { name: 'u', data: Int32Array.from(rows.map((r) => r[0])), type: 'INT32' },
      { name: 'i', data: Int32Array.from(rows.map((r) => r[1])), type: 'INT32' },
    ]);
    writeFileSync(join(d, `${k}.csv`), 'u,i\n' + rows.map((r) => r.join(',')).join('\n') + '\n');
  }
  const o = (ext: string) => ({ train: join(d, `tr.${ext}`), test: join(d, `te.${ext}`), valid: join(d, `va.${ext}`), user: 'u', item: 'i' });
  const a = loadDataset({ format: 'parquet', options: o('parquet') });
  const b = loadDataset({ format: 'csv', options: o('csv') });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.deepEqual(a.userIds, ['2', '10', '30']);
  assert.equal(a.source?.format, 'parquet');
});

test('parquet: loadDataset by format or guessed from the extension; spec options are checked', (t) => {
  const d = tmp(t);
  const f = write(join(d, 'x.parquet'), [
    { name: 'user', data: Int32Array.from([1, 2, 3, 1]), type: 'INT32' },
    { name: 'item', data: Int32Array.from([4, 4, 5, 5]), type: 'INT32' },
  ]);
  assert.equal(guessFormat(f), 'parquet');
  const ds = loadDataset({ format: 'parquet', path: f, split: 'none' });
  assert.equal(ds.numUsers, 3);
  assert.equal(ds.numItems, 2);
  assert.throws(() => loadDataset({ format: 'parquet', path: f, options: { delimiter: ',' } }), (e: Error) => e instanceof ConfigError && /delimiter/.test(e.message));
});

test('parquet: missing columns, wrong types and nulls are DataErrors naming the file and the column', (t) => {
  const d = tmp(t);
  const f1 = write(join(d, 'noitem.parquet'), [
    { name: 'user', data: Int32Array.from([1]), type: 'INT32' },
    { name: 'thing', data: Int32Array.from([1]), type: 'INT32' },
  ]);
  assert.throws(() => loadParquet(f1), /noitem\.parquet: column: no item column \(looked for item, .*\); columns: user, thing/);
  assert.throws(() => loadParquet(f1, { item: 'product' }), /noitem\.parquet: column: no item column named 'product'/);
  const f2 = write(join(d, 'double.parquet'), [
    { name: 'user', data: [1.5, 2], type: 'DOUBLE' },
    { name: 'item', data: Int32Array.from([1, 2]), type: 'INT32' },
  ]);
  assert.throws(() => loadParquet(f2), /double\.parquet: column 'user': has type DOUBLE; the user column must hold integer or string ids/);
  const f3 = write(join(d, 'strrating.parquet'), [
    { name: 'user', data: Int32Array.from([1, 2]), type: 'INT32' },
    { name: 'item', data: Int32Array.from([1, 2]), type: 'INT32' },
    { name: 'rating', data: ['good', 'bad'], type: 'STRING' },
  ]);
  assert.throws(() => loadParquet(f3), /strrating\.parquet: column 'rating': has type BYTE_ARRAY \(UTF8\); the rating column must hold numbers/);
  const f4 = write(join(d, 'null.parquet'), [
    { name: 'user', data: [1, null, 3], type: 'INT32' },
    { name: 'item', data: Int32Array.from([1, 2, 3]), type: 'INT32' },
  ]);
  assert.throws(() => loadParquet(f4), /null\.parquet: column 'user': row 2: missing value \(null\)/);
  const f5 = write(join(d, 'nullts.parquet'), [
    { name: 'user', data: Int32Array.from([1, 2]), type: 'INT32' },
    { name: 'item', data: Int32Array.from([1, 2]), type: 'INT32' },
    { name: 'timestamp', data: [5n, null], type: 'INT64' },
  ]);
  assert.throws(() => loadParquet(f5), /nullts\.parquet: column 'timestamp': row 2: missing value \(null\)/);
  const f6 = write(join(d, 'empty-str.parquet'), [
    { name: 'user', data: ['a', '  '], type: 'STRING' },
    { name: 'item', data: Int32Array.from([1, 2]), type: 'INT32' },
  ]);
  assert.throws(() => loadParquet(f6), /empty-str\.parquet: column 'user': row 2: empty id/);
  const f7 = write(join(d, 'none.parquet'), [
    { name: 'user', data: new Int32Array(0), type: 'INT32' },
    { name: 'item', data: new Int32Array(0), type: 'INT32' },
  ]);
  assert.throws(() => loadParquet(f7), /none\.parquet: file: no interactions/);
});

test('parquet: corrupt, truncated, empty, missing and non-regular files are DataErrors naming the file', (t) => {
  const d = tmp(t);
  const rows = 5000;
  const good = write(join(d, 'good.parquet'), [
    { name: 'user', data: Int32Array.from({ length: rows }, (_, k) => k % 97), type: 'INT32' },
    { name: 'item', data: Int32Array.from({ length: rows }, (_, k) => (k * 31) % 1013), type: 'INT32', encoding: 'PLAIN' },
  ], { codec: 'UNCOMPRESSED' });
  const bytes = readFileSync(good);
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['empty', new Uint8Array(0), /empty\.parquet: file: not a readable Parquet file: 0 bytes/],
    ['text', Buffer.from('user,item\n1,2\n3,4\n'), /text\.parquet: file: not a readable Parquet file: no PAR1 magic/],
    ['truncated', bytes.subarray(0, bytes.length >> 1), /truncated\.parquet: file: not a readable Parquet file/],
    ['bad-length', (() => { const b = Buffer.from(bytes); b.writeUInt32LE(0x7fffffff, b.length - 8); return b; })(), /bad-length\.parquet: file: not a readable Parquet file: its footer claims/],
    ['bad-footer', (() => { const b = Buffer.from(bytes); const len = b.readUInt32LE(b.length - 8); b.fill(0xff, b.length - 8 - len, b.length - 8); return b; })(), /bad-footer\.parquet: (file: not a readable Parquet file: corrupt metadata|column)/],
    ['bad-pages', (() => { const b = Buffer.from(bytes); b.fill(0x99, 4, Math.min(b.length - 200, 4 + 600)); return b; })(), /bad-pages\.parquet: column '(user|item)': row group 0: /],
  ];
  for (const [name, data, re] of cases) {
    const f = join(d, `${name}.parquet`);
    writeFileSync(f, data);
    assert.throws(() => loadParquet(f), re, name);
  }
  assert.throws(() => loadParquet(join(d, 'absent.parquet')), /absent\.parquet: file: no such file/);
  mkdirSync(join(d, 'dir.parquet'));
  assert.throws(() => loadParquet(join(d, 'dir.parquet')), /dir\.parquet: file: is a directory/);
  // A flipped byte anywhere never hangs or crashes: a DataError, or (where the byte is not read) a log.
  const rng = Rng.stream(3, 'parquet-fuzz');
  for (let r = 0; r < 60; r++) {
    const b = Buffer.from(bytes);
    b[rng.int(b.length)] ^= 1 + rng.int(255);
    const f = join(d, `flip${r}.parquet`);
    writeFileSync(f, b);
    try {
      loadParquet(f);
    } catch (e) {
      assert.equal((e as Error).name, 'DataError', `flip ${r}: ${(e as Error).stack}`);
      assert.ok((e as Error).message.includes(`flip${r}.parquet`));
    }
  }
});
