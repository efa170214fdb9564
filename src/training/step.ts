// One training step — the trainer's loop body, shared with the step benchmarks (bench/train.ts, bench/dins.ts) so
// that they time exactly what train() runs: encoder pass → pooled user / positive rows → sampler → scores → loss
// (+ λ·egoL2) → diagnostics → backward → optimiser step + zeroGrad, all inside one tidy.
import type { Dataset } from '../data/types.js';
import type { Encoder, EncoderPass } from '../encoders/types.js';
import type { SamplerDiagnostics } from '../evaluation/diagnostics.js';
import type { LossFn } from '../losses/index.js';
import { add, gatherRows, reshape, scale } from '../engine/ops.js';
import type { Rng } from '../core/rng.js';
import { tidy, type Tensor } from '../engine/tensor.js';
import { repeatEach, repeatRows } from '../samplers/common.js';
import type { Negatives, SampleContext, Sampler } from '../samplers/types.js';
import type { Batch } from './batching.js';

/** What a step needs; the RNG streams are the run's ('sampler', 'dropout') and advance with every step. */
export interface TrainStepSetup {
  encoder: Encoder;
  sampler: Sampler;
  lossFn: LossFn;
  optimizer: { step(): void; zeroGrad(): void };
  dataset: Dataset;
  /** λ of the batch L2 on the ego rows (0: none). */
  l2: number;
  samplerRng: Rng;
  dropoutRng: Rng;
  /** Per-step score diagnostics (the trainer's); null skips them. */
  diagnostics: SamplerDiagnostics | null;
}

/** One step's loss and where its time went (ms; performance.now()). */
export interface StepResult {
  loss: number;
  /** sampler.sample alone. */
  sampleMs: number;
  /** Encoder pass, pooling, scores, loss and L2, diagnostics (everything before backward but sampling). */
  forwardMs: number;
  backwardMs: number;
  /** optimizer.step() + zeroGrad(). */
  optimMs: number;
}

export type TrainStep = (batch: Batch, epoch: number, step: number) => StepResult;

const now = (): number => performance.now();

/** Pooled rows of `users`: the pass's fused path when it has one, else pool(userLayers(users)) (same numbers). */
export function pooledUsers(pass: EncoderPass, users: Int32Array): Tensor {
  return pass.pooledUsers ? pass.pooledUsers(users) : pass.pool(pass.userLayers(users));
}

/** Pooled rows of `items` (see pooledUsers). */
export function pooledItems(pass: EncoderPass, items: Int32Array): Tensor {
  return pass.pooledItems ? pass.pooledItems(items) : pass.pool(pass.itemLayers(items));
}

/**
 * The training step of train(): returns a function that runs one batch (epoch and step are the sampler's context
 * and name a non-finite loss in the error). Throws when the loss is not finite, before backward.
 */
export function createTrainStep(s: TrainStepSetup): TrainStep {
  const { encoder, sampler, lossFn, optimizer, dataset, l2, samplerRng, dropoutRng, diagnostics } = s;
  return (batch, epoch, step) => {
    const { users, pos } = batch;
    const b = users.length;
    const r: StepResult = { loss: NaN, sampleMs: 0, forwardMs: 0, backwardMs: 0, optimMs: 0 };
    const t0 = now();
    r.loss = tidy(() => {
      const pass = encoder.forward({ training: true, rng: dropoutRng });
      const u = pooledUsers(pass, users);
      const p = pooledItems(pass, pos);
      const ctx: SampleContext = { users, pos, pass, encoder, dataset, rng: samplerRng, epoch, step };
      const ts = now();
      const neg: Negatives = sampler.sample(ctx);
      r.sampleMs = now() - ts;
      const k = neg.k;
      const uK = k === 1 ? u : gatherRows(u, repeatRows(b, k));
      const usersK = repeatEach(users, k);
      const negIds = neg.kind === 'items' ? neg.items : null;
      const nRows = neg.kind === 'items' ? pooledItems(pass, neg.items) : neg.pooled;
      const sPos = pass.score(u, p, pos, users);
      const sNeg = pass.score(uK, nRows, negIds ?? undefined, usersK);
      let loss = lossFn(sPos, k === 1 ? sNeg : reshape(sNeg, [b, k]));
      if (l2 > 0) {
        const l2Items = [pos];
        const real = negIds ?? (neg.kind === 'synthetic' ? neg.hardItems : undefined);
        if (real) l2Items.push(real);
        loss = add(loss, scale(pass.egoL2(users, l2Items, b), l2));
      }
      const lv = loss.item();
      if (!Number.isFinite(lv)) {
        throw new Error(`loss became ${lv} at epoch ${epoch}, step ${step}: lower optimizer.lr or check the data`);
      }
      diagnostics?.add(users, sPos.data, sNeg.data, k, negIds ?? (neg.kind === 'synthetic' ? neg.hardItems ?? null : null));
      sampler.observe?.(ctx, neg, { pos: sPos.data, neg: sNeg.data });
      const tb = now();
      r.forwardMs = tb - t0 - r.sampleMs;
      loss.backward();
      const to = now();
      r.backwardMs = to - tb;
      optimizer.step();
      optimizer.zeroGrad();
      r.optimMs = now() - to;
      return lv;
    });
    return r;
  };
}
