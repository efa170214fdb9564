// Seeded randomness with named, independent streams.
//
// Every random draw in hardneg comes from an `Rng` obtained as `Rng.stream(seed, name)`: the stream's state is a
// hash of (seed, name), so a sampler's draws do not depend on how many numbers the data splitter, the
// initialiser or another sampler drew. The generator is xoshiro128** (32-bit arithmetic, fast in JS, 2^128 − 1
// period), seeded through SplitMix32 so that similar seeds and names give unrelated states.
//
// Keyed draws (`Rng.keyed(seed, name)` → `KeyedRng`) are stateless instead: a draw is a pure function of (seed,
// stream name, up to four integer keys such as epoch, step, node, draw index), so it does not depend on how many
// draws came before or in which order they are made (PinSage's neighbour sampling, SGL's edge dropout, work split
// across threads or resumed from a checkpoint). The construction is Philox4x32-10 (Salmon, Moraes, Dror & Shaw,
// "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the counter-based generator of Random123, cuRAND, JAX,
// PyTorch and TensorFlow: the four keys are its 128-bit counter and a 64-bit key is derived from (seed, name).
// Why Philox rather than a hash such as a SplitMix/murmur finaliser folded over the keys: for a fixed key it is a
// bijection of the full 128-bit counter, so distinct key tuples never share an internal state (a 32-bit hash chain
// would merge two (epoch, step) prefixes with probability 2^-32 each, and then repeat every later draw of the
// pair: with 10^6 prefixes that happens ~10^2 times); it passes TestU01's BigCrush with margin (7 of its 10 rounds
// suffice); and it needs only 32-bit multiplies, which JS does exactly (the high half by 16-bit splits). It is
// checked against Random123's known-answer vectors (test/core/keyedRng.test.ts). The existing `Rng` streams are
// untouched: keyed draws are a separate generator, not a change of any stream's outputs.

const TWO32 = 4294967296;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a string, then mixed with the seed. */
function hashSeed(seed: number, name: string): number {
  if (!Number.isInteger(seed)) throw new TypeError(`rng seed must be an integer, got ${seed}`);
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Mix both 32-bit halves of the seed so seeds above 2^32 still differ.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO32) >>> 0;
  h ^= Math.imul(lo ^ (lo >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 13), 0x297a2d39);
  h ^= Math.imul(hi ^ (hi >>> 15), 0x9e3779b1);
  return h >>> 0;
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare = NaN;

  private constructor(seed32: number) {
    const st = { s: seed32 | 0 };
    this.s0 = splitmix32(st);
    this.s1 = splitmix32(st);
    this.s2 = splitmix32(st);
    this.s3 = splitmix32(st);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The stream called `name` of run seed `seed`. */
  static stream(seed: number, name: string): Rng {
    return new Rng(hashSeed(seed, name));
  }

  /** Stateless, call-order-independent draws keyed by (seed, name, integer keys): see `KeyedRng`. */
  static keyed(seed: number, name: string): KeyedRng {
    return KeyedRng.of(seed, name);
  }

  /** A child stream keyed by this stream's current state and `name`; does not advance this stream. */
  fork(name: string): Rng {
    return new Rng(hashSeed((this.s0 ^ Math.imul(this.s1, 31) ^ this.s2 ^ this.s3) >>> 0, name));
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Fills `out` with the next out.length values of nextU32(), in order (the same stream, without a call each). */
  fillU32(out: Uint32Array): Uint32Array {
    let s0 = this.s0, s1 = this.s1, s2 = this.s2, s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const x = Math.imul(s1, 5);
      out[i] = Math.imul((x << 7) | (x >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.nextU32() / TWO32;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  double(): number {
    return ((this.nextU32() >>> 5) * 67108864 + (this.nextU32() >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n), unbiased (rejection of the top remainder). n ≤ 2^32. */
  int(n: number): number {
    if (!(n > 0) || n > TWO32 || !Number.isInteger(n)) throw new RangeError(`rng.int: bad bound ${n}`);
    // limit = 2^32 − (2^32 mod n) and r mod n, written with floor(a / n) instead of `%`: V8 computes `%` on
    // numbers ≥ 2^31 as a float fmod call, 3× slower here; the quotients of integers < 2^32 are exact in a double.
    const limit = Math.floor(TWO32 / n) * n;
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r - Math.floor(r / n) * n;
  }

  /** Standard normal (Marsaglia polar method; the spare is kept and is part of the state). */
  normal(mean = 0, std = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = NaN;
      return mean + std * z;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.double() - 1;
      v = 2 * this.double() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return mean + std * u * f;
  }

  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    const w = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + w * this.float();
    return out;
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Fills `out` with uniform integers in [0, n) (with replacement). */
  fillInt(out: Int32Array, n: number): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.int(n);
    return out;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** k distinct integers from [0, n), in random order. */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    if (k > n) throw new RangeError(`rng.sampleWithoutReplacement: k = ${k} > n = ${n}`);
    const out = new Int32Array(k);
    if (k * 4 >= n) {
      const p = this.permutation(n);
      out.set(p.subarray(0, k));
      return out;
    }
    // Floyd's algorithm, then a shuffle so the order is random too.
    const seen = new Set<number>();
    let w = 0;
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      const v = seen.has(t) ? j : t;
      seen.add(v);
      out[w++] = v;
    }
    return this.shuffle(out);
  }

  /** k integers from [0, n), with replacement. */
  sampleWithReplacement(n: number, k: number): Int32Array {
    return this.fillInt(new Int32Array(k), n);
  }

  /** The full state, for checkpoints. */
  getState(): number[] {
    return [this.s0, this.s1, this.s2, this.s3, this.spare];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new Error('rng.setState: expected 5 numbers');
    [this.s0, this.s1, this.s2, this.s3, this.spare] = state as [number, number, number, number, number];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

// ---------------------------------------------------------------------------------------------------------------
// Keyed, counter-based draws: Philox4x32-10

const PHILOX_M0 = 0xd2511f53, PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9, PHILOX_W1 = 0xbb67ae85;
const M0_HI = PHILOX_M0 >>> 16, M0_LO = PHILOX_M0 & 0xffff;
const M1_HI = PHILOX_M1 >>> 16, M1_LO = PHILOX_M1 & 0xffff;
/** Domain tags: key derivation, fold, and the re-draws of a rejected int (distinct keys of the same construction). */
const TAG_KEY = 0x6b657964, TAG_FOLD = 0x666f6c64, TAG_RETRY = 0x72657472;

/** The block function's output (module scratch: each call overwrites it, so read it before the next call). */
const BLOCK = new Uint32Array(4);

/** High 32 bits of the 64-bit product of a 32-bit constant (given as 16-bit halves) and x, exact in doubles. */
function mulhi(mHi: number, mLo: number, x: number): number {
  const xHi = x >>> 16, xLo = x & 0xffff;
  const lo = mLo * xLo;
  const mid = mHi * xLo + mLo * xHi + (lo >>> 16); // < 2^34: exact
  return (mHi * xHi + Math.floor(mid / 65536)) >>> 0;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1) into BLOCK (all arguments uint32). */
function philoxBlock(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number): void {
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0_HI, M0_LO, c0), lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi(M1_HI, M1_LO, c2), lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + PHILOX_W0) >>> 0;
    k1 = (k1 + PHILOX_W1) >>> 0;
  }
  BLOCK[0] = c0;
  BLOCK[1] = c1;
  BLOCK[2] = c2;
  BLOCK[3] = c3;
}

/**
 * Philox4x32-10 (Random123's `philox4x32(ctr, key)` with 10 rounds) of a 128-bit counter and a 64-bit key, as four
 * uint32 words in `out` (allocated when not given). For tests against the published known-answer vectors and for
 * callers that want all four words of a block.
 */
export function philox4x32(ctr: readonly [number, number, number, number], key: readonly [number, number],
  out: Uint32Array = new Uint32Array(4)): Uint32Array {
  philoxBlock(ctr[0] >>> 0, ctr[1] >>> 0, ctr[2] >>> 0, ctr[3] >>> 0, key[0] >>> 0, key[1] >>> 0);
  out.set(BLOCK);
  return out;
}

function checkKey(k: number, where: string): void {
  if ((k >>> 0) !== k) throw new RangeError(`${where}: keys must be integers in [0, 2^32), got ${k}`);
}

/**
 * Stateless draws keyed by (seed, stream name, keys): `u32(a, b, c, d)` is Philox4x32-10 of the counter (a, b, c, d)
 * under a 64-bit key derived from (seed, name), so the same arguments always give the same number, whatever was
 * drawn before, and different arguments give independent numbers. Keys are integers in [0, 2^32) (others throw);
 * missing trailing keys are 0, so `u32(e)` is `u32(e, 0)`: give each use one fixed key layout, e.g.
 * (epoch, step, node, draw). A stream needing more than four keys folds the extra ones in: `keyed.fold(layer)`.
 * Every method is allocation-free (fixed arity, no rest arguments), for hot loops.
 */
export class KeyedRng {
  private constructor(private readonly k0: number, private readonly k1: number) {}

  /** The keyed stream `name` of seed `seed` (also `Rng.keyed(seed, name)`). */
  static of(seed: number, name: string): KeyedRng {
    if (!Number.isInteger(seed)) throw new TypeError(`rng seed must be an integer, got ${seed}`);
    if (typeof name !== 'string') throw new TypeError(`rng stream name must be a string, got ${typeof name}`);
    // Two independent 32-bit hashes of the name (FNV-1a, and a murmur3-style multiply-rotate over code units)
    // and both halves of the seed form a counter; one Philox block under a fixed key turns it into the stream key.
    let h1 = 0x811c9dc5, h2 = name.length ^ 0x5bd1e995;
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(rotl(h2 ^ Math.imul(c, 0xcc9e2d51), 15), 0x1b873593);
    }
    const lo = seed >>> 0, hi = Math.floor(seed / TWO32) >>> 0;
    philoxBlock(lo, hi, h1 >>> 0, h2 >>> 0, TAG_KEY, 0);
    return new KeyedRng(BLOCK[0], BLOCK[1]);
  }

  /** A keyed stream derived from this one and the integer `key` (for a fifth key, or per-layer sub-streams). */
  fold(key: number): KeyedRng {
    checkKey(key, 'keyed.fold');
    philoxBlock(key, 0, 0, TAG_FOLD, this.k0, this.k1);
    return new KeyedRng(BLOCK[0], BLOCK[1]);
  }

  /** Uniform uint32 for the keys (a, b, c, d). */
  u32(a: number, b = 0, c = 0, d = 0): number {
    checkKey(a, 'keyed.u32'); checkKey(b, 'keyed.u32'); checkKey(c, 'keyed.u32'); checkKey(d, 'keyed.u32');
    philoxBlock(a, b, c, d, this.k0, this.k1);
    return BLOCK[0];
  }

  /** Uniform float in [0, 1) with 32 random bits (u32 / 2^32, as `Rng.float`). */
  float(a: number, b = 0, c = 0, d = 0): number {
    return this.u32(a, b, c, d) / TWO32;
  }

  /** Uniform float in [0, 1) with 53 random bits (two words of the block, as `Rng.double`). */
  double(a: number, b = 0, c = 0, d = 0): number {
    checkKey(a, 'keyed.double'); checkKey(b, 'keyed.double'); checkKey(c, 'keyed.double'); checkKey(d, 'keyed.double');
    philoxBlock(a, b, c, d, this.k0, this.k1);
    return ((BLOCK[0] >>> 5) * 67108864 + (BLOCK[1] >>> 6)) / 9007199254740992;
  }

  /**
   * Uniform integer in [0, n) for the keys, exactly unbiased for any n ≤ 2^32 (power of two or not): the block's
   * words are tried in order and a word in the top 2^32 mod n values is rejected (as `Rng.int` does), so each value
   * has probability exactly 1/n. A word is rejected with probability (2^32 mod n)/2^32 < n/2^32; when all four are
   * (probability < (n/2^32)^4), further blocks come from the same counter under a retry key, attempt by attempt.
   */
  int(n: number, a: number, b = 0, c = 0, d = 0): number {
    if (!(n > 0) || n > TWO32 || !Number.isInteger(n)) throw new RangeError(`keyed.int: bad bound ${n}`);
    checkKey(a, 'keyed.int'); checkKey(b, 'keyed.int'); checkKey(c, 'keyed.int'); checkKey(d, 'keyed.int');
    const limit = Math.floor(TWO32 / n) * n;
    philoxBlock(a, b, c, d, this.k0, this.k1);
    for (let attempt = 1; ; attempt++) {
      for (let w = 0; w < 4; w++) {
        const r = BLOCK[w];
        if (r < limit) return r - Math.floor(r / n) * n;
      }
      philoxBlock(a, b, c, d, (this.k0 ^ TAG_RETRY) >>> 0, (this.k1 + attempt) >>> 0);
    }
  }

  /** out[i] = u32(a, b, c, i): a row of draws keyed by position (e.g. the draws of one node at one step). */
  fillU32(out: Uint32Array, a: number, b = 0, c = 0): Uint32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.u32(a, b, c, i);
    return out;
  }

  /** out[i] = int(n, a, b, c, i). */
  fillInt(out: Int32Array, n: number, a: number, b = 0, c = 0): Int32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.int(n, a, b, c, i);
    return out;
  }
}

/** Walker/Vose alias table: O(1) draws from a fixed discrete distribution. */
export class AliasTable {
  readonly n: number;
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('AliasTable: no weights');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`AliasTable: weight ${i} is ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('AliasTable: weights sum to zero');
    this.n = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1; // numerical leftovers
  }

  sample(rng: Rng): number {
    const i = rng.int(this.n);
    return rng.double() < this.prob[i] ? i : this.alias[i];
  }
}

/**
 * Partial Fisher–Yates: makes pool[0..n) a uniform sample without replacement of pool[0..size) (permuting the pool
 * in place, so a later call continues from it) and copies it to out[o..o+n).
 */
export function partialShuffleInto(pool: Int32Array, size: number, n: number, rng: Rng, out: Int32Array, o: number): void {
  for (let j = 0; j < n; j++) {
    const r = j + rng.int(size - j);
    const t = pool[j];
    pool[j] = pool[r];
    pool[r] = t;
    out[o + j] = pool[j];
  }
}
