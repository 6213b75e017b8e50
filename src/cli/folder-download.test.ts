// downloadFolder on real files in a temp dir, fed a scripted GetFiles stream:
// whole files land in place, skipped ones are fetched alone, and a failure or
// a stream cut mid-file leaves no file with part of its bytes anywhere.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadFolder, type FolderMessage } from './folder-download.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-folder-download-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = (path: string, size: number, data = ''): FolderMessage => ({ path, size, data: Buffer.from(data), skipped: false });
const more = (data: string): FolderMessage => ({ path: '', size: 0, data: Buffer.from(data), skipped: false });
const skipped = (path: string, size: number): FolderMessage => ({ path, size, data: Buffer.alloc(0), skipped: true });

async function* script(messages: FolderMessage[], fail?: Error): AsyncIterable<FolderMessage> {
  for (const m of messages) {
    await new Promise((r) => setImmediate(r));
    yield m;
  }
  if (fail) throw fail;
}

async function files(): Promise<string[]> {
  return ((await readdir(dir, { recursive: true, withFileTypes: true })) as { name: string; parentPath: string; isFile(): boolean }[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

function download(messages: AsyncIterable<FolderMessage>, fetched: string[] = []) {
  return downloadFolder({
    messages,
    place: (path) => join(dir, ...path.slice('/d/'.length).split('/')),
    fetchAlone: async (path, dest) => {
      fetched.push(path);
      await writeFile(dest, `alone ${path}`);
    },
  });
}

describe('downloadFolder', () => {
  it('writes each file whole in its place (nested folders, empty files, files in several messages), and fetches skipped files alone', async () => {
    const many = Array.from({ length: 30 }, (_, i) => start(`/d/x/y${i % 3}/f${i}.txt`, String(i).length, String(i)));
    const fetched: string[] = [];
    await download(script([start('/d/a.txt', 11, 'hello'), more(' '), more('world'), start('/d/empty', 0), skipped('/d/big/file.bin', 9_000_000), ...many]), fetched);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('hello world');
    expect(await readFile(join(dir, 'empty'), 'utf8')).toBe('');
    expect(await readFile(join(dir, 'big', 'file.bin'), 'utf8')).toBe('alone /d/big/file.bin');
    expect(fetched).toEqual(['/d/big/file.bin']);
    for (let i = 0; i < 30; i++) expect(await readFile(join(dir, 'x', `y${i % 3}`, `f${i}.txt`), 'utf8')).toBe(String(i));
    expect(await files()).toEqual(['a.txt', 'big/file.bin', 'empty', ...Array.from({ length: 30 }, (_, i) => `x/y${i % 3}/f${i}.txt`)].sort());
  });

  it('after a failure mid-file, leaves the files before it whole and no part of the file under way, under its name or any other', async () => {
    const err = new Error('data loss in /d/b.txt');
    await expect(download(script([start('/d/a.txt', 3, 'aaa'), start('/d/sub/b.txt', 6, 'bbb')], err))).rejects.toBe(err);
    expect(await files()).toEqual(['a.txt']);
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('aaa');
  });

  it('refuses a stream that ends mid-file or sends more bytes than a file has, leaving no part of it', async () => {
    await expect(download(script([start('/d/a.txt', 3, 'aaa'), start('/d/b.txt', 6, 'bbb')]))).rejects.toThrow(/ended before all of .*b\.txt came/);
    expect(await files()).toEqual(['a.txt']);
    await expect(download(script([start('/d/c.txt', 2, 'ccc')]))).rejects.toThrow(/more bytes than .*c\.txt has/);
    await expect(download(script([start('/d/e.txt', 3, 'e'), start('/d/f.txt', 1, 'f')]))).rejects.toThrow(/ended before all of .*e\.txt came/);
    expect(await files()).toEqual(['a.txt']);
  });

  it('stops at a file that cannot be written and throws its failure, leaving nothing partial', async () => {
    await writeFile(join(dir, 'taken'), 'a file where a folder should be');
    await expect(download(script([start('/d/ok.txt', 2, 'ok'), start('/d/taken/b.txt', 1, 'b'), start('/d/later.txt', 1, 'l')]))).rejects.toMatchObject({ code: 'LocalFileError' });
    expect(await files()).toEqual(['ok.txt', 'taken']);
  });
});
