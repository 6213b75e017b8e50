import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aheadOf, prefetchLocal, readLocal, walkFiles } from './local-files.js';

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
  });

  it('reads small files whole and leaves large ones to stream, byte for byte', async () => {
    const small = Buffer.from('small file');
    const large = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(join(root, 's'), small);
    await writeFile(join(root, 'l'), large);
    await writeFile(join(root, 'e'), '');
    expect(Buffer.from((await prefetchLocal(join(root, 's'), 1024)) as Uint8Array).equals(small)).toBe(true);
    expect(((await prefetchLocal(join(root, 'e'), 1024)) as Uint8Array).length).toBe(0);
    const streamed = await prefetchLocal(join(root, 'l'), 1024);
    expect(streamed).not.toBeInstanceOf(Uint8Array);
    const pieces: Uint8Array[] = [];
    for await (const p of streamed as AsyncIterable<Uint8Array>) pieces.push(p);
    expect(pieces.every((p) => p.length <= 1024 * 1024)).toBe(true);
    expect(Buffer.concat(pieces).equals(large)).toBe(true);
  });

  it('names the path of a file it cannot read', async () => {
    const missing = join(root, 'nope');
    await expect(async () => {
      for await (const _ of readLocal(missing)) void _;
    }).rejects.toThrow(`${missing}: no such file or directory`);
  });
});

describe('aheadOf', () => {
  async function* count(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }

  it('keeps the order while running at most `depth` calls at once', async () => {
    let running = 0;
    let peak = 0;
    const out: number[] = [];
    const slow = async (i: number) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, (7 * i) % 5));
      running--;
      return i * 10;
    };
    for await (const [i, v] of aheadOf(count(40), slow, 4)) {
      expect(v).toBe(i * 10);
      out.push(i);
    }
    expect(out).toEqual([...Array(40).keys()]);
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
  });

  it('surfaces a failure when its item\'s turn comes, after the earlier results', async () => {
    const seen: number[] = [];
    const run = async () => {
      for await (const [i] of aheadOf(count(10), async (i) => {
        if (i === 5) throw new Error('boom at 5');
        return i;
      }, 3)) seen.push(i);
    };
    await expect(run()).rejects.toThrow('boom at 5');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
