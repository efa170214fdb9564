// Loss registry: `buildLoss(spec)` turns a config entry such as `{ name: 'softBpr', beta: 0.2 }` into the Loss the
// training step uses; `createLoss(spec)` gives its score function. `losses.register(entry)` adds a loss.
import type { OptionSchema } from '../core/options.js';
import { Registry, type RegistryEntry } from '../core/registry.js';
import {
  bpr, groupHinge, groupedHinge, kPairSoftplus, marginHinge, sigmoidHinge, softBpr, softplusPointwise,
  type GroupReduce, type LossFn,
} from './losses.js';
import { type Loss, scoreLoss } from './types.js';
import { infoNce, type InfoNceOptions, type Similarity } from './infonce.js';
import { pris } from './pris.js';
import { augmentedHinge } from './augmentedHinge.js';
import { apr, type AprOptions, type AprPerturb } from './apr.js';
import { enmf, type EnmfOptions, type EnmfPositives, type EnmfWeighting } from './enmf.js';

export { bpr, groupHinge, kPairSoftplus, marginHinge, sigmoidHinge, softBpr, softplusPointwise, scoreLoss };
export type { GroupReduce, LossFn };
export { infoNce, augmentedHinge, pris, enmf, apr };
export { aprPerturbations } from './apr.js';
export type { AprOptions, AprPerturb };
export type { InfoNceOptions, Similarity, EnmfOptions, EnmfPositives, EnmfWeighting };
export type { Loss, LossInputs, LossNeeds, WholeDataInputs } from './types.js';

export interface LossSpec {
  name: string;
  [k: string]: unknown;
}

export interface LossEntry extends RegistryEntry {
  /** Accepted options besides `name`; an option without a default is required. */
  readonly options: OptionSchema;
  /** Builds the loss from options with defaults filled in: a score function, or a Loss (with needs). */
  make(o: Record<string, unknown>): LossFn | Loss;
}

const margin = (def: number, doc: string) => ({ type: 'number', default: def, doc }) as const;

/** Every loss hardneg knows. */
export const losses = new Registry<LossEntry>('loss');
const builtins: LossEntry[] = [
  { name: 'bpr', describe: 'mean −log σ(s⁺ − s⁻)', options: {}, make: () => bpr },
  {
    name: 'softBpr', aliases: ['soft-bpr', 'soft_bpr', 'softbpr'], describe: 'mean −log σ(β(s⁺ − s⁻)) (PDNS)',
    options: { beta: { type: 'number', min: 0, exclusiveMin: true, doc: 'β (required; 1 is BPR)' } },
    make: (o) => softBpr(num(o, 'softBpr', 'beta')),
  },
  {
    name: 'kPairSoftplus', aliases: ['k-pair-softplus', 'kpair', 'k-pair', 'kpairsoftplus'],
    describe: 'mean log(1 + Σ_k exp(s⁻_k − s⁺)) (DINS)', options: {}, make: () => kPairSoftplus,
  },
  {
    name: 'marginHinge', aliases: ['margin-hinge', 'hinge', 'marginhinge'], describe: 'mean max(0, s⁻ − s⁺ + γ)',
    options: { margin: margin(1, 'γ') }, make: (o) => marginHinge(num(o, 'marginHinge', 'margin')),
  },
  {
    name: 'sigmoidHinge', aliases: ['sigmoid-hinge', 'sigmoidhinge'], describe: 'mean max(0, σ(s⁻) − σ(s⁺) + γ) (RecNS code)',
    options: { margin: margin(0.1, 'γ') }, make: (o) => sigmoidHinge(num(o, 'sigmoidHinge', 'margin')),
  },
  {
    name: 'pris', describe: 'mean_b Σ_k softmax_k(s⁻/τ) · softplus(s⁻_k − s⁺), weights held constant (PRIS-U)',
    options: { temperature: { type: 'number', min: 0, exclusiveMin: true, default: 1, doc: 'τ of the importance weights' } },
    make: (o) => pris(o.temperature === undefined ? 1 : num(o, 'pris', 'temperature')),
  },
  {
    name: 'softplusPointwise', aliases: ['softplus-pointwise', 'softplus', 'softpluspointwise'],
    describe: 'softplus(−s⁺) + softplus(s⁻) (SRNS/GMF log loss)', options: {}, make: () => softplusPointwise,
  },
  {
    name: 'groupHinge', aliases: ['group-hinge', 'grouphinge'],
    describe: 'Σ_{i∈Δ} Σ_{j∈Δ\'} max(0, r_uj − r_ui + γ) per user (GDNS)',
    options: {
      margin: margin(1, 'γ'),
      reduce: { type: 'enum', values: ['meanUsers', 'sum', 'meanPairs'], default: 'meanUsers', doc: 'per-user sums averaged over users, summed, or averaged over pairs' },
    },
    // The step's Loss reads the batch's groups (per-user sums); createLoss gives the plain score function.
    make: (o) => groupedHinge(num(o, 'groupHinge', 'margin'), o.reduce as GroupReduce),
  },
  {
    name: 'infoNce', aliases: ['infonce', 'info-nce'],
    describe: 'mean −log e^{sim⁺/τ} / (e^{sim⁺/τ} + Σ_k e^{sim⁻_k/τ}) over per-pair or shared negatives',
    options: {
      similarity: { type: 'enum', values: ['cosine', 'dot'], default: 'cosine', doc: "'cosine' of the pooled rows, or the scorer's 'dot' scores" },
      temperature: { type: 'number', default: 0.2, min: 0, exclusiveMin: true, doc: 'τ' },
    },
    make: (o) => infoNce({ similarity: o.similarity as Similarity, temperature: num(o, 'infoNce', 'temperature') }),
  },
  {
    name: 'cdnsInfoNce', aliases: ['cdns-infonce', 'cdnsinfonce'],
    describe: 'contrastive DNS eq. 5: −log f(u,i) / (f(u,i) + f(u,j) + f(u,j′)), f = exp(cos/τ)',
    options: { temperature: { type: 'number', default: 0.2, min: 0, exclusiveMin: true, doc: 'τ (not reported in the paper: 0.2)' } },
    make: (o) => infoNce({ similarity: 'cosine', temperature: num(o, 'cdnsInfoNce', 'temperature') }, 'cdnsInfoNce'),
  },
  {
    name: 'augmentedHinge', aliases: ['augmented-hinge', 'augmentedhinge'],
    describe: '(1/k) max(0, σ(Σ_k s⁻_k) − σ(k s⁺) + γ) (RecNS eq. 5)',
    options: { margin: margin(0.1, 'γ') }, make: (o) => augmentedHinge(num(o, 'augmentedHinge', 'margin')),
  },
  {
    name: 'enmf',
    describe: 'ENMF whole-data loss: Σ_{u∈B} Σ_{v∈I} c_uv (r_uv − ŷ_uv)² over every item, by d×d Gram matrices (no sampling; dot/GMF scorers)',
    options: {
      negativeWeight: { type: 'number', default: 0.5, min: 0, exclusiveMin: true, doc: "c⁻ of every missing entry (uniform), or their mean (popularity); the released code's 0.5" },
      positiveWeight: { type: 'number', default: 1, min: 0, exclusiveMin: true, doc: 'c⁺ of the training positives' },
      weighting: { type: 'enum', values: ['uniform', 'popularity'], default: 'uniform', doc: "c⁻: one weight (the code), or ∝ popularity^α with mean negativeWeight (frequency-aware)" },
      alpha: { type: 'number', default: 0.5, min: 0, doc: "α of the popularity weights (weighting 'popularity' only)" },
      dropout: { type: 'number', default: 0, min: 0, max: 1, exclusiveMax: true, doc: "dropout rate on the batch's user rows (the code's keep_prob 0.7 is 0.3; 0: off)" },
      positives: { type: 'enum', values: ['user', 'batch'], default: 'user', doc: "'user': each distinct batch user with all its training items (the paper; with batching: groups, groupSize: 1 each user is seen once per epoch); 'batch': the batch's pairs, Gram rows weighted 1/|R_u| (an epoch of interaction batches sums to the full loss)" },
    },
    make: (o) => enmf(o as EnmfOptions),
  },
  {
    name: 'apr', aliases: ['adversarialBpr', 'adversarial-bpr'],
    describe: 'BPR + λ·BPR on rows perturbed by Δ = ε·Γ/‖Γ‖ (APR; AdvIR\'s adversarial training; dot scorer)',
    options: {
      eps: { type: 'number', default: 0.5, min: 0, doc: 'ε: norm of each row\'s perturbation (APR\'s 0.5)' },
      weight: { type: 'number', default: 1, min: 0, doc: 'λ: weight of the adversarial term (APR\'s 1)' },
      perturb: { type: 'enum', values: ['all', 'positives'], default: 'all', doc: "'all': users, positives and real negatives (APR); 'positives': users and positives only" },
    },
    make: (o) => apr({ eps: num(o, 'apr', 'eps'), weight: num(o, 'apr', 'weight'), perturb: o.perturb as AprPerturb }),
  },
];
for (const e of builtins) losses.register(e);

/** Names of the built-in losses (`losses.names()` also lists those registered later). */
export const lossNames: readonly string[] = losses.names();

/** Canonical name of a loss (resolving aliases, case-insensitively), or throws naming the known losses. */
export function resolveLossName(name: string): string {
  if (typeof name !== 'string') throw new Error(`loss: name must be a string, got ${String(name)}`);
  return losses.resolve(name) ?? losses.resolve(name.toLowerCase()) ?? losses.get(name).name;
}

/** The options of `spec` checked against its entry, with defaults filled in. */
function optionsOf(s: LossSpec): { entry: LossEntry; opts: Record<string, unknown> } {
  const entry = losses.get(resolveLossName(s.name));
  const name = entry.name;
  const opts: Record<string, unknown> = {};
  for (const k of Object.keys(s)) {
    if (k === 'name') continue;
    if (!Object.prototype.hasOwnProperty.call(entry.options, k)) {
      const known = Object.keys(entry.options);
      throw new Error(`loss '${name}': unknown option '${k}'` +
        (known.length ? ` (accepted: ${known.join(', ')})` : ' (it takes no options)'));
    }
    opts[k] = s[k];
  }
  for (const [k, spec] of Object.entries(entry.options)) {
    if (opts[k] === undefined) {
      if (spec.default === undefined) throw new Error(`loss '${name}': option '${k}' is required`);
      opts[k] = spec.default;
    }
  }
  return { entry, opts };
}

function specOf(spec: LossSpec | string): LossSpec {
  const s: LossSpec = typeof spec === 'string' ? { name: spec } : spec;
  if (!s || typeof s !== 'object') throw new Error('createLoss: expected { name, ...options }');
  return s;
}

/** The loss of `spec` as the training step uses it (a Loss: name, needs, compute). */
export function buildLoss(spec: LossSpec | string): Loss {
  const { entry, opts } = optionsOf(specOf(spec));
  const made = entry.make(opts);
  return typeof made === 'function' ? scoreLoss(entry.name, made) : made;
}

/** The score function of `spec`: (pos, neg) → scalar (losses that need more than scores have none). */
export function createLoss(spec: LossSpec | string): LossFn {
  const { entry, opts } = optionsOf(specOf(spec));
  const made = entry.make(opts);
  if (typeof made !== 'function') {
    if (made.fn) return made.fn;
    throw new Error(`loss '${entry.name}' needs more than scores (${JSON.stringify(made.needs ?? {})}); use buildLoss`);
  }
  return made;
}

function num(o: Record<string, unknown>, loss: string, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`loss '${loss}': option '${key}' must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}
