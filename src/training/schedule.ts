// Learning-rate schedules, per epoch (PyTorch's schedulers stepped once per epoch): epoch e (1-based) trains
// with lr(e), a closed form of the epoch number, so a resumed run needs no schedule state.
//   constant:    lr(e) = lr0
//   step:        lr(e) = lr0 · γ^⌊(e−1)/stepSize⌋                     (StepLR)
//                or, with milestones m_1 < m_2 < …, lr0 · γ^#{m_i < e}  (MultiStepLR: γ applied after epoch m_i)
//   exponential: lr(e) = lr0 · γ^(e−1)                               (ExponentialLR)
//   cosine:      lr(e) = η_min + (lr0 − η_min)·(1 + cos(π·min(e−1, T)/T))/2, T = tMax (default: the run's epochs)
//                                                                    (CosineAnnealingLR without restarts)
// PDNS Fig. 4a (Taobao, LightGCN) trains with lr 0.005 before epoch 40 to speed training up, then the tuned lr:
// `{ name: 'step', milestones: [40], gamma: tuned / 0.005 }`.

export interface LrScheduleConfig {
  name: 'constant' | 'step' | 'cosine' | 'exponential';
  /** step: epochs per decay (StepLR). */
  stepSize?: number;
  /** step: epochs after which γ is applied (MultiStepLR), instead of stepSize. */
  milestones?: number[];
  /** step/exponential: decay factor (> 0; default 0.1 for step, required for exponential). */
  gamma?: number;
  /** cosine: period T in epochs (default: the run's epochs). */
  tMax?: number;
  /** cosine: the floor η_min (default 0). */
  etaMin?: number;
}

/** lr for epoch e (1-based). */
export type LrSchedule = (epoch: number) => number;

const KEYS: Record<LrScheduleConfig['name'], string[]> = {
  constant: [],
  step: ['stepSize', 'milestones', 'gamma'],
  exponential: ['gamma'],
  cosine: ['tMax', 'etaMin'],
};

/** Builds a schedule; throws naming `lrSchedule.<key>` for options that are missing, wrong or do not apply. */
export function createLrSchedule(cfg: LrScheduleConfig | null | undefined, lr0: number, epochs: number): LrSchedule {
  if (!cfg) return () => lr0;
  const bad = (msg: string): never => {
    throw new RangeError(`lrSchedule: ${msg}`);
  };
  const known = KEYS[cfg.name];
  if (!known) bad(`unknown schedule '${String(cfg.name)}' (known: ${Object.keys(KEYS).join(', ')})`);
  for (const k of Object.keys(cfg)) {
    if (k !== 'name' && !known.includes(k)) bad(`${k} does not apply to the ${cfg.name} schedule (its options: ${known.join(', ') || 'none'})`);
  }
  const positive = (k: keyof LrScheduleConfig, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(`${k} must be a number > 0, got ${JSON.stringify(v)}`);
    return v as number;
  };
  switch (cfg.name) {
    case 'constant':
      return () => lr0;
    case 'step': {
      const gamma = cfg.gamma === undefined ? 0.1 : positive('gamma', cfg.gamma);
      if ((cfg.stepSize === undefined) === (cfg.milestones === undefined)) bad('step needs exactly one of stepSize and milestones');
      if (cfg.milestones !== undefined) {
        const ms = cfg.milestones;
        if (!Array.isArray(ms) || ms.length === 0 || ms.some((m, i) => !Number.isInteger(m) || m < 1 || (i > 0 && m <= ms[i - 1]))) {
          bad(`milestones must be ascending positive integers, got ${JSON.stringify(ms)}`);
        }
        return (e) => lr0 * gamma ** ms.filter((m) => m < e).length;
      }
      const size = cfg.stepSize!;
      if (!Number.isInteger(size) || size < 1) bad(`stepSize must be an integer ≥ 1, got ${JSON.stringify(size)}`);
      return (e) => lr0 * gamma ** Math.floor((e - 1) / size);
    }
    case 'exponential': {
      if (cfg.gamma === undefined) bad('exponential needs gamma');
      const gamma = positive('gamma', cfg.gamma);
      return (e) => lr0 * gamma ** (e - 1);
    }
    case 'cosine': {
      const T = cfg.tMax ?? Math.max(1, epochs);
      if (!Number.isInteger(T) || T < 1) bad(`tMax must be an integer ≥ 1, got ${JSON.stringify(cfg.tMax)}`);
      const etaMin = cfg.etaMin ?? 0;
      if (typeof etaMin !== 'number' || !(etaMin >= 0) || etaMin > lr0) bad(`etaMin must be in [0, lr], got ${JSON.stringify(cfg.etaMin)}`);
      return (e) => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * Math.min(e - 1, T)) / T))) / 2;
    }
  }
  return bad('unreachable');
}
