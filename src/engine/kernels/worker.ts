// A kernel worker: instantiates the kernels module over the shared heap memory it is handed (it never imports
// the main thread's `heap`) and claims chunks of the jobs posted through the pool's control block (pool.ts).
import { workerData } from 'node:worker_threads';
import { claimChunks, CTRL, CTRL_INTS, ctrlLayout, MAX_ARGS, type WorkerInit } from './pool.js';

const init = workerData as WorkerInit;
const instance = new WebAssembly.Instance(init.module, {
  env: { memory: init.memory, abort: () => { throw new Error('wasm abort'); } },
});
const fns = init.names.map((n) => {
  const f = instance.exports[n];
  if (typeof f !== 'function') throw new Error(`kernel worker: export '${n}' missing from kernels.wasm`);
  return f as (...a: number[]) => void;
});
const ctrl = new Int32Array(init.ctrl, 0, CTRL_INTS);
const args = new Float64Array(init.ctrl, ctrlLayout.ARGS_BYTE, MAX_ARGS);
const errBytes = new Uint8Array(init.ctrl, ctrlLayout.ERR_BYTE, ctrlLayout.ERR_LEN);
const id = init.id;
const callArgs: number[] = [];
let seen = 0;
let op = 0;

function runChunk(start: number, end: number): void {
  try {
    const n = ctrl[CTRL.NARGS]!;
    callArgs.length = n + 3;
    for (let i = 0; i < n; i++) callArgs[i] = args[i]!;
    callArgs[n] = start;
    callArgs[n + 1] = end;
    callArgs[n + 2] = id;
    fns[op]!(...callArgs);
  } catch (e) {
    const msg = new TextEncoder().encode(`thread ${id}, ${init.names[op]}: ${String(e)}`.slice(0, 1000));
    errBytes.fill(0);
    errBytes.set(msg);
    Atomics.store(ctrl, CTRL.FAILED, 1);
  }
}

for (;;) {
  let g = Atomics.load(ctrl, CTRL.GEN);
  if (g === seen) {
    const spin = ctrl[CTRL.SPIN]!;
    for (let s = 0; s < spin && g === seen; s++) g = Atomics.load(ctrl, CTRL.GEN);
    while (g === seen) {
      Atomics.wait(ctrl, CTRL.GEN, seen);
      g = Atomics.load(ctrl, CTRL.GEN);
    }
  }
  seen = g;
  op = ctrl[CTRL.OP]!;
  if (op < 0) break;
  claimChunks(ctrl, g, runChunk);
}
