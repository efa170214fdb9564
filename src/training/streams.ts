// The run's named random streams (core/streams.ts): created on first use as Rng.stream(seed, name), so a stream's
// draws depend only on the seed, its name and its own use; all of them are saved in checkpoints by name.
import { Rng } from '../core/rng.js';
import type { Streams } from '../core/streams.js';

export class RunStreams implements Streams {
  private readonly byName = new Map<string, Rng>();
  constructor(readonly seed: number) {}

  get(name: string): Rng {
    let r = this.byName.get(name);
    if (!r) {
      r = Rng.stream(this.seed, name);
      this.byName.set(name, r);
    }
    return r;
  }

  /** Every created stream's state, by name. */
  states(): Record<string, number[]> {
    return Object.fromEntries([...this.byName].map(([k, r]) => [k, r.getState()]));
  }

  /** Restores streams saved by states() (creating those not yet used). */
  restore(states: Record<string, number[]>): void {
    for (const [name, st] of Object.entries(states)) this.get(name).setState(st);
  }
}
