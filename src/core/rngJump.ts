// Jump-ahead for the xoshiro128** streams of rng.ts: the state k steps ahead in O(log k) work, so that one long
// fill (dropout masks, SimGCL's noise: millions of words a step) can be split across threads and still give the
// stream's words in order, bit for bit.
//
// The generator's state update is linear over GF(2)¹²⁸: s' = T·s. With p(x) the characteristic polynomial of T
// (degree 128; xoshiro128's is primitive) and r(x) = xᵏ mod p(x), Cayley–Hamilton gives Tᵏ = r(T), so
// Tᵏ·s = Σᵢ rᵢ·Tⁱ·s: 128 steps of the generator from s, XOR-ing the states where rᵢ = 1 (the construction of the
// authors' fixed 2⁶⁴-step jump(), for any k). p(x) is not written out here: it is found once, by Berlekamp–Massey,
// from 256 bits of a state bit's sequence (any non-zero sequence of a primitive recurrence has p as its minimal
// polynomial), and checked to have degree 128.

/** Polynomials over GF(2) of degree < 128: bit i of the 128-bit value (4 words, low first) is the xⁱ coefficient. */
type Poly = Uint32Array;

/** The state update of Rng.nextU32 without its output, in place on four u32 words. */
function advance(s: Uint32Array): void {
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = ((s[3] << 11) | (s[3] >>> 21)) >>> 0;
}

/** p(x)'s coefficients below x¹²⁸ (x¹²⁸ itself is implicit). */
let charLow: Poly | null = null;

function characteristic(): Poly {
  if (charLow) return charLow;
  // The sequence of bit 0 of s0 from a fixed non-zero state.
  const N = 256;
  const a = new Uint8Array(N);
  const s = Uint32Array.of(0x9e3779b9, 0x7f4a7c15, 0x85ebca6b, 0xc2b2ae35);
  for (let t = 0; t < N; t++) {
    a[t] = s[0] & 1;
    advance(s);
  }
  // Berlekamp–Massey over GF(2): C(x) = 1 + c₁x + … + c_L x^L with a_t = Σ c_i a_{t−i} for t ≥ L.
  let C = new Uint8Array(N + 1), B = new Uint8Array(N + 1);
  C[0] = 1;
  B[0] = 1;
  let L = 0, m = 1;
  for (let n = 0; n < N; n++) {
    let d = a[n];
    for (let i = 1; i <= L; i++) d ^= C[i] & a[n - i];
    if (d === 0) {
      m++;
      continue;
    }
    const T = C.slice();
    for (let i = 0; i + m <= N; i++) C[i + m] ^= B[i];
    if (2 * L <= n) {
      L = n + 1 - L;
      B = T;
      m = 1;
    } else {
      m++;
    }
  }
  if (L !== 128 || C[128] !== 1) throw new Error(`rng jump: the recurrence has degree ${L}, not 128`);
  // p(x) = x¹²⁸·C(1/x): the coefficient of x^j is c_{128−j}.
  const p = new Uint32Array(4);
  for (let j = 0; j < 128; j++) if (C[128 - j]) p[j >>> 5] |= 1 << (j & 31);
  charLow = p;
  return p;
}

/** r·x mod p, in place. */
function timesX(r: Poly, p: Poly): void {
  const top = r[3] >>> 31;
  r[3] = ((r[3] << 1) | (r[2] >>> 31)) >>> 0;
  r[2] = ((r[2] << 1) | (r[1] >>> 31)) >>> 0;
  r[1] = ((r[1] << 1) | (r[0] >>> 31)) >>> 0;
  r[0] = (r[0] << 1) >>> 0;
  if (top) for (let w = 0; w < 4; w++) r[w] ^= p[w];
}

/** a·b mod p. */
function mulMod(a: Poly, b: Poly, p: Poly): Poly {
  const r = new Uint32Array(4);
  for (let i = 127; i >= 0; i--) {
    timesX(r, p);
    if ((b[i >>> 5] >>> (i & 31)) & 1) for (let w = 0; w < 4; w++) r[w] ^= a[w];
  }
  return r;
}

/** xᵏ mod p(x) for an integer 0 ≤ k < 2⁵³: the jump polynomial of k steps. */
export function jumpPolynomial(k: number): Poly {
  if (!Number.isInteger(k) || k < 0 || k > Number.MAX_SAFE_INTEGER) throw new RangeError(`rng jump: steps must be an integer in [0, 2^53), got ${k}`);
  const p = characteristic();
  let r: Poly = Uint32Array.of(1, 0, 0, 0);
  const bits: number[] = [];
  for (let q = k; q > 0; q = Math.floor(q / 2)) bits.push(q % 2);
  for (let i = bits.length - 1; i >= 0; i--) {
    r = mulMod(r, r, p);
    if (bits[i]) timesX(r, p);
  }
  return r;
}

/** The state `poly`'s number of steps after `state` (four u32 words), as a new array. */
export function applyJump(state: ArrayLike<number>, poly: Poly): Uint32Array {
  const s = Uint32Array.of(state[0], state[1], state[2], state[3]);
  const acc = new Uint32Array(4);
  for (let i = 0; i < 128; i++) {
    if ((poly[i >>> 5] >>> (i & 31)) & 1) for (let w = 0; w < 4; w++) acc[w] ^= s[w];
    advance(s);
  }
  return acc;
}

/** The state k steps after `state` (four u32 words). */
export function jumpState(state: ArrayLike<number>, k: number): Uint32Array {
  return applyJump(state, jumpPolynomial(k));
}
