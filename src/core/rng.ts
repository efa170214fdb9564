// Seeded randomness with named, independent streams.
//
// Every random draw in hardneg comes from an `Rng` obtained as `Rng.stream(seed, name)`: the stream's state is a
// hash of (seed, name), so a sampler's draws do not depend on how many numbers the data splitter, the
// initialiser or another sampler drew. The generator is xoshiro128** (32-bit arithmetic, fast in JS, 2^128 − 1
// period), seeded through SplitMix32 so that similar seeds and names give unrelated states.

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
