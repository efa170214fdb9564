// Regression test (robustness issue, item 6): a thread count above the kernel pool's 64 is clamped with a warning
// (library, HARDNEG_THREADS) or refused (CLI), never a silent fall back to the slower, non-bit-identical JS backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cli } from '../helpers/child.js';

const KERNELS = new URL('../../src/engine/kernels/index.js', import.meta.url).href;

function child(code: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
}

test('setThreads(100) and HARDNEG_THREADS=100 clamp to 64 on the WASM backend with a warning', () => {
  const r = child(`import * as k from ${JSON.stringify(KERNELS)}; k.setBackend('wasm'); k.setThreads(100);
    console.log(JSON.stringify(k.backendInfo())); process.exit(0);`);
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.name, 'wasm');
  assert.equal(info.threads, 64);
  assert.equal(info.fallbackReason, null);
  assert.match(r.stderr, /setThreads 100 is above the 64 threads the kernel pool supports; using 64/);
  const e = child(`import * as k from ${JSON.stringify(KERNELS)}; console.log(JSON.stringify(k.backendInfo())); process.exit(0);`, { HARDNEG_THREADS: '100' });
  assert.equal(e.status, 0, e.stderr);
  assert.equal(JSON.parse(e.stdout).name, 'wasm');
  assert.match(e.stderr, /HARDNEG_THREADS 100 is above/);
});

test('hardneg train --threads 65 exits 2 naming the limit', () => {
  const r = cli(['train', '--threads', '65', '--no-save']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--threads: expected an integer in \[1, 64\]/);
});
