import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellOverrides, expandGrid, parseGridArg, runName, summarizeSweep, type SweepRunRecord } from '../../src/experiments/sweep.js';
import { resolveConfig } from '../../src/experiments/presets.js';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../../src/experiments/sweepRunner.js';
import { datasetFromConfig, normaliseDatasetSpec } from '../../src/experiments/openRun.js';
import { train } from '../../src/experiments/run.js';
import { runState } from '../../src/experiments/runFolder.js';

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

test('a rerun of a sweep keeps its finished runs, resumes a killed one from its checkpoint, and refuses another config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-sweep-rerun-'));
  try {
    const req = {
      overrides: { epochs: 4, evalEvery: 1, patience: 0, encoder: { dim: 8 }, dataset: { name: 'synthetic', synthetic: { users: 60, items: 80, seed: 2 } } },
      grid: [parseGridArg('sampler.name=uniform,dns')], outDir: dir,
    };
    const first = await runSweep(req);
    assert.ok(first.records.every((r) => !r.error), JSON.stringify(first.records));
    // Simulate a kill of the dns run: keep its checkpoint state by rerunning it interrupted after epoch 2.
    const dnsDir = first.records[1].runDir!;
    const stamp = statSync(join(first.records[0].runDir!, 'summary.json')).mtimeMs;
    rmSync(dnsDir, { recursive: true, force: true });
    const ctl = new AbortController();
    let n = 0;
    const job = resolveConfig(undefined, req.overrides, { sampler: { name: 'dns' } });
    job.dataset = normaliseDatasetSpec(job.dataset);
    await train(job, await datasetFromConfig(job.dataset), {
      runDir: dnsDir, datasetSpec: job.dataset, signal: ctl.signal,
      onEvent: (e) => { if (e.type === 'epoch' && ++n === 3) ctl.abort(); },
    });
    assert.equal(runState(dnsDir), 'resumable');
    const logs: string[] = [];
    const second = await runSweep({ ...req, log: (l) => logs.push(l) });
    assert.ok(logs.some((l) => /1 finished run\(s\) kept, 1 resumed/.test(l)), logs.join('\n'));
    assert.equal(statSync(join(first.records[0].runDir!, 'summary.json')).mtimeMs, stamp, 'the finished run was not retrained');
    assert.deepEqual(second.records.map((r) => r.test), first.records.map((r) => r.test), 'same results: kept and resumed bit for bit');
    // Another config for the same folders is refused (force replaces).
    await assert.rejects(runSweep({ ...req, overrides: { ...req.overrides, epochs: 3 } }), /holds a finished run of another config/);
    // A run killed before its first checkpoint (config.json only) has nothing to keep: the rerun restarts it.
    for (const f of readdirSync(dnsDir)) if (f !== 'config.json') rmSync(join(dnsDir, f), { recursive: true, force: true });
    assert.equal(runState(dnsDir), 'incomplete');
    const logs3: string[] = [];
    const third = await runSweep({ ...req, log: (l) => logs3.push(l) });
    assert.ok(logs3.some((l) => /1 killed before their first checkpoint restarted/.test(l)), logs3.join('\n'));
    assert.deepEqual(third.records.map((r) => r.test), first.records.map((r) => r.test), 'the restarted run gives the same results');
    // Killed sooner still, before config.json (metrics.jsonl is the first file a run writes): restarted too.
    for (const f of readdirSync(dnsDir)) if (f !== 'metrics.jsonl') rmSync(join(dnsDir, f), { recursive: true, force: true });
    assert.equal(runState(dnsDir), 'incomplete');
    const logs4: string[] = [];
    const fourth = await runSweep({ ...req, log: (l) => logs4.push(l) });
    assert.ok(logs4.some((l) => /1 killed before their first checkpoint restarted/.test(l)), logs4.join('\n'));
    assert.deepEqual(fourth.records.map((r) => r.test), first.records.map((r) => r.test));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
