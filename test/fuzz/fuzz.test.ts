// The fast fuzz subset run by `npm test`: every library case (loaders, format guessing, config files, --set
// overrides, safetensors headers, run folders, resumes, library calls) and every 4th CLI case, each under a
// timeout; zero crashes, hangs, stack traces or silently accepted invalid inputs. The full run, with random
// mutations at a larger scale and every CLI case: `node dist/test/fuzz/run.js --all`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCases } from './cases.js';
import { runFuzz } from './run.js';

test('the case generator makes at least 300 malformed inputs across every loader, config and run-folder file', () => {
  const cases = generateCases(1, 1);
  assert.ok(cases.length >= 300, `${cases.length} cases`);
  const areas = new Set(cases.map((c) => c.area));
  for (const a of ['loader', 'guess', 'config', 'flags', 'safetensors', 'run', 'resume', 'library']) assert.ok(areas.has(a as never), a);
  const formats = new Set(cases.filter((c) => c.area === 'loader').map((c) => c.id.split('-')[1]));
  for (const f of ['lightgcn', 'lastfm', 'mixgcf', 'ncf', 'movielens', 'recbole', 'csv']) assert.ok(formats.has(f), f);
  const runFiles = new Set(cases.filter((c) => c.area === 'run' || c.area === 'resume').flatMap((c) => Object.keys(c.files)));
  for (const f of ['config.json', 'dataset.json', 'summary.json', 'model.safetensors', 'checkpoint.safetensors', 'metrics.jsonl', '.hardneg.lock']) assert.ok(runFiles.has(f), f);
  assert.equal(new Set(cases.map((c) => c.id)).size, cases.length, 'ids are unique');
});

test('fuzz subset: no crash, no hang, no stack trace, no silent acceptance', { timeout: 300_000 }, async () => {
  const report = await runFuzz({ cli: 'sample', cliEvery: 4 });
  const summary = `${report.cases} cases: ${JSON.stringify(report.counts)}`;
  assert.ok(report.cases >= 300, summary);
  assert.deepEqual(report.failures.map((f) => `${f.outcome} ${f.id}: ${f.detail}`), [], summary);
  assert.equal(report.counts.crash + report.counts.hang + report.counts.silent, 0);
  assert.ok(report.counts.error > 300, summary);
});
