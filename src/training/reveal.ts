// PDNS §4.2 / App. A.4 simulation: reveal a fraction c of each user's false-negative set (the `fn` split's third
// part) to the samplers, in steps, so that no candidate draw picks a revealed item as a negative. The revealed
// items join the training positives in TrainView.excluded (rejection only: they never become positives of the
// loss, and valid/test stay unreachable from the view).
//
// Which items: each user's false negatives in a fixed random order (stream 'reveal' of the run seed, one
// permutation per user in user order, drawn once), and a step that reveals fraction f takes the first
// round(f·n_u) of them, so the revealed sets are nested. When: either at given epochs (`at`: the k-th listed epoch
// reveals min(c, k·step) from its start), or as the paper does (`every` E): E epochs after the validation peak,
// i.e. from the epoch after the first evaluation at least E epochs past the best one so far, then every E epochs.
// The schedule's state (steps applied, the epoch of the first step) is checkpointed, so a resume across a step is
// bit-identical.
import type { ComponentState } from '../core/state.js';
import { Rng } from '../core/rng.js';
import type { CsrMatrix } from '../data/types.js';

export interface RevealConfig {
  /** c: the share of each user's false-negative set revealed once every step is done, in [0, 1]. */
  fraction: number;
  /** The share revealed per step (default 0.2: the paper's subsets of 20%). */
  step?: number;
  /** Epochs at which the steps happen (each from the start of that epoch); the k-th reveals min(c, k·step). */
  at?: number[];
  /** Or: first step E epochs after the validation peak, then one every E epochs (PDNS App. A.4: E = 50). */
  every?: number;
}

/** What an epoch record says about the simulation. */
export interface RevealRecord {
  /** Steps applied so far, and the schedule's c. */
  steps: number;
  target: number;
  /** The step fraction min(c, steps·step) and the share of all false negatives actually revealed (rounded per user). */
  fraction: number;
  revealedShare: number;
  /** Revealed pairs and the size of the whole false-negative set. */
  count: number;
  total: number;
  /** The epoch from which the first step applies (null: not yet known under `every`). */
  firstStepEpoch: number | null;
}

export const REVEAL_STREAM = 'reveal';
const DEFAULT_STEP = 0.2;

/** Problems of a reveal config (key paths under `path`); empty when valid. */
export function revealConfigProblems(r: RevealConfig, path = 'revealFalseNegatives'): string[] {
  const p: string[] = [];
  const step = r.step ?? DEFAULT_STEP;
  if ((r.at === undefined) === (r.every === undefined)) p.push(`${path}: give exactly one of 'at' (epochs) or 'every' (epochs after the validation peak)`);
  if (r.at) {
    const need = stepsFor(r.fraction, step);
    if (r.at.length < need) p.push(`${path}.at: ${need} step(s) of ${step} reach fraction ${r.fraction}, but only ${r.at.length} epoch(s) are listed`);
    for (let k = 1; k < r.at.length; k++) if (!(r.at[k] > r.at[k - 1])) p.push(`${path}.at: epochs must increase (${r.at[k - 1]} then ${r.at[k]})`);
  }
  return p;
}

function stepsFor(c: number, step: number): number {
  return c <= 0 ? 0 : Math.ceil(c / step - 1e-9);
}

export class FalseNegativeReveal {
  readonly fraction: number;
  readonly step: number;
  readonly steps: number;
  private readonly at: readonly number[] | null;
  private readonly every: number | null;
  /** Each user's false negatives in reveal order (rows of `fn`'s indptr). */
  private readonly order: Int32Array;
  private stepsDone = 0;
  private firstStep = -1;
  private current: CsrMatrix | null = null;
  private count = 0;

  constructor(private readonly fn: CsrMatrix, cfg: RevealConfig, seed: number) {
    const problems = revealConfigProblems(cfg);
    if (problems.length) throw new RangeError(problems.join('; '));
    if (!(cfg.fraction >= 0 && cfg.fraction <= 1)) throw new RangeError(`revealFalseNegatives.fraction must be in [0, 1], got ${cfg.fraction}`);
    this.fraction = cfg.fraction;
    this.step = cfg.step ?? DEFAULT_STEP;
    this.steps = stepsFor(this.fraction, this.step);
    this.at = cfg.at ?? null;
    this.every = cfg.every ?? null;
    const rng = Rng.stream(seed, REVEAL_STREAM);
    this.order = fn.indices.slice();
    for (let u = 0; u < fn.rows; u++) {
      const row = this.order.subarray(fn.indptr[u], fn.indptr[u + 1]);
      if (row.length > 1) rng.shuffle(row);
    }
  }

  /** The fraction revealed after k steps. */
  fractionAt(k: number): number {
    return Math.min(this.fraction, k * this.step);
  }

  /** The revealed pairs now (sorted rows, the train matrix's shape), or null while none are. */
  revealed(): CsrMatrix | null {
    return this.current;
  }

  /** Applies the steps due at the start of `epoch`; true when the revealed set changed. */
  beforeEpoch(epoch: number): boolean {
    let due = 0;
    if (this.at) {
      for (const e of this.at) if (e <= epoch) due++;
    } else if (this.firstStep > 0 && epoch >= this.firstStep) {
      due = 1 + Math.floor((epoch - this.firstStep) / this.every!);
    }
    due = Math.min(due, this.steps);
    if (due === this.stepsDone) return false;
    this.stepsDone = due;
    this.rebuild();
    return true;
  }

  /** Under `every`: the first step starts after the first evaluation at least E epochs past the best one. */
  afterEvaluation(epoch: number, bestEpoch: number): void {
    if (this.every !== null && this.firstStep < 0 && bestEpoch >= 0 && epoch - bestEpoch >= this.every) this.firstStep = epoch + 1;
  }

  record(): RevealRecord {
    const total = this.fn.indptr[this.fn.rows];
    const first = this.at ? (this.steps > 0 ? this.at[0] : null) : this.firstStep > 0 ? this.firstStep : null;
    return {
      steps: this.stepsDone, target: this.fraction, fraction: this.fractionAt(this.stepsDone),
      revealedShare: total > 0 ? this.count / total : 0, count: this.count, total, firstStepEpoch: first,
    };
  }

  getState(): ComponentState {
    return { stepsDone: this.stepsDone, firstStep: this.firstStep };
  }

  setState(s: ComponentState): void {
    const steps = s.stepsDone;
    const first = s.firstStep;
    if (typeof steps !== 'number' || typeof first !== 'number' || !(steps >= 0 && steps <= this.steps)) {
      throw new Error(`reveal: checkpointed state ${JSON.stringify(s)} does not fit a schedule of ${this.steps} step(s)`);
    }
    this.stepsDone = steps;
    this.firstStep = first;
    this.rebuild();
  }

  private rebuild(): void {
    const fn = this.fn;
    const f = this.fractionAt(this.stepsDone);
    if (f <= 0) {
      this.current = null;
      this.count = 0;
      return;
    }
    const indptr = new Int32Array(fn.rows + 1);
    const take = new Int32Array(fn.rows);
    for (let u = 0; u < fn.rows; u++) {
      take[u] = Math.round(f * (fn.indptr[u + 1] - fn.indptr[u]));
      indptr[u + 1] = indptr[u] + take[u];
    }
    const indices = new Int32Array(indptr[fn.rows]);
    for (let u = 0; u < fn.rows; u++) {
      const row = indices.subarray(indptr[u], indptr[u + 1]);
      row.set(this.order.subarray(fn.indptr[u], fn.indptr[u] + take[u]));
      row.sort();
    }
    this.current = { rows: fn.rows, cols: fn.cols, indptr, indices };
    this.count = indices.length;
  }
}
