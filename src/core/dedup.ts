// Distinct ids of an id array with the slot of each entry, on reused typed arrays (no per-call Map or Set):
// candidate scoring gathers each distinct item once however often B·M draws repeat it.

/**
 * Distinct ids of `ids` and, for every entry, the row of its id in that list. Lets a sampler gather each
 * candidate's embeddings once even when B·M draws repeat items. `stamp` (numItems, filled with −1) and the output
 * buffers are reused across calls; stamp is restored to −1 before returning.
 */
export class Deduper {
  private stamp: Int32Array;
  private uniq: Int32Array;
  private slots: Int32Array;

  constructor(numItems: number) {
    this.stamp = new Int32Array(numItems).fill(-1);
    this.uniq = new Int32Array(0);
    this.slots = new Int32Array(0);
  }

  /** Returns views valid until the next call: `ids` (distinct, first-seen order) and `slot[k]` for ids[k]. */
  run(items: Int32Array): { ids: Int32Array; slot: Int32Array } {
    const n = items.length;
    if (this.slots.length < n) {
      this.slots = new Int32Array(n);
      this.uniq = new Int32Array(Math.min(n, this.stamp.length));
    }
    let u = 0;
    const stamp = this.stamp;
    for (let k = 0; k < n; k++) {
      const it = items[k];
      let s = stamp[it];
      if (s < 0) {
        s = u++;
        stamp[it] = s;
        this.uniq[s] = it;
      }
      this.slots[k] = s;
    }
    const ids = this.uniq.slice(0, u);
    for (let k = 0; k < u; k++) stamp[ids[k]] = -1;
    return { ids, slot: this.slots.subarray(0, n) };
  }
}

/** Lazily sized deduper (per sampler instance, reused across steps). */
export class DedupCache {
  private d: Deduper | null = null;
  private n = -1;
  get(numItems: number): Deduper {
    if (!this.d || this.n !== numItems) {
      this.d = new Deduper(numItems);
      this.n = numItems;
    }
    return this.d;
  }
}
