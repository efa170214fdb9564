// The engine's heap: one shared WebAssembly.Memory that holds every tensor's numbers, so WASM SIMD kernels
// on every worker thread read and write tensors in place, with no copies between JS, WASM and threads.
//
// Allocation is explicit (allocF32 / allocI32 / allocF64 / free); `tidy` scopes in tensor.ts free step temporaries, and a
// FinalizationRegistry returns anything forgotten to the free lists when its view is garbage-collected.
// Blocks are 64-byte aligned (cache line, SIMD). Small blocks use power-of-two size classes, carved from 64 KiB
// slabs so they never sit between large blocks; large blocks (> 64 KiB) are rounded to 64 KiB and placed best-fit
// (an exact fit first, which suits training loops that allocate the same shapes every step), a larger free range is
// split, and freed ranges coalesce with their free neighbours (and with the top of the heap). Exact-size reuse
// alone let workloads whose shapes change every step (PinSage's computation trees) grow the heap to 4 GiB with
// under 1 GiB live. Freed memory is never returned to the OS (WebAssembly memories cannot shrink).

export const PAGE_BYTES = 65536;
const ALIGN = 64;
/** Bytes below this offset are left to the WASM modules' own static data (they use none at run time). */
const HEAP_BASE = 1 << 20;
const SMALL_LIMIT = 65536;
/** Small blocks are cut from slabs of this size (a multiple of every small class). */
const SLAB_BYTES = 65536;
/** wasm32 addresses at most 4 GiB. */
const MAX_PAGES = 65536;

interface Block {
  offset: number;
  bytes: number;
  live: boolean;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  private top = HEAP_BASE;
  /** Free small blocks by size class. */
  private readonly small = new Map<number, number[]>();
  /** Free large ranges: start → bytes, and end → start (for coalescing). None ends at `top`. */
  private readonly freeStart = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  private readonly blocks = new WeakMap<ArrayBufferView, Block>();
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  private readonly registry = new FinalizationRegistry<Block>((b) => this.release(b));
  private liveBytes = 0;
  private peakBytes = 0;
  /** The WASM kernels' `memory.fill`, once a WASM backend has been created (see `zero`). */
  private bulkZero: ((ptr: number, bytes: number) => void) | null = null;

  constructor(initialPages = 64) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
  }

  /** A Float32Array of n zeros on the heap. */
  allocF32(n: number): Float32Array {
    const b = this.take(elements(n) * 4);
    const view = new Float32Array(this.memory.buffer, b.offset, n);
    this.track(view, b);
    this.zero(view);
    return view;
  }

  /**
   * A Float32Array of n UNINITIALISED numbers on the heap (whatever a freed block held): only for outputs that the
   * caller overwrites entirely before anything reads them (skips the zero-fill, which costs as much as a copy).
   */
  allocF32Uninit(n: number): Float32Array {
    const b = this.take(elements(n) * 4);
    const view = new Float32Array(this.memory.buffer, b.offset, n);
    this.track(view, b);
    return view;
  }

  /** A Float64Array of n zeros on the heap (blocks are 64-byte aligned, so kernels may load it as f64). */
  allocF64(n: number): Float64Array {
    const b = this.take(elements(n) * 8);
    const view = new Float64Array(this.memory.buffer, b.offset, n);
    this.track(view, b);
    this.zero(view);
    return view;
  }

  /** An Int32Array of n zeros on the heap. */
  allocI32(n: number): Int32Array {
    const b = this.take(elements(n) * 4);
    const view = new Int32Array(this.memory.buffer, b.offset, n);
    this.track(view, b);
    this.zero(view);
    return view;
  }

  /** An Int32Array of n UNINITIALISED numbers on the heap (see allocF32Uninit). */
  allocI32Uninit(n: number): Int32Array {
    const b = this.take(n * 4);
    const view = new Int32Array(this.memory.buffer, b.offset, n);
    this.track(view, b);
    return view;
  }

  /** Returns a view from allocF32/allocI32/allocF64 to the heap. Freeing twice or freeing a sub-view throws. */
  free(view: ArrayBufferView): void {
    const b = this.blocks.get(view);
    if (!b) throw new Error('heap.free: not a view returned by allocF32/allocI32 (sub-views cannot be freed)');
    if (!b.live) throw new Error('heap.free: block already freed');
    this.registry.unregister(b);
    this.blocks.delete(view);
    this.release(b);
  }

  /**
   * Sets every byte of `view` to zero. Heap views of 4 KiB or more use WASM `memory.fill` when a WASM backend has
   * registered it: `TypedArray.fill` on a shared buffer runs element by element, about 3–10× slower.
   */
  zero(view: Float32Array | Int32Array | Float64Array): void {
    if (this.bulkZero !== null && view.byteLength >= 4096 && this.owns(view)) this.bulkZero(view.byteOffset, view.byteLength);
    else view.fill(0);
  }

  /** True once a WASM backend has given `zero` its memory.fill. */
  get bulkZeroReady(): boolean {
    return this.bulkZero !== null;
  }

  /** Called by the WASM backend with its `zeroBytes` export (a memset over this heap's memory). */
  setBulkZero(fn: ((ptr: number, bytes: number) => void) | null): void {
    this.bulkZero = fn;
  }

  /** True when the view's numbers live in this heap (so kernels can address them by byteOffset). */
  owns(view: ArrayBufferView): boolean {
    return this.buffers.has(view.buffer);
  }

  stats(): { liveBytes: number; peakBytes: number; heapBytes: number } {
    return { liveBytes: this.liveBytes, peakBytes: this.peakBytes, heapBytes: this.memory.buffer.byteLength };
  }

  private track(view: ArrayBufferView, b: Block): void {
    this.blocks.set(view, b);
    this.registry.register(view, b, b);
  }

  private take(requested: number): Block {
    // Refused before any state changes: a NaN, negative, fractional or absurd size (e.g. from an out-of-range
    // index upstream) used to turn `top` into NaN, after which every later allocation failed.
    if (typeof requested !== 'number' || !Number.isInteger(requested) || requested < 0) {
      throw new RangeError(`hardneg engine heap: cannot allocate ${String(requested)} bytes (expected a non-negative integer)`);
    }
    if (requested > MAX_PAGES * PAGE_BYTES - HEAP_BASE) {
      throw new RangeError(`hardneg engine heap: ${(requested / 2 ** 30).toFixed(2)} GiB requested, above the 4 GiB wasm32 limit`);
    }
    const bytes = blockSize(Math.max(requested, 1));
    const offset = bytes <= SMALL_LIMIT ? this.takeSmall(bytes) : this.takeLarge(bytes);
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakBytes) this.peakBytes = this.liveBytes;
    return { offset, bytes, live: true };
  }

  /** A block of a small class: a freed one, else a new slab of SLAB_BYTES cut into blocks of the class. */
  private takeSmall(bytes: number): number {
    let free = this.small.get(bytes);
    if (!free) this.small.set(bytes, (free = []));
    if (free.length === 0) {
      const slab = this.takeLarge(SLAB_BYTES);
      // Pushed in reverse so blocks are handed out in address order.
      for (let o = slab + SLAB_BYTES - bytes; o >= slab; o -= bytes) free.push(o);
    }
    return free.pop()!;
  }

  /** A large range: the smallest free range that fits (exact fits first, lowest offset on ties), else the top. */
  private takeLarge(bytes: number): number {
    let best = -1, bestBytes = Infinity;
    for (const [start, size] of this.freeStart) {
      if (size >= bytes && (size < bestBytes || (size === bestBytes && start < best))) {
        best = start;
        bestBytes = size;
        if (size === bytes) break;
      }
    }
    if (best >= 0) {
      this.unlinkFree(best, bestBytes);
      if (bestBytes > bytes) this.linkFree(best + bytes, bestBytes - bytes);
      return best;
    }
    const offset = this.top;
    // Grow first: if the memory cannot grow, `top` is unchanged and the heap stays usable.
    this.ensure(offset + bytes);
    this.top = offset + bytes;
    return offset;
  }

  private linkFree(start: number, bytes: number): void {
    this.freeStart.set(start, bytes);
    this.freeEnd.set(start + bytes, start);
  }

  private unlinkFree(start: number, bytes: number): void {
    this.freeStart.delete(start);
    this.freeEnd.delete(start + bytes);
  }

  private release(b: Block): void {
    if (!b.live) return;
    b.live = false;
    this.liveBytes -= b.bytes;
    if (b.bytes <= SMALL_LIMIT) {
      this.small.get(b.bytes)!.push(b.offset);
      return;
    }
    let start = b.offset, end = b.offset + b.bytes;
    const left = this.freeEnd.get(start);
    if (left !== undefined) {
      this.unlinkFree(left, start - left);
      start = left;
    }
    const right = this.freeStart.get(end);
    if (right !== undefined) {
      this.unlinkFree(end, right);
      end += right;
    }
    if (end === this.top) this.top = start;
    else this.linkFree(start, end - start);
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const needPages = Math.ceil(end / PAGE_BYTES);
    if (needPages > MAX_PAGES) {
      throw new RangeError(`hardneg engine heap: ${(end / 2 ** 30).toFixed(2)} GiB requested, above the 4 GiB wasm32 limit`);
    }
    // Grow geometrically so repeated growth stays amortised.
    const havePages = have / PAGE_BYTES;
    const target = Math.min(MAX_PAGES, Math.max(needPages, Math.ceil(havePages * 1.5)));
    try {
      this.memory.grow(target - havePages);
    } catch {
      // The geometric step may not fit where the exact need does.
      try {
        this.memory.grow(needPages - havePages);
      } catch (e) {
        throw new RangeError(`hardneg engine heap: cannot grow to ${(end / 2 ** 30).toFixed(2)} GiB (${(e as Error).message})`);
      }
    }
    this.buffers.add(this.memory.buffer);
  }
}

/** An element count as allocations accept it: a non-negative integer (RangeError naming the value otherwise). */
function elements(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new RangeError(`hardneg engine heap: cannot allocate ${String(n)} elements (expected a non-negative integer)`);
  }
  return n;
}

function blockSize(bytes: number): number {
  if (bytes <= SMALL_LIMIT) {
    let s = ALIGN;
    while (s < bytes) s <<= 1;
    return s;
  }
  return Math.ceil(bytes / PAGE_BYTES) * PAGE_BYTES;
}

/** The process-wide heap every tensor and kernel uses (one per thread; workers import `heap.memory`). */
export const heap = new Heap();
