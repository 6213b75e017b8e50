// Uploads of more files than they hold in memory: with a fold every 3 puts,
// puts, appends, deletes and conflicts across folds give the same commits as
// one batch would, into an empty branch and into one that has files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesOf, collect, openTestPfs, readAll, type TestPfs } from './test-pfs.js';

let t: TestPfs;
beforeEach(async () => {
  t = await openTestPfs({ uploadFoldFiles: 3 });
  await t.pfs.repos.create('r');
});
afterEach(async () => t.close());

const paths = async (ref: string) => (await collect(t.pfs.files.glob(ref, '/**'))).filter((f) => f.type === 'file').map((f) => f.path);
const text = async (ref: string) => readAll((await t.pfs.files.get(ref)).data);

describe('an upload folding its puts into a tree as they come', () => {
  it('commits every file, in any order, into an empty branch and then into a full one', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `/d/f${String((i * 7) % 20).padStart(2, '0')}`); // out of order
    const up = await t.pfs.upload('r@master');
    for (const p of names) void up.putFile(p, Buffer.from(p));
    const first = (await up.commit()).commit;
    expect(first.fileCount).toBe(20);
    expect(await paths('r@master')).toEqual([...names].sort());
    const more = await t.pfs.upload('r@master');
    for (const p of ['/a', '/d/f05', '/e/1', '/e/2', '/d/f99']) void more.putFile(p, Buffer.from(`new ${p}`));
    await more.commit();
    expect((await paths('r@master')).length).toBe(24);
    expect(await text('r@master:/d/f05')).toBe('new /d/f05');
    expect(await text('r@master:/d/f06')).toBe('/d/f06');
  });

  it('appends to a file put several folds earlier, and a delete between folds hides what came before it', async () => {
    const up = await t.pfs.upload('r@master');
    await up.putFile('/log', bytesOf('a'));
    for (let i = 0; i < 7; i++) void up.putFile(`/x/${i}`, Buffer.from(String(i)));
    await up.putFile('/log', bytesOf('b'), true); // /log is in a folded overlay by now
    up.deleteFile('/x');
    for (let i = 0; i < 4; i++) void up.putFile(`/y/${i}`, Buffer.from(String(i)));
    await up.putFile('/x/3', bytesOf('c'), true); // deleted with its folder: starts afresh
    await up.commit();
    expect(await text('r@master:/log')).toBe('ab');
    expect(await text('r@master:/x/3')).toBe('c');
    expect(await paths('r@master')).toEqual(['/log', '/x/3', '/y/0', '/y/1', '/y/2', '/y/3']);
  });

  it('an append after its folder was deleted starts afresh, though the earlier put was not folded yet', async () => {
    const up = await t.pfs.upload('r@master');
    await up.putFile('/z/f', bytesOf('a'));
    up.deleteFile('/z');
    await up.putFile('/z/f', bytesOf('b'), true);
    await up.putFile('/w', bytesOf('w'));
    up.deleteFile('/w');
    await up.putFile('/w', bytesOf('v'), true);
    await up.commit();
    expect(await text('r@master:/z/f')).toBe('b');
    expect(await text('r@master:/w')).toBe('v');
  });

  it('refuses a file and a folder of the same name put in different folds, and commits nothing', async () => {
    const up = await t.pfs.upload('r@master');
    for (const p of ['/a', '/b', '/c', '/d', '/a/child']) void up.putFile(p, Buffer.from(p));
    await expect(up.commit()).rejects.toMatchObject({ code: 'NotAFile' });
    await expect(t.pfs.files.get('r@master:/a')).rejects.toMatchObject({ code: 'BranchNotFound' }); // nothing was committed
  });
});
