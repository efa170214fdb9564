// The integer-id CSV fast path (src/data/intCsv.ts) against the general token path: the same log, Dataset,
// fingerprint and report on every file, the fast path taken where it should be and left where it must be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCsv, loadDataset } from '../../src/data/index.js';
import { readIntCsv } from '../../src/data/intCsv.js';
import { Rng } from '../../src/core/rng.js';
import { sharedData } from '../helpers/paths.js';

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'hardneg-fastcsv-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const cols = () => ({ user: 0, item: 1, rating: -1, timestamp: -1 });

/** Loads `file` on both paths and checks they agree; returns whether the fast path took it. */
function same(file: string, opts: Record<string, unknown> = {}, split = 'ratio:8:1:1'): boolean {
  const fast = loadCsv(file, opts);
  const slow = loadCsv(file, { ...opts, fastPath: false });
  assert.deepStrictEqual(fast, slow, `${file}: the fast path's log differs`);
  const a = loadDataset({ format: 'csv', path: file, split, options: opts });
  const b = loadDataset({ format: 'csv', path: file, split, options: { ...opts, fastPath: false } });
  assert.equal(a.fingerprint, b.fingerprint);
  assert.deepStrictEqual(a.report, b.report);
  const delim = readFileSync(file, 'utf8').split('\n')[0].includes('\t') ? 9 : readFileSync(file, 'utf8').split('\n')[0].includes(';') ? 59 : 44;
  return readIntCsv(file, delim, (h) => ({ user: h.indexOf('user'), item: h.indexOf('item'), rating: h.indexOf('rating'), timestamp: h.indexOf('timestamp') })) !== null;
}

test('fast path: plain, CRLF, BOM, blank lines, no final newline, extra columns, decimals: same as the general path', (t) => {
  const d = tmp(t);
  const cases: Array<[string, string]> = [
    ['plain', 'user,item\n3,10\n1,10\n3,7\n2,7\n1,3\n'],
    ['crlf-bom-blank', '\ufeffuser,item,rating,timestamp\r\n  \r\n5,1,4.5,100\r\n\r\n\t\r\n2,1,3,101\r\n5,2,-1.25,99\r\n5,1,2,102'],
    ['extra-cols', 'session;user;x;item;timestamp;rating\n9;4;a b;8;1700000000.5;0.1\n9;0;;8;1700000001;10\n7;4;z;0;12;003.50\n'],
    ['tab', 'user\titem\ttimestamp\n0\t0\t1e3\n1\t2\t+5\n2\t2\t 7 \n'],
    ['dups', 'user,item\n1,1\n1,1\n2,1\n1,2\n1,1\n'],
    ['big-ids', 'user,item\n2147483647,0\n1000000,2147483646\n0,5\n'],
    ['trailing-empty-col', 'user,item,note\n1,2,\n3,4,x\n'],
  ];
  for (const [name, text] of cases) {
    const f = join(d, `${name}.csv`);
    writeFileSync(f, text);
    assert.equal(same(f), true, `${name}: expected the fast path`);
  }
});

test('fast path: quoted fields, non-canonical or non-integer ids, odd lines fall back and still agree', (t) => {
  const d = tmp(t);
  const cases: Array<[string, string]> = [
    ['quoted', 'user,item,rating\n"1",2,3\n4,"5",1\n'],
    ['quoted-other', 'user,item,title\n1,2,"a, b"\n4,5,c\n'],
    ['strings', 'user,item\nalice,10\nbob,2\n'],
    ['leading-zero', 'user,item\n007,1\n7,2\n'],
    ['spaces', 'user,item\n 1,2\n3 ,4\n'],
    ['negative', 'user,item\n-1,2\n3,4\n'],
    ['huge', 'user,item\n99999999999,2\n3,4\n'],
    ['utf8-other', 'user,item,title\n1,2,café\n3,4,naïve\n'],
  ];
  for (const [name, text] of cases) {
    const f = join(d, `${name}.csv`);
    writeFileSync(f, text);
    assert.equal(same(f), name === 'utf8-other', name);
  }
});

test('fast path: errors are the general path\'s (file:line: field)', (t) => {
  const d = tmp(t);
  const cases: Array<[string, string, RegExp]> = [
    ['missing', 'user,item,rating\n1,2,3\n\n4,5\n', /missing\.csv:4: field 3: missing field/],
    ['extra', 'user,item\n1,2\n4,5,6\n', /extra\.csv:3: line: extra fields/],
    ['nan', 'user,item,rating\n1,2,x\n', /nan\.csv:2: rating: not a finite number/],
    ['empty-user', 'user,item\n,2\n', /empty-user\.csv:2: user: empty user id/],
    ['header-only', 'user,item\n', /no interactions \(header only\)/],
    ['no-user', 'a,item\n1,2\n', /no user column/],
    ['nbsp-rating', 'user,item,rating\n1,2,5\u00a0\n', /nbsp-rating\.csv:2: rating: not a finite number/],
  ];
  for (const [name, text, re] of cases) {
    const f = join(d, `${name}.csv`);
    writeFileSync(f, text);
    assert.throws(() => loadCsv(f), re, name);
    assert.throws(() => loadCsv(f, { fastPath: false }), re, name);
  }
});

test('fast path: a pre-split source shares one id space across its files', (t) => {
  const d = tmp(t);
  writeFileSync(join(d, 'tr.csv'), 'user,item,timestamp\n10,5,1\n2,5,2\n10,9,3\n');
  writeFileSync(join(d, 'te.csv'), 'user,item,timestamp\n2,9,4\n30,1,5\n');
  writeFileSync(join(d, 'va.csv'), 'user,item,timestamp\n10,1,6\n');
  const o = { train: join(d, 'tr.csv'), test: join(d, 'te.csv'), valid: join(d, 'va.csv') };
  const a = loadCsv(undefined, o);
  const b = loadCsv(undefined, { ...o, fastPath: false });
  assert.deepStrictEqual(a, b);
  assert.ok('dataset' in a);
  if ('dataset' in a) assert.deepEqual(a.dataset.userIds, ['2', '10', '30']);
  // One file off the fast path sends all of them to the general path (string ids order every file's ids).
  writeFileSync(join(d, 'te.csv'), 'user,item,timestamp\n"2",9,4\nx,1,5\n');
  assert.deepStrictEqual(loadCsv(undefined, o), loadCsv(undefined, { ...o, fastPath: false }));
});

test('fast path: random files (chunk-sized lines, mixed line endings and oddities) agree with the general path', (t) => {
  const d = tmp(t);
  const rng = Rng.stream(7, 'fastcsv');
  for (let r = 0; r < 30; r++) {
    const lines = ['user,item,rating,timestamp'];
    const n = 1 + rng.int(400);
    for (let k = 0; k < n; k++) {
      const u = rng.int(50);
      const i = rng.int(r % 3 === 0 ? 5000 : 80);
      const rating = rng.int(3) === 0 ? String(rng.int(6)) : (rng.float() * 10 - 2).toFixed(rng.int(4));
      lines.push(`${u},${i},${rating},${1600000000 + rng.int(1e6)}`);
      if (rng.int(20) === 0) lines.push(rng.int(2) ? '' : ' \t ');
    }
    if (r % 10 === 9) lines[1 + rng.int(n)] = '01,2,3,4'; // one non-canonical id: the general path's numbering
    const eol = r % 2 ? '\r\n' : '\n';
    const f = join(d, `r${r}.csv`);
    writeFileSync(f, lines.join(eol) + (r % 4 ? eol : ''));
    same(f, {}, r % 3 === 1 ? 'temporal:8:1:1' : 'ratio:8:1:1');
  }
});

test('fast path: a line longer than the read chunk, and a file of many chunks', (t) => {
  const d = tmp(t);
  const f = join(d, 'long.csv');
  writeFileSync(f, `user,item,note\n1,2,${'x'.repeat(5_000_000)}\n3,4,y\n`);
  assert.equal(same(f), true);
  const g = join(d, 'many.csv');
  const rows: string[] = ['user,item,timestamp'];
  for (let k = 0; k < 600_000; k++) rows.push(`${(k * 7919) % 20011},${(k * 104729) % 3001},${k}`);
  writeFileSync(g, rows.join('\n') + '\n');
  const a = loadCsv(g);
  const b = loadCsv(g, { fastPath: false });
  assert.deepStrictEqual(a, b);
});

test('fast path on the shared data written as CSV (ML-100K with header, LastFM with CRLF): same Dataset', (t) => {
  const ml = sharedData('ml-100k', 'u.data');
  const fm = sharedData('lastfm', 'data1.txt');
  if (!existsSync(ml) || !existsSync(fm)) return t.skip('shared data not found');
  const d = tmp(t);
  const a = join(d, 'ml.tsv');
  writeFileSync(a, 'user\titem\trating\ttimestamp\n' + readFileSync(ml, 'utf8'));
  assert.equal(same(a, {}, 'temporal:8:1:1'), true);
  const th = loadDataset({ format: 'csv', path: a, split: 'ratio:8:1:1', ratingThreshold: 4, kcore: 5 });
  const tg = loadDataset({ format: 'csv', path: a, split: 'ratio:8:1:1', ratingThreshold: 4, kcore: 5, options: { fastPath: false } });
  assert.equal(th.fingerprint, tg.fingerprint);
  const b = join(d, 'fm.tsv');
  writeFileSync(b, 'user\titem\trating\r\n' + readFileSync(fm, 'utf8'));
  assert.equal(same(b), true);
});
