// One training step's pairs: the unit the batcher yields and that samplers, encoder terms and losses read.
// A neutral leaf (core/) because training (which makes batches) and samplers/losses (which read them) must not
// import each other.

export interface Batch {
  /** User of each pair, length B. */
  users: Int32Array;
  /** Positive item of each pair, length B. */
  pos: Int32Array;
  /**
   * Set by group batching (GDNS): the pairs come as consecutive groups of `size` rows of one user, so
   * B = users × size. Readers take the structure from here instead of rediscovering runs of equal users.
   */
  groups?: { size: number };
}
