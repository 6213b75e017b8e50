import { describe, expect, test } from 'vitest';
import { isTuskError } from '../errors/index.js';
import { MODIFY_FILE_WINDOW, readFileOps, type FileSink, type FileStreamMessage } from './modify-file-stream.js';

async function* stream(messages: FileStreamMessage[]): AsyncGenerator<FileStreamMessage> {
  yield* messages;
}

/** A sink that keeps what it was given, in the order the puts were made. */
function memorySink(): FileSink & { files: [string, string][]; deleted: string[] } {
  const files: [string, string][] = [];
  const deleted: string[] = [];
  return {
    files,
    deleted,
    async putFile(path, data) {
      const entry: [string, string] = [path, ''];
      files.push(entry);
      const parts: Uint8Array[] = [];
      if (data instanceof Uint8Array) parts.push(data);
      else for await (const part of data) parts.push(part);
      entry[1] = Buffer.concat(parts).toString();
    },
    deleteFile(path) {
      deleted.push(path);
    },
  };
}

const put = (path: string, ...pieces: string[]): FileStreamMessage[] => [{ putFile: { path, append: false } }, ...pieces.map((p) => ({ data: Buffer.from(p) })), { endFile: {} }];
const read = (messages: FileStreamMessage[], sink: FileSink, window = MODIFY_FILE_WINDOW) => readFileOps(stream(messages), sink, () => false, window, 'Test');

describe('the ModifyFile stream format', () => {
  test('puts, whole files and deletes reach the sink in stream order once the stream ends after close', async () => {
    const big = 'x'.repeat(1024 * 1024 + 1);
    for (const window of [MODIFY_FILE_WINDOW, { bytes: 0, files: 0 }]) {
      const sink = memorySink();
      await read([...put('/a', 'he', 'llo'), { files: { files: [{ path: '/b', append: false, data: Buffer.from('bee') }] } }, ...put('/big', big.slice(0, 1024 * 1024), big.slice(1024 * 1024)), { deleteFile: { path: '/old' } }, { close: {} }], sink, window);
      expect(sink.files).toEqual([['/a', 'hello'], ['/b', 'bee'], ['/big', big]]);
      expect(sink.deleted).toEqual(['/old']);
    }
  });

  test('a stream that ends without close counts for nothing', async () => {
    const err = await read(put('/a', 'data'), memorySink()).catch((e: unknown) => e);
    expect(isTuskError(err) && err.code).toBe('Cancelled');
  });

  test('a stream that breaks off in the middle of a file, or goes on after close, is refused', async () => {
    const cut = await read([{ putFile: { path: '/a', append: false } }, { data: Buffer.from('d') }], memorySink()).catch((e: unknown) => e);
    expect(isTuskError(cut) && cut.message).toMatch(/ended in the middle of \/a/);
    const late = await read([{ close: {} }, ...put('/a', 'd')], memorySink()).catch((e: unknown) => e);
    expect(isTuskError(late) && late.code).toBe('BadStream');
  });

  test('a sink that takes no deletes refuses them', async () => {
    const sink = memorySink();
    const { deleteFile: _, ...noDeletes } = sink;
    const err = await read([{ deleteFile: { path: '/a' } }, { close: {} }], noDeletes).catch((e: unknown) => e);
    expect(isTuskError(err) && err.code).toBe('BadStream');
  });

  test('a message of many whole files is one write to a sink that takes them together, unless one is an append or files go one at a time', async () => {
    const whole = (path: string, append = false) => ({ path, append, data: Buffer.from(path) });
    const messages: FileStreamMessage[] = [
      { files: { files: [whole('/a'), whole('/b'), whole('/c')] } },
      { files: { files: [whole('/d'), whole('/a', true)] } },
      { close: {} },
    ];
    for (const [window, batches] of [[MODIFY_FILE_WINDOW, [['/a', '/b', '/c']]], [{ bytes: 0, files: 0 }, []]] as const) {
      const sink = memorySink();
      const together: string[][] = [];
      await read(messages, { ...sink, putFiles: async (files) => void together.push(files.map((f) => f.path)) }, window);
      expect(together).toEqual(batches);
      expect(sink.files.map(([path]) => path)).toEqual(batches.length > 0 ? ['/d', '/a'] : ['/a', '/b', '/c', '/d', '/a']);
    }
  });
});
