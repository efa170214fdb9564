// Regression tests for run-folder ownership (robustness issue, item 3): one writer per folder (a second training or
// resume is refused with the holder's PID), --out onto an existing run refused unless --force, results written so
// a folder never looks finished when it is not, write errors naming the file, and kills at any point leaving a
// folder that resumes bit-identically or is reported incomplete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDataset } from '../../src/data/index.js';
import { train } from '../../src/experiments/run.js';
import { LOCK_FILE, RunFolderError, RunWriteError, acquireRunLock, runState, writeError, writeFileAtomic } from '../../src/experiments/runFolder.js';
import { readRun } from '../../src/experiments/runStore.js';
import { CLI, cli, cliAsync, hasStackTrace } from '../helpers/child.js';

const root = mkdtempSync(join(tmpdir(), 'hardneg-runfolder-'));
test.after(() => rmSync(root, { recursive: true, force: true }));
const QUICK = ['--epochs', '3', '-q'];
const LONG = ['--epochs', '60', '--eval-every', '2', '--patience', '0', '-q'];

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function metricsLines(dir: string): Array<Record<string, unknown>> {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

test('two concurrent `hardneg train --out X`: one refuses (naming the holder PID), the other run is intact', async () => {
  const out = join(root, 'concurrent');
  const a = cliAsync(['train', ...LONG, '--out', out]);
  await waitFor(() => existsSync(join(out, LOCK_FILE)));
  const b = await cliAsync(['train', ...LONG, '--out', out]);
  const ra = await a;
  assert.equal(ra.code, 0, ra.err);
  assert.equal(b.code, 2, b.err);
  assert.match(b.err, /is being written by process \d+/);
  assert.ok(!hasStackTrace(b.err), b.err);
  // The winner's metrics are its own: 60 epoch records and 30 evaluations, in order, no interleaving.
  const lines = metricsLines(out);
  assert.equal(lines.filter((l) => l.type === 'epoch').length, 60);
  assert.equal(lines.filter((l) => l.type === 'eval').length, 30);
  assert.deepEqual(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch), Array.from({ length: 60 }, (_, i) => i + 1));
  assert.equal(runState(out), 'finished');
  assert.ok(!existsSync(join(out, LOCK_FILE)), 'lock released');
  // Started at the same moment: exactly one succeeds either way.
  const both = join(root, 'both');
  const rs = await Promise.all([cliAsync(['train', ...QUICK, '--out', both]), cliAsync(['train', ...QUICK, '--out', both])]);
  assert.deepEqual(rs.map((r) => r.code).sort(), [0, 2], rs.map((r) => r.err).join('\n'));
  assert.match(rs.find((r) => r.code === 2)!.err, /being written by process \d+|already holds a finished run/);
});

test('--out onto a finished run refuses unless --force (which replaces it); the library refuses too', async () => {
  const out = join(root, 'finished');
  assert.equal(cli(['train', ...QUICK, '--out', out]).code, 0);
  const before = readFileSync(join(out, 'summary.json'), 'utf8');
  const r = cli(['train', ...QUICK, '--seed', '7', '--out', out]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /already holds a finished run: --force replaces it/);
  assert.equal(readFileSync(join(out, 'summary.json'), 'utf8'), before, 'untouched');
  const f = cli(['train', ...QUICK, '--seed', '7', '--out', out, '--force']);
  assert.equal(f.code, 0, f.err);
  assert.equal(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).seed, 7);
  const ds = syntheticDataset({ users: 60, items: 80, seed: 1 });
  await assert.rejects(train({ epochs: 1 }, ds, { runDir: out }), RunFolderError);
  // A refused run into a new folder leaves nothing behind.
  const fresh = join(root, 'never');
  await assert.rejects(train({ epochs: 1, batchSize: -1 }, ds, { runDir: fresh }));
  assert.ok(!existsSync(fresh));
});

test('a second writer in the same process is refused; a lock left by a dead process is taken over', async () => {
  const dir = join(root, 'inproc');
  const l = acquireRunLock(dir);
  assert.throws(() => acquireRunLock(dir), /being written by this process/);
  l.release();
  acquireRunLock(dir).release();
  const stale = join(root, 'stale');
  mkdirSync(stale);
  // A PID that cannot be alive (above pid_max).
  writeFileSync(join(stale, LOCK_FILE), JSON.stringify({ pid: 2 ** 30, host: (await import('node:os')).hostname(), started: 'then' }) + '\n');
  const r = cli(['train', ...QUICK, '--out', stale]);
  assert.equal(r.code, 0, r.err);
});

test('results are written model first, summary last: a failed model write leaves no summary; errors name the file', async () => {
  const dir = join(root, 'order');
  // A directory where the model's temporary file goes: writing the model fails.
  mkdirSync(join(dir, `model.safetensors.tmp-${process.pid}`), { recursive: true });
  const ds = syntheticDataset({ users: 60, items: 80, seed: 1 });
  await assert.rejects(train({ epochs: 2 }, ds, { runDir: dir }), (e: Error) => {
    assert.ok(e instanceof RunWriteError, e.stack);
    assert.equal(e.file, join(dir, 'model.safetensors'));
    assert.match(e.message, /model\.safetensors: cannot write/);
    return true;
  });
  assert.ok(!existsSync(join(dir, 'summary.json')), 'the summary is written after the model');
  assert.equal(runState(dir), 'incomplete');
  assert.throws(() => readRun(dir), /an incomplete run/);
  const r = cli(['eval', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /incomplete run/);
  // Disk full: the message names the file and says how to go on.
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const resumable = join(root, 'resumable');
  mkdirSync(resumable);
  writeFileSync(join(resumable, 'checkpoint.safetensors'), '');
  const e = writeError(join(resumable, 'summary.json'), full, resumable);
  assert.match(e.message, /summary\.json: cannot write \(ENOSPC: no space left on the device\); the run's checkpoint is kept: .*--resume/);
  assert.throws(() => writeFileAtomic(join(root, 'no', 'such', 'dir', 'x.json'), '{}', root), /x\.json: cannot write \(ENOENT/);
});

function killAfter(args: string[], ms: number): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HARDNEG_THREADS: '1' }, stdio: 'ignore' });
    const t = setTimeout(() => c.kill('SIGKILL'), ms);
    c.on('close', () => {
      clearTimeout(t);
      resolve(c.pid!);
    });
  });
}

test('a kill at any point leaves a folder that resumes bit-identically or is reported incomplete; two resumes: one refuses', async (t) => {
  const ref = join(root, 'ref');
  assert.equal(cli(['train', ...LONG, '--out', ref]).code, 0);
  const refSummary = JSON.parse(readFileSync(join(ref, 'summary.json'), 'utf8'));
  const refModel = readFileSync(join(ref, 'model.safetensors'));
  const seen = new Set<string>();
  const states: string[] = [];
  for (const ms of [150, 700, 1400, 2100]) {
    const dir = join(root, `kill-${ms}`);
    const killed = await killAfter(['train', ...LONG, '--out', dir], ms);
    const state = runState(dir);
    seen.add(state);
    states.push(`${ms} ms: ${state}`);
    if (state === 'empty') continue;
    if (state === 'incomplete') {
      const e = cli(['eval', dir]);
      assert.equal(e.code, 2);
      assert.match(e.err, /incomplete run/);
      continue;
    }
    if (state === 'finished') {
      assert.equal(cli(['eval', dir]).code, 0);
      continue;
    }
    // Resumable: two resumes at once, one refuses; the other finishes bit-identically to the uninterrupted run.
    const a = cliAsync(['train', '--resume', dir, '-q']);
    const lockPid = (): number | null => {
      try {
        return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid;
      } catch {
        return null;
      }
    };
    // The killed process's lock is stale: wait until the first resume has taken it over.
    await waitFor(() => { const p = lockPid(); return (p !== null && p !== killed) || runState(dir) === 'finished'; });
    const b = await cliAsync(['train', '--resume', dir, '-q']);
    const ra = await a;
    assert.equal(ra.code, 0, ra.err);
    // Refused while A holds the folder, or (A already done) nothing left to resume.
    if (b.code !== 0) assert.match(b.err, /being written by process \d+|no checkpoint/);
    const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    assert.deepEqual(s.test, refSummary.test);
    assert.equal(s.bestEpoch, refSummary.bestEpoch);
    assert.ok(readFileSync(join(dir, 'model.safetensors')).equals(refModel), 'model bit-identical');
    assert.equal(metricsLines(dir).length, metricsLines(ref).length);
  }
  assert.ok(seen.size >= 1);
  t.diagnostic(`kill points: ${states.join(', ')}`);
});

test('a folder killed before its config.json was written is reported as an incomplete run, not as a foreign folder', () => {
  const dir = join(root, 'killed-early');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'metrics.jsonl'), '');
  assert.equal(runState(dir), 'incomplete');
  assert.throws(() => readRun(dir), /an incomplete run/);
  const other = join(root, 'not-a-run');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'notes.txt'), 'hello');
  assert.throws(() => readRun(other), /no config\.json; is this a hardneg run folder/);
});
