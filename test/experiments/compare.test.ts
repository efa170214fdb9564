import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePerUser, compareRuns, comparisonRows, configKey, pairByUser, type ComparedRun } from '../../src/experiments/compare.js';
import { resolveConfig } from '../../src/experiments/presets.js';

function run(label: string, users: number[], vals: number[], fp = 'f'): ComparedRun {
  const v = Float32Array.from(vals);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return { label, dirs: [label], fingerprint: fp, metrics: { 'ndcg@20': mean }, perUser: { users: Int32Array.from(users), values: { 'ndcg@20': v } } };
}

test('pairing by user id and the paired t-test against hand-computed values', () => {
  // Baseline users in another order; candidate has an extra user (9) that must be ignored.
  const base = run('base', [3, 1, 2, 0], [0.5, 0.25, 0.5, 0]);
  const cand = run('cand', [0, 1, 2, 3, 9], [0.5, 0.5, 0.5, 1, 1]);
  const { xa, xb } = pairByUser(cand.perUser, base.perUser, 'ndcg@20');
  assert.deepEqual(Array.from(xa), [0.5, 0.5, 0.5, 1]);
  assert.deepEqual(Array.from(xb), [0, 0.25, 0.5, 0.5]);
  // differences d = [0.5, 0.25, 0, 0.5]; mean 0.3125; sample var = Σ(d−m)²/3 = (0.03515625+0.00390625+0.09765625+0.03515625)/3
  // = 0.0572916…; sd 0.239357…; t = 0.3125 / (0.239357/2) = 2.61116…, df 3
  const c = compareRuns([base, cand], 0, ['ndcg@20']);
  const cell = c.rows[1].cells['ndcg@20'];
  assert.equal(cell.n, 4);
  assert.ok(Math.abs(cell.t - 2.611164839) < 1e-6, `t = ${cell.t}`);
  // Two-sided p for t = 2.6112 with 3 df is ≈ 0.0796 (t-table: t_0.05,3 = 2.353 → p < 0.1; t_0.025,3 = 3.182 → p > 0.05).
  assert.ok(cell.p > 0.05 && cell.p < 0.1, `p = ${cell.p}`);
  assert.equal(cell.pAdjusted, cell.p, 'one comparison: Holm leaves p unchanged');
  assert.ok(Math.abs(cell.improvement - (0.7 / 0.3125 - 1)) < 1e-6);
  const rows = comparisonRows(c).rows;
  assert.match(rows[0][0], /^\(baseline\) base/);
  assert.match(rows[1][2], /^\+124\.00%$/);
});

test('different data: no paired test, a warning; Holm over several runs', () => {
  const base = run('base', [0, 1, 2], [0.1, 0.2, 0.3]);
  const other = run('other', [0, 1, 2], [0.2, 0.3, 0.5], 'g');
  const c = compareRuns([base, other], 0, ['ndcg@20']);
  assert.ok(Number.isNaN(c.rows[1].cells['ndcg@20'].p));
  assert.match(c.warnings[0], /different data/);
  const a = run('a', [0, 1, 2, 3], [0.2, 0.3, 0.35, 0.5]);
  const b = run('b', [0, 1, 2, 3], [0.1, 0.22, 0.3, 0.41]);
  const d = run('d', [0, 1, 2, 3], [0.3, 0.2, 0.4, 0.4]);
  const m = compareRuns([b, a, d], 0, ['ndcg@20']);
  const ps = [m.rows[1].cells['ndcg@20'].p, m.rows[2].cells['ndcg@20'].p];
  const adj = [m.rows[1].cells['ndcg@20'].pAdjusted, m.rows[2].cells['ndcg@20'].pAdjusted];
  // Holm with two tests: the smaller p is doubled, the larger is max(its own, the first adjusted).
  const [lo, hi] = ps[0] < ps[1] ? [0, 1] : [1, 0];
  assert.ok(Math.abs(adj[lo] - Math.min(1, 2 * ps[lo])) < 1e-12);
  assert.ok(Math.abs(adj[hi] - Math.min(1, Math.max(ps[hi], adj[lo]))) < 1e-12);
});

test('seed grouping: per-user averages over runs on shared users; config identity ignores the seed only', () => {
  const avg = averagePerUser([
    { users: Int32Array.from([0, 1, 2]), values: { m: Float32Array.from([1, 0, 0.5]) } },
    { users: Int32Array.from([2, 0]), values: { m: Float32Array.from([0.25, 0]) } },
  ]);
  assert.deepEqual(Array.from(avg.users), [0, 2]);
  assert.deepEqual(Array.from(avg.values.m), [0.5, 0.375]);
  assert.equal(configKey(resolveConfig(undefined, { seed: 1 })), configKey(resolveConfig(undefined, { seed: 2 })));
  assert.notEqual(configKey(resolveConfig(undefined, { seed: 1 })), configKey(resolveConfig(undefined, { sampler: { name: 'dns' } })));
});

test('grouped rows print mean ± sample std over seeds; single runs print the value alone', async () => {
  const { meanStd } = await import('../../src/experiments/compare.js');
  const ms = meanStd([0.30, 0.32, 0.34]);
  assert.ok(Math.abs(ms.mean - 0.32) < 1e-12);
  assert.ok(Math.abs(ms.std - 0.02) < 1e-12); // sqrt(((0.02)² + 0 + (0.02)²) / 2) = 0.02
  assert.ok(Number.isNaN(meanStd([0.5]).std));
  const users = new Int32Array([0, 1]);
  const mk = (label: string, v: number, sd?: number): ComparedRun => ({
    label, dirs: [label], fingerprint: 'f', metrics: { 'recall@20': v },
    metricsStd: sd === undefined ? undefined : { 'recall@20': sd },
    perUser: { users, values: { 'recall@20': new Float32Array([v, v]) } },
  });
  const rows = comparisonRows(compareRuns([mk('a', 0.32, 0.02), mk('b', 0.4)], 0, ['recall@20'])).rows;
  assert.equal(rows[0][1], '0.3200 ± 0.0200');
  assert.equal(rows[1][1], '0.4000');
});

test('configKey groups a run that named its loss with one that left it to the sampler (same resolved loss)', () => {
  const named = { ...resolveConfig(undefined, { sampler: { name: 'pdns', m: 8, beta: 0.2 }, loss: { name: 'softBpr', beta: 0.2 } }), resolvedLoss: { name: 'softBpr', beta: 0.2 } };
  const left = { ...resolveConfig(undefined, { sampler: { name: 'pdns', m: 8, beta: 0.2 } }), resolvedLoss: { name: 'softBpr', beta: 0.2 } };
  const other = { ...left, resolvedLoss: { name: 'bpr' } };
  assert.equal(configKey(named), configKey(left));
  assert.notEqual(configKey(left), configKey(other));
});

test('set-level metrics (item coverage, Gini) are compared without a paired test', () => {
  const base = run('base', [0, 1, 2], [0.1, 0.2, 0.3]);
  const cand = run('cand', [0, 1, 2], [0.2, 0.3, 0.5]);
  base.metrics['itemcoverage@20'] = 0.5;
  cand.metrics['itemcoverage@20'] = 0.6;
  const c = compareRuns([base, cand], 0, ['itemcoverage@20', 'ndcg@20']);
  const cell = c.rows[1].cells['itemcoverage@20'];
  assert.ok(Math.abs(cell.improvement - 0.2) < 1e-12);
  assert.ok(Number.isNaN(cell.p) && cell.n === 0);
  assert.ok(Number.isFinite(c.rows[1].cells['ndcg@20'].p));
});
