// Malformed inputs: hand-made cases with the exact file:line: field expected, then ≥ 100 generated mutations of
// valid files across the formats. Each must either load (with every fix-up reported) or throw a DataError naming
// the file, a line and a field — never another exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { DataError, loadDataset, nnz, type DatasetSpec } from '../../src/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-malformed-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
function write(files: Record<string, string | Buffer>): string {
  const d = join(root, String(counter++));
  mkdir(d);
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c);
  return d;
}
import { mkdirSync } from 'node:fs';
function mkdir(d: string) {
  mkdirSync(d, { recursive: true });
}

function expectDataError(fn: () => unknown, file: string, line: number, field: string | RegExp, detail?: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DataError, `expected a DataError, got ${(e as Error)?.stack}`);
    assert.equal(e.file, file);
    assert.equal(e.line, line, e.message);
    if (typeof field === 'string') assert.equal(e.field, field, e.message);
    else assert.match(e.field, field);
    if (detail) assert.match(e.detail, detail);
    assert.ok(e.message.startsWith(`${file}${line ? `:${line}` : ''}: ${e.field}: `));
    return;
  }
  assert.fail('expected a DataError');
}

const UDATA = '1\t1\t5\t100\n1\t2\t3\t101\n2\t1\t4\t102\n2\t3\t1\t103\n3\t2\t2\t104\n3\t3\t5\t105\n';

test('hand-made malformed MovieLens files name file, line and field', () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ['1\t1\t5\t100\n1\tx\t3\t101\n', 2, 'item', /not an integer id: "x"/],
    ['1\t1\t5\t100\n-4\t2\t3\t101\n', 2, 'user', /negative id "-4"/],
    ['1\t99999999999\t5\t100\n', 1, 'item', /larger than 2147483647/],
    ['1\t1\t5\t100\n1\t2\t3\n', 2, 'timestamp', /missing field/],
    ['1\t1\t5\t100\t7\n', 1, 'line', /extra field/],
    ['1\t1\tfive\t100\n', 1, 'rating', /not a finite number: "five"/],
    ['1\t1\t5\tNaN\n', 1, 'timestamp', /not a finite number/],
    ['1\t1.5\t5\t100\n', 1, 'item', /not an integer id: "1.5"/],
    ['1\t\t5\t100\n', 1, 'item', /empty value/],
  ];
  for (const [text, line, field, detail] of cases) {
    const d = write({ 'u.data': text });
    expectDataError(() => loadDataset({ format: 'movielens', path: d }), join(d, 'u.data'), line, field, detail);
  }
  const empty = write({ 'u.data': '' });
  expectDataError(() => loadDataset({ format: 'movielens', path: empty }), join(empty, 'u.data'), 0, 'file', /no ratings/);
});

test('documented fix-ups: duplicates collapsed and counted, blank lines counted, BOM and CRLF accepted', () => {
  const d = write({ 'u.data': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(UDATA.replace(/\n/g, '\r\n') + '\r\n' + '1\t1\t2\t300\r\n')]) });
  const ds = loadDataset({ format: 'movielens', path: d, split: 'none' });
  assert.equal(nnz(ds.train), 6);
  assert.ok(ds.report.some((r) => r.step === 'dedupe' && r.count === 1));
  assert.ok(ds.report.some((r) => /skipped 1 blank lines/.test(r.message)));
  const lg = write({ 'train.txt': '0 1 1 2\n1 0\n', 'test.txt': '0 3\n1 0\n' });
  const g = loadDataset({ format: 'lightgcn', path: lg });
  assert.ok(g.report.some((r) => /collapsed 1 duplicate/.test(r.message) && r.count === 1));
  assert.ok(g.report.some((r) => /1 \(user, item\) pairs are in both train and test/.test(r.message)));
});

test('missing files and directories are DataErrors', () => {
  const d = write({ 'train.txt': '0 1\n' });
  expectDataError(() => loadDataset({ format: 'lightgcn', path: d }), join(d, 'test.txt'), 0, 'file', /no such file/);
  expectDataError(() => loadDataset({ format: 'lastfm', path: join(root, 'nope') }), join(root, 'nope'), 0, 'path');
});

// ---- generated mutations ----

interface Fmt {
  name: string;
  files: Record<string, string>;
  target: string; // the file mutated
  spec: (dir: string) => DatasetSpec;
}

const FORMATS: Fmt[] = [
  { name: 'movielens', files: { 'u.data': UDATA }, target: 'u.data', spec: (p) => ({ format: 'movielens', path: p, split: 'ratio:8:1:1' }) },
  { name: 'lightgcn', files: { 'train.txt': '0 1 2 3\n1 0 2\n2 1 3\n', 'test.txt': '0 0\n1 1\n2 2\n' }, target: 'train.txt', spec: (p) => ({ format: 'lightgcn', path: p }) },
  { name: 'lastfm', files: { 'data1.txt': '1\t2\t10\r\n1\t3\t5\r\n2\t1\t7\r\n3\t4\t1\r\n', 'test1.txt': '1\t1\t3\r\n2\t2\t4\r\n' }, target: 'data1.txt', spec: (p) => ({ format: 'lastfm', path: p }) },
  { name: 'mixgcf', files: { 'train.txt': '0\t3\n1\t4\n2\t5\n0\t4\n', 'test.txt': '1\t3\n' }, target: 'train.txt', spec: (p) => ({ format: 'mixgcf', path: p }) },
  { name: 'csv', files: { 'r.csv': 'user,item,rating,timestamp\na,x,5,1\nb,y,3,2\na,y,4,3\nc,x,1,4\n' }, target: 'r.csv', spec: (p) => ({ format: 'csv', path: join(p, 'r.csv'), split: 'ratio:8:1:1' }) },
  { name: 'recbole', files: { 'd.inter': 'user_id:token\titem_id:token\trating:float\n1\t10\t5\n2\t11\t3\n1\t11\t4\n' }, target: 'd.inter', spec: (p) => ({ format: 'recbole', path: join(p, 'd.inter'), split: 'ratio:8:1:1' }) },
  { name: 'ncf', files: { 'x.train.rating': '0\t1\t5\t1\n1\t2\t4\t2\n2\t0\t3\t3\n', 'x.test.rating': '0\t2\t5\t9\n1\t0\t4\t9\n2\t1\t3\t9\n', 'x.test.negative': '(0,2)\t0\t3\n(1,0)\t1\t3\n(2,1)\t2\t3\n' }, target: 'x.train.rating', spec: (p) => ({ format: 'ncf', path: join(p, 'x') }) },
];

type Mutation = (text: string, rng: Rng) => string;
const lines = (t: string) => t.split('\n');
const pickLine = (ls: string[], rng: Rng, skipHeader: boolean) => (skipHeader ? 1 : 0) + rng.int(Math.max(1, ls.filter((l) => l !== '').length - (skipHeader ? 1 : 0)));
const BAD_TOKENS = ['abc', '-1', '-7', '99999999999999', '1e5x', '', '١٢', '0x1F', '+3', '3.7', 'NaN', '∞', '"'];

function mutations(header: boolean): Mutation[] {
  const replaceToken: Mutation = (t, rng) => {
    const ls = lines(t);
    const li = pickLine(ls, rng, header);
    const sep = ls[li].includes('\t') ? '\t' : ls[li].includes(',') ? ',' : ' ';
    const f = ls[li].split(sep);
    f[rng.int(f.length)] = BAD_TOKENS[rng.int(BAD_TOKENS.length)];
    ls[li] = f.join(sep);
    return ls.join('\n');
  };
  const dropField: Mutation = (t, rng) => {
    const ls = lines(t);
    const li = pickLine(ls, rng, header);
    const sep = ls[li].includes('\t') ? '\t' : ls[li].includes(',') ? ',' : ' ';
    const f = ls[li].split(sep);
    f.splice(rng.int(f.length), 1);
    ls[li] = f.join(sep);
    return ls.join('\n');
  };
  const addField: Mutation = (t, rng) => {
    const ls = lines(t);
    const li = pickLine(ls, rng, header);
    const sep = ls[li].includes('\t') ? '\t' : ls[li].includes(',') ? ',' : ' ';
    ls[li] += sep + String(rng.int(5));
    return ls.join('\n');
  };
  const duplicate: Mutation = (t, rng) => {
    const ls = lines(t);
    const li = pickLine(ls, rng, header);
    ls.splice(li, 0, ls[li]);
    return ls.join('\n');
  };
  const blank: Mutation = (t, rng) => {
    const ls = lines(t);
    ls.splice(pickLine(ls, rng, header), 0, rng.int(2) ? '' : '   ');
    return ls.join('\n');
  };
  const crlf: Mutation = (t) => t.replace(/\r?\n/g, '\r\n');
  const bom: Mutation = (t) => '\ufeff' + t;
  const empty: Mutation = () => '';
  const truncate: Mutation = (t, rng) => t.slice(0, 1 + rng.int(t.length - 1));
  const garbageByte: Mutation = (t, rng) => {
    const p = rng.int(t.length);
    const chars = ['\t', ' ', ',', 'z', '\0', '-', '.', '9', '\r', '(', ':'];
    return t.slice(0, p) + chars[rng.int(chars.length)] + t.slice(p + 1);
  };
  const hugeId: Mutation = (t, rng) => {
    const ls = lines(t);
    const li = pickLine(ls, rng, header);
    ls[li] = ls[li].replace(/^[^\t ,]+/, '2147483648');
    return ls.join('\n');
  };
  return [replaceToken, dropField, addField, duplicate, blank, crlf, bom, empty, truncate, garbageByte, hugeId];
}

test('≥ 100 generated malformed files: a DataError naming file/line/field, or a load with fix-ups reported', () => {
  const rng = Rng.stream(2024, 'test');
  let generated = 0;
  let errors = 0;
  let loaded = 0;
  for (let round = 0; round < 3; round++)
    for (const f of FORMATS) {
      const header = f.name === 'csv' || f.name === 'recbole';
      for (const mutate of mutations(header)) {
        const files = { ...f.files, [f.target]: mutate(f.files[f.target], rng) };
        const d = write(files);
        generated++;
        try {
          const ds = loadDataset(f.spec(d));
          loaded++;
          assert.ok(ds.numUsers > 0 && ds.numItems > 0);
          // Nothing silently lost: interactions kept + duplicates collapsed ≥ distinct pairs in the input is
          // checked by the count of reports; here: every record is accounted for in some split.
          const kept = nnz(ds.train) + (ds.valid ? nnz(ds.valid) : 0) + nnz(ds.test);
          assert.ok(kept > 0);
          if (mutate.name === 'duplicate') assert.ok(ds.report.some((r) => /duplicate/.test(r.message) && r.count! >= 1), `${f.name}: duplicate not reported`);
          if (mutate.name === 'blank') assert.ok(ds.report.some((r) => /blank lines/.test(r.message)), `${f.name}: blank line not reported`);
        } catch (e) {
          errors++;
          if (!(e instanceof DataError)) assert.fail(`${f.name} mutation ${mutate.name}: not a DataError:\n${(e as Error).stack}\n--- file ---\n${JSON.stringify(files[f.target])}`);
          assert.ok(e.file.startsWith(d), e.message);
          assert.ok(e.field.length > 0);
          assert.ok(e.line >= 0);
          if (e.line > 0) {
            const text = files[f.target] as string;
            const nLines = text.split('\n').length;
            if (e.file.endsWith(f.target)) assert.ok(e.line <= nLines, `${e.message}: line beyond the file`);
          }
        }
      }
    }
  if (process.env.HARDNEG_DEBUG) console.log({ generated, errors, loaded });
  assert.ok(generated >= 100, `generated ${generated}`);
  assert.ok(errors > 30 && loaded > 30, `errors ${errors}, loaded ${loaded}`);
});
