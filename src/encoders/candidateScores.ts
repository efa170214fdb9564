// The selection-only candidate scorer behind EncoderPass.scoreCandidates: scores of query rows against pools of
// candidate items, no gradient, on typed arrays. Dot scorers read the encoder's item tables with the groupDot
// WASM kernel (no gather); other scorers (GMF weights, item biases) go through pass.score so the encoder's own
// scoring rule applies. Samplers call it through the pass and never see the encoder.
import type { DedupCache } from '../core/dedup.js';
import { groupDot } from '../engine/kernels/index.js';
import { heap } from '../engine/memory.js';
import { gatherRows } from '../engine/ops.js';
import { Tensor, noGrad, tidy } from '../engine/tensor.js';
import type { EncoderPass } from './types.js';

/**
 * Scores of pooled user rows against candidate pools: with B users (qData [B × P]) and K pools of M
 * candidates per user, out[r·M + m] = score(user ⌊r/K⌋, cands[r·M + m]) for r < B·K. Not differentiated.
 * For the 'dot' scorer this is a typed-array loop over one gather of the distinct candidates; other scorers
 * (GMF weights, item biases) go through pass.score so the encoder's own scoring rule applies.
 */
export function candidateScores(
  pass: EncoderPass,
  dedup: DedupCache,
  qData: Float32Array,
  P: number,
  K: number,
  cands: Int32Array,
  M: number,
  users: Int32Array,
  out?: Float32Array,
): Float32Array {
  const B = users.length;
  const R = B * K;
  if (qData.length !== B * P) throw new Error(`scorePools: query data has ${qData.length} numbers, expected ${B}×${P}`);
  if (cands.length !== R * M) throw new Error(`scorePools: ${cands.length} candidates for ${R} pools × M = ${M}`);
  const res = out ?? new Float32Array(R * M);
  // One pooled layer (MF): score straight from the item table, no dedup or gather.
  if (pass.info.scorer === 'dot' && pass.itemTables?.().tables.length === 1 &&
    tableScores(pass, qData, K, cands, M, 1, (_l, s) => res.set(s))) {
    return res;
  }
  const { ids, slot } = dedup.get(pass.info.numItems).run(cands);
  tidy(() =>
    noGrad(() => {
      const layers = pass.itemLayers(ids);
      if (pass.info.scorer === 'dot' && (pass.info.pooling === 'mean' || pass.info.pooling === 'concat')) {
        const c = poolLayerData(layers, pass.info.pooling);
        if (c.length !== ids.length * P) {
          throw new Error(`scorePools: pooled item rows have ${c.length / ids.length} numbers, pooled user rows ${P}`);
        }
        groupDot(qData, K, c, slot, R, M, P, res);
        return;
      }
      const pooled = pass.pool(layers);
      if (pooled.shape[1] !== P) {
        throw new Error(`scorePools: pooled item dim ${pooled.shape[1]} differs from pooled user dim ${P}`);
      }
      // Generic scorer: one row per candidate.
      const rowQuery = new Int32Array(R * M);
      for (let r = 0; r < R; r++) rowQuery.fill(Math.floor(r / K), r * M, (r + 1) * M);
      const q = Tensor.from(qData, [B, P]);
      const qRows = gatherRows(q, rowQuery);
      const cRows = gatherRows(pooled, slot.slice());
      const userIds = new Int32Array(R * M);
      for (let t = 0; t < R * M; t++) userIds[t] = users[rowQuery[t]];
      const s = pass.score(qRows, cRows, cands, userIds);
      res.set(s.data.subarray(0, R * M));
    }),
  );
  return res;
}

/**
 * The pooled rows of per-layer tensors as plain data, for selection only (mean: float32 sums in layer order, then
 * one scale; concat: per-row concatenation) — a tight loop instead of the differentiable op over many rows.
 */
export function poolLayerData(layers: Tensor[], pooling: 'mean' | 'concat'): Float32Array {
  const L = layers.length;
  const n = layers[0].shape[0];
  const d = layers[0].shape[1];
  if (L === 1) return layers[0].data;
  if (pooling === 'mean') {
    const out = new Float32Array(n * d);
    for (const t of layers) {
      const x = t.data;
      for (let k = 0; k < n * d; k++) out[k] += x[k];
    }
    const inv = 1 / L;
    for (let k = 0; k < n * d; k++) out[k] *= inv;
    return out;
  }
  const P = L * d;
  const out = new Float32Array(n * P);
  for (let l = 0; l < L; l++) {
    const x = layers[l].data;
    for (let r = 0; r < n; r++) out.set(x.subarray(r * d, (r + 1) * d), r * P + l * d);
  }
  return out;
}

/**
 * Dot scores of query rows against candidate pools at each of the first `layers` layers, read straight from the
 * encoder's full tables (EncoderPass.itemTables) with the groupDot kernel — no gather of the candidates:
 * `each(l, s)` gets s[r·M + m] = <q[⌊r/K⌋], e_{cands[r·M+m]}^(l)> (valid during the call only). Returns false, doing
 * nothing, when the pass does not expose its tables or the dims differ (callers then gather and use dotPools).
 */
export function tableScores(pass: EncoderPass, q: Float32Array, K: number, cands: Int32Array, M: number,
  layers: number, each: (l: number, scores: Float32Array) => void): boolean {
  const src = pass.itemTables?.();
  if (!src || src.tables.length < layers) return false;
  const d = src.dim;
  const R = cands.length / M;
  if (q.length !== Math.ceil(R / K) * d) return false;
  const s = heap.allocF32Uninit(R * M);
  try {
    // Item rows start at rowOffset: a view of each table from there takes the candidate ids as they are (no
    // per-candidate offset loop; the view stays on the heap, so the kernel reads it in place).
    const off = src.rowOffset * d;
    for (let l = 0; l < layers; l++) {
      const t = src.tables[l];
      groupDot(q, K, off ? t.subarray(off) : t, cands, R, M, d, s);
      each(l, s);
    }
  } finally {
    heap.free(s);
  }
  return true;
}

