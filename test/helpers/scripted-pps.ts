// For tests that play the worker themselves through the real worker API
// (TUSK_RUNTIME=none): the three clients of one daemon, and a file's text.
import { PpsClient, TuskClient, WorkerClient } from '../../src/client/index.js';
import type { DaemonHandle } from './daemon.js';

export async function text(it: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of it) parts.push(Buffer.from(p));
  return Buffer.concat(parts).toString();
}

export function clients(d: DaemonHandle) {
  return { pfs: new TuskClient(d.address), pps: new PpsClient(d.address), worker: new WorkerClient(d.address) };
}
