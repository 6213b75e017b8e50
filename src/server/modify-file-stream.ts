// The ModifyFile stream format, read once for both RPCs that take it
// (ModifyFile into a commit, PutDatumOutput into a datum output): after the
// opening message (the caller's: it names the target), puts — header, data…,
// end_file, or many whole files in one `files` message — and deletes, then
// `close`. Only a stream that ended after `close` counts: a client that
// cancels (or whose connection dies) also ends the stream, before grpc-js says
// it was cancelled, and applying then would keep the whole files it had sent.
//
// Small files are queued without waiting for each to be stored (the next
// message is read meanwhile, and many share a hash batch) within a window of
// queued bytes and files; a larger file streams through, the reader waiting
// for it. A window of 0 stores one file at a time, in stream order. A message
// of many whole files goes to a sink that takes them together (putFiles) as
// one write, unless one of them is an append.
import { InvalidArgument } from '../errors/index.js';
import type { DeleteFileOp, EndFile, LocalFile, PutFileHeader, WholeFiles } from '../gen/tusk/pfs.js';

/** One message after the opening one (ModifyFileRequest and DatumOutputRequest share these fields). */
export interface FileStreamMessage {
  putFile?: PutFileHeader | undefined;
  data?: Uint8Array | undefined;
  endFile?: EndFile | undefined;
  deleteFile?: DeleteFileOp | undefined;
  files?: WholeFiles | undefined;
  close?: object | undefined;
  localFile?: LocalFile | undefined;
}

/** Where the files go. Without deleteFile, a delete is refused as an unexpected message. */
export interface FileSink {
  putFile(path: string, data: Uint8Array | AsyncIterable<Uint8Array>, append: boolean): Promise<unknown>;
  /** Many whole files (none an append) as one write: one promise for them all, not one each. */
  putFiles?(files: readonly { path: string; data: Uint8Array }[]): Promise<unknown>;
  deleteFile?(path: string): void;
}

/** Opens a file the daemon reads itself (`local_file`); throws LocalFileRefused when it may not. */
export type LocalFileOpener = (req: LocalFile) => Promise<AsyncIterable<Uint8Array>>;

/** How much queued small-file data may wait for the sink before reading pauses. */
export interface StreamWindow {
  bytes: number;
  files: number;
}

/** ModifyFile's window: 32 MiB or 16 Ki files queued. */
export const MODIFY_FILE_WINDOW: StreamWindow = { bytes: 32 * 1024 * 1024, files: 16 * 1024 };

/** A file whose data ends within this many bytes is gathered whole and queued without waiting for it to be stored. */
const SMALL_FILE = 1024 * 1024;

/** Reads the opening message; throws BadStream if the stream does not start with one. */
export async function openingMessage<O>(messages: AsyncIterator<{ open?: O | undefined }>, rpc: string): Promise<O> {
  const first = await messages.next();
  if (first.done || !first.value.open) throw new InvalidArgument('BadStream', `a ${rpc} stream must start with an open message naming its target`);
  return first.value.open;
}

/**
 * Hands the stream's file operations to `sink` in order and resolves once every
 * write is stored and the stream ended after `close`; throws Cancelled (nothing
 * counts) if it ended without, BadStream on a malformed stream.
 */
export async function readFileOps(messages: AsyncIterator<FileStreamMessage>, sink: FileSink, isCancelled: () => boolean, window: StreamWindow, rpc: string, openLocal?: LocalFileOpener): Promise<void> {
  const queue = new WriteWindow(window.bytes, window.files);
  let closed = false;
  for (;;) {
    const next = await messages.next();
    if (next.done) break;
    const msg = next.value;
    if (closed) throw new InvalidArgument('BadStream', `a message after close in a ${rpc} stream`);
    if (msg.close) {
      closed = true;
    } else if (msg.putFile) {
      await readPut(messages, msg.putFile, sink, queue);
    } else if (msg.files) {
      const files = msg.files.files;
      if (sink.putFiles && window.files > 1 && files.length > 1 && !files.some((f) => f.append)) {
        // The whole message as one write: a put -r of many tiny files sends them 512 a message.
        let bytes = 0;
        for (let i = 0; i < files.length; i++) bytes += files[i]!.data.length;
        if (!queue.hasRoom(bytes, files.length)) await queue.room(bytes, files.length);
        queue.add(sink.putFiles(files), bytes, files.length);
        continue;
      }
      for (const f of files) {
        // Checked without an await first: a tiny file must not cost a promise of its own here.
        if (!queue.hasRoom(f.data.length)) await queue.room(f.data.length);
        queue.add(sink.putFile(f.path, f.data, f.append), f.data.length);
      }
    } else if (msg.localFile && openLocal) {
      // Streamed through like a large file: the sink reads it while this waits.
      await sink.putFile(msg.localFile.path, await openLocal(msg.localFile), msg.localFile.append);
    } else if (msg.deleteFile && sink.deleteFile) {
      sink.deleteFile(msg.deleteFile.path);
    } else {
      throw new InvalidArgument('BadStream', `unexpected message in a ${rpc} stream`);
    }
  }
  if (!closed || isCancelled()) throw new InvalidArgument('Cancelled', 'the stream ended without close: the client went away or cancelled; nothing was written');
  await queue.drain();
}

/** One put: a small file is gathered and queued, a larger one streams through to the sink. */
async function readPut(messages: AsyncIterator<FileStreamMessage>, header: PutFileHeader, sink: FileSink, queue: WriteWindow): Promise<void> {
  const { path, append } = header;
  const pieces: Uint8Array[] = [];
  let bytes = 0;
  let ended = false;
  const part = async (): Promise<Uint8Array | undefined> => {
    const m = await messages.next();
    if (m.done) return undefined;
    if (m.value.endFile) {
      ended = true;
      return undefined;
    }
    if (!m.value.data) throw new InvalidArgument('BadStream', 'expected file data or end_file after put_file');
    return m.value.data;
  };
  for (let data = await part(); data; data = bytes > SMALL_FILE ? undefined : await part()) {
    pieces.push(data);
    bytes += data.length;
  }
  if (ended) {
    await queue.room(bytes);
    queue.add(sink.putFile(path, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), append), bytes);
    return;
  }
  if (bytes > SMALL_FILE) {
    const rest = async function* () {
      yield* pieces;
      pieces.length = 0;
      for (let data = await part(); data; data = await part()) yield data;
    };
    await sink.putFile(path, rest(), append);
  }
  if (!ended) throw new InvalidArgument('BadStream', `the stream ended in the middle of ${path}`);
}

/** Bounds the writes queued but not yet stored; the first failure is thrown by the next room() or drain(). */
class WriteWindow {
  private bytes = 0;
  private files = 0;
  private failure: unknown;
  private wake?: () => void;

  constructor(private readonly maxBytes: number, private readonly maxFiles: number) {}

  /** Queues a write of `files` files (one message's, or one). */
  add(write: Promise<unknown>, bytes: number, files = 1): void {
    this.bytes += bytes;
    this.files += files;
    const settle = () => {
      this.bytes -= bytes;
      this.files -= files;
      this.wake?.();
    };
    write.then(settle, (err) => {
      this.failure ??= err;
      settle();
    });
  }

  /** True if `bytes` in `files` more files fit now (always when nothing is queued); throws the first failure. */
  hasRoom(bytes: number, files = 1): boolean {
    if (this.failure !== undefined) throw this.failure;
    return this.files === 0 || (this.bytes + bytes <= this.maxBytes && this.files + files <= this.maxFiles);
  }

  /** Waits until `bytes` in `files` more files fit. */
  async room(bytes: number, files = 1): Promise<void> {
    while (!this.hasRoom(bytes, files)) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  /** Waits until every queued write is stored. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.files === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
