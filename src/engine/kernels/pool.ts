// A pool of worker threads that run WebAssembly kernels over the shared heap. Dispatch goes through a control
// block in a SharedArrayBuffer with Atomics.wait/notify (postMessage costs tens of microseconds, too much for
// sub-millisecond kernels). A job is a kernel number, its arguments and a list of chunks [bounds[c],
// bounds[c+1]) of its output rows; the caller and the workers claim chunks with a compare-and-swap on one
// ticket word (generation in the high 24 bits, next chunk in the low 8), so a worker that the OS has not
// scheduled yet simply claims nothing and the others do its share. Which thread computes a chunk never changes
// its numbers. The caller returns when every chunk is done. Workers spin briefly after a job (training steps
// issue kernels back to back), then sleep in Atomics.wait.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/workers.js';

/** Int32 slots of the control block. */
export const CTRL = {
  GEN: 0, // job generation; workers wake when it changes
  OP: 1, // kernel number (index into the names list); -1 = shut down
  DONE: 2, // chunks finished in the current job
  NARGS: 3,
  FAILED: 4, // 1 when a worker threw; the message is in the error bytes
  SPIN: 5, // iterations a worker spins on GEN before sleeping
  TICKET: 6, // (generation & 0xffffff) << 8 | next chunk to claim
  NCHUNKS: 7,
  BOUNDS: 8, // NCHUNKS + 1 chunk bounds
} as const;
/** A ticket no job matches (generations skip the tag 0xffffff). */
const CLOSED = -1;
export const MAX_THREADS = 64;
export const MAX_CHUNKS = 255;
export const MAX_ARGS = 32;
export const CTRL_INTS = CTRL.BOUNDS + MAX_CHUNKS + 1;
const ARGS_BYTE = Math.ceil((CTRL_INTS * 4) / 8) * 8;
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

/**
 * Claims and runs chunks of the job of generation `gen` until none are left; `run(start, end)` does one chunk.
 * Shared by the caller and the workers.
 */
export function claimChunks(ctrl: Int32Array, gen: number, run: (start: number, end: number) => void): void {
  const tag = (gen & 0xffffff) << 8;
  // The caller closes the ticket (CLOSED) before it rewrites a job, so a count read here that belongs to a newer
  // job is always followed by a ticket that does not match `tag`.
  const n = Atomics.load(ctrl, CTRL.NCHUNKS);
  for (;;) {
    const t = Atomics.load(ctrl, CTRL.TICKET);
    if ((t & ~0xff) !== tag) return; // a newer job (or none): nothing of ours left
    const c = t & 0xff;
    if (c >= n) return;
    if (Atomics.compareExchange(ctrl, CTRL.TICKET, t, t + 1) !== t) continue;
    try {
      // The job's arguments stay put until all its chunks are done, so reading them now is safe.
      run(ctrl[CTRL.BOUNDS + c]!, ctrl[CTRL.BOUNDS + c + 1]!);
    } finally {
      if (Atomics.add(ctrl, CTRL.DONE, 1) + 1 === n) Atomics.notify(ctrl, CTRL.DONE);
    }
  }
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
    this.ctrl = new Int32Array(sab, 0, CTRL_INTS);
    this.args = new Float64Array(sab, ARGS_BYTE, MAX_ARGS);
    this.errBytes = new Uint8Array(sab, ERR_BYTE, ERR_LEN);
    this.ctrl[CTRL.SPIN] = 20000;
    const url = new URL('./worker.js', import.meta.url);
    for (let id = 1; id < threads; id++) {
      const init: WorkerInit = { module, memory, ctrl: sab, names, id };
      const w = startWorker(url, { workerData: init });
      // Idle workers sleep in Atomics.wait; they must not keep the process alive.
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Runs kernel `op` with `args` over the chunks [bounds[c], bounds[c+1]) (at most MAX_CHUNKS); the caller takes
   * part through `self(start, end)`. Returns when all chunks are done; rethrows a worker's failure.
   */
  run(op: number, args: readonly number[], bounds: readonly number[], self: (start: number, end: number) => void): void {
    if (this.closed) throw new Error('wasm kernels: worker pool is closed');
    const nChunks = bounds.length - 1;
    if (nChunks < 1 || nChunks > MAX_CHUNKS) throw new RangeError(`wasm kernels: ${nChunks} chunks (1..${MAX_CHUNKS})`);
    if (args.length > MAX_ARGS) throw new RangeError(`wasm kernels: ${args.length} arguments (max ${MAX_ARGS})`);
    const c = this.ctrl;
    Atomics.store(c, CTRL.TICKET, CLOSED);
    for (let i = 0; i < args.length; i++) this.args[i] = args[i]!;
    for (let t = 0; t <= nChunks; t++) c[CTRL.BOUNDS + t] = bounds[t]!;
    c[CTRL.OP] = op;
    c[CTRL.NARGS] = args.length;
    Atomics.store(c, CTRL.NCHUNKS, nChunks);
    Atomics.store(c, CTRL.DONE, 0);
    let gen = (c[CTRL.GEN]! + 1) | 0;
    if ((gen & 0xffffff) === 0xffffff) gen = (gen + 1) | 0;
    Atomics.store(c, CTRL.TICKET, (gen & 0xffffff) << 8);
    Atomics.store(c, CTRL.GEN, gen);
    Atomics.notify(c, CTRL.GEN);
    let selfError: unknown = null;
    try {
      claimChunks(c, gen, self);
    } catch (e) {
      selfError = e;
    }
    this.join(nChunks);
    if (selfError) throw selfError;
    if (c[CTRL.FAILED]) {
      const len = this.errBytes.indexOf(0);
      const msg = new TextDecoder().decode(this.errBytes.slice(0, len < 0 ? ERR_LEN : len));
      c[CTRL.FAILED] = 0;
      throw new Error(`wasm kernels: a worker failed: ${msg}`);
    }
  }

  private join(n: number): void {
    const c = this.ctrl;
    for (let spin = 0; spin < 20000; spin++) if (Atomics.load(c, CTRL.DONE) === n) return;
    const t0 = Date.now();
    for (;;) {
      const d = Atomics.load(c, CTRL.DONE);
      if (d === n) return;
      Atomics.wait(c, CTRL.DONE, d, 1000);
      if (Date.now() - t0 > 300_000) throw new Error('wasm kernels: a chunk did not finish within 300 s');
    }
  }

  /** Stops the workers (the pool cannot be used afterwards). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const c = this.ctrl;
    Atomics.store(c, CTRL.TICKET, CLOSED);
    c[CTRL.OP] = -1;
    Atomics.add(c, CTRL.GEN, 1);
    Atomics.notify(c, CTRL.GEN);
    for (const w of this.workers) void w.terminate();
  }
}
