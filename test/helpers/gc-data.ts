// Data for the garbage collection tests: deterministic pseudo-random bytes
// (incompressible; different seeds share no chunk) and a stream reader.

export function seededBytes(seed: number, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let s = seed * 2654435761 + 1;
  for (let i = 0; i < size; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.writeInt32LE(s | 0, Math.min(i, size - 4));
  }
  return out;
}

export async function readAll(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts);
}
