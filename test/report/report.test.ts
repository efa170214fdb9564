// `hardneg report` on real (small) runs: what the report collects equals what the runs recorded, the Markdown twin,
// LaTeX and CSV carry the same numbers as the HTML, every chart is rendered, and bad input is a usage error.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { collectReport, writeReport } from '../../src/report/index.js';
import { texEscape, rowsCsv } from '../../src/report/tables.js';
import { csvChart } from '../../src/report/csvChart.js';
import { writeFileSync } from 'node:fs';
import { cli } from '../helpers/child.js';
import { makeRuns } from './fixtures.js';

let runs: Awaited<ReturnType<typeof makeRuns>>;
before(async () => {
  runs = await makeRuns();
});
after(() => rmSync(runs.root, { recursive: true, force: true }));

test('a sweep: seeds grouped per config, the swept key found, paired tests, curves from metrics.jsonl', () => {
  const d = collectReport(runs.sweep);
  assert.equal(d.runs.length, 4);
  assert.equal(d.comparison.rows.length, 2, 'two configs, each over two seeds');
  assert.deepEqual(d.swept.map((s) => s.key), ['sampler.m']);
  assert.deepEqual(d.swept[0].values, [4, 16]);
  for (const row of d.comparison.rows) {
    const tests = row.run.dirs.map((dir) => (JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { test: Record<string, number> }).test['recall@20']);
    assert.ok(Math.abs(row.cells['recall@20'].value - (tests[0] + tests[1]) / 2) < 1e-12, 'the row is the seeds\' mean');
  }
  assert.ok(Number.isFinite(d.comparison.rows[1].cells['recall@20'].pAdjusted), 'the second config is tested against the first');
  for (const r of d.runs) {
    const lines = readFileSync(join(r.run.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    assert.equal(r.epochs.length, lines.filter((l) => l.type === 'epoch').length);
    assert.equal(r.evals.filter((e) => e.split === 'valid').length, 4);
  }
});

test('the HTML, its Markdown twin, the LaTeX tables and the CSVs show the same numbers', async () => {
  const f = await writeReport(runs.sweep, { version: 'test' });
  const html = readFileSync(f.html, 'utf8');
  const md = readFileSync(f.markdown, 'utf8');
  const tex = readFileSync(f.latex, 'utf8');
  assert.doesNotMatch(html, /<script|https?:\/\/(?!www\.w3\.org)/, 'self-contained: no script, no external resource');
  for (const row of f.data.comparison.rows) {
    const v = row.cells['recall@20'].value.toFixed(4);
    assert.ok(html.includes(v) && md.includes(v) && tex.includes(v), `recall@20 ${v} in every format`);
  }
  const ids = [...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids.includes('valid-recall-20') && ids.includes('sensitivity-sampler-m') && ids.includes('diag-scoregap') && ids.includes('loss-loss'), ids.join(','));
  const csvs = readdirSync(join(runs.sweep, 'report', 'report-data'));
  assert.deepEqual(csvs.sort(), ids.map((i) => `${i}.csv`).sort(), 'one CSV per chart');
  // The sensitivity CSV: one row per m value with the mean over the two seeds of the runs' own test metric.
  const sens = readFileSync(join(runs.sweep, 'report', 'report-data', 'sensitivity-sampler-m.csv'), 'utf8').trim().split('\n');
  assert.equal(sens.length, 3);
  const [m4] = f.data.comparison.rows;
  assert.ok(sens[1].includes(String(m4.cells['recall@20'].value)), `${sens[1]} carries ${m4.cells['recall@20'].value}`);
  // Every figure holds an SVG with drawn marks.
  for (const fig of html.split('<figure').slice(1)) assert.match(fig, /<svg[^>]*>[\s\S]*<path[^>]* d="M/, 'a drawn line');
});

test('a single run with testCurve: validation and test curves; tables and CSV escape what they must', async () => {
  const f = await writeReport(runs.single, { out: join(runs.root, 'single.html') });
  assert.ok(existsSync(join(runs.root, 'single.md')) && existsSync(join(runs.root, 'single.tex')) && existsSync(join(runs.root, 'single-data', 'test-recall-20.csv')));
  assert.equal(f.data.swept.length, 0);
  assert.equal(texEscape('a_b & 50% ± Δ'), 'a\\_b \\& 50\\% $\\pm$ $\\Delta$');
  assert.equal(rowsCsv([{ a: 'x,y', b: 1 }, { a: 'q"', b: NaN }]), 'a,b\n"x,y",1\n"q""",\n');
});

test('hardneg report: usage errors exit 2 naming the problem; a run folder gets report/ inside it', () => {
  const none = cli(['report', join(runs.root, 'nope')]);
  assert.equal(none.code, 2);
  assert.match(none.err, /hardneg report: '.*nope' does not exist/);
  const empty = cli(['report', join(runs.sweep, 'report')]);
  assert.equal(empty.code, 2);
  assert.match(empty.err, /holds no finished run/);
  assert.equal(cli(['report', runs.sweep, '--out', 'x.txt']).code, 2);
  const ok = cli(['report', runs.single, '-q']);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(existsSync(join(runs.single, 'report', 'report.html')));
});

test('a chart of a CSV: quoted wide headers fold into series, long tables keep their series and panels, unknown columns are named', () => {
  const wide = join(runs.root, 'wide.csv');
  writeFileSync(wide, 'epoch,uniform,"dns(m=64,beta=2)"\n5,0.1,0.2\n10,0.15,\n');
  const w = csvChart(wide, { x: 'epoch', y: ['*'] });
  assert.deepEqual(w.rows, [{ epoch: 5, value: 0.1, series: 'uniform' }, { epoch: 5, value: 0.2, series: 'dns(m=64,beta=2)' }, { epoch: 10, value: 0.15, series: 'uniform' }],
    'the empty cell is no point; the comma inside quotes stays in the name');
  const long = join(runs.root, 'long.csv');
  writeFileSync(long, 'sampler,c,epoch,test_mean\ndns,0,2,0.08\ndns,0.2,2,0.09\npdns,0,2,0.07\n');
  const l = csvChart(long, { x: 'epoch', y: ['test_mean'], color: 'c', facet: 'sampler', where: [['sampler', 'dns']] });
  assert.deepEqual(l.rows.map((r) => [r.c, r.sampler, r.value]), [['0', 'dns', 0.08], ['0.2', 'dns', 0.09]]);
  assert.throws(() => csvChart(long, { x: 'epoch', y: ['recall'] }), /long\.csv: --y: no column 'recall' \(columns: sampler, c, epoch, test_mean\)/);
  const r = cli(['report', '--csv', long, '--x', 'epoch', '--y', 'nope', '--out', join(runs.root, 'x.svg')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no column 'nope'/);
  assert.equal(cli(['report', '--csv', long, '--x', 'epoch', '--y', 'test_mean']).code, 2, '--out is required');
  const ok = cli(['report', '--csv', long, '--x', 'epoch', '--y', 'test_mean', '--color', 'c', '--facet', 'sampler', '--out', join(runs.root, 'x.svg'), '-q']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(readFileSync(join(runs.root, 'x.svg'), 'utf8'), /^<svg[\s\S]*<\/svg>$/);
});
