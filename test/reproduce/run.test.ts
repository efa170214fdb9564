// `reproduce` end to end on the built-in synthetic data (the item's budget with smaller data and fewer epochs): the
// rows an item's arms and axes produce, the comparison and claims computed from the runs' own summaries, a rerun
// that keeps every finished run, and a killed reproduce that resumes to the same numbers as an uninterrupted one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findItem } from '../../src/reproduce/catalogue.js';
import { reproduce } from '../../src/reproduce/run.js';
import { CLI, cli } from '../helpers/child.js';

const DATA = { name: 'synthetic', split: 'ratio:8:1:1', synthetic: { users: 120, items: 80 } };
const SMALL = { epochs: 4, evalEvery: 2 };

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'hardneg-reproduce-'));
}

test('an item with a sensitivity axis: one row per value per group, numbers from the runs, claims checked against them', async () => {
  const out = tmp();
  try {
    const item = findItem('pdns', 'table3');
    const r = await reproduce(item, { out, overrides: SMALL, dataset: DATA });
    assert.equal(r.rows.length, 8, 'two groups × four pool sizes');
    assert.deepEqual(r.rows.filter((x) => x.group === 'mf').map((x) => x.id), ['pdns@8', 'pdns@16', 'pdns@32', 'pdns@64']);
    for (const row of r.rows) {
      assert.equal(row.runDirs.length, 1);
      const s = JSON.parse(readFileSync(join(row.runDirs[0], 'summary.json'), 'utf8')) as { test: Record<string, number>; config?: unknown };
      assert.equal(row.test['recall@50'].mean, s.test['recall@50'], `${row.id}: the row is the run's own test metric`);
      const cfg = JSON.parse(readFileSync(join(row.runDirs[0], 'config.json'), 'utf8')) as { sampler: { m: number }; encoder: { name: string } };
      assert.equal(`pdns@${cfg.sampler.m}`, row.id);
      assert.equal(cfg.encoder.name, row.group === 'mf' ? 'mf' : 'lightgcn');
    }
    // The claim (LightGCN: H 64 above H 8) is judged on exactly those means.
    const c = r.claims[0];
    const v = (id: string) => r.rows.find((x) => x.group === 'lightgcn' && x.id === id)!.test['recall@50'].mean;
    assert.equal(c.verdict, v('pdns@64') > v('pdns@8') ? 'holds' : 'does not hold');
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    assert.match(md, /paper recall@50 \(Gowalla\)/);
    assert.match(md, /0\.2957/, 'the paper\'s LightGCN H = 64 number is shown beside ours');
    assert.match(md, /--dataset '\{"name":"synthetic"/, 'the report says it ran on other data');
    assert.match(md, /## Differences from the paper\n\n- Every run used `\{"name":"synthetic"[^\n]*not the budget's dataset/,
      'and says so first among the differences, which otherwise name the budget\'s dataset');
    const html = readFileSync(join(out, 'report', 'report.html'), 'utf8');
    assert.match(html, /0\.2957/, 'the HTML report shows the paper\'s number too');
    assert.match(html, /data-chart="sensitivity-sampler-m"/, 'and the pool size as a sensitivity line');
    const doc = JSON.parse(readFileSync(join(out, 'reproduce.json'), 'utf8')) as { rows: unknown[]; comparisons: unknown[] };
    assert.equal(doc.rows.length, 8);
    assert.equal(doc.comparisons.length, 2);

    const again = await reproduce(item, { out, overrides: SMALL, dataset: DATA, log: () => {} });
    assert.deepEqual(again.rows.map((x) => x.test), r.rows.map((x) => x.test), 'a rerun keeps and rereads every finished run');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('arms whose method is not built are reported as left out, the rest run', async () => {
  const out = tmp();
  try {
    const item = findItem('pdns', 'table2');
    const r = await reproduce(item, { out, overrides: { ...SMALL, epochs: 2 }, dataset: DATA });
    const skipped = new Set(r.skipped.map((s) => s.arm));
    for (const row of r.rows) assert.ok(!skipped.has(row.arm));
    for (const s of r.skipped) assert.match(s.why, /unknown sampler/);
    assert.ok(r.rows.some((x) => x.id === 'pdns') && r.rows.some((x) => x.id === 'rns'));
    if (r.skipped.length) assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /Arms not run here/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('a killed reproduce resumes: finished runs kept, the rest run, the same numbers as an uninterrupted one', async () => {
  const a = tmp();
  const b = tmp();
  const args = (out: string) => ['reproduce', 'gdns', 'fig6', '--out', out, '--dataset', '{name: synthetic, split: "loo:random:valid", synthetic: {users: 100, items: 300}}',
    '--set', 'epochs=2', '--set', 'evalEvery=1', '--json'];
  try {
    const full = cli(args(a), { timeoutMs: 120_000 });
    assert.equal(full.code, 0, full.err);
    // Kill the second one once its first run has finished.
    await new Promise<void>((resolveP) => {
      const c = spawn(process.execPath, [CLI, ...args(b)], { env: { ...process.env, HARDNEG_THREADS: '1' }, stdio: 'ignore' });
      const t = setInterval(() => {
        const dir = join(b, 'n', 'gdns');
        const done = existsSync(dir) ? readdirSync(dir).filter((d) => existsSync(join(dir, d, 'summary.json'))) : [];
        if (done.length >= 1) c.kill('SIGKILL');
      }, 20);
      c.on('exit', () => {
        clearInterval(t);
        resolveP();
      });
    });
    const resumed = cli(args(b), { timeoutMs: 120_000 });
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /finished run\(s\) kept/);
    const rows = (r: string) => (JSON.parse(r) as { rows: Array<{ id: string; test: unknown }> }).rows.map((x) => [x.id, x.test]);
    assert.deepEqual(rows(resumed.out), rows(full.out));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});
