import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkScanner, type ChunkParams } from './chunker.js';
import { GEAR_KERNEL_WASM, GearKernel } from './gear-kernel.js';
import { seededBytes } from './seeded-bytes.js';

const bytes = seededBytes;

function cuts(scanner: ChunkScanner, buf: Uint8Array, pieces: number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const end of [...pieces.filter((p) => p < buf.length).sort((a, b) => a - b), buf.length]) {
    while (at < end) {
      const cut = scanner.scan(buf, at, end);
      if (cut < 0) { at = end; break; }
      out.push(cut);
      at = cut;
    }
  }
  return out;
}

const hasWat2wasm = (() => {
  try { execFileSync('wat2wasm', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

describe('gear kernel (WebAssembly)', () => {
  it('cuts exactly where the JavaScript loop cuts', () => {
    const kernel = new GearKernel(1 << 20);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 200_000 }), fc.nat({ max: 5000 }),
        fc.constantFrom<ChunkParams>({ minSize: 64, avgSize: 256, maxSize: 1024 }, { minSize: 2048, avgSize: 8192, maxSize: 32768 }, { minSize: 1, avgSize: 64, maxSize: 100 }),
        fc.array(fc.nat({ max: 200_000 }), { maxLength: 10 }),
        (seed, n, offset, params, pieces) => {
          const plain = bytes(seed, n);
          const inKernel = kernel.view(offset, n);
          inKernel.set(plain);
          expect(cuts(new ChunkScanner(params, kernel), inKernel, pieces)).toEqual(cuts(new ChunkScanner(params), plain, pieces));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('falls back to JavaScript for buffers outside its memory', () => {
    const data = bytes(5, 300_000);
    expect(cuts(new ChunkScanner(undefined, new GearKernel(65536)), data, [])).toEqual(cuts(new ChunkScanner(), data, []));
  });

  it.skipIf(!hasWat2wasm)('embeds exactly the assembly of gear-kernel.wat (needs wabt)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tusk-wat-'));
    try {
      const wat = fileURLToPath(new URL('./gear-kernel.wat', import.meta.url));
      execFileSync('wat2wasm', ['--enable-threads', wat, '-o', join(dir, 'k.wasm')]);
      expect(Buffer.compare(readFileSync(join(dir, 'k.wasm')), GEAR_KERNEL_WASM)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
