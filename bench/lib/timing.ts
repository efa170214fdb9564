// Timing helpers for benchmarks: repeated runs, medians (robust to the noise of a shared machine), and
// rate formatting. Times are wall-clock milliseconds from process.hrtime.bigint().

export interface TimingResult {
  /** Median of the timed repetitions, ms. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Every timed repetition, ms, in run order. */
  samples: number[];
}

export interface TimeOptions {
  /** Timed repetitions (default 5). */
  reps?: number;
  /** Untimed warm-up runs first (default 1): JIT, page faults, worker wake-up. */
  warmup?: number;
  /** Stop adding repetitions once this much time (ms) has been spent, keeping at least `minReps`. */
  budgetMs?: number;
  /** Lower bound on repetitions when `budgetMs` cuts the run short (default 3). */
  minReps?: number;
  /** Runs before each repetition, untimed (e.g. resetting state). */
  setup?: () => void;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median: empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Times `fn` `reps` times after `warmup` untimed runs and returns the median and the spread. */
export function timeIt(fn: () => void, opts: TimeOptions = {}): TimingResult {
  const reps = opts.reps ?? 5;
  const warmup = opts.warmup ?? 1;
  const minReps = Math.min(reps, opts.minReps ?? 3);
  for (let i = 0; i < warmup; i++) {
    opts.setup?.();
    fn();
  }
  const samples: number[] = [];
  const start = nowMs();
  for (let i = 0; i < reps; i++) {
    opts.setup?.();
    const t0 = nowMs();
    fn();
    samples.push(nowMs() - t0);
    if (opts.budgetMs !== undefined && i + 1 >= minReps && nowMs() - start > opts.budgetMs) break;
  }
  return summarise(samples);
}

/** Async variant of timeIt. */
export async function timeItAsync(fn: () => Promise<void>, opts: TimeOptions = {}): Promise<TimingResult> {
  const reps = opts.reps ?? 5;
  const warmup = opts.warmup ?? 1;
  const minReps = Math.min(reps, opts.minReps ?? 3);
  for (let i = 0; i < warmup; i++) {
    opts.setup?.();
    await fn();
  }
  const samples: number[] = [];
  const start = nowMs();
  for (let i = 0; i < reps; i++) {
    opts.setup?.();
    const t0 = nowMs();
    await fn();
    samples.push(nowMs() - t0);
    if (opts.budgetMs !== undefined && i + 1 >= minReps && nowMs() - start > opts.budgetMs) break;
  }
  return summarise(samples);
}

export function summarise(samples: readonly number[]): TimingResult {
  return { medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), samples: [...samples] };
}

/** GFLOP/s for `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/** GB/s for `bytes` moved in `ms` milliseconds. */
export function gbps(bytes: number, ms: number): number {
  return bytes / (ms * 1e6);
}

/** `a / b` formatted as "3.21×", or "—" when either side is missing. */
export function ratio(a: number | null | undefined, b: number | null | undefined, digits = 2): string {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(digits)}×`;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
