// Storing a datum's output: the files of an output walk are streamed from disk
// (never a whole file in memory) into one PutDatumOutput upload, which the
// coordinator applies as a unit. A rejected output (see output-walk.ts) or a
// failed read aborts the upload, so nothing partial is kept. Files up to 1 MiB
// are read in 64 KiB pieces with synchronous reads (a createReadStream costs
// about a millisecond to set up, more than a trivial datum's whole budget);
// larger ones through createReadStream.
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import type { OutputFile } from './output-walk.js';

export interface DatumOutput {
  output: string;
  files: number;
  bytes: number;
}

/** One open upload (the client's FileWriter). */
export interface OutputWriter {
  putFile(path: string, data: AsyncIterable<Uint8Array>): Promise<void>;
  close(): Promise<{ output: string; files: number; bytes: number }>;
  abort(): void;
}

/** Where outputs go (WorkerClient.putDatumOutput). */
export interface OutputSink {
  putDatumOutput(target: string): OutputWriter;
}

export async function uploadOutput(sink: OutputSink, target: string, files: AsyncIterable<OutputFile>): Promise<DatumOutput> {
  const writer = sink.putDatumOutput(target);
  try {
    for await (const file of files) await writer.putFile(file.path, readPieces(file.hostPath));
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
