// Adversarial BPR: BPR plus BPR under a worst-case perturbation of the embeddings (He, He, Du & Chua 2018,
// "Adversarial Personalized Ranking for Recommendation", SIGIR: APR), the adversarial training AdvIR (Park & Chang
// 2019) applies to its discriminator in the item-recommendation setting.
//
//   L = BPR(Θ) + λ · BPR(Θ + Δ),   Δ = ε · Γ / ‖Γ‖ row by row,   Γ = ∂BPR(Θ)/∂Θ,
//
// Δ is held constant (no gradient flows through it), as in APR's fast-gradient approximation. Θ here is the pooled
// rows the step scores with (for MF these are the embedding rows themselves; for a graph encoder the propagated
// rows). As in APR's released code (an l2-normalised gradient of the whole table, row by row), Γ is summed over
// every occurrence of a row in the batch before it is normalised: one Δ per user and one per item (positive and
// real negative rows share the item table), not one per pair. Synthetic negatives (MixGCF, DINS, RecNS) have no
// table row and get a Δ of their own, per row. With `perturb: 'positives'` only users and positive items are
// perturbed (AdvIR's "augment clicked examples"); 'all' (default, APR) perturbs negatives too.
//
// Score form: ⟨u, i⟩ on the pooled rows (the 'dot' scorer); other scorers are refused, as are shared negatives.
import { add, gatherRows, reshape, rowDot, scale } from '../engine/ops.js';
import { bpr } from './losses.js';
import { Deduper } from '../core/dedup.js';
import { Tensor } from '../engine/tensor.js';
import type { Loss, LossInputs } from './types.js';

export type AprPerturb = 'all' | 'positives';

export interface AprOptions {
  /** ε: the perturbation's L2 norm per row (APR's 0.5). */
  eps?: number;
  /** λ: weight of the adversarial term (APR's 1). */
  weight?: number;
  perturb?: AprPerturb;
}

/** A Deduper sized to the largest id seen so far: the loss gets ids without their table's size. */
class GrowingDeduper {
  private d: Deduper | null = null;
  private cap = 0;
  run(ids: Int32Array): { ids: Int32Array; slot: Int32Array } {
    const need = maxPlusOne(ids);
    if (!this.d || need > this.cap) this.d = new Deduper((this.cap = Math.max(need, 2 * this.cap)));
    return this.d.run(ids);
  }
}

/**
 * The adversarial perturbations of one batch (plain arrays): dU [B×P], dI [B×P], dJ [B·K×P] with
 * K = nNeg / B, Γ from BPR's mean gradient with s = ⟨u, i⟩ − ⟨u, j⟩, summed per id (users by `users`, items by
 * `pos` and `negIds` when given, else per negative row), then scaled to norm ε (a zero Γ gives a zero Δ).
 */
export function aprPerturbations(
  U: Float32Array, I: Float32Array, J: Float32Array, P: number,
  users: Int32Array, pos: Int32Array, negIds: Int32Array | null,
  eps: number, perturbNegatives: boolean,
  dedup: { users: GrowingDeduper; items: GrowingDeduper } = { users: new GrowingDeduper(), items: new GrowingDeduper() },
): { dU: Float32Array; dI: Float32Array; dJ: Float32Array } {
  const B = users.length;
  const R = J.length / P;
  const K = R / B;
  // One Γ row per distinct user and per distinct item (positives and real negatives share the item table).
  const du = dedup.users.run(users);
  const us = du.slot;
  const nUserSlots = du.ids.length;
  const itemIds = negIds ? new Int32Array(B + R) : pos;
  if (negIds) {
    itemIds.set(pos);
    itemIds.set(negIds, B);
  }
  const di = dedup.items.run(itemIds);
  const is = di.slot.subarray(0, B);
  const js = negIds ? di.slot.subarray(B) : di.slot;
  const nItemSlots = di.ids.length;
  const gU = new Float64Array(nUserSlots * P);
  const gI = new Float64Array(nItemSlots * P);
  const gJ = negIds ? gI : new Float64Array(R * P);
  const inv = 1 / R;
  for (let r = 0; r < R; r++) {
    const b = (r / K) | 0;
    const uo = b * P, io = b * P, jo = r * P;
    let s = 0;
    for (let d = 0; d < P; d++) s += U[uo + d] * (I[io + d] - J[jo + d]);
    // ∂/∂s of mean softplus(−s) = −σ(−s) / R.
    const c = -inv / (1 + Math.exp(s));
    const gu = us[b] * P, gi = is[b] * P, gj = (negIds ? js[r] : r) * P;
    for (let d = 0; d < P; d++) {
      gU[gu + d] += c * (I[io + d] - J[jo + d]);
      gI[gi + d] += c * U[uo + d];
      if (perturbNegatives) gJ[gj + d] -= c * U[uo + d];
    }
  }
  const scaleRows = (g: Float64Array, rows: number): void => {
    for (let t = 0; t < rows; t++) {
      let n2 = 0;
      for (let d = 0; d < P; d++) n2 += g[t * P + d] * g[t * P + d];
      const f = n2 > 0 ? eps / Math.sqrt(n2) : 0;
      for (let d = 0; d < P; d++) g[t * P + d] *= f;
    }
  };
  scaleRows(gU, nUserSlots);
  scaleRows(gI, nItemSlots);
  if (!negIds && perturbNegatives) scaleRows(gJ, R);
  const dU = new Float32Array(B * P);
  const dI = new Float32Array(B * P);
  const dJ = new Float32Array(R * P);
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < P; d++) {
      dU[b * P + d] = gU[us[b] * P + d];
      dI[b * P + d] = gI[is[b] * P + d];
    }
  }
  if (perturbNegatives) {
    for (let r = 0; r < R; r++) {
      const o = (negIds ? js[r] : r) * P;
      for (let d = 0; d < P; d++) dJ[r * P + d] = gJ[o + d];
    }
  }
  return { dU, dI, dJ };
}

function maxPlusOne(a: Int32Array): number {
  let m = -1;
  for (let t = 0; t < a.length; t++) if (a[t] > m) m = a[t];
  return m + 1;
}

/** The adversarial BPR loss (needs the pooled rows, the scorer and the negatives' item ids). */
export function apr(o: AprOptions = {}): Loss {
  const eps = o.eps ?? 0.5;
  const weight = o.weight ?? 1;
  const perturb = o.perturb ?? 'all';
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`apr: eps must be a finite number ≥ 0, got ${String(eps)}`);
  if (!(weight >= 0) || !Number.isFinite(weight)) throw new RangeError(`apr: weight must be a finite number ≥ 0, got ${String(weight)}`);
  const dedup = { users: new GrowingDeduper(), items: new GrowingDeduper() };
  return {
    name: 'apr',
    needs: { rows: true },
    compute(x: LossInputs) {
      if (x.shared) throw new Error('apr: shared negatives are not supported (per-pair negatives only)');
      if (x.scorer !== undefined && x.scorer !== 'dot') {
        throw new Error(`apr: the adversarial term perturbs the rows of a dot-product score; this encoder scores with '${x.scorer}' (use an MF/LightGCN/NGCF encoder with the dot scorer)`);
      }
      if (!x.users || !x.posItems || !x.negItems) throw new Error('apr: needs the pooled rows (needs.rows)');
      const base = bpr(x.pos, x.neg);
      if (weight === 0) return base;
      const B = x.pos.shape[0];
      const P = x.users.shape[1];
      const R = x.negItems.shape[0];
      const K = R / B;
      const { dU, dI, dJ } = aprPerturbations(x.users.data, x.posItems.data, x.negItems.data, P, x.batch.users, x.batch.pos,
        x.negItemIds ?? null, eps, perturb === 'all', dedup);
      const u = add(x.users, Tensor.from(dU, [B, P]));
      const i = add(x.posItems, Tensor.from(dI, [B, P]));
      const j = perturb === 'all' ? add(x.negItems, Tensor.from(dJ, [R, P])) : x.negItems;
      const sPos = rowDot(u, i);
      let uRep = u;
      if (K > 1) {
        const rep = new Int32Array(R);
        for (let r = 0; r < R; r++) rep[r] = (r / K) | 0;
        uRep = gatherRows(u, rep);
      }
      const sNegFlat = rowDot(uRep, j);
      const adv = bpr(sPos, K === 1 ? sNegFlat : reshape(sNegFlat, [B, K]));
      return add(base, weight === 1 ? adv : scale(adv, weight));
    },
  };
}
