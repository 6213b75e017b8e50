// Files.getTree (GetFiles, `get file -r`): every file under a folder, in path
// order, at one commit, each with its bytes.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bytesOf, openTestPfs, readAll, type TestPfs } from './test-pfs.js';

let t: TestPfs;
beforeEach(async () => {
  t = await openTestPfs();
  await t.pfs.repos.create('r');
});
afterEach(async () => t.close());

async function put(files: Record<string, string>) {
  const up = await t.pfs.upload('r@master');
  for (const [path, text] of Object.entries(files)) await up.putFile(path, bytesOf(text));
  return (await up.commit()).commit;
}

/** path → content of what getTree yields, in the order it yields them. */
async function tree(ref: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for await (const { entry, read } of t.pfs.files.getTree(ref)) out.push([entry.path, await readAll(read())]);
  return out;
}

describe('getTree', () => {
  it('yields every file under a folder (not a sibling sharing its prefix) in path order, with its bytes, at one commit', async () => {
    const first = await put({ '/d/b.txt': 'b', '/d/a/z.txt': 'z', '/d/a/y/x.txt': 'x', '/dx/no.txt': 'no', '/d.txt': 'no', '/e/empty': '' });
    await put({ '/d/b.txt': 'changed later' });
    expect(await tree(`r@${first.id}:/d`)).toEqual([
      ['/d/a/y/x.txt', 'x'],
      ['/d/a/z.txt', 'z'],
      ['/d/b.txt', 'b'],
    ]);
    expect(await tree('r@master:/d/')).toContainEqual(['/d/b.txt', 'changed later']);
    expect((await tree('r@master:/')).map(([p]) => p)).toEqual(['/d.txt', '/d/a/y/x.txt', '/d/a/z.txt', '/d/b.txt', '/dx/no.txt', '/e/empty']);
    expect(await tree('r@master:/e')).toEqual([['/e/empty', '']]);
  });

  it('yields a file named alone as itself, and refuses a path that is neither file nor folder', async () => {
    await put({ '/d/a.txt': 'a' });
    expect(await tree('r@master:/d/a.txt')).toEqual([['/d/a.txt', 'a']]);
    await expect(tree('r@master:/nope')).rejects.toMatchObject({ code: 'FileNotFound' });
  });
});
