import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLocal, walkFiles } from './local-files.js';

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

  it('names the path of a file it cannot read', async () => {
    const missing = join(root, 'nope');
    await expect(async () => {
      for await (const _ of readLocal(missing)) void _;
    }).rejects.toThrow(`${missing}: no such file or directory`);
  });
});
