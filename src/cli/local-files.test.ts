import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadLocal, localError, readLocal, walkFiles } from './local-files.js';

describe('walkFiles', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'tusk-walk-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const rels = async (dir: string) => {
    const out: string[] = [];
    for await (const f of walkFiles(dir)) out.push(f.rel);
    return out;
  };

  it('finds every file below the folder, depth first in name order', async () => {
    await mkdir(join(root, 'b/c'), { recursive: true });
    await mkdir(join(root, 'a'));
    for (const rel of ['z.txt', 'b/c/d.txt', 'b/a.txt', 'a/1', 'a/2']) await writeFile(join(root, rel), rel);
    await mkdir(join(root, 'empty'));
    expect(await rels(root)).toEqual(['a/1', 'a/2', 'b/a.txt', 'b/c/d.txt', 'z.txt']);
  });

  it('follows links to files and folders but not around a loop, and skips dangling links', async () => {
    await mkdir(join(root, 'real'));
    await writeFile(join(root, 'real/f'), 'f');
    await symlink(join(root, 'real'), join(root, 'linked'));
    await symlink(join(root, 'real/f'), join(root, 'flink'));
    await symlink(root, join(root, 'real/loop'));
    await symlink(join(root, 'missing'), join(root, 'dangling'));
    expect(await rels(root)).toEqual(['flink', 'linked/f', 'real/f']);
    // and says what it left out
    const skipped: string[] = [];
    for await (const _ of walkFiles(root, (path, why) => skipped.push(`${path.slice(root.length)}: ${why}`)));
    expect(skipped).toEqual(['/dangling: a dangling link', '/linked/loop: a link to a folder above it (a loop)', '/real/loop: a link to a folder above it (a loop)']);
  });

  it('reads small files whole and leaves large ones to stream, byte for byte', async () => {
    const small = Buffer.from('small file');
    const large = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(root, 's'), small);
    await writeFile(join(root, 'l'), large);
    await writeFile(join(root, 'e'), '');
    expect(Buffer.from(loadLocal(join(root, 's'), 1024) as Uint8Array).equals(small)).toBe(true);
    expect((loadLocal(join(root, 'e'), 1024) as Uint8Array).length).toBe(0);
    const streamed = loadLocal(join(root, 'l'), 1024);
    expect(streamed).not.toBeInstanceOf(Uint8Array);
    const pieces: Uint8Array[] = [];
    for await (const p of streamed as AsyncIterable<Uint8Array>) pieces.push(p);
    expect(pieces.every((p) => p.length <= 1024 * 1024)).toBe(true);
    expect(Buffer.concat(pieces).equals(large)).toBe(true);
  });

  it('reuses one buffer for every piece when asked, each piece right until the next is read', async () => {
    const large = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(root, 'l'), large);
    const hash = createHash('sha256');
    const buffers = new Set<ArrayBufferLike>();
    for await (const p of readLocal(join(root, 'l'), { reuse: true })) {
      hash.update(p);
      buffers.add(p.buffer);
    }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(large).digest('hex'));
    expect(buffers.size).toBe(1);
  });

  it('names the path of a file it cannot read', async () => {
    const missing = join(root, 'nope');
    await expect(async () => {
      for await (const _ of readLocal(missing)) void _;
    }).rejects.toThrow(`${missing}: no such file or directory`);
    expect(() => loadLocal(missing, 1024)).toThrow(`${missing}: no such file or directory`);
  });

  it('says a name is too long in words, once, without the errno and the path again', async () => {
    const long = join(root, 'n'.repeat(300)); // `get file -r` of a repo file whose name the local file system cannot hold
    let caught: unknown;
    try {
      await writeFile(long, 'x');
    } catch (err) {
      caught = localError(long, err);
    }
    expect((caught as Error).message).toBe(`${long}: name too long (a local file system takes names of at most 255 bytes)`);
  });
});
