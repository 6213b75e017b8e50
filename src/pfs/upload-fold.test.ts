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

  it('takes many whole files at once (putFiles) among single puts, appends and deletes, as it takes them one by one', async () => {
    const whole = (...paths: string[]) => paths.map((path) => ({ path, data: Buffer.from(`${path}:`) }));
    const up = await t.pfs.upload('r@master');
    void up.putFiles(whole('/m/1', '/m/2', '/m/3', '/m/4', '/m/5')); // more than a fold
    await up.putFile('/m/2', bytesOf('x'), true); // the batch is folded by now
    void up.putFiles(whole('/n/1', '/n/dup', '/n/dup')); // the later one of a path wins
    await up.putFile('/n/1', bytesOf('y'), true); // its batch is not folded yet
    void up.putFile('/single', bytesOf('s'));
    void up.putFiles(whole('/o/1', '/o/2'));
    up.deleteFile('/o');
    await up.putFile('/o/1', bytesOf('z'), true); // deleted with its folder: starts afresh
    const { commit, filesWritten } = await up.commit();
    expect(filesWritten).toBe(14);
    expect(commit.fileCount).toBe(9);
    expect(await paths('r@master')).toEqual(['/m/1', '/m/2', '/m/3', '/m/4', '/m/5', '/n/1', '/n/dup', '/o/1', '/single']);
    expect(await text('r@master:/m/2')).toBe('/m/2:x');
    expect(await text('r@master:/n/1')).toBe('/n/1:y');
    expect(await text('r@master:/n/dup')).toBe('/n/dup:');
    expect(await text('r@master:/o/1')).toBe('z');
  });

  it('refuses a whole batch with a bad path, and commits nothing', async () => {
    const up = await t.pfs.upload('r@master');
    await expect(up.putFiles([{ path: '/ok', data: bytesOf('a') }, { path: '/a/../..', data: bytesOf('b') }])).rejects.toMatchObject({ code: 'InvalidPath' });
    up.abandon();
    await expect(t.pfs.files.get('r@master:/ok')).rejects.toMatchObject({ code: 'BranchNotFound' });
  });

  it('refuses a file and a folder of the same name put in different folds, and commits nothing', async () => {
    const up = await t.pfs.upload('r@master');
    for (const p of ['/a', '/b', '/c', '/d', '/a/child']) void up.putFile(p, Buffer.from(p));
    await expect(up.commit()).rejects.toMatchObject({ code: 'NotAFile' });
    await expect(t.pfs.files.get('r@master:/a')).rejects.toMatchObject({ code: 'BranchNotFound' }); // nothing was committed
  });
});
