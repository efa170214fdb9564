// The Dataset contract every other module reads. Users and items are integers 0..n−1; `userIds[u]` and
// `itemIds[i]` give back the original ids. Interaction sets are user-major CSR with sorted item indices, so
// "is i a training positive of u" is a binary search (see csr.ts).
import type { CsrMatrix } from '../core/csr.js';

export type { CsrMatrix };

/** One split's interactions, user-major (rows = users, cols = items). */
export interface InteractionSet extends CsrMatrix {
  /** Per-interaction timestamps (seconds), aligned with `indices`, when the source has them. */
  readonly timestamps?: Float64Array;
  /** Per-interaction ratings or weights, aligned with `indices`, when the source has them. */
  readonly ratings?: Float32Array;
}

/** What a loader, filter or splitter changed or dropped, so nothing is lost silently. */
export interface DataReportEntry {
  readonly step: string; // e.g. "load gowalla/train.txt", "k-core(10)", "split ratio 8:1:1"
  readonly message: string; // human sentence: "collapsed 12 duplicate (user, item) pairs"
  readonly count?: number;
}

export interface Dataset {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  /** Original ids (as strings) of users 0..numUsers−1 and items 0..numItems−1. */
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly train: InteractionSet;
  /** Absent when the source has no validation split (the trainer then carves one, or warns). */
  readonly valid?: InteractionSet;
  readonly test: InteractionSet;
  /** Items shown to a user and not interacted with (RecNS exposure), user-major. */
  readonly exposure?: InteractionSet;
  /**
   * Simulation studies only (PDNS §4.2): held-out positives of each user that stay unlabelled in training, so a
   * sampler can draw them as (false) negatives; never used for evaluation.
   */
  readonly falseNegatives?: InteractionSet;
  /**
   * GDNS §4.6: training positives moved out of train (`plantFalseNegatives` spec key, data/plant.ts) and tracked as
   * known false negatives. Never in a TrainView; sampled evaluation lists avoid them (they are positives).
   */
  readonly plantedNegatives?: InteractionSet;
  /**
   * Fixed sampled negatives for sampled-ranking evaluation (NCF `.test.negative`): `n` item ids per test
   * interaction, row-major in the order of `test.indices`.
   */
  readonly testNegatives?: { readonly n: number; readonly items: Int32Array };
  /** Where the data came from (format name, path), for run records. */
  readonly source?: { readonly format: string; readonly path?: string };
  /**
   * The rule our splitter used (absent when the source came split): `kind` is the SplitSpec kind, `temporal` says
   * the held-out items are each user's (or the globally) latest, so a validation split carved from train should
   * take each user's latest training items too (see validSplitFromTrain's `mode`).
   */
  readonly splitRule?: { readonly kind: string; readonly temporal: boolean };
  /** Training interactions per item. */
  readonly itemPopularity: Int32Array;
  /** Hex hash of the splits' contents (ids and interactions); recorded by every run. */
  readonly fingerprint: string;
  readonly report: readonly DataReportEntry[];
}

/**
 * What a sampler may see of a dataset: the training interactions and what is derived from them, plus exposure
 * (items shown and not clicked, which RecNS-style samplers read). No validation, test or false-negative set is
 * reachable from it, by type: a sampler cannot leak held-out data into training. Built by `trainView(dataset)`.
 */
export interface TrainView {
  readonly name: string;
  readonly numUsers: number;
  readonly numItems: number;
  readonly train: InteractionSet;
  /**
   * Per user, the items no sampler may draw as a negative: the training positives, plus the false negatives revealed
   * so far in the PDNS simulation (training/reveal.ts). The same matrix as `train` when nothing is revealed. Every
   * candidate draw rejects against it (samplers/candidates.ts `excludedOf`); it is never a source of positives for
   * the loss. Optional so that a Dataset still serves as a TrainView (absent = `train`).
   */
  readonly excluded?: CsrMatrix;
  /** Training interactions per item. */
  readonly itemPopularity: Int32Array;
  readonly exposure?: InteractionSet;
}
