// One training step — the trainer's loop body, shared with the step benchmarks (bench/train.ts, bench/dins.ts) so
// that they time exactly what train() runs: encoder pass → pooled user / positive rows → sampler → scores → loss
// + Σ weight·term (the batch L2, the encoder's own terms) → diagnostics → backward → optimiser step + zeroGrad,
// all inside one tidy.
//
// Negatives come in three kinds (samplers/types.ts): per-pair items (B×K rows scored row-aligned), items shared
// by the batch (B×N through pass.scoreMatrix, with optional log-Q correction and accidental-hit masking) and
// synthetic pooled rows. The objective is total = loss(inputs) + Σ_t weight_t·value_t; every term's weighted value
// is returned by name (StepResult.terms) so the trainer logs them per epoch. A loss with needs.wholeData (ENMF)
// also gets `whole`: rows of any user or item of this step's pass, its query rows and the training view.
import type { L2Form } from '../core/config.js';
import type { Batch } from '../core/batch.js';
import type { Rng } from '../core/rng.js';
import type { Streams } from '../core/streams.js';
import type { Dataset, TrainView } from '../data/types.js';
import { trainView } from '../data/view.js';
import type { Encoder, EncoderPass, LossTerm } from '../encoders/types.js';
import type { SamplerDiagnostics } from '../evaluation/diagnostics.js';
import type { Loss, LossFn, LossInputs, WholeDataInputs } from '../losses/types.js';
import { scoreLoss } from '../losses/types.js';
import { add, gatherRows, reshape, scale, sqrt, sub, sumSquares } from '../engine/ops.js';
import { Tensor, tidy } from '../engine/tensor.js';
import { repeatEach, repeatRows } from '../samplers/common.js';
import type { Negatives, SampleContext, Sampler } from '../samplers/types.js';

/** What a step needs; the RNG streams are the run's ('sampler', 'dropout') and advance with every step. */
export interface TrainStepSetup {
  encoder: Encoder;
  sampler: Sampler;
  /** The ranking loss: a Loss, or a plain score function (pos, neg) → scalar. */
  lossFn: Loss | LossFn;
  optimizer: { step(): void; zeroGrad(): void };
  /** The training data; samplers see only its training view (a full Dataset is narrowed to one). */
  dataset: Dataset | TrainView;
  /** λ of the batch L2 on the ego rows (0: none), logged as the term 'l2'. */
  l2: number;
  /** The L2 term's form (RunConfig.l2Form; default 'ego'). */
  l2Form?: L2Form;
  samplerRng: Rng;
  dropoutRng: Rng;
  /** The run's other named streams, handed to the encoder pass (absent: components get none). */
  streams?: Streams;
  /** Per-step score diagnostics (the trainer's); null skips them. */
  diagnostics: SamplerDiagnostics | null;
  /** The view samplers get at each step (the loop's, which changes when false negatives are revealed); absent:
   * the dataset's training view, fixed. */
  view?: () => TrainView;
}

/** One step's loss and where its time went (ms; performance.now()). */
export interface StepResult {
  /** The total objective (ranking loss + every weighted term). */
  loss: number;
  /**
   * The objective's parts by name: 'loss' (the ranking loss) and each term's weight·value ('l2', an encoder's
   * 'cl', …). Reused between steps: copy what you keep.
   */
  terms: Map<string, number>;
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

/** A Loss from either form the setup accepts. */
export function asLoss(l: Loss | LossFn): Loss {
  return typeof l === 'function' ? scoreLoss(l.name || 'loss', l) : l;
}

/** The negatives' rows, real ids and L2 items, built before the positive scores (the tape order of today's runs). */
interface NegRows {
  nRows: Tensor;
  /** Per pair: the user rows repeated K times and their ids; shared: the batch's own rows. */
  uRows: Tensor;
  uIds: Int32Array;
  /** Real items behind the negatives, B×K (shared: each pair's row of the N ids), or null. */
  negIds: Int32Array | null;
  /** Items whose ego rows the batch L2 covers besides users and positives. */
  l2Items: Int32Array[];
  sources?: Int32Array[];
  k: number;
}

function negativeRows(pass: EncoderPass, u: Tensor, users: Int32Array, neg: Negatives): NegRows {
  const b = users.length;
  if (neg.kind === 'shared') {
    const N = neg.items.length;
    if (neg.k !== N) throw new Error(`sampler returned ${N} shared negatives with k = ${neg.k}`);
    const ids = new Int32Array(b * N);
    for (let r = 0; r < b; r++) ids.set(neg.items, r * N);
    return { nRows: pooledItems(pass, neg.items), uRows: u, uIds: users, negIds: ids, l2Items: [neg.items], k: N };
  }
  const k = neg.k;
  const uRows = k === 1 ? u : gatherRows(u, repeatRows(b, k));
  const uIds = repeatEach(users, k);
  const nRows = neg.kind === 'items' ? pooledItems(pass, neg.items) : neg.pooled;
  const real = neg.kind === 'items' ? neg.items : neg.hardItems;
  const sources = neg.kind === 'synthetic' ? neg.sources : undefined;
  const l2Items = real ? [real] : [];
  if (sources) l2Items.push(...sources);
  return { nRows, uRows, uIds, negIds: real ?? null, l2Items, sources, k };
}

/** s⁻: [B] (K = 1) or [B×K] per pair; [B×N] for shared negatives, log-Q corrected and hit-masked on request. */
function negativeScores(pass: EncoderPass, nr: NegRows, pos: Int32Array, neg: Negatives): { forLoss: Tensor; raw: Tensor } {
  const b = pos.length;
  if (neg.kind === 'shared') {
    const raw = pass.scoreMatrix(nr.uRows, nr.nRows, neg.items, nr.uIds);
    let s = raw;
    const N = neg.items.length;
    if (neg.logQ) {
      if (neg.logQ.length !== N) throw new Error(`shared negatives: logQ has ${neg.logQ.length} values for ${N} items`);
      s = sub(s, Tensor.from(neg.logQ, [1, N]));
    }
    if (neg.maskHits) {
      const m = hitMask(pos, neg.items);
      if (m) s = add(s, m);
    }
    return { forLoss: s, raw };
  }
  const s = pass.score(nr.uRows, nr.nRows, neg.kind === 'items' ? neg.items : undefined, nr.uIds);
  const r = nr.k === 1 ? s : reshape(s, [b, nr.k]);
  return { forLoss: r, raw: r };
}

/** −1e9 where shared item n is pair b's own positive (an accidental hit), else 0: [B×N], no gradient; null when no
 *  pair hits. */
function hitMask(pos: Int32Array, items: Int32Array): Tensor | null {
  const b = pos.length, n = items.length;
  let m: Tensor | null = null;
  for (let r = 0; r < b; r++) {
    for (let j = 0; j < n; j++) {
      if (items[j] !== pos[r]) continue;
      m ??= Tensor.zeros([b, n]);
      m.data[r * n + j] = -1e9;
    }
  }
  return m;
}

/**
 * SELFRec's regulariser (its util/loss_torch.py `l2_reg_loss`): Σ over the given row blocks of ‖X‖_F / rows(X), on
 * the pooled rows the step scored (a norm, not its square); negatives only when given.
 */
export function pooledNormL2(users: Tensor, pos: Tensor, neg: Tensor | null): Tensor {
  const term = (x: Tensor): Tensor => scale(sqrt(sumSquares(x)), 1 / x.shape[0]);
  const up = add(term(users), term(pos));
  return neg ? add(up, term(neg)) : up;
}

/** What a whole-data loss (needs.wholeData) reads of this step's pass: rows of any user or item, query rows. */
function wholeData(pass: EncoderPass, data: TrainView, dropoutRng: Rng): WholeDataInputs {
  const { info } = pass;
  return {
    numUsers: info.numUsers, numItems: info.numItems, scorer: info.scorer, data, dropoutRng,
    userRows: (ids) => pooledUsers(pass, ids),
    itemRows: (ids) => pooledItems(pass, ids),
    queryRows: (u) => (info.scorer === 'dot+bias' ? null : pass.queryRows ? pass.queryRows(u) : info.scorer === 'dot' ? u : null),
  };
}

/**
 * The training step of train(): returns a function that runs one batch (epoch and step are the sampler's context
 * and name a non-finite loss in the error). Throws when the loss is not finite, before backward.
 */
export function createTrainStep(s: TrainStepSetup): TrainStep {
  const { encoder, sampler, optimizer, l2, samplerRng, dropoutRng, diagnostics, streams } = s;
  const l2Form: L2Form = s.l2Form ?? 'ego';
  const loss = asLoss(s.lossFn);
  const fixed = s.view ? null : trainView(s.dataset);
  const viewOf = s.view ?? (() => fixed!);
  const wantRows = loss.needs?.rows === true;
  const wantWhole = loss.needs?.wholeData === true;
  const terms = new Map<string, number>();
  return (batch, epoch, step) => {
    const { users, pos } = batch;
    const b = users.length;
    const r: StepResult = { loss: NaN, terms, sampleMs: 0, forwardMs: 0, backwardMs: 0, optimMs: 0 };
    terms.clear();
    const t0 = now();
    r.loss = tidy(() => {
      const pass = encoder.forward({ training: true, rng: dropoutRng, streams });
      const u = pooledUsers(pass, users);
      const p = pooledItems(pass, pos);
      const ctx: SampleContext = { batch, users, pos, pass, data: viewOf(), rng: samplerRng, epoch, step, userRows: u };
      const ts = now();
      const neg: Negatives = sampler.sample(ctx);
      r.sampleMs = now() - ts;
      const sc = negativeRows(pass, u, users, neg);
      const sPos = pass.score(u, p, pos, users);
      // The loss sees the corrected, masked scores; diagnostics and observe the model's own (a masked hit's −1e9
      // would swamp the logged score gap).
      const { forLoss: sNeg, raw: sNegRaw } = negativeScores(pass, sc, pos, neg);
      const inputs: LossInputs = { pos: sPos, neg: sNeg, shared: neg.kind === 'shared', batch };
      if (wantRows) {
        inputs.users = u;
        inputs.posItems = p;
        inputs.negItems = sc.nRows;
        inputs.negItemIds = neg.kind === 'items' ? neg.items : null;
        inputs.scorer = pass.info.scorer;
      }
      if (neg.kind === 'shared' && neg.logQ) inputs.logQ = neg.logQ;
      if (wantWhole) inputs.whole = wholeData(pass, ctx.data, dropoutRng);
      let total = loss.compute(inputs);
      terms.set('loss', total.item());
      const extra: LossTerm[] = [];
      if (l2 > 0) {
        const value = l2Form === 'ego' ? pass.egoL2(users, [pos, ...sc.l2Items], b)
          : pooledNormL2(u, p, l2Form === 'pooledNorm' ? sc.nRows : null);
        extra.push({ name: 'l2', value, weight: l2 });
      }
      if (pass.terms) extra.push(...pass.terms(batch));
      for (const t of extra) {
        if (t.name === 'loss' || terms.has(t.name)) {
          throw new Error(`training step: objective term name '${t.name}' is taken (terms: loss, ${extra.map((x) => x.name).join(', ')}); give each term its own name`);
        }
        if (t.weight === 0) {
          terms.set(t.name, 0);
          continue;
        }
        const w = scale(t.value, t.weight);
        terms.set(t.name, w.item());
        total = add(total, w);
      }
      const lv = total.item();
      if (!Number.isFinite(lv)) {
        throw new Error(`loss became ${lv} at epoch ${epoch}, step ${step}: lower optimizer.lr or check the data`);
      }
      diagnostics?.add(users, sPos.data, sNegRaw.data, sc.k, sc.negIds, sc.sources);
      sampler.observe?.(ctx, neg, { pos: sPos.data, neg: sNegRaw.data });
      const tb = now();
      r.forwardMs = tb - t0 - r.sampleMs;
      total.backward();
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
