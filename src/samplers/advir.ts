// AdvIR (Park & Chang 2019, "Adversarial Sampling and Training for Semi-Supervised Information Retrieval", WWW) for
// item recommendation: IRGAN's adversarial sampling — a generator's softmax policy over the catalogue, trained by
// REINFORCE on the recommender's scores, draws the recommender's negatives (irgan.ts, unchanged) — plus adversarial
// training of the recommender (the discriminator): its loss is BPR plus BPR under a worst-case embedding
// perturbation of norm ε (the `apr` loss, losses/apr.ts, which this sampler prescribes).
//
// Choices (the paper's text was not held here; the method as PDNS, GDNS and RecNS describe it, "adversarial sampling
// and adversarial training", "adds perturbation into adversarial sampling to make the model more robust"):
// - The perturbation is APR's fast-gradient one on the recommender's scored rows (one Δ per user and per item of the
//   batch). `perturb: 'positives'` perturbs users and positives only (the paper's "augment clicked examples by
//   adversarial training"); 'all' (default) also the generator's negatives.
// - Adversarial training of the generator is the IRGAN option `generatorEps` (λ `generatorAdvWeight`): each G step
//   adds λ·L_G(θ + ε·∇L_G/‖∇L_G‖ per row of P and Q). It is off by default (0): it doubles G's cost, the most
//   expensive part of the step, and the results in docs/results were run without it.
// - ε defaults to 0.05, not APR's 0.5: APR starts from BPR-pretrained embeddings, whose rows are long; from
//   hardneg's normal(0.1) init at d = 64 rows have norm ≈ 0.8, and ε = 0.5 collapsed every score to 0 (MF on ML-100K,
//   uniform negatives + apr: test Recall@20 0.0037 after 5 epochs, below a random ranking), while ε = 0.05 trained
//   (0.2904). With a warm start (initFrom) APR's ε = 0.5 is the paper setting.
// - Every IRGAN option applies (schedule, reward, baseline, generatorInit and warm starts via initFrom).
import { Options } from './common.js';
import { IrganSampler, irganEntry, type IrganOptions } from './irgan.js';
import type { AprPerturb } from '../losses/apr.js';
import type { Rng } from '../core/rng.js';
import type { TrainView } from '../data/types.js';
import type { EpochContext, LossSpec, Negatives, SampleContext, Sampler, SamplerEntry, SamplerState, StepScores } from './types.js';

export interface AdvirOptions extends IrganOptions {
  /** ε of the adversarial perturbation (default 0.05; APR's 0.5 assumes pretrained embeddings). */
  eps?: number;
  /** λ of the adversarial loss term (default 1). */
  advWeight?: number;
  /** Rows perturbed: 'all' (default) or 'positives' (users and positive items). */
  perturb?: AprPerturb;
}

const OWN = ['eps', 'advWeight', 'perturb'] as const;

export class AdvirSampler implements Sampler {
  readonly name = 'advir';
  readonly preferredLoss: LossSpec;
  /** The IRGAN generator and its schedule. */
  readonly irgan: IrganSampler;

  constructor(opts: AdvirOptions = {}) {
    // Its own three options are read here; every other one is IRGAN's, checked by IrganSampler.
    const own: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(opts)) {
      if ((OWN as readonly string[]).includes(k)) own[k] = v;
      else if (k !== 'name') rest[k] = v;
    }
    const o = new Options('advir', own);
    this.preferredLoss = { name: 'apr', eps: o.num('eps', 0.05, 0), weight: o.num('advWeight', 1, 0), perturb: o.oneOf('perturb', 'all', ['all', 'positives'] as const) };
    o.done();
    try {
      this.irgan = new IrganSampler(rest as IrganOptions);
    } catch (e) {
      throw new RangeError(String((e as Error).message).replace(/^irgan:/, 'advir:'));
    }
  }

  /** The adversarial term is defined on dot-product scores (losses/apr.ts). */
  readonly needs = { scorer: ['dot' as const] };

  prepare(data: TrainView, rng: Rng): void {
    this.irgan.prepare(data, rng);
  }

  onEpochStart(ctx: EpochContext): void {
    this.irgan.onEpochStart(ctx);
  }

  sample(ctx: SampleContext): Negatives {
    return this.irgan.sample(ctx);
  }

  observe(ctx: SampleContext, neg: Negatives, scores: StepScores): void {
    this.irgan.observe(ctx, neg, scores);
  }

  getState(): SamplerState {
    return this.irgan.getState();
  }

  setState(s: SamplerState): void {
    this.irgan.setState(s);
  }
}

/** Registry entry (samplers/index.ts). */
export const advirEntry: SamplerEntry = {
  name: 'advir',
  describe: 'AdvIR: IRGAN\'s generator negatives plus adversarial (APR) training of the recommender (Park & Chang 2019)',
  options: {
    ...irganEntry.options,
    eps: { type: 'number', default: 0.05, min: 0, doc: "ε: norm of the adversarial perturbation of each row (loss apr; APR's 0.5 is for BPR-pretrained embeddings, see initFrom)" },
    advWeight: { type: 'number', default: 1, min: 0, doc: 'λ: weight of the adversarial BPR term (loss apr)' },
    perturb: { type: 'enum', values: ['all', 'positives'], default: 'all', doc: "rows perturbed: users, positives and negatives, or users and positives only" },
  },
  create: (o) => new AdvirSampler(o),
};
