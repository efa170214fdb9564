// Backend selection: kernels(), setBackend, setThreads, backendInfo, environment overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { backendInfo, jsKernels, kernels, setBackend, setThreads, wasmAvailable } from '../../src/engine/kernels/index.js';

const indexUrl = new URL('../../src/engine/kernels/index.js', import.meta.url).href;

/** backendInfo() in a fresh process with the given environment. */
function infoWith(env: Record<string, string>): { out: string; err: string; status: number | null } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e',
    `import { backendInfo } from ${JSON.stringify(indexUrl)}; console.log(JSON.stringify(backendInfo()));`],
  { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { out: r.stdout.trim(), err: r.stderr, status: r.status };
}

test('setBackend / setThreads / backendInfo', () => {
  setBackend('js');
  assert.equal(kernels(), jsKernels);
  assert.deepEqual({ name: backendInfo().name, threads: backendInfo().threads }, { name: 'js', threads: 1 });
  setThreads(2); // recorded for wasm; js stays single-threaded
  assert.equal(kernels(), jsKernels);
  assert.throws(() => setBackend('gpu' as 'js'), /unknown backend 'gpu'/);
  assert.throws(() => setThreads(0), /positive integer/);
  if (wasmAvailable()) {
    setBackend('wasm');
    assert.equal(backendInfo().name, 'wasm');
    assert.equal(backendInfo().threads, 2);
    const k = kernels();
    setBackend('wasm'); // same backend and threads: kept
    assert.equal(kernels(), k);
    setThreads(1);
    assert.equal(backendInfo().threads, 1);
    setBackend('js');
  }
});

test('environment: HARDNEG_BACKEND=js, HARDNEG_THREADS, and clear errors for bad values', () => {
  const js = infoWith({ HARDNEG_BACKEND: 'js' });
  assert.equal(js.status, 0, js.err);
  assert.equal(JSON.parse(js.out).name, 'js');
  if (wasmAvailable()) {
    const w = infoWith({ HARDNEG_BACKEND: 'wasm', HARDNEG_THREADS: '1' });
    assert.deepEqual({ name: JSON.parse(w.out).name, threads: JSON.parse(w.out).threads }, { name: 'wasm', threads: 1 });
    assert.equal(w.err.includes('unavailable'), false);
  }
  assert.match(infoWith({ HARDNEG_BACKEND: 'cuda' }).err, /HARDNEG_BACKEND must be 'js' or 'wasm', got 'cuda'/);
  assert.match(infoWith({ HARDNEG_BACKEND: 'wasm', HARDNEG_THREADS: 'two' }).err, /HARDNEG_THREADS must be a positive integer/);
});

