// Model selection: track the selection metric over evaluations, remember the best one, and decide when to stop
// (patience = evaluations without a strict improvement; 0 disables early stopping). Pure logic, no I/O, so it is
// tested with scripted metric sequences.

export interface SelectionStep {
  /** True when this evaluation is a new best (strictly greater, or equal with improveOnTie; the first always is). */
  improved: boolean;
  /** True when training should stop now (patience exhausted). */
  stop: boolean;
}

/** What a checkpoint keeps of a selector. */
export interface SelectorState {
  bestValue: number;
  bestEpoch: number;
  sinceBest: number;
  evaluations: number;
}

export class ModelSelector {
  bestValue = -Infinity;
  bestEpoch = -1;
  private sinceBest = 0;
  evaluations = 0;

  /** improveOnTie: a value equal to the best counts as an improvement (the DINS/MixGCF code's `>=`; the later
   * epoch becomes the best). Default false: strictly greater. */
  constructor(readonly patience: number, readonly improveOnTie = false) {
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`patience must be an integer ≥ 0, got ${patience}`);
  }

  getState(): SelectorState {
    return { bestValue: this.bestValue, bestEpoch: this.bestEpoch, sinceBest: this.sinceBest, evaluations: this.evaluations };
  }

  setState(s: SelectorState): void {
    this.bestValue = s.bestValue;
    this.bestEpoch = s.bestEpoch;
    this.sinceBest = s.sinceBest;
    this.evaluations = s.evaluations;
  }

  /** Records the selection metric of the evaluation after `epoch`. NaN never counts as an improvement. */
  update(epoch: number, value: number): SelectionStep {
    this.evaluations++;
    if (value > this.bestValue || (this.improveOnTie && value === this.bestValue) || (this.bestEpoch < 0 && !Number.isNaN(value))) {
      this.bestValue = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
      return { improved: true, stop: false };
    }
    this.sinceBest++;
    return { improved: false, stop: this.patience > 0 && this.sinceBest >= this.patience };
  }
}
