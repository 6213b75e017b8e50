// Deterministic fake file entries and path sets for tests and benchmarks: a
// seeded PRNG, entries whose hash and single data reference derive from the
// path and a version number, and random nested path sets that share directories.
import { createHash } from 'node:crypto';
import type { FileEntry } from './node.js';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sha256hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

const chunkHashes = new Map<string, string>();

/** An entry for `path` whose content is determined by (path, version); one data reference into a fake pack. */
export function fakeEntry(path: string, version = 0, pack = 'pack-0'): FileEntry {
  const hash = sha256hex(`${path}#${version}`);
  const size = (parseInt(hash.slice(0, 6), 16) % 100_000) + 1;
  let chunkHash = chunkHashes.get(pack);
  if (!chunkHash) chunkHashes.set(pack, (chunkHash = sha256hex(`chunk:${pack}`)));
  const chunk = { hash: chunkHash, pack, offset: 0, size: 4 << 20 };
  return { path, size, hash, content: { size, hash, refs: [{ chunk, start: parseInt(hash.slice(6, 11), 16) % (4 << 20), length: size }] } };
}

/**
 * `n` distinct random paths, up to `depth` levels deep, drawn from a small name
 * alphabet so that directories are shared and names nest ('a', 'a.x', 'a/b').
 */
export function randomPaths(seed: number, n: number, depth = 4, names = 12): string[] {
  const rnd = prng(seed);
  const alphabet = ['a', 'b', 'a.x', 'b-1', 'c', 'dd', 'a0', 'Z', 'é', 'data', 'x y', '_'];
  const set = new Set<string>();
  let tries = 0;
  while (set.size < n && tries++ < n * 20) {
    const d = 1 + Math.floor(rnd() * depth);
    const parts: string[] = [];
    for (let i = 0; i < d; i++) {
      const base = alphabet[Math.floor(rnd() * Math.min(names, alphabet.length))]!;
      parts.push(i === d - 1 && rnd() < 0.8 ? `${base}${Math.floor(rnd() * n)}` : base);
    }
    set.add('/' + parts.join('/'));
  }
  return [...set];
}

/** Fisher–Yates shuffle (in place) with a seeded PRNG. */
export function shuffle<T>(items: T[], seed: number): T[] {
  const rnd = prng(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
