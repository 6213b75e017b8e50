// A streamed file listing keeps one row per file, whatever the names hold.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../client/index.js';
import type { CliContext } from './context.js';
import { printListing } from './file-listing.js';

function file(path: string, sizeBytes: number): FileInfo {
  return { path, type: 'file', sizeBytes, hash: 'h', commit: 'c' } as FileInfo;
}

async function* batches(...bs: FileInfo[][]): AsyncIterable<FileInfo[]> {
  yield* bs;
}

describe('printListing', () => {
  it('shows control characters in a name escaped, one row per file', async () => {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (b: Buffer) => (text += b.toString()));
    const ctx = { stdout, stderr: new PassThrough() } as unknown as CliContext;
    const n = await printListing(ctx, 'table', batches([file('/a\nb', 3), file('/\u001b[2Jx', 1)], [file('/\u202eevil', 2)]));
    expect(n).toBe(3);
    expect(text).toBe('NAME         TYPE  SIZE\n' + '/a\\nb        file  3 B\n' + '/\\u001b[2Jx  file  1 B\n' + '/\\u202eevil  file  2 B\n');
  });
});
