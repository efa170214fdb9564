// A training run's test curve for the side-by-side benches (selfrec, sgltorch): one point per evaluation, with the
// training time of the epoch before it (evaluation excluded).
import type { Dataset } from '../../src/data/types.js';
import type { RunConfig } from '../../src/core/config.js';
import { train } from '../../src/experiments/run.js';
import type { EpochRecord, EvalRecord } from '../../src/training/types.js';

export interface CurvePoint { epoch: number; trainMs: number; recall: number; ndcg: number }

/** Trains `config` on `dataset` and returns recall@20 / ndcg@20 at every evaluation (ks must include 20). */
export async function trainCurve(config: RunConfig, dataset: Dataset): Promise<CurvePoint[]> {
  const points: CurvePoint[] = [];
  let lastTrainMs = 0;
  await train(config, dataset, {
    onEvent: (e) => {
      if (e.type === 'epoch') lastTrainMs = (e.record as EpochRecord).seconds * 1000;
      if (e.type === 'eval') {
        const r = e.record as EvalRecord;
        points.push({ epoch: r.epoch, trainMs: lastTrainMs, recall: r.metrics['recall@20'], ndcg: r.metrics['ndcg@20'] });
      }
    },
  });
  return points;
}
