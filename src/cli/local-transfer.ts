// When the daemon is on this machine, `put file` and `get file -o` let it read
// or write the local file itself instead of moving the bytes over gRPC (see
// src/server/local-file.ts for why that is safe). This decides when to try and
// makes the proof, once per command, only when a transfer needs it.
import { createLocalProof, isLoopbackAddress, type LocalProof } from '../client/local-proof.js';
import type { FilesContext } from './context.js';

/** Tried when the daemon's address is this machine, unless TUSK_LOCAL_TRANSFER=false. */
export function localTransferWanted(ctx: FilesContext): boolean {
  const off = ctx.env.TUSK_LOCAL_TRANSFER;
  return off !== 'false' && off !== '0' && isLoopbackAddress(ctx.address());
}

/** True for the error of a daemon that may not read or write our files (nothing was done: send the bytes instead). */
export function isLocalRefusal(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'LocalFileRefused';
}

/** The proof, made when the first transfer asks for it; dispose() removes it. */
export class LazyProof {
  private proof?: Promise<LocalProof>;

  get used(): boolean {
    return this.proof !== undefined;
  }

  get(): Promise<LocalProof> {
    return (this.proof ??= createLocalProof());
  }

  async dispose(): Promise<void> {
    await (await this.proof?.catch(() => undefined))?.dispose();
  }
}
