// Direct-I/O writes of page-aligned bodies (direct-write.ts) through FsStore:
// exact bytes and size whatever the tail, the caller's memory untouched, and
// only aligned memory of at least DIRECT_MIN_BYTES taken that way.
import { constants } from 'node:fs';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alignedBytes } from './aligned-memory.js';
import { DIRECT_MIN_BYTES, wantsDirect, writeDirect } from './direct-write.js';
import { FsStore } from './fs-store.js';
import { getBytes } from './object-store.js';
import { pseudoRandom } from './object-store.contract.js';

/** An aligned body of `n` pseudo-random bytes (the memory past it holds other bytes, which must not be written). */
function alignedBody(n: number, seed: number): Uint8Array {
  const buf = alignedBytes(n + 8192);
  buf.set(pseudoRandom(buf.length, seed));
  return buf.subarray(0, n);
}

/** Whether the file system under `dir` takes O_DIRECT at all. */
async function takesDirect(dir: string): Promise<boolean> {
  const probe = join(dir, 'probe');
  await writeFile(probe, '');
  try {
    await (await open(probe, constants.O_WRONLY | constants.O_DIRECT)).close();
    return true;
  } catch {
    return false;
  }
}

describe('direct writes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tusk-direct-write-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores aligned bodies byte for byte whatever their tail, and leaves the memory past them alone', async () => {
    const store = await FsStore.open(join(dir, 'objects'));
    const sizes = [DIRECT_MIN_BYTES, DIRECT_MIN_BYTES + 1, 3 * DIRECT_MIN_BYTES + 4095, 2 * DIRECT_MIN_BYTES + 4097];
    for (const [i, size] of sizes.entries()) {
      const body = alignedBody(size, i);
      expect(wantsDirect(body)).toBe(true);
      const after = Buffer.from(new Uint8Array(body.buffer, size, 8192));
      await store.put(`packs/p${i}`, body);
      expect(await store.size(`packs/p${i}`)).toBe(size);
      expect(Buffer.compare(await getBytes(store, `packs/p${i}`), body)).toBe(0);
      expect(Buffer.compare(new Uint8Array(body.buffer, size, 8192), after)).toBe(0);
    }
    // A new object replaces an old one of another size, as any put does.
    const shorter = alignedBody(DIRECT_MIN_BYTES + 5, 9);
    await store.put('packs/p2', shorter);
    expect(Buffer.compare(await getBytes(store, 'packs/p2'), shorter)).toBe(0);
  });

  it('writes with direct I/O where the file system takes it', async () => {
    const body = alignedBody(DIRECT_MIN_BYTES + 100, 3);
    const file = join(dir, 'f');
    await writeFile(file, '');
    expect(await writeDirect(file, body)).toBe(await takesDirect(dir));
    if (await takesDirect(dir)) {
      expect((await stat(file)).size).toBe(body.length);
      expect(Buffer.compare(await readFile(file), body)).toBe(0);
    }
  });

  it('leaves small bodies, plain buffers and unaligned views to ordinary writes', () => {
    expect(wantsDirect(alignedBody(DIRECT_MIN_BYTES - 1, 1))).toBe(false);
    expect(wantsDirect(Buffer.alloc(2 * DIRECT_MIN_BYTES))).toBe(false);
    expect(wantsDirect(new Uint8Array(new SharedArrayBuffer(2 * DIRECT_MIN_BYTES)))).toBe(false);
    expect(wantsDirect(alignedBytes(3 * DIRECT_MIN_BYTES).subarray(512))).toBe(false);
  });
});
