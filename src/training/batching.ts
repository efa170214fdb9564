// Batching strategies. 'interactions': every training pair once per epoch in a shuffled order (the DINS/MixGCF
// codes). 'users': LightGCN-PyTorch's UniformSample — each step draws users uniformly (among users with at least
// one training item; the reference draws over all users and skips empty ones, which is the same distribution)
// and one uniform positive per drawn user; an epoch has ⌈#train / batchSize⌉ steps by default.
import type { Rng } from '../engine/rng.js';
import type { InteractionSet } from '../data/types.js';

export interface Batch {
  users: Int32Array;
  pos: Int32Array;
}

export interface Batcher {
  readonly stepsPerEpoch: number;
  readonly pairsPerEpoch: number;
  /** The batches of one epoch, in order; arrays are reused between steps (copy to keep them). */
  epoch(rng: Rng): Iterable<Batch>;
}

/** Row (user) of every stored interaction. */
export function rowOfEntries(train: InteractionSet): Int32Array {
  const out = new Int32Array(train.indices.length);
  for (let u = 0; u < train.rows; u++) out.fill(u, train.indptr[u], train.indptr[u + 1]);
  return out;
}

export function interactionBatcher(train: InteractionSet, batchSize: number): Batcher {
  const nnz = train.indices.length;
  if (nnz === 0) throw new Error('training split has no interactions');
  const rowOf = rowOfEntries(train);
  const order = new Int32Array(nnz);
  const steps = Math.ceil(nnz / batchSize);
  return {
    stepsPerEpoch: steps,
    pairsPerEpoch: nnz,
    *epoch(rng: Rng) {
      for (let i = 0; i < nnz; i++) order[i] = i;
      rng.shuffle(order);
      const users = new Int32Array(batchSize);
      const pos = new Int32Array(batchSize);
      for (let s = 0; s < steps; s++) {
        const start = s * batchSize;
        const b = Math.min(batchSize, nnz - start);
        for (let j = 0; j < b; j++) {
          const e = order[start + j];
          users[j] = rowOf[e];
          pos[j] = train.indices[e];
        }
        yield b === batchSize ? { users, pos } : { users: users.subarray(0, b), pos: pos.subarray(0, b) };
      }
    },
  };
}

export function userBatcher(train: InteractionSet, batchSize: number, stepsPerEpoch: number | null): Batcher {
  const nnz = train.indices.length;
  const active: number[] = [];
  for (let u = 0; u < train.rows; u++) if (train.indptr[u + 1] > train.indptr[u]) active.push(u);
  if (active.length === 0) throw new Error('training split has no interactions');
  const act = Int32Array.from(active);
  const steps = stepsPerEpoch ?? Math.ceil(nnz / batchSize);
  // The reference draws #train samples per epoch, so its last batch is short; a given stepsPerEpoch is full batches.
  const total = stepsPerEpoch === null ? nnz : steps * batchSize;
  return {
    stepsPerEpoch: steps,
    pairsPerEpoch: total,
    *epoch(rng: Rng) {
      const users = new Int32Array(batchSize);
      const pos = new Int32Array(batchSize);
      for (let s = 0; s < steps; s++) {
        const b = Math.min(batchSize, total - s * batchSize);
        for (let j = 0; j < b; j++) {
          const u = act[rng.int(act.length)];
          const lo = train.indptr[u];
          users[j] = u;
          pos[j] = train.indices[lo + rng.int(train.indptr[u + 1] - lo)];
        }
        yield b === batchSize ? { users, pos } : { users: users.subarray(0, b), pos: pos.subarray(0, b) };
      }
    },
  };
}
