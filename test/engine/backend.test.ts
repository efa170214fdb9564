// Backend selection: kernels(), setBackend, setThreads, backendInfo, environment overrides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { backendInfo, jsKernels, kernels, setBackend, setKernelSet, setThreads, wasmAvailable } from '../../src/engine/kernels/index.js';
import { fmaKernelsStatus } from '../../src/engine/kernels/wasm.js';

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


test('kernel sets: HARDNEG_KERNELS=simd|fma|auto and setKernelSet choose the WASM build; backendInfo().kernels records it', () => {
  if (!wasmAvailable()) return;
  const fma = fmaKernelsStatus();
  const simd = infoWith({ HARDNEG_BACKEND: 'wasm', HARDNEG_THREADS: '1', HARDNEG_KERNELS: 'simd' });
  assert.equal(simd.status, 0, simd.err);
  assert.equal(JSON.parse(simd.out).kernels, 'simd');
  const auto = infoWith({ HARDNEG_BACKEND: 'wasm', HARDNEG_THREADS: '1' });
  assert.equal(JSON.parse(auto.out).kernels, fma.ok ? 'fma' : 'simd');
  const forced = infoWith({ HARDNEG_BACKEND: 'wasm', HARDNEG_THREADS: '1', HARDNEG_KERNELS: 'fma' });
  if (fma.ok) assert.equal(JSON.parse(forced.out).kernels, 'fma');
  else assert.match(forced.err, /FMA kernels requested but not usable/);
  assert.match(infoWith({ HARDNEG_KERNELS: 'avx' }).err, /HARDNEG_KERNELS must be 'simd', 'fma' or 'auto', got 'avx'/);
  // In process: the JS backend records no kernel set; switching sets restarts the WASM backend.
  setBackend('js');
  assert.equal(backendInfo().kernels, null);
  setBackend('wasm');
  setKernelSet('simd');
  assert.equal(backendInfo().kernels, 'simd');
  if (fma.ok) {
    setKernelSet('fma');
    assert.equal(backendInfo().kernels, 'fma');
  } else {
    assert.throws(() => setKernelSet('fma'), /FMA kernels requested/);
  }
  setKernelSet('auto');
  assert.equal(backendInfo().kernels, fma.ok ? 'fma' : 'simd');
  assert.throws(() => setKernelSet('sse' as 'simd'), /unknown kernel set 'sse'/);
  setBackend('js');
});
