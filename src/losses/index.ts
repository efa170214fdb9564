// Loss registry: `createLoss(spec)` turns a config entry such as `{ name: 'softBpr', beta: 0.2 }` into a LossFn.
import {
  bpr, groupHinge, kPairSoftplus, marginHinge, sigmoidHinge, softBpr, softplusPointwise,
  type GroupReduce, type LossFn,
} from './losses.js';

import { type Loss, scoreLoss } from './types.js';

export { bpr, groupHinge, kPairSoftplus, marginHinge, sigmoidHinge, softBpr, softplusPointwise, scoreLoss };
export type { GroupReduce, LossFn };
export type { Loss, LossInputs, LossNeeds } from './types.js';

export interface LossSpec {
  name: string;
  [k: string]: unknown;
}

interface LossEntry {
  /** Accepted option keys besides `name`, with their defaults (undefined = required). */
  options: Record<string, number | string | undefined>;
  make(o: Record<string, unknown>): LossFn;
  describe: string;
}

const LOSSES: Record<string, LossEntry> = {
  bpr: { options: {}, make: () => bpr, describe: 'mean −log σ(s⁺ − s⁻)' },
  softBpr: {
    options: { beta: undefined },
    make: (o) => softBpr(num(o, 'softBpr', 'beta')),
    describe: 'mean −log σ(β(s⁺ − s⁻)) (PDNS)',
  },
  kPairSoftplus: { options: {}, make: () => kPairSoftplus, describe: 'mean log(1 + Σ_k exp(s⁻_k − s⁺)) (DINS)' },
  marginHinge: {
    options: { margin: 1 },
    make: (o) => marginHinge(num(o, 'marginHinge', 'margin')),
    describe: 'mean max(0, s⁻ − s⁺ + γ)',
  },
  sigmoidHinge: {
    options: { margin: 0.1 },
    make: (o) => sigmoidHinge(num(o, 'sigmoidHinge', 'margin')),
    describe: 'mean max(0, σ(s⁻) − σ(s⁺) + γ) (RecNS code)',
  },
  softplusPointwise: {
    options: {},
    make: () => softplusPointwise,
    describe: 'softplus(−s⁺) + softplus(s⁻) (SRNS/GMF log loss)',
  },
  groupHinge: {
    options: { margin: 1, reduce: 'meanUsers' },
    make: (o) => groupHinge(num(o, 'groupHinge', 'margin'), o.reduce as GroupReduce),
    describe: 'Σ_{i∈Δ} Σ_{j∈Δ\'} max(0, r_uj − r_ui + γ) per user (GDNS)',
  },
};

/** Spellings accepted for each loss name (config files use kebab or snake case too). */
const ALIASES: Record<string, string> = {
  'soft-bpr': 'softBpr', soft_bpr: 'softBpr', softbpr: 'softBpr',
  'k-pair-softplus': 'kPairSoftplus', kpair: 'kPairSoftplus', 'k-pair': 'kPairSoftplus', kpairsoftplus: 'kPairSoftplus',
  'margin-hinge': 'marginHinge', hinge: 'marginHinge', marginhinge: 'marginHinge',
  'sigmoid-hinge': 'sigmoidHinge', sigmoidhinge: 'sigmoidHinge',
  'softplus-pointwise': 'softplusPointwise', softplus: 'softplusPointwise', softpluspointwise: 'softplusPointwise',
  'group-hinge': 'groupHinge', grouphinge: 'groupHinge',
};

export const lossNames: readonly string[] = Object.keys(LOSSES);

/** Canonical name of a loss (resolving aliases), or throws naming the known losses. */
export function resolveLossName(name: string): string {
  if (typeof name !== 'string') throw new Error(`loss: name must be a string, got ${String(name)}`);
  if (name in LOSSES) return name;
  const alias = ALIASES[name] ?? ALIASES[name.toLowerCase()];
  if (alias) return alias;
  throw new Error(`unknown loss '${name}'; known: ${lossNames.join(', ')}`);
}

/** The loss of `spec` as the training step uses it (a Loss: name, needs, compute). */
export function buildLoss(spec: LossSpec | string): Loss {
  const name = resolveLossName(typeof spec === 'string' ? spec : spec?.name);
  return scoreLoss(name, createLoss(spec));
}

/** The score function of `spec`: (pos, neg) → scalar. */
export function createLoss(spec: LossSpec | string): LossFn {
  const s: LossSpec = typeof spec === 'string' ? { name: spec } : spec;
  if (!s || typeof s !== 'object') throw new Error('createLoss: expected { name, ...options }');
  const name = resolveLossName(s.name);
  const entry = LOSSES[name];
  const opts: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'name') continue;
    if (!(k in entry.options)) {
      const known = Object.keys(entry.options);
      throw new Error(`loss '${name}': unknown option '${k}'` +
        (known.length ? ` (accepted: ${known.join(', ')})` : ' (it takes no options)'));
    }
    opts[k] = v;
  }
  for (const [k, def] of Object.entries(entry.options)) {
    if (opts[k] === undefined) {
      if (def === undefined) throw new Error(`loss '${name}': option '${k}' is required`);
      opts[k] = def;
    }
  }
  return entry.make(opts);
}

function num(o: Record<string, unknown>, loss: string, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`loss '${loss}': option '${key}' must be a finite number, got ${JSON.stringify(v)}`);
  }
  return v;
}
