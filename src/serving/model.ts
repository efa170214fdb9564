// A trained model for serving: final embeddings, the original user and item ids, and each user's training (+
// validation) items, so recommendations by original id need neither the trainer nor the data files. Built from a
// run folder (`Model.load`: model.safetensors, ids.json, exclude.safetensors, each verified) or from a training
// result in memory (`Model.fromResult`). Each item's training interaction count is kept too: `popularItems`, the
// answer for a user the model does not know (hardneg serve's fallback). Every ranking goes through the shared top-K path (evaluation/topk.ts);
// the embeddings live in plain arrays and are copied onto the engine heap only for the length of a call.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startWorker } from '../core/workers.js';
import type { CsrMatrix } from '../core/csr.js';
import { heap } from '../engine/memory.js';
import { kernels } from '../engine/kernels/index.js';
import { normalizedRows, topK, type TopKEmbeddings } from '../evaluation/topk.js';
import {
  itemCounts, readRunEmbeddings, readRunExclusions, readRunIds, readRunPopularity, unionRows, RunIntegrityError, type PopularitySource,
} from '../io/runFiles.js';

/** What `recommend` leaves out: the user's training (+ validation) items, nothing, or given items per user id. */
export type ExcludeOption = 'train' | 'none' | { readonly [userId: string]: readonly string[] };

export interface RecommendOptions {
  /** Items per user (default 10; at most the number of items). */
  k?: number;
  /**
   * 'train' (default): the user's training and validation items; 'none': nothing; an object: exactly the listed
   * items of each listed user (users not in it get nothing excluded) — instead of, not on top of, 'train'.
   */
  exclude?: ExcludeOption;
}

export interface UserRecommendations {
  /** The original user id. */
  user: string;
  /** Original item ids, best first (fewer than k when fewer items are left after the exclusions). */
  items: string[];
  /** Their scores (user·item + item bias; float32 values). */
  scores: number[];
}

/** The most popular items: the answer for users the model does not know. */
export interface PopularItems {
  /** Original item ids by training interactions, most first (ties: the lower internal index first). */
  items: string[];
  /** Their training interaction counts. */
  scores: number[];
}

export interface SimilarItems {
  item: string;
  /** The most similar other items by cosine of their embeddings, best first. */
  items: string[];
  scores: number[];
}

/** What Model.fromResult reads of a dataset: its ids and interaction sets (a `Dataset` is one). */
export interface ModelDataset {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly train: CsrMatrix;
  readonly valid?: CsrMatrix;
  readonly fingerprint?: string;
}

/** The training result's part Model.fromResult reads (a `RunResult` is one). */
export interface ModelSource {
  readonly weights: { readonly embeddings: TopKEmbeddings } | null;
}

export class Model {
  readonly numUsers: number;
  readonly numItems: number;
  readonly dim: number;
  private readonly userIndex = new Map<string, number>();
  private readonly itemIndex = new Map<string, number>();
  private popularOrder: Int32Array | null = null;
  /** Heap copies kept between calls while resident (`resident()`): the item table, its bias, unit-norm item rows. */
  private pinned: {
    items: Float32Array; itemBias: Float32Array | null; unitItems: Float32Array;
    /** The kernels' packed panels of `items` and `unitItems` (null on kernels that do not pack). */
    packed: Float32Array | null; packedUnit: Float32Array | null;
  } | null = null;

  private constructor(
    private readonly emb: TopKEmbeddings,
    /** Original user ids, by internal index. */
    readonly userIds: readonly string[],
    /** Original item ids, by internal index. */
    readonly itemIds: readonly string[],
    /** Each user's training (+ validation) items: `exclude: 'train'`. */
    private readonly seen: CsrMatrix,
    readonly fingerprint: string,
    /** Each item's interactions in the training split (by internal index). */
    private readonly popularity: Int32Array,
    /**
     * What `popularity` counts: 'train' (the training split the model was trained on), or 'train+valid' for a run
     * folder written before the counts were stored (counted from its exclusion lists).
     */
    readonly popularitySource: PopularitySource,
  ) {
    this.dim = emb.dim;
    this.numUsers = userIds.length;
    this.numItems = itemIds.length;
    if (emb.users.length !== this.numUsers * emb.dim || emb.items.length !== this.numItems * emb.dim) {
      throw new RangeError(`Model: embeddings of ${emb.users.length / emb.dim} users × ${emb.items.length / emb.dim} items ` +
        `(dim ${emb.dim}) for ${this.numUsers} user ids and ${this.numItems} item ids`);
    }
    if (seen.rows !== this.numUsers) throw new RangeError(`Model: the exclusion lists have ${seen.rows} rows for ${this.numUsers} users`);
    if (popularity.length !== this.numItems) throw new RangeError(`Model: ${popularity.length} item counts for ${this.numItems} items`);
    userIds.forEach((id, i) => this.userIndex.set(id, i));
    itemIds.forEach((id, i) => this.itemIndex.set(id, i));
    if (this.userIndex.size !== this.numUsers) throw new RangeError('Model: user ids are not unique');
    if (this.itemIndex.size !== this.numItems) throw new RangeError('Model: item ids are not unique');
  }

  /**
   * The model of a finished run folder, from its files alone (model.safetensors, ids.json, exclude.safetensors,
   * dataset.json for the sizes), each verified; the original data files are not read.
   */
  static load(runDir: string): Model {
    return Model.fromFiles(readModelFiles(runDir));
  }

  /**
   * Model.load with the files read and verified on a worker thread, so the calling thread's event loop goes on
   * (hardneg serve's reload: reading and checking a Gowalla run takes about a second, building the model from
   * what the worker sends back a few tens of milliseconds). Rejects with the error Model.load would throw.
   */
  static loadAsync(runDir: string): Promise<Model> {
    return new Promise((resolve, reject) => {
      const w = startWorker(new URL('./loadWorker.js', import.meta.url), { workerData: { runDir } });
      let settled = false;
      w.once('message', (m: { files?: ModelFiles; error?: { name: string; message: string; file?: string } }) => {
        settled = true;
        if (m.files) {
          try {
            resolve(Model.fromFiles(m.files));
          } catch (e) {
            reject(e);
          }
        } else {
          const e = m.error!;
          const err = e.name === 'RunIntegrityError' && e.file ? new RunIntegrityError(e.file, e.message.slice(e.file.length + 2)) : new Error(e.message);
          if (e.name !== 'RunIntegrityError') err.name = e.name;
          reject(err);
        }
        void w.terminate();
      });
      w.once('error', (e) => { if (!settled) { settled = true; reject(e); } });
      w.once('exit', (code) => { if (!settled) { settled = true; reject(new Error(`Model.loadAsync: the loading thread exited (${code}) before answering`)); } });
    });
  }

  private static fromFiles(f: ModelFiles): Model {
    const { emb, ids, seen, pop } = f;
    return new Model({ users: emb.users, items: emb.items, dim: emb.dim, itemBias: emb.itemBias }, ids.users, ids.items, seen, ids.fingerprint,
      pop.counts, pop.source);
  }

  /** The model of a training result kept in memory (`train(..., { keepWeights: true })`) and its dataset. */
  static fromResult(result: ModelSource, dataset: ModelDataset): Model {
    if (!result.weights) throw new Error('Model.fromResult: the result holds no weights (train with keepWeights)');
    return Model.fromEmbeddings(result.weights.embeddings, dataset);
  }

  /** The model of final embeddings and the dataset they were trained on (its train ∪ valid is excluded). */
  static fromEmbeddings(emb: TopKEmbeddings, dataset: ModelDataset): Model {
    const e = { users: emb.users, items: emb.items, dim: emb.dim, itemBias: emb.itemBias ?? null };
    return new Model(e, dataset.userIds, dataset.itemIds, unionRows(dataset.train, dataset.valid), dataset.fingerprint ?? '',
      itemCounts(dataset.train), 'train');
  }

  /** Whether `userId` is one of the model's users. */
  hasUser(userId: string): boolean {
    return this.userIndex.has(userId);
  }

  /** Whether `itemId` is one of the model's items. */
  hasItem(itemId: string): boolean {
    return this.itemIndex.has(itemId);
  }

  /** The internal index of an original user id; an unknown id throws a RangeError saying how many users exist. */
  userIndexOf(userId: string): number {
    const u = typeof userId === 'string' ? this.userIndex.get(userId) : undefined;
    if (u === undefined) {
      throw new RangeError(`Model: no user with id ${JSON.stringify(userId)} (the model has ${this.numUsers} users, ids as strings, e.g. ${JSON.stringify(this.userIds[0] ?? '')})`);
    }
    return u;
  }

  /** The internal index of an original item id; an unknown id throws a RangeError saying how many items exist. */
  itemIndexOf(itemId: string): number {
    const i = typeof itemId === 'string' ? this.itemIndex.get(itemId) : undefined;
    if (i === undefined) {
      throw new RangeError(`Model: no item with id ${JSON.stringify(itemId)} (the model has ${this.numItems} items, ids as strings, e.g. ${JSON.stringify(this.itemIds[0] ?? '')})`);
    }
    return i;
  }

  /** The top-k items of each user (original ids), excluding the user's training items unless told otherwise. */
  recommend(userIds: readonly string[], opts: RecommendOptions = {}): UserRecommendations[] {
    const k = checkK(opts.k ?? 10, 'recommend');
    if (!Array.isArray(userIds)) throw new TypeError('Model.recommend: userIds must be an array of original user ids');
    const exclude = opts.exclude ?? 'train';
    const users = Int32Array.from(userIds, (id) => this.userIndexOf(id));
    let mask: CsrMatrix | undefined;
    if (exclude === 'train') mask = this.seen;
    else if (exclude !== 'none') mask = this.explicitExclusions(exclude, users);
    const emb = this.pinned ? { ...this.emb, items: this.pinned.items, itemBias: this.pinned.itemBias } : this.emb;
    const top = topK(emb, users, Math.min(k, this.numItems), { exclude: mask ? [mask] : [], packedItems: this.pinned?.packed });
    return userIds.map((user, r) => ({ user, ...this.row(top, r) }));
  }

  /**
   * The k items with the most training interactions (ties: lower internal index first), with their counts; the same
   * for every user, nothing excluded — what hardneg serve answers for a user the model does not know.
   */
  popularItems(k = 10): PopularItems {
    const kk = Math.min(checkK(k, 'popularItems'), this.numItems);
    if (!this.popularOrder) {
      const pop = this.popularity;
      this.popularOrder = Int32Array.from({ length: this.numItems }, (_, i) => i).sort((a, b) => pop[b] - pop[a] || a - b);
    }
    const top = this.popularOrder.subarray(0, kk);
    return { items: Array.from(top, (i) => this.itemIds[i]), scores: Array.from(top, (i) => this.popularity[i]) };
  }

  /** Scores (user·item + item bias, summed in float64) of the given items for one user, in their order. */
  score(userId: string, itemIds: readonly string[]): number[] {
    const u = this.userIndexOf(userId);
    if (!Array.isArray(itemIds)) throw new TypeError('Model.score: itemIds must be an array of original item ids');
    const d = this.dim;
    const { users, items, itemBias } = this.emb;
    return itemIds.map((id) => {
      const i = this.itemIndexOf(id);
      let s = itemBias ? itemBias[i] : 0;
      for (let j = 0; j < d; j++) s += users[u * d + j] * items[i * d + j];
      return s;
    });
  }

  /** The k items most similar to `itemId` by cosine of the item embeddings (the item itself left out). */
  similarItems(itemId: string, k = 10): SimilarItems {
    const kk = checkK(k, 'similarItems');
    const i = this.itemIndexOf(itemId);
    const ni = this.numItems;
    // One exclusion row per item (the query's own row holds it), so the item never ranks itself.
    const indptr = new Int32Array(ni + 1);
    for (let r = i + 1; r <= ni; r++) indptr[r] = 1;
    const self: CsrMatrix = { rows: ni, cols: ni, indptr, indices: Int32Array.of(i) };
    // Resident: the unit-norm rows topK's `normalize` would build, built once (the same function, so the same floats).
    const top = this.pinned
      ? topK({ users: this.pinned.unitItems, items: this.pinned.unitItems, dim: this.dim, itemBias: null }, Int32Array.of(i), Math.min(kk, ni),
        { exclude: [self], packedItems: this.pinned.packedUnit })
      : topK({ users: this.emb.items, items: this.emb.items, dim: this.dim, itemBias: null }, Int32Array.of(i),
        Math.min(kk, ni), { exclude: [self], normalize: true });
    return { item: itemId, ...this.row(top, 0) };
  }

  /**
   * Keeps the item table, its bias and its unit-norm rows on the engine heap between calls, so recommend and
   * similarItems do not copy (or normalise) the whole table every call — for a server answering many single-user
   * requests), nor pack it into the kernels' panels (the WASM kernels' packScoreItems, kept too). Same results;
   * `release()` gives the memory back.
   */
  resident(): this {
    if (this.pinned) return this;
    const items = heap.allocF32(this.emb.items.length);
    items.set(this.emb.items);
    let itemBias: Float32Array | null = null;
    if (this.emb.itemBias) {
      itemBias = heap.allocF32(this.emb.itemBias.length);
      itemBias.set(this.emb.itemBias);
    }
    const unitItems = normalizedRows(this.emb.items, this.numItems, this.dim, 1);
    const K = kernels();
    const packed = K.packScoreItems?.(items, this.numItems, this.dim) ?? null;
    const packedUnit = K.packScoreItems?.(unitItems, this.numItems, this.dim) ?? null;
    this.pinned = { items, itemBias, unitItems, packed, packedUnit };
    return this;
  }

  /** Whether the model holds heap copies between calls (`resident()`). */
  get isResident(): boolean {
    return this.pinned !== null;
  }

  /** Frees what `resident()` put on the heap; the model goes on working from its own arrays. */
  release(): void {
    if (!this.pinned) return;
    heap.free(this.pinned.items);
    if (this.pinned.itemBias) heap.free(this.pinned.itemBias);
    heap.free(this.pinned.unitItems);
    if (this.pinned.packed) heap.free(this.pinned.packed);
    if (this.pinned.packedUnit) heap.free(this.pinned.packedUnit);
    this.pinned = null;
  }

  private row(top: { k: number; items: Int32Array; scores: Float32Array }, r: number): { items: string[]; scores: number[] } {
    let n = top.k;
    while (n > 0 && top.items[r * top.k + n - 1] < 0) n--;
    const items: string[] = [];
    const scores: number[] = [];
    for (let j = 0; j < n; j++) {
      items.push(this.itemIds[top.items[r * top.k + j]]);
      scores.push(top.scores[r * top.k + j]);
    }
    return { items, scores };
  }

  /** A CSR over all users whose rows for the requested users hold their listed items (sorted, unique). */
  private explicitExclusions(ex: { readonly [userId: string]: readonly string[] }, users: Int32Array): CsrMatrix {
    if (ex === null || typeof ex !== 'object' || Array.isArray(ex)) {
      throw new TypeError(`Model.recommend: exclude must be 'train', 'none' or an object of item id lists by user id`);
    }
    const rows = new Map<number, Int32Array>();
    for (const u of users) {
      const id = this.userIds[u];
      if (rows.has(u) || !Object.prototype.hasOwnProperty.call(ex, id)) continue;
      const list = ex[id];
      if (!Array.isArray(list)) throw new TypeError(`Model.recommend: exclude[${JSON.stringify(id)}] must be an array of item ids`);
      const idx = Int32Array.from(list, (it) => this.itemIndexOf(it)).sort();
      let w = 0;
      for (let p = 0; p < idx.length; p++) if (p === 0 || idx[p] !== idx[p - 1]) idx[w++] = idx[p];
      rows.set(u, idx.subarray(0, w));
    }
    const indptr = new Int32Array(this.numUsers + 1);
    for (let u = 0; u < this.numUsers; u++) indptr[u + 1] = indptr[u] + (rows.get(u)?.length ?? 0);
    const indices = new Int32Array(indptr[this.numUsers]);
    for (const [u, idx] of rows) indices.set(idx, indptr[u]);
    return { rows: this.numUsers, cols: this.numItems, indptr, indices };
  }
}

/** What a run folder holds for a model, read and verified (on the caller's thread or a loading worker). */
export interface ModelFiles {
  emb: { users: Float32Array; items: Float32Array; dim: number; itemBias: Float32Array | null };
  ids: { users: string[]; items: string[]; fingerprint: string };
  seen: CsrMatrix;
  pop: { counts: Int32Array; source: PopularitySource };
}

/** A finished run folder's model files (model.safetensors, ids.json, exclude.safetensors), each verified. */
export function readModelFiles(runDir: string): ModelFiles {
  if (!existsSync(runDir)) throw new Error(`run folder '${runDir}' does not exist`);
  if (!existsSync(join(runDir, 'summary.json'))) {
    throw new Error(`${runDir}: not a finished run (no summary.json); only a finished run can be served`);
  }
  const emb = readRunEmbeddings(runDir);
  const ids = readRunIds(runDir);
  const seen = readRunExclusions(runDir);
  const pop = readRunPopularity(runDir, seen);
  if (emb.fingerprint && emb.fingerprint !== ids.fingerprint) {
    throw new RunIntegrityError(join(runDir, 'ids.json'), `fingerprint ${ids.fingerprint.slice(0, 12)}… is not model.safetensors' ${emb.fingerprint.slice(0, 12)}…`);
  }
  return { emb: { users: emb.users, items: emb.items, dim: emb.dim, itemBias: emb.itemBias }, ids, seen, pop };
}

function checkK(k: number, what: string): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Model.${what}: k must be a positive integer, got ${String(k)}`);
  return k;
}
