// Float state per (user, item) pair with a default for pairs never written: GDNS's H and G, defined for every
// user × item pair. Two stores behind one interface:
//  - DensePairTable: flat arrays over users × items (8 bytes per pair for two fields, plus a visited byte), for
//    catalogues where that fits (ML-1M: 22M pairs, 200 MB);
//  - PairTable: an open-addressing hash table (linear probing) over typed arrays holding only the visited pairs,
//    for larger ones. GDNS visits new pairs first (unvisited G = 1 beats any visited G < 1), so over a long run the
//    visited pairs approach all pairs and the hash table (32–64 bytes per pair at a load of 1/4 to 1/2) ends up
//    larger than dense arrays would be: it is the fallback for catalogues too large for dense arrays.
import { hashPair } from '../core/hash.js';

/** What GDNS needs of a pair store. */
export interface PairStore {
  readonly width: number;
  readonly size: number;
  /** Values of field `f` of the pair in `slot` live at `values[slot * width + f]`. */
  readonly values: Float32Array;
  get(u: number, i: number, f: number): number;
  /** Whether (u, i) has been written. */
  has(u: number, i: number): boolean;
  /** The slot of (u, i), inserting it with the defaults when absent (hash slots move when the table grows). */
  slot(u: number, i: number): number;
  export(): { users: Int32Array; items: Int32Array; values: Float32Array };
}

/** Dense store over numUsers × numItems pairs; `size` counts the pairs ever written. */
export class DensePairTable implements PairStore {
  readonly values: Float32Array;
  private readonly seen: Uint8Array;
  private count = 0;

  constructor(readonly defaults: readonly number[], readonly numUsers: number, readonly numItems: number) {
    const w = defaults.length;
    this.values = new Float32Array(numUsers * numItems * w);
    if (defaults.every((d) => d === defaults[0])) {
      if (defaults[0] !== 0) this.values.fill(defaults[0]); // one bulk fill (GDNS: H = G = 1)
    } else {
      for (let s = 0; s < numUsers * numItems; s++) for (let f = 0; f < w; f++) this.values[s * w + f] = defaults[f];
    }
    this.seen = new Uint8Array(numUsers * numItems);
  }

  get width(): number {
    return this.defaults.length;
  }

  get size(): number {
    return this.count;
  }

  get(u: number, i: number, f: number): number {
    return this.values[(u * this.numItems + i) * this.defaults.length + f];
  }

  has(u: number, i: number): boolean {
    return this.seen[u * this.numItems + i] === 1;
  }

  slot(u: number, i: number): number {
    if (!(u >= 0 && u < this.numUsers && i >= 0 && i < this.numItems)) {
      throw new RangeError(`DensePairTable: pair (${u}, ${i}) outside ${this.numUsers} × ${this.numItems}`);
    }
    const s = u * this.numItems + i;
    if (this.seen[s] === 0) {
      this.seen[s] = 1;
      this.count++;
    }
    return s;
  }

  export(): { users: Int32Array; items: Int32Array; values: Float32Array } {
    const w = this.defaults.length;
    const users = new Int32Array(this.count), items = new Int32Array(this.count), values = new Float32Array(this.count * w);
    let n = 0;
    for (let s = 0; s < this.seen.length; s++) {
      if (this.seen[s] === 0) continue;
      users[n] = Math.floor(s / this.numItems);
      items[n] = s % this.numItems;
      for (let f = 0; f < w; f++) values[n * w + f] = this.values[s * w + f];
      n++;
    }
    return { users, items, values };
  }

  /** Writes exported pairs into this (empty) table. */
  load(e: { users: Int32Array; items: Int32Array; values: Float32Array }): this {
    const w = this.defaults.length;
    for (let n = 0; n < e.users.length; n++) {
      const s = this.slot(e.users[n], e.items[n]);
      for (let f = 0; f < w; f++) this.values[s * w + f] = e.values[n * w + f];
    }
    return this;
  }
}

const EMPTY = -1;

/** Hash store of the visited pairs. */
export class PairTable implements PairStore {
  private users: Int32Array;
  private items: Int32Array;
  private vals: Float32Array;
  private mask: number;
  private count = 0;

  /**
   * `defaults`: the value of each of the `defaults.length` fields for a pair never written (GDNS: H = G = 1).
   */
  constructor(readonly defaults: readonly number[], capacity = 1024) {
    if (defaults.length < 1) throw new RangeError('PairTable: at least one field');
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.users = new Int32Array(cap).fill(EMPTY);
    this.items = new Int32Array(cap);
    this.vals = new Float32Array(cap * defaults.length);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Values of field `f` live at `values[slot * width + f]`. */
  get width(): number {
    return this.defaults.length;
  }

  get values(): Float32Array {
    return this.vals;
  }

  /** The slot of (u, i), or −1 when the pair has never been written. */
  find(u: number, i: number): number {
    let h = hashPair(u, i) & this.mask;
    for (;;) {
      const k = this.users[h];
      if (k === EMPTY) return -1;
      if (k === u && this.items[h] === i) return h;
      h = (h + 1) & this.mask;
    }
  }

  has(u: number, i: number): boolean {
    return this.find(u, i) >= 0;
  }

  /** Field `f` of (u, i): the stored value, or the default. */
  get(u: number, i: number, f: number): number {
    const s = this.find(u, i);
    return s < 0 ? this.defaults[f] : this.vals[s * this.defaults.length + f];
  }

  /** The slot of (u, i), inserting the pair with the default values when absent. The slot moves when the table grows. */
  slot(u: number, i: number): number {
    if (!(u >= 0 && i >= 0)) throw new RangeError(`PairTable: ids must be non-negative, got (${u}, ${i})`);
    if (2 * (this.count + 1) > this.users.length) this.grow();
    let h = hashPair(u, i) & this.mask;
    for (;;) {
      const k = this.users[h];
      if (k === EMPTY) break;
      if (k === u && this.items[h] === i) return h;
      h = (h + 1) & this.mask;
    }
    this.users[h] = u;
    this.items[h] = i;
    const w = this.defaults.length;
    for (let f = 0; f < w; f++) this.vals[h * w + f] = this.defaults[f];
    this.count++;
    return h;
  }

  /** Every written pair: users, items and the fields (row-major, `width` per pair), in slot order. */
  export(): { users: Int32Array; items: Int32Array; values: Float32Array } {
    const w = this.defaults.length;
    const users = new Int32Array(this.count), items = new Int32Array(this.count), values = new Float32Array(this.count * w);
    let n = 0;
    for (let s = 0; s < this.users.length; s++) {
      if (this.users[s] === EMPTY) continue;
      users[n] = this.users[s];
      items[n] = this.items[s];
      for (let f = 0; f < w; f++) values[n * w + f] = this.vals[s * w + f];
      n++;
    }
    return { users, items, values };
  }

  /** A table holding exactly the pairs of `export()` (for checkpoints). */
  static from(defaults: readonly number[], e: { users: Int32Array; items: Int32Array; values: Float32Array }): PairTable {
    const w = defaults.length;
    if (e.items.length !== e.users.length || e.values.length !== e.users.length * w) {
      throw new RangeError(`PairTable.from: ${e.users.length} users, ${e.items.length} items and ${e.values.length} values for width ${w}`);
    }
    const t = new PairTable(defaults, 2 * e.users.length + 16);
    for (let n = 0; n < e.users.length; n++) {
      const s = t.slot(e.users[n], e.items[n]);
      for (let f = 0; f < w; f++) t.vals[s * w + f] = e.values[n * w + f];
    }
    return t;
  }

  private grow(): void {
    const { users, items, vals } = this;
    const w = this.defaults.length;
    const cap = users.length * 2;
    this.users = new Int32Array(cap).fill(EMPTY);
    this.items = new Int32Array(cap);
    this.vals = new Float32Array(cap * w);
    this.mask = cap - 1;
    for (let s = 0; s < users.length; s++) {
      const u = users[s];
      if (u === EMPTY) continue;
      let h = hashPair(u, items[s]) & this.mask;
      while (this.users[h] !== EMPTY) h = (h + 1) & this.mask;
      this.users[h] = u;
      this.items[h] = items[s];
      for (let f = 0; f < w; f++) this.vals[h * w + f] = vals[s * w + f];
    }
  }
}
