import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { run } from '../../src/cli/data.js';
import { loadCsv, loadDataset, loadLightGcn, nnz } from '../../src/data/index.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const shared = hasSharedData('gowalla', 'light_gcn_gowalla', 'train.txt') && hasSharedData('lastfm', 'data1.txt') && hasSharedData('ml-100k', 'u.data');

test('hardneg data stats prints the acceptance figures (text and --json)', { skip: !shared && 'no shared data' }, async () => {
  const dataDir = sharedData();
  const g = await capture(['stats', 'gowalla', '--data-dir', dataDir]);
  assert.equal(g.code, 0, g.err);
  assert.match(g.out, /29,858 users × 40,981 items/);
  assert.match(g.out, /train\s+29,858\s+40,981\s+810,128/);
  assert.match(g.out, /test\s+29,858\s+38,546\s+217,242/);
  const l = await capture(['stats', 'lastfm', '--data-dir', dataDir, '--json']);
  const j = JSON.parse(l.out);
  assert.equal(j.numUsers, 1892);
  assert.equal(j.total.users, 1880);
  assert.equal(j.numItems, 4489);
  assert.equal(j.splits.train.interactions, 42135);
  assert.equal(j.splits.test.interactions, 10533);
  assert.equal(j.usersWithoutInteractions, 12);
  const m = JSON.parse((await capture(['stats', 'ml-100k', '--data-dir', dataDir, '--json'])).out);
  assert.equal(m.numUsers, 943);
  assert.equal(m.numItems, 1682);
  assert.equal(m.total.interactions, 100000);
  const m4 = JSON.parse((await capture(['stats', sharedData('ml-100k'), '--threshold', '4', '--json'])).out);
  assert.equal(m4.total.interactions, 55375);
  assert.equal(m4.splits.exposure.interactions, 44625);
  const s = JSON.parse((await capture(['stats', 'ml-100k', '--data-dir', dataDir, '--split', 'ratio:8:1:1', '--seed', '3', '--json'])).out);
  assert.equal(s.splits.train.interactions + s.splits.valid.interactions + s.splits.test.interactions, 100000);
});

test('hardneg data split writes LightGCN and CSV files that load back to the identical split', { skip: !shared && 'no shared data' }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hardneg-split-'));
  t.after(() => rmSync(out, { recursive: true }));
  const r = await capture(['split', sharedData('ml-100k'), '--split', 'temporal:8:1:1', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const d = loadDataset({ name: 'ml-100k', dataDir: sharedData(), split: 'temporal:8:1:1' });
  const back = loadLightGcn(out);
  assert.equal(back.numUsers, d.numUsers);
  assert.equal(back.numItems, d.numItems);
  assert.deepEqual(back.userIds, d.userIds);
  assert.deepEqual(back.train.indices, d.train.indices);
  assert.deepEqual(back.valid!.indices, d.valid!.indices);
  assert.deepEqual(back.test.indptr, d.test.indptr);
  const c = loadCsv(undefined, { train: join(out, 'train.csv'), valid: join(out, 'valid.csv'), test: join(out, 'test.csv') });
  assert.ok('dataset' in c);
  assert.equal(c.dataset.fingerprint, d.fingerprint, 'CSV keeps ids, ratings and timestamps: same content');
  const meta = JSON.parse(readFileSync(join(out, 'split.json'), 'utf8'));
  assert.equal(meta.fingerprint, d.fingerprint);
  assert.equal(meta.split, 'temporal 8:1:1');
});

test('CLI errors: DataError as file:line: field: message, usage errors exit 2', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'hardneg-cli-'));
  t.after(() => rmSync(d, { recursive: true }));
  writeFileSync(join(d, 'u.data'), '1\t1\t5\t100\n1\tbad\t5\t100\n');
  const r = await capture(['stats', join(d, 'u.data')]);
  assert.equal(r.code, 1);
  assert.equal(r.err, `${join(d, 'u.data')}:2: item: not an integer id: "bad"`);
  assert.equal((await capture(['stats', join(d, 'nope')])).code, 2);
  assert.equal((await capture(['stats', 'ml-100k', '--split', 'zzz'])).code, 2);
  assert.equal((await capture(['bogus'])).code, 2);
  for (const sub of ['stats', 'split', 'download']) {
    const h = await capture([sub, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.out, new RegExp(`usage: hardneg data ${sub}`));
  }
  // Like the other commands: unknown flags and missing arguments exit 2 with the subcommand's usage.
  for (const argv of [['stats', 'synthetic', '--bogus'], ['split', 'synthetic', '--out', d, '--bogus'], ['download', 'ml-100k', '--bogus'],
    ['stats'], ['split', 'synthetic'], ['download'], ['stats', 'synthetic', '-d', 'lastfm']]) {
    const u = await capture(argv);
    assert.equal(u.code, 2, argv.join(' '));
    assert.match(u.err, new RegExp(`^hardneg data ${argv[0]}: .*\\n\\nusage: hardneg data ${argv[0]} `, 's'), argv.join(' '));
  }
  assert.match((await capture(['stats', 'synthetic', '-d', 'lastfm'])).err, /stats takes one SOURCE, got 2/);
  for (const sub of ['stats', 'split']) {
    assert.equal((await capture([sub, '--help'])).out.split('source options:').length, 2, `${sub} --help shows the source options once`);
  }
  // -d / --dataset is the positional SOURCE as a flag (train takes --dataset).
  const viaFlag = await capture(['stats', '-d', 'synthetic', '--json']);
  assert.equal(viaFlag.code, 0, viaFlag.err);
  assert.deepEqual(JSON.parse(viaFlag.out), JSON.parse((await capture(['stats', 'synthetic', '--json'])).out));
  assert.equal(JSON.parse((await capture(['stats', '--dataset', 'synthetic', '--json'])).out).numUsers, 500);
  const syn = await capture(['stats', 'synthetic', '--split', 'ratio:8:1:1', '--json']);
  assert.equal(JSON.parse(syn.out).numUsers, 500);
  assert.ok(nnz(loadDataset({ name: 'synthetic' }).train) > 0);
});
