// Reading a ModifyFile-format stream (used by ModifyFile and PutDatumOutput):
// an open message naming the target, then puts (header, data…, end_file) and
// deletes, handed to a sink in order. Returns the sink once the client ended
// the stream cleanly; a cancelled stream throws, so nothing is applied.
import type { ServerReadableStream } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';
import type { ModifyFileRequest } from '../gen/tusk/pfs.js';

export interface FileSink {
  putFile(path: string, data: AsyncIterable<Uint8Array>, append: boolean): Promise<unknown>;
  deleteFile?(path: string): void;
}

export async function readFileStream<S extends FileSink>(
  call: ServerReadableStream<ModifyFileRequest, unknown>,
  open: (target: string, description: string) => Promise<S>,
): Promise<S> {
  const messages = call[Symbol.asyncIterator]() as AsyncIterator<ModifyFileRequest>;
  const first = await messages.next();
  if (first.done || !first.value.open) throw new InvalidArgument('BadStream', 'the stream must start with an open message naming its target');
  const sink = await open(first.value.open.target, first.value.open.description);
  for (;;) {
    const next = await messages.next();
    if (next.done) break;
    const msg = next.value;
    if (msg.putFile) {
      let ended = false;
      const data = (async function* () {
        for (;;) {
          const part = await messages.next();
          if (part.done) return;
          if (part.value.endFile) {
            ended = true;
            return;
          }
          if (!part.value.data) throw new InvalidArgument('BadStream', 'expected file data or end_file after put_file');
          yield part.value.data;
        }
      })();
      await sink.putFile(msg.putFile.path, data, msg.putFile.append);
      if (!ended) throw new InvalidArgument('BadStream', `the stream ended in the middle of ${msg.putFile.path}`);
    } else if (msg.deleteFile && sink.deleteFile) {
      sink.deleteFile(msg.deleteFile.path);
    } else {
      throw new InvalidArgument('BadStream', 'unexpected message in the stream');
    }
  }
  if (call.cancelled) throw new InvalidArgument('Cancelled', 'the client went away; nothing was written');
  return sink;
}
