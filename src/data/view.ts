// The training-only view of a dataset that samplers receive (see TrainView).
import type { Dataset, TrainView } from './types.js';

/** A TrainView of `d`: a new object holding only the training-side fields (valid/test/falseNegatives left out). */
export function trainView(d: Dataset | TrainView): TrainView {
  const v: { -readonly [K in keyof TrainView]: TrainView[K] } = {
    name: d.name, numUsers: d.numUsers, numItems: d.numItems, train: d.train, itemPopularity: d.itemPopularity,
  };
  if (d.exposure) v.exposure = d.exposure;
  return Object.freeze(v);
}
