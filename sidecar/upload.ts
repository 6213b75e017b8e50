// Storing a datum's output: the files of an output walk are streamed from disk
// (never a whole file in memory) into one PutDatumOutput upload, which the
// coordinator applies as a unit. A rejected output (see output-walk.ts) or a
// failed read aborts the upload, so nothing partial is kept. Files up to 1 MiB
// are read in 64 KiB pieces with synchronous reads (a createReadStream costs
// about a millisecond to set up, more than a trivial datum's whole budget);
// larger ones through createReadStream. An output of at most
// INLINE_OUTPUT_MAX bytes in all is not uploaded: storeOutput returns its
// files, which the worker sends with the datum's result (one call fewer per
// datum; the coordinator stores them before it records the result).
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { DatumRef } from '../src/worker-protocol/index.js';
import type { OutputFile } from './output-walk.js';

/** Outputs up to this many bytes in all travel inline with the datum's result. */
export const INLINE_OUTPUT_MAX = 64 * 1024;

/** One file of an inline output: its path in the output and its bytes in base64. */
export interface InlineOutputFile {
  path: string;
  data: string;
}

export interface DatumOutput {
  /** The output ID; '' when the output is `inline`. */
  output: string;
  files: number;
  bytes: number;
  /** A small output's files, for the worker to send with the result instead of an upload. */
  inline?: InlineOutputFile[];
}

/** One open upload (the client's FileWriter). */
export interface OutputWriter {
  putFile(path: string, data: AsyncIterable<Uint8Array>): Promise<void>;
  close(): Promise<{ output: string; files: number; bytes: number }>;
  abort(): void;
}

/** Where outputs go (WorkerClient.putDatumOutput). */
export interface OutputSink {
  putDatumOutput(datum: DatumRef): OutputWriter;
}

/** A small output (INLINE_OUTPUT_MAX bytes at most) is read and returned inline; a larger one is uploaded as the output of `datum`. */
export async function storeOutput(sink: OutputSink, datum: DatumRef, files: AsyncIterable<OutputFile>): Promise<DatumOutput> {
  const listed: OutputFile[] = [];
  const inline: InlineOutputFile[] = [];
  let total = 0;
  const it = files[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    listed.push(next.value);
    if (next.value.read) return uploadOutput(sink, datum, resume(listed, it)); // its bytes are not on this disk
    const data = readSmall(next.value.hostPath, INLINE_OUTPUT_MAX - total);
    if (data === undefined) return uploadOutput(sink, datum, resume(listed, it));
    total += data.length;
    inline.push({ path: next.value.path, data: data.toString('base64') });
  }
  return { output: '', files: inline.length, bytes: total, inline };
}

/**
 * The bytes of the file at `path` when it holds at most `max` bytes, else undefined: one open, fstat,
 * read and close. As readFileSync, it reads the size fstat gave (a statSync before it cost a second
 * lookup of the path).
 */
function readSmall(path: string, max: number): Buffer | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > max) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let n = 0;
    for (let got = 1; got > 0 && n < size; n += got) got = readSync(fd, buf, n, size - n, n);
    return n < size ? buf.subarray(0, n) : buf;
  } finally {
    closeSync(fd);
  }
}

async function* resume(first: readonly OutputFile[], rest: AsyncIterator<OutputFile>): AsyncIterable<OutputFile> {
  yield* first;
  for (let n = await rest.next(); !n.done; n = await rest.next()) yield n.value;
}

export async function uploadOutput(sink: OutputSink, datum: DatumRef, files: AsyncIterable<OutputFile>): Promise<DatumOutput> {
  const writer = sink.putDatumOutput(datum);
  try {
    for await (const file of files) await writer.putFile(file.path, file.read?.() ?? readPieces(file.hostPath));
  } catch (err) {
    writer.abort();
    throw err;
  }
  const done = await writer.close();
  return { output: done.output, files: Number(done.files), bytes: Number(done.bytes) };
}

const PIECE = 64 * 1024;
const SMALL = 1024 * 1024;

/** A file's bytes, piece by piece. */
async function* readPieces(path: string): AsyncIterable<Uint8Array> {
  const fd = openSync(path, 'r');
  let closed = false;
  try {
    if (fstatSync(fd).size > SMALL) {
      closed = true;
      yield* createReadStream(path, { fd, highWaterMark: PIECE });
      return;
    }
    for (;;) {
      const buf = Buffer.allocUnsafe(PIECE);
      const n = readSync(fd, buf, 0, PIECE, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    if (!closed) closeSync(fd);
  }
}
