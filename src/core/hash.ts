// A fixed 32-bit mix of two non-negative ints: the open-addressing slots of samplers/pairTable.ts and MCNS's
// deterministic neighbour-list choices both need one, and neither may draw from a seeded stream.

/** Mixes two non-negative ints into 32 bits (murmur3 finaliser over a combination of both). */
export function hashPair(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
