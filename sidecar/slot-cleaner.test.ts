import * as fs from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { emptySlots } from './cleaner-thread.js';
import { SlotCleaner } from './slot-cleaner.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-slot-cleaner-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A used slot folder: output files and folders, the kept input's files, an input of another datum, a kept name that is a file. */
async function usedSlot(name: string): Promise<string> {
  const slot = join(dir, name);
  await mkdir(join(slot, 'out/sub/deeper'), { recursive: true });
  await writeFile(join(slot, 'out/a.txt'), 'a');
  await writeFile(join(slot, 'out/sub/deeper/b.txt'), 'b');
  await mkdir(join(slot, 'in/images/x/y'), { recursive: true });
  await writeFile(join(slot, 'in/images/1.png'), '1');
  await writeFile(join(slot, 'in/images/x/y/2.png'), '2');
  await mkdir(join(slot, 'in/other'), { recursive: true });
  await writeFile(join(slot, 'in/other/3.txt'), '3');
  await writeFile(join(slot, 'in/labels'), 'a file where an input folder was');
  return slot;
}

describe('emptySlots', () => {
  test('empties out/ and the kept input folders, and removes every other entry of in/', async () => {
    const slot = await usedSlot('s1');
    expect(emptySlots(fs, [{ path: slot, keep: ['images', 'labels'] }])).toEqual([{ kept: ['images'] }]);
    expect(await readdir(join(slot, 'out'))).toEqual([]);
    expect(await readdir(join(slot, 'in'))).toEqual(['images']);
    expect(await readdir(join(slot, 'in/images'))).toEqual([]);
  });

  test('out/ is emptied from the names it was given, and listed after all when they are not what it holds', async () => {
    const listed = await usedSlot('s1');
    await rm(join(listed, 'out/sub'), { recursive: true });
    const stale = await usedSlot('s2');
    const read: string[] = [];
    const counting = { ...fs, readdirSync: ((path: string, options: { withFileTypes: true }) => (read.push(path), fs.readdirSync(path, options))) as typeof fs.readdirSync };
    const results = emptySlots(counting, [
      { path: listed, keep: ['images'], outFiles: ['a.txt'] },
      { path: stale, keep: ['images'], outFiles: ['gone.txt', 'a.txt'] },
    ]);
    expect(results).toEqual([{ kept: ['images'] }, { kept: ['images'] }]);
    for (const slot of [listed, stale]) expect(await readdir(join(slot, 'out'))).toEqual([]);
    expect(read.filter((path) => path.endsWith('/out'))).toEqual([join(stale, 'out')]);
  });

  test('a folder that cannot be emptied fails alone', async () => {
    const slot = await usedSlot('s1');
    const results = emptySlots(fs, [{ path: join(dir, 'gone'), keep: [] }, { path: slot, keep: ['images'] }]);
    expect(results[0]).toMatchObject({ failed: expect.stringContaining('ENOENT') });
    expect(results[1]).toEqual({ kept: ['images'] });
  });
});

describe('SlotCleaner', () => {
  test('folders freed together are emptied on its thread, each settling with its own result', async () => {
    const cleaner = new SlotCleaner();
    try {
      const slots = await Promise.all(['s1', 's2', 's3'].map(usedSlot));
      const results = await Promise.all([...slots.map((path) => cleaner.clean({ path, keep: ['images'] })), cleaner.clean({ path: join(dir, 'gone'), keep: [] })]);
      expect(results.slice(0, 3)).toEqual([{ kept: ['images'] }, { kept: ['images'] }, { kept: ['images'] }]);
      expect(results[3]).toMatchObject({ failed: expect.stringContaining('ENOENT') });
      for (const slot of slots) expect([...(await readdir(join(slot, 'out'))), ...(await readdir(join(slot, 'in/images')))]).toEqual([]);
      // A later batch after the first one is answered goes to the same thread.
      expect(await cleaner.clean({ path: await usedSlot('s4'), keep: [] })).toEqual({ kept: [] });
    } finally {
      await cleaner.close();
    }
  });

  test('once closed, a folder is not emptied and comes back as failed', async () => {
    const cleaner = new SlotCleaner();
    await cleaner.close();
    const slot = await usedSlot('s1');
    expect(await cleaner.clean({ path: slot, keep: [] })).toEqual({ failed: 'the slot cleaner is closed' });
    expect(await readdir(join(slot, 'out'))).toEqual(['a.txt', 'sub']);
  });
});
