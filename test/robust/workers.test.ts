// Regression test: Node 26 refuses an inherited `--input-type` in a worker thread, so a program run as
// `node --input-type=module -e …` died (ERR_INPUT_TYPE_NOT_ALLOWED) as soon as the two-thread kernel pool or
// Model.loadAsync started a worker. Workers now start with the parent's options minus that flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startWorker, workerExecArgv } from '../../src/core/workers.js';

const KERNELS = new URL('../../src/engine/kernels/index.js', import.meta.url).href;

test('workerExecArgv drops --input-type in both forms and keeps every other option', () => {
  assert.deepEqual(workerExecArgv(['--input-type=module', '--stack-size=2000', '-e', 'code']), ['--stack-size=2000', '-e', 'code']);
  assert.deepEqual(workerExecArgv(['--input-type', 'module', '--max-old-space-size=4096']), ['--max-old-space-size=4096']);
  // Without it the worker inherits as before (an explicit list is validated flag by flag; the inherited one is not).
  assert.equal(workerExecArgv(['--enable-source-maps']), undefined);
  assert.equal(workerExecArgv([]), undefined);
});

test('startWorker: when the filtered options are refused in a worker, it starts with none instead of failing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hn-worker-'));
  try {
    const file = join(dir, 'w.mjs');
    writeFileSync(file, "import { parentPort, workerData } from 'node:worker_threads'; parentPort.postMessage(workerData * 2);\n");
    // --secure-heap is a process-wide flag that Worker refuses in an explicit execArgv.
    for (const argv of [['--input-type=module', '--secure-heap=0'], ['--input-type=module'], []]) {
      const w = startWorker(pathToFileURL(file), { workerData: 21 }, argv);
      const got = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
      assert.equal(got, 42, argv.join(' '));
      await w.terminate();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a program run with --input-type=module -e starts the two-thread kernel pool and uses it', () => {
  // The pool's workers load at once; wait long enough for a refused worker to have thrown, then run a kernel.
  const code = `import * as k from ${JSON.stringify(KERNELS)};
    k.setBackend('wasm'); k.setThreads(2);
    k.kernels();
    await new Promise((r) => setTimeout(r, 1500));
    const d = 8, rows = 4096, table = new Float32Array(rows * d).fill(1), idx = new Int32Array(rows).map((_, i) => i);
    const out = new Float32Array(rows * d);
    k.gatherMean([table], d, idx, out);
    console.log(JSON.stringify({ threads: k.backendInfo().threads, first: out[0], last: out[rows * d - 1] }));
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout.trim()) as { threads: number; first: number; last: number };
  assert.equal(info.threads, 2);
  assert.equal(info.first, 1);
  assert.equal(info.last, 1);
});
