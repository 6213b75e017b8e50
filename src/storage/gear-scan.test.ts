import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkScanner, DEFAULT_CHUNK_PARAMS, JsGearLoop, loosestMask, type ChunkParams } from './chunker.js';
import { GearKernel } from './gear-kernel.js';
import { GearScanThread, scanSizes } from './gear-scan.js';
import { seededBytes } from './seeded-bytes.js';

const bytes = seededBytes;

/** Random bytes with a run of zeros (no cut candidate in it: chunks there end at the maximum size) and a repeated pattern. */
function mixed(seed: number, n: number): Uint8Array {
  const out = bytes(seed, n);
  out.fill(0, Math.floor(n / 3), Math.floor(n / 3) + Math.min(n, 300_000));
  for (let i = Math.floor((2 * n) / 3); i < Math.min(n, Math.floor((2 * n) / 3) + 50_000); i++) out[i] = i % 7;
  return out;
}

/** The cuts a scanner makes over `buf` (from `at`) fed as the given pieces, each scanned with `beforePiece` run first (and its cover cleared after). */
function cuts(scanner: ChunkScanner, buf: Uint8Array, ends: number[], beforePiece: (from: number, to: number) => void = () => {}, kernel?: GearKernel, at = 0): number[] {
  const out: number[] = [];
  for (const end of ends) {
    beforePiece(at, end);
    try {
      while (at < end) {
        const cut = scanner.scan(buf, at, end);
        if (cut < 0) { at = end; break; }
        out.push(cut);
        at = cut;
      }
    } finally {
      if (kernel) kernel.cover = undefined;
    }
  }
  return out;
}

const PARAMS: ChunkParams[] = [
  { minSize: 64, avgSize: 256, maxSize: 1024 },
  { minSize: 2048, avgSize: 8192, maxSize: 32768 },
  { minSize: 1, avgSize: 64, maxSize: 100 },
  DEFAULT_CHUNK_PARAMS,
];

/** A random case: up to 700 KB (at least `min`), half with zeros and a pattern, at an offset in a kernel's memory, split into pieces, with one of the chunk sizes. */
function pieces(min: number) {
  return fc.record({
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), n: fc.integer({ min, max: 700_000 }), offset: fc.nat({ max: 5000 }), params: fc.constantFrom(...PARAMS),
    splits: fc.array(fc.nat({ max: 700_000 }), { maxLength: 8 }), zeros: fc.boolean(),
  });
}

/** The case's bytes, also placed in `kernel`, and the ends of its pieces. */
function place(kernel: GearKernel, c: { seed: number; n: number; offset: number; params: ChunkParams; splits: number[]; zeros: boolean }) {
  const plain = c.zeros ? mixed(c.seed, c.n) : bytes(c.seed, c.n);
  const inKernel = kernel.view(c.offset, c.n);
  inKernel.set(plain);
  const ends = [...new Set([...c.splits.filter((p) => p > 0 && p < c.n), c.n])].sort((a, b) => a - b);
  return { plain, inKernel, ends, params: c.params, offset: c.offset };
}

const thread = new GearScanThread();
afterAll(() => thread.close());

describe('gear scan thread (cuts and cut candidates found ahead)', () => {
  it('gives exactly the cuts of the JavaScript loop, whatever the pieces and sizes around min/avg/max', async () => {
    const kernel = new GearKernel(1 << 21);
    await fc.assert(
      fc.asyncProperty(pieces(0), async (c) => {
        const { plain, inKernel, ends, params, offset } = place(kernel, c);
        // Candidates for every piece first (as a session has them found while it reads), then the scan.
        const found = new Map<number, Awaited<ReturnType<GearScanThread['candidates']>>>();
        let from = 0;
        for (const end of ends) {
          found.set(from, await thread.candidates(kernel, inKernel.subarray(from, end), offset + from, loosestMask(params)));
          from = end;
        }
        const covered = cuts(new ChunkScanner(params, kernel), inKernel, ends, (at) => (kernel.cover = found.get(at)), kernel);
        expect(covered).toEqual(cuts(new ChunkScanner(params), plain, ends));
      }),
      { numRuns: 50 },
    );
  });

  it('is what the kernel cuts by when it covers the bytes (a listed candidate whose hash fits the mask is a cut)', async () => {
    const kernel = new GearKernel(1 << 20);
    const data = kernel.view(0, 1 << 20);
    data.set(bytes(9, 1 << 20));
    const mask = loosestMask(DEFAULT_CHUNK_PARAMS);
    const real = await thread.candidates(kernel, data, 0, mask);
    expect(real.found.length).toBeGreaterThan(0);
    const plainCuts = cuts(new ChunkScanner(), data, [data.length]);
    // A made-up candidate just past the minimum size (and before the first real cut) with hash 0: the covered scan cuts after it.
    const fake = data.byteOffset + 16_500;
    expect(plainCuts[0]).toBeGreaterThan(16_501);
    const pairs = [...real.found];
    let k = 0;
    while (k < pairs.length && pairs[k]! < fake) k += 2;
    pairs.splice(k, 0, fake, 0);
    kernel.cover = { ...real, found: Int32Array.from(pairs) };
    expect(new ChunkScanner(DEFAULT_CHUNK_PARAMS, kernel).scan(data, 0, data.length)).toBe(16_501);
    // Candidates found with a mask the scan's masks do not contain are ignored: the scan hashes the bytes itself.
    kernel.cover = { ...real, mask: -1, found: Int32Array.from(pairs) };
    expect(new ChunkScanner(DEFAULT_CHUNK_PARAMS, kernel).scan(data, 0, data.length)).toBe(plainCuts[0]);
    kernel.cover = undefined;
  });

  it('leaves the same hash as the JavaScript loop after a covered run without a cut (the next piece starts from it)', async () => {
    const kernel = new GearKernel(1 << 20);
    const mask = loosestMask(DEFAULT_CHUNK_PARAMS);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 32, max: 200_000 }), fc.nat({ max: 1000 }), fc.integer(), async (seed, n, start, h) => {
        const data = kernel.view(0, start + n);
        data.set(bytes(seed, start + n));
        kernel.cover = await thread.candidates(kernel, data.subarray(start), start, mask);
        const js = new JsGearLoop();
        // Masks of all bits: a cut only where the hash is 0, so (almost surely) no cut and the hash at the end is compared.
        const got = kernel.run(data, start, start + (n >> 1), start + n, h, -1, -1);
        kernel.cover = undefined;
        expect(got).toBe(js.run(data, start, start + (n >> 1), start + n, h, -1, -1));
        // A hash of exactly 0 is a cut (about once in 2^32 bytes): then the hash after the run is not defined
        // (the scanner starts the next chunk from 0 and does not read it).
        if (got < 0) expect(kernel.hash).toBe(js.hash);
      }),
      { numRuns: 100 },
    );
  });

  it('finds exactly the JavaScript scanner\'s cuts and scan states region after region of a chain, whatever the pieces and sizes', async () => {
    const kernel = new GearKernel(1 << 21);
    await fc.assert(
      fc.asyncProperty(pieces(1), async (c) => {
        const { plain, inKernel, ends, params } = place(kernel, c);
        const chain = thread.newChain();
        // Every region asked for at once, as a session does while it reads, then the JavaScript scan piece by piece.
        const plans = [];
        let from = 0;
        for (const end of ends) {
          plans.push(thread.cuts(kernel, inKernel.subarray(from, end), chain, from === 0, scanSizes(params)));
          from = end;
        }
        const js = new ChunkScanner(params);
        from = 0;
        for (const [k, end] of ends.entries()) {
          const plan = await plans[k]!;
          expect(plan.start).toEqual(js.state);
          expect([...plan.cuts].map((a) => a - inKernel.byteOffset)).toEqual(cuts(js, plain, [end], undefined, undefined, from));
          expect(plan.end).toEqual(js.state);
          from = end;
        }
      }),
      { numRuns: 50 },
    );
  });

  it('keeps the scan state of each chain apart, and refuses to go on with a chain it has no state for', async () => {
    const kernel = new GearKernel(1 << 20);
    const data = kernel.view(0, 1 << 20);
    data.set(bytes(5, 1 << 20));
    const sizes = scanSizes(DEFAULT_CHUNK_PARAMS);
    const [a, b] = [thread.newChain(), thread.newChain()];
    const half = data.length >> 1;
    const [a1, b1, a2] = await Promise.all([
      thread.cuts(kernel, data.subarray(0, half), a, true, sizes),
      thread.cuts(kernel, data.subarray(0, 1000), b, true, sizes),
      thread.cuts(kernel, data.subarray(half), a, false, sizes),
    ]);
    expect(a2.start).toEqual(a1.end);
    expect(b1.end).toEqual({ length: 1000, hash: 0 });
    const whole = cuts(new ChunkScanner(), data, [data.length]);
    expect([...a1.cuts, ...a2.cuts].map((x) => x - data.byteOffset)).toEqual(whole.filter((c) => c < data.length));
    await expect(thread.cuts(kernel, data.subarray(0, 10), thread.newChain(), false, sizes)).rejects.toThrow(/no scan state/);
  });

  it('starts its thread on warm(), before any scan asks for it, and scans on it after', async () => {
    const fresh = new GearScanThread();
    try {
      expect(fresh.running).toBe(false);
      fresh.warm();
      expect(fresh.running).toBe(true);
      const kernel = new GearKernel(1 << 20);
      const data = kernel.view(0, 1 << 20);
      data.set(bytes(7, data.length));
      const params = { minSize: 2048, avgSize: 8192, maxSize: 32768 };
      const got = await fresh.cuts(kernel, data, fresh.newChain(), true, scanSizes(params));
      expect([...got.cuts].map((a) => a - data.byteOffset)).toEqual(cuts(new ChunkScanner(params), bytes(7, data.length), [data.length]));
    } finally {
      await fresh.close();
    }
  });

  it('refuses bytes outside the kernel memory', async () => {
    await expect(thread.candidates(new GearKernel(65536), new Uint8Array(10), 0, -1)).rejects.toThrow(/kernel memory/);
  });
});
