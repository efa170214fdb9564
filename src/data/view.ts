// The training-only view of a dataset that samplers receive (see TrainView).
import { union } from './csr.js';
import type { CsrMatrix, Dataset, TrainView } from './types.js';

/**
 * A TrainView of `d`: a new object holding only the training-side fields (valid/test/falseNegatives left out).
 * `revealed` (the PDNS simulation's revealed false negatives, same shape as train) joins the training positives in
 * `excluded`, the set every candidate draw rejects; without it `excluded` is `train` itself.
 */
export function trainView(d: Dataset | TrainView, revealed?: CsrMatrix | null): TrainView {
  if (revealed && (revealed.rows !== d.train.rows || revealed.cols !== d.train.cols)) {
    throw new RangeError(`trainView: revealed set is ${revealed.rows}×${revealed.cols}, train ${d.train.rows}×${d.train.cols}`);
  }
  const v: { -readonly [K in keyof TrainView]: TrainView[K] } = {
    name: d.name, numUsers: d.numUsers, numItems: d.numItems, train: d.train,
    excluded: revealed && revealed.indptr[revealed.rows] > 0 ? union(d.train, revealed) : d.train,
    itemPopularity: d.itemPopularity,
  };
  if (d.exposure) v.exposure = d.exposure;
  return Object.freeze(v);
}
