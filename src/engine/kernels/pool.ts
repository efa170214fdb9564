// A pool of worker threads that run WebAssembly kernels over the shared heap. Dispatch goes through a control
// block in a SharedArrayBuffer with Atomics.wait/notify (postMessage costs tens of microseconds, too much for
// sub-millisecond kernels): the caller writes the kernel number, its arguments and each thread's slice
// [bounds[t], bounds[t+1]), bumps the generation counter and wakes the workers, does slice 0 itself, then waits
// until every worker has counted itself out. Workers spin briefly after a job (training steps issue kernels
// back to back) and then sleep in Atomics.wait.
import { Worker } from 'node:worker_threads';

/** Int32 slots of the control block. */
export const CTRL = {
  GEN: 0, // job generation; workers wake when it changes
  OP: 1, // kernel number (index into the names list); -1 = shut down
  PENDING: 2, // workers still running the current job
  NARGS: 3,
  FAILED: 4, // 1 when a worker threw; the message is in the error bytes
  SPIN: 5, // iterations a worker spins on GEN before sleeping
  BOUNDS: 8, // threads + 1 slice bounds
} as const;
export const MAX_THREADS = 64;
export const MAX_ARGS = 32;
const INTS = CTRL.BOUNDS + MAX_THREADS + 1;
const ARGS_BYTE = Math.ceil((INTS * 4) / 8) * 8;
const ERR_BYTE = ARGS_BYTE + MAX_ARGS * 8;
const ERR_LEN = 1024;
export const CTRL_BYTES = ERR_BYTE + ERR_LEN;
export const ctrlLayout = { ARGS_BYTE, ERR_BYTE, ERR_LEN } as const;

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctrl: SharedArrayBuffer;
  names: string[];
  id: number;
}

export class WorkerPool {
  readonly threads: number;
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private readonly errBytes: Uint8Array;
  private readonly workers: Worker[] = [];
  private closed = false;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, threads: number, names: string[]) {
    if (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
      throw new RangeError(`wasm kernels: threads must be an integer in [1, ${MAX_THREADS}], got ${threads}`);
    }
    this.threads = threads;
    const sab = new SharedArrayBuffer(CTRL_BYTES);
    this.ctrl = new Int32Array(sab, 0, INTS);
    this.args = new Float64Array(sab, ARGS_BYTE, MAX_ARGS);
    this.errBytes = new Uint8Array(sab, ERR_BYTE, ERR_LEN);
    this.ctrl[CTRL.SPIN] = 20000;
    const url = new URL('./worker.js', import.meta.url);
    for (let id = 1; id < threads; id++) {
      const init: WorkerInit = { module, memory, ctrl: sab, names, id };
      const w = new Worker(url, { workerData: init });
      // Idle workers sleep in Atomics.wait; they must not keep the process alive.
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `op` with `args` on every thread: thread t does [bounds[t], bounds[t+1]); thread 0 is the caller,
   * which runs `self(start, end)`. Returns when all slices are done; rethrows a worker's failure.
   */
  run(op: number, args: readonly number[], bounds: readonly number[], self: (start: number, end: number) => void): void {
    if (this.closed) throw new Error('wasm kernels: worker pool is closed');
    const c = this.ctrl;
    const n = this.threads;
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    for (let t = 0; t <= n; t++) c[CTRL.BOUNDS + t] = bounds[t]!;
    c[CTRL.OP] = op;
    c[CTRL.NARGS] = args.length;
    Atomics.store(c, CTRL.PENDING, n - 1);
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    let selfError: unknown = null;
    try {
      if (bounds[0]! < bounds[1]!) self(bounds[0]!, bounds[1]!);
    } catch (e) {
      selfError = e;
    }
    this.join();
    if (selfError) throw selfError;
    if (c[CTRL.FAILED]) {
      const len = this.errBytes.indexOf(0);
      const msg = new TextDecoder().decode(this.errBytes.slice(0, len < 0 ? ERR_LEN : len));
      c[CTRL.FAILED] = 0;
      throw new Error(`wasm kernels: a worker failed: ${msg}`);
    }
  }

  private join(): void {
    const c = this.ctrl;
    for (let spin = 0; spin < 100000; spin++) if (Atomics.load(c, CTRL.PENDING) === 0) return;
    const t0 = Date.now();
    for (;;) {
      const p = Atomics.load(c, CTRL.PENDING);
      if (p === 0) return;
      Atomics.wait(c, CTRL.PENDING, p, 1000);
      if (Date.now() - t0 > 120_000) {
        throw new Error('wasm kernels: workers did not finish within 120 s (a worker failed to start?)');
      }
    }
  }

  /** Stops the workers (the pool cannot be used afterwards). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.ctrl;
    c[CTRL.OP] = -1;
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    for (const w of this.workers) void w.terminate();
  }
}
