// Deterministic pseudo-random bytes for the chunking tests (xorshift32): the
// same seed gives the same bytes, so a failing property or a fixed cut list
// reproduces from its seed.

/** `n` bytes from the xorshift32 sequence started at `seed` (0 counts as 1). */
export function seededBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
