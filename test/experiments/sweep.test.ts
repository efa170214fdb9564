import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOverrides, expandGrid, parseGridArg, runName, summarizeSweep, type SweepRunRecord } from '../../src/experiments/sweep.js';
import { resolveConfig } from '../../src/experiments/presets.js';

test('grid expansion: cartesian product, last axis fastest, values parsed', () => {
  const grid = [parseGridArg('sampler.name=uniform,dns'), parseGridArg('sampler.M=[16, 32, 64]')];
  assert.deepEqual(grid[1].values, [16, 32, 64]);
  const cells = expandGrid(grid);
  assert.equal(cells.length, 6);
  assert.deepEqual(cells.map((c) => c.label), [
    'sampler.name=uniform,sampler.M=16', 'sampler.name=uniform,sampler.M=32', 'sampler.name=uniform,sampler.M=64',
    'sampler.name=dns,sampler.M=16', 'sampler.name=dns,sampler.M=32', 'sampler.name=dns,sampler.M=64',
  ]);
  assert.deepEqual(cellOverrides(cells[4], 7), { sampler: { name: 'dns', M: 32 }, seed: 7 });
  assert.equal(runName(cells[4], 7), '004-sampler.name=dns_sampler.M=32-s7');
  assert.deepEqual(expandGrid([]).map((c) => c.label), ['base']);
  assert.throws(() => expandGrid([parseGridArg('a=1'), parseGridArg('a=2')]), /given twice/);
  assert.throws(() => parseGridArg('seed=1,2'), /use --seeds/);
  // A cell's overrides resolve into a valid config.
  const c = resolveConfig(undefined, cellOverrides(cells[3], 3));
  assert.equal(c.sampler.name, 'dns');
  assert.equal(c.seed, 3);
});

test('sweep summary: mean ± sample std per cell; best cell by the selection metric, not test', () => {
  const cells = expandGrid([parseGridArg('lr=0.1,0.01')]);
  const rec = (cell: number, seed: number, v: number, t: number): SweepRunRecord =>
    ({ cell, seed, select: { 'recall@20': v }, test: { 'recall@20': t } });
  const records = [
    rec(0, 1, 0.2, 0.9), rec(0, 2, 0.4, 0.9), // cell 0: valid mean 0.3, test high
    rec(1, 1, 0.3, 0.1), rec(1, 2, 0.5, 0.1), rec(1, 3, 0.4, 0.1), // cell 1: valid mean 0.4
    { cell: 1, seed: 4, select: {}, test: {}, error: 'boom' },
  ];
  const s = summarizeSweep(cells, records, 'recall@20');
  assert.ok(Math.abs(s[0].select['recall@20'].mean - 0.3) < 1e-12);
  // sample std of {0.2, 0.4}: sqrt(((−0.1)² + 0.1²)/1) = 0.141421…
  assert.ok(Math.abs(s[0].select['recall@20'].std - Math.SQRT2 / 10) < 1e-12);
  // {0.3, 0.5, 0.4}: mean 0.4, std sqrt((0.01 + 0.01 + 0)/2) = 0.1
  assert.ok(Math.abs(s[1].select['recall@20'].std - 0.1) < 1e-12);
  assert.equal(s[1].runs, 3);
  assert.equal(s[1].failed, 1);
  assert.equal(s[0].best, false);
  assert.equal(s[1].best, true);
});
