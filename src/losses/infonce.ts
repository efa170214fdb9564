// InfoNCE over a pair's negatives (contrastive DNS eq. 1 / eq. 5, papers/dns-contrastive.md):
//
//   L = mean_b −log f(u_b, i_b) / (f(u_b, i_b) + Σ_j f(u_b, j)),   f(x, y) = exp(sim(x, y) / τ)
//     = mean_b [ logSumExp(s⁺_b/τ, s⁻_b1/τ, …) − s⁺_b/τ ]
//
// sim = 'cosine' (default; eq. 5): cos of the pooled rows the step hands over (needs.rows), through engine ops
// (l2NormalizeRows → rowDot / matmulABt), so any scorer's rows work and the item bias is not involved.
// sim = 'dot': the step's own scores s⁺ / s⁻ (the encoder's scorer, BPR-MF's bias included), no rows needed.
//
// Negatives: per pair ([B·K] rows, neg [B×K], row b·K + k the k-th negative of pair b; K = 2 for cdns: j, j′), or
// shared by the batch (x.shared: N rows, every pair against all N, neg [B×N]). For shared negatives with a log-Q
// correction the logit is sim/τ − log Q (the sampled-softmax correction applied to the tempered logit), and a
// shared item the step masked as the pair's own positive (score ≤ −1e8, the step's −1e9 marker) stays masked.
import { Tensor } from '../engine/tensor.js';
import {
  add, concatCols, gatherRows, l2NormalizeRows, logSumExpRows, matmulABt, mean, reshape, rowDot, scale, sub,
} from '../engine/ops.js';
import type { Loss, LossInputs } from './types.js';

export type Similarity = 'cosine' | 'dot';

export interface InfoNceOptions {
  /** 'cosine' (default) or 'dot'. */
  similarity?: Similarity;
  /** τ (default 0.2). */
  temperature?: number;
}

/** Scores at or below this are the step's masked accidental hits (it adds −1e9). */
const MASKED = -1e8;

function rowsOf(b: number, k: number): Int32Array {
  const out = new Int32Array(b * k);
  for (let r = 0, w = 0; r < b; r++) for (let j = 0; j < k; j++) out[w++] = r;
  return out;
}

/** [B] or [B×K] → [B×K]. */
function as2d(t: Tensor, b: number): Tensor {
  return t.shape.length === 1 ? reshape(t, [b, 1]) : t;
}

/** Cosine similarities of the step's rows: s⁺ [B] and s⁻ [B×K] (per pair) or [B×N] (shared). */
function cosineScores(x: LossInputs, where: string): { pos: Tensor; neg: Tensor } {
  if (!x.users || !x.posItems || !x.negItems) throw new Error(`${where}: cosine similarity needs the pooled rows (needs.rows)`);
  const b = x.users.rows;
  if (x.posItems.rows !== b) throw new Error(`${where}: ${b} user rows but ${x.posItems.rows} positive rows`);
  const un = l2NormalizeRows(x.users);
  const pn = l2NormalizeRows(x.posItems);
  const nn = l2NormalizeRows(x.negItems);
  const pos = rowDot(un, pn);
  if (x.shared) return { pos, neg: matmulABt(un, nn) };
  const n = x.negItems.rows;
  if (n % b !== 0) throw new Error(`${where}: ${n} negative rows are not K per pair for ${b} pairs`);
  const k = n / b;
  const neg = rowDot(k === 1 ? un : gatherRows(un, rowsOf(b, k)), nn);
  return { pos, neg: reshape(neg, [b, k]) };
}

/** The InfoNCE loss (see the file header); `name` is how the step and the logs call it. */
export function infoNce(o: InfoNceOptions = {}, name = 'infoNce'): Loss {
  const sim = o.similarity ?? 'cosine';
  const tau = o.temperature ?? 0.2;
  if (sim !== 'cosine' && sim !== 'dot') throw new Error(`${name}: similarity must be 'cosine' or 'dot', got ${JSON.stringify(sim)}`);
  if (!(tau > 0) || !Number.isFinite(tau)) throw new Error(`${name}: temperature must be a positive number, got ${tau}`);
  const inv = 1 / tau;
  return {
    name,
    needs: sim === 'cosine' ? { rows: true } : undefined,
    compute(x: LossInputs): Tensor {
      const b = x.pos.shape[0];
      let sPos: Tensor;
      let sNeg: Tensor;
      if (sim === 'cosine') {
        const c = cosineScores(x, name);
        sPos = scale(c.pos, inv);
        sNeg = scale(c.neg, inv);
        if (x.shared) {
          const N = sNeg.cols;
          if (x.logQ) {
            if (x.logQ.length !== N) throw new Error(`${name}: logQ has ${x.logQ.length} values for ${N} shared negatives`);
            sNeg = sub(sNeg, Tensor.from(x.logQ, [1, N]));
          }
          // Keep the step's accidental-hit mask (its scores carry it; the rows do not).
          const nd = x.neg.data;
          let hits: Tensor | null = null;
          for (let t = 0; t < nd.length; t++) {
            if (nd[t] <= MASKED) {
              hits ??= Tensor.zeros([b, N]);
              hits.data[t] = -1e9;
            }
          }
          if (hits) sNeg = add(sNeg, hits);
        }
      } else {
        sPos = scale(x.pos, inv);
        sNeg = scale(as2d(x.neg, b), inv);
        // The step subtracted log Q from s; the tempered logit wants s/τ − log Q: add log Q·(1/τ − 1).
        if (x.shared && x.logQ && inv !== 1) {
          const N = sNeg.cols;
          const c = new Float32Array(N);
          for (let t = 0; t < N; t++) c[t] = x.logQ[t] * (inv - 1);
          sNeg = add(sNeg, Tensor.from(c, [1, N]));
        }
      }
      sNeg = as2d(sNeg, b);
      if (sNeg.rows !== b) throw new Error(`${name}: ${b} positives but ${sNeg.rows} rows of negatives`);
      const logits = concatCols([reshape(sPos, [b, 1]), sNeg]);
      return mean(sub(logSumExpRows(logits), sPos));
    },
  };
}
