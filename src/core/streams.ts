// Named random streams a run hands to its components. A component asks for its stream by name
// (`streams.get('sgl-views')`); the run creates it as Rng.stream(seed, name) on first use and saves every stream it
// created in checkpoints by name, so a new stochastic component needs no trainer edit to be resumable.
import type { Rng } from './rng.js';

export interface Streams {
  /** The run's stream called `name` (the same object on every call). */
  get(name: string): Rng;
}
