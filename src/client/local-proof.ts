// The client side of the local fast path of `put file` (see
// src/server/local-file.ts): a private folder in the temp directory holding a
// file, readable by its owner only, with a random nonce. A daemon running as
// the same user on the same machine finds it there and so knows the caller
// may read whatever it may; any other daemon refuses and the bytes are sent.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LocalProof {
  /** Absolute path of the proof file. */
  proof: string;
  nonce: string;
  /** Removes the proof (the daemon reads it when the file's message arrives: keep it until the write is applied). */
  dispose(): Promise<void>;
}

export async function createLocalProof(): Promise<LocalProof> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-proof-')); // mode 0700
  const nonce = randomBytes(24).toString('hex');
  const proof = join(dir, 'proof');
  await writeFile(proof, nonce, { mode: 0o600, flag: 'wx' });
  return { proof, nonce, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * True when `address` (host:port, dns:host:port, unix:path, grpc[s]://...)
 * is this machine: only then is the local path worth a try.
 */
export function isLoopbackAddress(address: string): boolean {
  let a = address.trim().replace(/^grpcs?:\/\//i, '').replace(/^dns:(\/\/\/)?/i, '');
  if (/^unix:/i.test(a)) return true;
  a = a.replace(/\/.*$/, '');
  const host = a.startsWith('[') ? a.slice(1, a.indexOf(']')) : a.includes(':') && a.indexOf(':') === a.lastIndexOf(':') ? a.slice(0, a.indexOf(':')) : a;
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
