// Batching strategies. 'interactions': every training pair once per epoch in a shuffled order (the DINS/MixGCF
// codes). 'users': LightGCN-PyTorch's UniformSample — each step draws users uniformly (among users with at least
// one training item; the reference draws over all users and skips empty ones, which is the same distribution)
// and one uniform positive per drawn user; an epoch has ⌈#train / batchSize⌉ steps by default. 'groups': GDNS's
// group-wise batches — every user with a training item once per epoch (shuffled), `batchSize` users per step, each
// as N consecutive rows with N positives drawn with replacement from the user's training items (the group Δ_u).
import type { Rng } from '../core/rng.js';
import type { InteractionSet } from '../data/types.js';
import type { Batch } from '../core/batch.js';

/** GDNS's group size N (Algorithm 1; 32 in the paper) when the config does not set groupSize. */
export const DEFAULT_GROUP_SIZE = 32;

export type { Batch } from '../core/batch.js';

export interface Batcher {
  readonly stepsPerEpoch: number;
  readonly pairsPerEpoch: number;
  /** The batches of one epoch, in order; arrays are reused between steps (copy to keep them). */
  epoch(rng: Rng): Iterable<Batch>;
}

/** Users with at least one training interaction, ascending; throws when there are none. */
function activeUsers(train: InteractionSet): Int32Array {
  const active: number[] = [];
  for (let u = 0; u < train.rows; u++) if (train.indptr[u + 1] > train.indptr[u]) active.push(u);
  if (active.length === 0) throw new Error('training split has no interactions');
  return Int32Array.from(active);
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
  const act = activeUsers(train);
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

/**
 * Group batches (GDNS Algorithm 1): each epoch visits every user with a training item once, in a shuffled order,
 * `usersPerBatch` users per step; a user contributes `groupSize` consecutive rows (u, i) with i drawn uniformly
 * with replacement from u's training items. Samplers recognise the groups as runs of equal users.
 */
export function groupBatcher(train: InteractionSet, usersPerBatch: number, groupSize: number): Batcher {
  if (!(Number.isInteger(groupSize) && groupSize >= 1)) throw new RangeError(`groupSize must be a positive integer, got ${groupSize}`);
  const act = activeUsers(train);
  const order = new Int32Array(act.length);
  const steps = Math.ceil(order.length / usersPerBatch);
  return {
    stepsPerEpoch: steps,
    pairsPerEpoch: order.length * groupSize,
    *epoch(rng: Rng) {
      // From the same start every epoch: the order then depends on the stream alone (a resumed run replays it).
      order.set(act);
      rng.shuffle(order);
      const users = new Int32Array(usersPerBatch * groupSize);
      const pos = new Int32Array(usersPerBatch * groupSize);
      const groups = { size: groupSize };
      for (let s = 0; s < steps; s++) {
        const nu = Math.min(usersPerBatch, order.length - s * usersPerBatch);
        let r = 0;
        for (let j = 0; j < nu; j++) {
          const u = order[s * usersPerBatch + j];
          const lo = train.indptr[u], deg = train.indptr[u + 1] - lo;
          for (let g = 0; g < groupSize; g++, r++) {
            users[r] = u;
            pos[r] = train.indices[lo + rng.int(deg)];
          }
        }
        yield r === users.length ? { users, pos, groups } : { users: users.subarray(0, r), pos: pos.subarray(0, r), groups };
      }
    },
  };
}
