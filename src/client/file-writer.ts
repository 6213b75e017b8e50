// The client side of a ModifyFile stream: put files (from bytes or streams)
// and delete files in one target; close() applies them atomically and returns
// the commit, abort() drops them all. Data is sent in pieces of at most 1 MiB
// and the writer waits for the transport to drain, so nothing large is
// buffered in memory.
import type { ClientWritableStream } from '@grpc/grpc-js';
import { fromServiceError } from '../rpc/errors.js';
import type { ModifyFileRequest, ModifyFileResponse } from '../gen/tusk/pfs.js';

const PIECE = 1024 * 1024;

export class FileWriter<Result = ModifyFileResponse> {
  private failed: unknown;

  constructor(
    private readonly call: ClientWritableStream<ModifyFileRequest>,
    private readonly result: Promise<Result>,
    /** Called with the byte count of each piece sent (progress bars). */
    private readonly onBytes?: (n: number) => void,
  ) {
    result.catch((err) => (this.failed = err));
  }

  async putFile(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: { append?: boolean } = {}): Promise<void> {
    await this.send({ putFile: { path, append: options.append ?? false } });
    const pieces = data instanceof Uint8Array ? [data] : data;
    for await (const chunk of pieces) {
      for (let i = 0; i < chunk.length; i += PIECE) {
        const piece = chunk.subarray(i, Math.min(chunk.length, i + PIECE));
        await this.send({ data: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) });
        this.onBytes?.(piece.length);
      }
    }
    await this.send({ endFile: {} });
  }

  async deleteFile(path: string): Promise<void> {
    await this.send({ deleteFile: { path } });
  }

  /** Applies everything sent and returns the server's answer (the resulting commit, for ModifyFile). */
  async close(): Promise<Result> {
    this.call.end();
    try {
      return await this.result;
    } catch (err) {
      throw fromServiceError(err);
    }
  }

  /** Drops everything sent: the target is left as it was. */
  abort(): void {
    this.call.cancel();
  }

  private async send(msg: ModifyFileRequest): Promise<void> {
    if (this.failed) throw fromServiceError(this.failed);
    if (!this.call.write(msg)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { cleanup(); resolve(); };
        const onError = (err: unknown) => { cleanup(); reject(fromServiceError(err)); };
        const cleanup = () => { this.call.off('drain', onDrain); this.call.off('error', onError); };
        this.call.once('drain', onDrain);
        this.call.once('error', onError);
        this.result.catch(onError);
      });
    }
  }
}
