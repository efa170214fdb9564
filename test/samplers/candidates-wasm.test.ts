// Candidate drawing in WASM (WasmKernels.drawUniform, used by drawCandidates on the WASM backend) against the JS
// reference loop (the JS backend): the same pools and the same Rng state afterwards, number for number, on rows of
// every kind the JS loop distinguishes (short rows: byte mask; long rows: binary search; nearly full rows: complement
// list, served by JS in the middle of a WASM run) and on real Gowalla users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import { setBackend, wasmAvailable, kernels } from '../../src/engine/kernels/index.js';
import { drawCandidates } from '../../src/samplers/candidates.js';
import { hasSharedData, sharedData } from '../helpers/paths.js';
import { csrFromLists, loadGowallaTrain } from './fake.js';

function drawOn(backend: 'js' | 'wasm', train: Parameters<typeof drawCandidates>[0], users: Int32Array, M: number,
  seed: number): { pools: Int32Array; state: number[] } {
  const before = kernels().name;
  setBackend(backend);
  try {
    const rng = Rng.stream(seed, 'sampler');
    rng.normal(); // leaves a spare normal in the state: drawing must keep it
    const pools = drawCandidates(train, users, M, rng);
    return { pools, state: rng.getState() };
  } finally {
    setBackend(before as 'js' | 'wasm');
  }
}

test('drawCandidates: the WASM draw equals the JS loop (pools and Rng state), for every kind of row', (t) => {
  if (!wasmAvailable()) {
    t.skip('WASM backend unavailable');
    return;
  }
  const n = 300;
  const lists: number[][] = [];
  const rng = Rng.stream(5, 'lists');
  for (let u = 0; u < 40; u++) {
    const deg = u % 10 === 3 ? n - 20 - (u % 7) : u % 10 === 5 ? 150 + u : u % 4; // nearly full, long, short
    const s = new Set<number>();
    while (s.size < deg) s.add(rng.int(n));
    lists.push([...s].sort((a, b) => a - b));
  }
  const train = csrFromLists(lists, n);
  for (const M of [1, 7, 64]) {
    for (const B of [3, 50, 400]) {
      const users = new Int32Array(B);
      for (let b = 0; b < B; b++) users[b] = rng.int(lists.length);
      const js = drawOn('js', train, users, M, 11 + B + M);
      const w = drawOn('wasm', train, users, M, 11 + B + M);
      assert.deepEqual(w.pools, js.pools, `pools B ${B} M ${M}`);
      assert.deepEqual(w.state, js.state, `rng state B ${B} M ${M}`);
    }
  }
  // An invalid user is reported by the same error, whichever backend draws.
  const bad = Int32Array.from([0, 1, 99]);
  for (const b of ['js', 'wasm'] as const) {
    assert.throws(() => drawOn(b, train, new Int32Array(Array.from({ length: 300 }, (_, i) => bad[i % 3]!)), 4, 1), /user 99 is outside/);
  }
  const full = csrFromLists([[0, 1, 2, 3]], 4);
  for (const b of ['js', 'wasm'] as const) {
    assert.throws(() => drawOn(b, full, new Int32Array(100), 4, 1), /interacted with all 4 items/);
  }
});

test('drawCandidates on Gowalla (2048 × 64): WASM and JS draw the same pools from the same stream', (t) => {
  const parts = ['gowalla', 'light_gcn_gowalla', 'train.txt'];
  if (!wasmAvailable() || !hasSharedData(...parts)) {
    t.skip('needs the WASM backend and Gowalla');
    return;
  }
  const ds = loadGowallaTrain(sharedData(...parts));
  const rng = Rng.stream(3, 'batch');
  const users = new Int32Array(2048);
  for (let b = 0; b < users.length; b++) users[b] = rng.int(ds.numUsers);
  const js = drawOn('js', ds.train, users, 64, 9);
  const w = drawOn('wasm', ds.train, users, 64, 9);
  assert.deepEqual(w.pools, js.pools);
  assert.deepEqual(w.state, js.state);
});
