// Shared by the storage benchmarks (not a benchmark itself): streaming a local
// file in 1 MiB pieces through one reused buffer.
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
