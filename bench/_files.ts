// Shared by the storage benchmarks (not a benchmark itself): streaming a local
// file in 1 MiB pieces through one reused buffer, and writing a file of random
// bytes (incompressible, so no store can shortcut it).
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Reads a file in 1 MiB pieces into one reused buffer (the writer copies each piece before asking for the next). */
export async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` random bytes to `path` in 16 MiB blocks and syncs it. */
export async function makeRandomFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'w');
  const block = Buffer.allocUnsafe(16 << 20);
  for (let at = 0; at < bytes; at += block.length) {
    const n = Math.min(block.length, bytes - at);
    randomFillSync(block, 0, n);
    await handle.write(block, 0, n);
  }
  await handle.sync();
  await handle.close();
}
