// Small real runs for the report tests: a single run and a two-config × two-seed sweep on the built-in synthetic
// data, written once per test file into a temporary folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../../src/experiments/sweepRunner.js';
import { parseGridArg } from '../../src/experiments/sweep.js';

const BASE = { epochs: 4, evalEvery: 1, patience: 0, encoder: { dim: 8 }, dataset: { name: 'synthetic', synthetic: { users: 60, items: 80, seed: 2 } } };

/** A sweep of sampler.m = 4, 16 (DNS) × seeds 1, 2, and a single uniform run, in their own folders. */
export async function makeRuns(): Promise<{ root: string; sweep: string; single: string }> {
  const root = mkdtempSync(join(tmpdir(), 'hardneg-report-'));
  const sweep = join(root, 'sweep');
  await runSweep({ overrides: { ...BASE, sampler: { name: 'dns' } }, grid: [parseGridArg('sampler.m=4,16')], seeds: [1, 2], outDir: sweep, log: () => {} });
  const single = join(root, 'single');
  const one = await runSweep({ overrides: { ...BASE, sampler: { name: 'uniform' }, testCurve: true }, grid: [], outDir: single, log: () => {} });
  return { root, sweep, single: one.records[0].runDir! };
}
