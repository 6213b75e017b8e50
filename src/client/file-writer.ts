// The client side of a ModifyFile stream: put files (from bytes or streams)
// and delete files in one target; close() applies them atomically and returns
// the commit, abort() drops them all. Data is sent in pieces of at most 1 MiB
// and the writer waits for the transport to drain, so nothing large is
// buffered in memory.
//
// With `batch` (servers that take `files` messages: ModifyFile), small files
// given as bytes are gathered and sent whole, many to a message of about
// 1 MiB: a gRPC message costs tens of microseconds on each side, far more
// than a KiB of data, so one message per file (or three: header, data, end)
// would bound `put file -r` of tiny files. Order is kept: any other operation
// sends the gathered files first. With `close`, close() sends the `close`
// message that tells the server the client finished (a cancelled stream
// looks ended to the server, so without it nothing is applied).
import type { ClientWritableStream } from '@grpc/grpc-js';
import { TuskError } from '../errors/index.js';
import { fromServiceError } from '../rpc/errors.js';
import type { ModifyFileRequest, ModifyFileResponse, WholeFile } from '../gen/tusk/pfs.js';
import type { LocalProof } from './local-proof.js';

/** What a FileWriter sends after the stream's opening message: ModifyFile's file operations (PutDatumOutput takes the same, without deletes). */
export type FileOp = Omit<ModifyFileRequest, 'open'>;

const PIECE = 1024 * 1024;
/** Gathered small files are sent once they hold this many bytes. */
const BATCH_BYTES = 1024 * 1024;
/**
 * ...or this many files (a message of empty files is still bounded). The daemon decodes a message
 * whole and grpc-js reads up to 16 messages ahead, so this also bounds how many decoded files wait
 * there: at 4096, 65,000 tiny files lived long enough to reach V8's old generation and raise the
 * daemon's peak memory; 512 files is still few messages (2,000 per million files).
 */
const BATCH_FILES = 512;

export interface FileWriterOptions {
  /** Called with the byte count of each piece sent (progress bars). */
  onBytes?: (n: number) => void;
  /** Send small files many to a message (the server must accept `files` messages). */
  batch?: boolean;
  /** End with a `close` message, without which the server applies nothing (ModifyFile). */
  close?: boolean;
}

export class FileWriter<Result = ModifyFileResponse> {
  private failed: unknown;
  private aborted = false;
  private batch: WholeFile[] = [];
  private batchBytes = 0;
  private readonly onBytes?: (n: number) => void;
  private readonly batching: boolean;
  private readonly sendClose: boolean;

  constructor(
    private readonly call: ClientWritableStream<FileOp>,
    private readonly result: Promise<Result>,
    options: FileWriterOptions = {},
  ) {
    this.onBytes = options.onBytes;
    this.batching = options.batch ?? false;
    this.sendClose = options.close ?? false;
    result.catch((err) => (this.failed = err));
  }

  /**
   * Puts one file. Bytes given as a Uint8Array may be sent later (with other
   * small files, at the latest by close()); the caller must not change them.
   * With `reusedBuffer` (a source that reads every piece into the same
   * buffer), each piece is written out before the next is asked for; without
   * it pieces may still be queued when the next is read (faster for sources
   * that allocate: measured, 64 KiB pieces, ~15% more throughput).
   */
  async putFile(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: { append?: boolean; reusedBuffer?: boolean } = {}): Promise<void> {
    const append = options.append ?? false;
    if (this.batching && data instanceof Uint8Array && data.length <= PIECE) {
      this.check();
      this.batch.push({ path, append, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength) });
      this.batchBytes += data.length;
      if (this.batchBytes >= BATCH_BYTES || this.batch.length >= BATCH_FILES) await this.sendBatch();
      return;
    }
    await this.sendBatch();
    await this.send({ putFile: { path, append } });
    const pieces = data instanceof Uint8Array ? [data] : data;
    for await (const chunk of pieces) {
      for (let i = 0; i < chunk.length; i += PIECE) {
        const piece = chunk.subarray(i, Math.min(chunk.length, i + PIECE));
        await this.send({ data: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) }, options.reusedBuffer);
        this.onBytes?.(piece.length);
      }
    }
    await this.send({ endFile: {} });
  }

  /**
   * Has the daemon read `source` (an absolute path) from its own file system
   * instead of sending the bytes; `proof` shows it that this caller runs as
   * its user (see local-proof.ts). A daemon that may not (another user,
   * machine or file system) fails the whole write with LocalFileRefused and
   * applies nothing: write again with putFile. `size` is for onBytes.
   */
  async putLocalFile(path: string, source: string, proof: LocalProof, options: { append?: boolean; size?: number } = {}): Promise<void> {
    await this.sendBatch();
    await this.send({ localFile: { path, append: options.append ?? false, source, proof: proof.proof, nonce: proof.nonce } });
    if (options.size) this.onBytes?.(options.size);
  }

  async deleteFile(path: string): Promise<void> {
    await this.sendBatch();
    await this.send({ deleteFile: { path } });
  }

  /** Applies everything sent and returns the server's answer (the resulting commit, for ModifyFile). */
  async close(): Promise<Result> {
    await this.sendBatch();
    if (this.sendClose) await this.send({ close: {} });
    this.call.end();
    try {
      return await this.result;
    } catch (err) {
      throw fromServiceError(err);
    }
  }

  /** Drops everything sent: the target is left as it was. */
  abort(): void {
    this.aborted = true;
    this.batch = [];
    this.batchBytes = 0;
    this.call.cancel();
  }

  private async sendBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const files = this.batch;
    const bytes = this.batchBytes;
    this.batch = [];
    this.batchBytes = 0;
    await this.send({ files: { files } });
    this.onBytes?.(bytes);
    // Let the event loop turn so the message goes out now: a caller producing
    // files without I/O of its own (reading them synchronously) would
    // otherwise hold every message until the transport's buffer fills.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Throws if the write was aborted or the call failed. */
  private check(): void {
    if (this.aborted) throw new TuskError('aborted', 'Cancelled', 'the write was aborted; nothing was applied');
    if (this.failed) throw fromServiceError(this.failed);
  }

  /**
   * Writes one message. With `written`, waits until the transport has taken
   * it (serialized and written out), so the caller may reuse its bytes after;
   * otherwise waits only when the transport's buffer is full.
   */
  private async send(msg: FileOp, written = false): Promise<void> {
    this.check();
    if (written) {
      await this.wait(new Promise<void>((resolve, reject) => this.call.write(msg, (err?: Error | null) => (err ? reject(err) : resolve()))));
    } else if (!this.call.write(msg)) {
      let onDrain = () => {};
      try {
        await this.wait(new Promise<void>((resolve) => this.call.once('drain', (onDrain = resolve))));
      } finally {
        this.call.off('drain', onDrain);
      }
    }
  }

  /** Waits for `ready`, failing with the call's error if the call fails first. */
  private wait(ready: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: unknown) => {
        this.call.off('error', onError);
        reject(fromServiceError(err));
      };
      this.call.once('error', onError);
      this.result.catch(onError);
      ready.then(() => {
        this.call.off('error', onError);
        resolve();
      }, onError);
    });
  }
}
