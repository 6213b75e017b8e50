// A streamed file listing keeps one row per file, whatever the names hold.
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../client/index.js';
import type { CliContext } from './context.js';
import { jsonElements, printListing } from './file-listing.js';
import { fileJson, fileTable } from './views.js';

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

describe('printListing table', () => {
  it('prints one batch as the whole-table formatter prints it, whatever the names, types and sizes', async () => {
    const char16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const name = fc.oneof(fc.string(), fc.string({ unit: char16 }), fc.string({ unit: 'binary' }), fc.constantFrom('/', '😀x', '\ud800', '\udc00\ud800', 'ab\u200e'));
    const info = fc.record({ path: name.map((n) => (n.startsWith('/') ? n : `/${n}`)), type: fc.oneof(fc.constantFrom('file', 'dir'), name), sizeBytes: fc.oneof(fc.nat(), fc.constantFrom(0, 1023, 1024, 10 ** 12)), hash: fc.constant('h'), commit: fc.constant('c') });
    await fc.assert(
      fc.asyncProperty(fc.array(info, { minLength: 1, maxLength: 30 }), async (files) => {
        const stdout = new PassThrough();
        const bytes: Buffer[] = [];
        stdout.on('data', (b: Buffer) => bytes.push(b));
        const ctx = { stdout, stderr: new PassThrough() } as unknown as CliContext;
        await printListing(ctx, 'table', batches(files as FileInfo[]));
        expect(Buffer.concat(bytes).toString('hex')).toBe(Buffer.from(fileTable(files as FileInfo[])).toString('hex'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('printListing -o json', () => {
  it('prints the one JSON array emit would, however the entries are split into batches and pieces', async () => {
    const files = Array.from({ length: 1300 }, (_, i) => file(`/f${i}`, i));
    for (const sizes of [[600, 0, 1, 699], [1300], [], [0]]) {
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (b: Buffer) => (text += b.toString()));
      const ctx = { stdout, stderr: new PassThrough() } as unknown as CliContext;
      const parts: FileInfo[][] = [];
      let at = 0;
      for (const n of sizes) parts.push(files.slice(at, (at += n)));
      const shown = files.slice(0, at);
      expect(await printListing(ctx, 'json', batches(...parts))).toBe(shown.length);
      expect(text).toBe(JSON.stringify(shown.map(fileJson), null, 2) + '\n');
    }
  });
});

describe('jsonElements', () => {
  it('writes each entry as the generic JSON.stringify(fileJson(f), null, 2) would, indented by two', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(''), fc.constant('/a\nb"\\\u2028'), fc.constant('\ud800'));
    const entry = fc.record({
      path: text,
      type: fc.oneof(fc.constantFrom('file', 'dir', ''), text),
      sizeBytes: fc.oneof(fc.nat(), fc.constantFrom(0, -0, -1, 2 ** 53 - 1, 1.5)),
      hash: fc.oneof(fc.constant(''), fc.constant('ab'.repeat(32)), text),
      commit: fc.oneof(fc.constant(''), fc.constant('f19c2bf6170abfcfae2d89013f871cda'), text),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (batch) => {
        const generic = batch.map((f) => '  ' + JSON.stringify(fileJson(f), null, 2).replace(/\n/g, '\n  ')).join(',\n');
        expect(jsonElements(batch)).toBe(generic);
      }),
      { numRuns: 150 },
    );
  });
});
