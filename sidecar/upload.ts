// Storing a datum's output: the files of an output walk are streamed from disk
// (createReadStream, never a whole file in memory) into one PutDatumOutput
// upload, which the coordinator applies as a unit. A rejected output (see
// output-walk.ts) or a failed read aborts the upload, so nothing partial is kept.
import { createReadStream } from 'node:fs';
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
    for await (const file of files) await writer.putFile(file.path, createReadStream(file.hostPath));
  } catch (err) {
    writer.abort();
    throw err;
  }
  const done = await writer.close();
  return { output: done.output, files: Number(done.files), bytes: Number(done.bytes) };
}
