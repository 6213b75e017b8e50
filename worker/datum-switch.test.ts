import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { DatumSwitch } from './datum-switch.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-switch-'));
  await mkdir(join(dir, 'pfs/out'), { recursive: true });
  for (const s of ['s1', 's2']) {
    await mkdir(join(dir, s, 'in/images'), { recursive: true });
    await mkdir(join(dir, s, 'out'));
    await writeFile(join(dir, s, 'in/images', `${s}.png`), s);
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const dirs = (s: string) => ({ in: join(dir, s, 'in'), out: join(dir, s, 'out') });

test('switching datums moves the output to the finished slot and the inputs back, and the next inputs in', async () => {
  const sw = new DatumSwitch(join(dir, 'pfs'));
  sw.activate(dirs('s1'), ['images']);
  expect(await readdir(join(dir, 'pfs/images'))).toEqual(['s1.png']);
  await writeFile(join(dir, 'pfs/out/r.txt'), 'result');
  await mkdir(join(dir, 'pfs/out/sub'));

  sw.activate(dirs('s2'), ['images']);
  expect(await readdir(join(dir, 'pfs/images'))).toEqual(['s2.png']);
  expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
  expect((await readdir(join(dir, 's1/out'))).sort()).toEqual(['r.txt', 'sub']);
  expect(await readFile(join(dir, 's1/out/r.txt'), 'utf8')).toBe('result');
  expect(await readdir(join(dir, 's1/in/images'))).toEqual(['s1.png']);

  await writeFile(join(dir, 'pfs/out/q'), 'q');
  expect(sw.collect()).toEqual([{ name: 'q', kind: 'file' }]);
  expect((await readdir(join(dir, 'pfs'))).sort()).toEqual(['out']);
  expect(await readdir(join(dir, 's2/in/images'))).toEqual(['s2.png']);
  expect(sw.collect()).toBeUndefined();
});

test('left-overs in out/ do not reach the next datum', async () => {
  await writeFile(join(dir, 'pfs/out/stale'), 'x');
  const sw = new DatumSwitch(join(dir, 'pfs'));
  sw.activate(dirs('s1'), ['images']);
  expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
});
