import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitRecord } from './records.js';
import { bytesOf, collect, openTestPfs, readAll, type TestPfs } from './test-pfs.js';

let t: TestPfs;
beforeEach(async () => (t = await openTestPfs()));
afterEach(async () => t.close());

async function put(target: string, files: Record<string, string>) {
  const up = await t.pfs.upload(target);
  for (const [path, text] of Object.entries(files)) await up.putFile(path, bytesOf(text));
  return (await up.commit()).commit;
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('repos', () => {
  it('creates, lists, inspects and deletes repos, refusing duplicates and bad names', async () => {
    await t.pfs.repos.create('images');
    expect((await t.pfs.repos.list()).map((r) => r.name)).toEqual(['images']);
    expect(await codeOf(t.pfs.repos.create('images'))).toBe('RepoExists');
    expect(await codeOf(t.pfs.repos.create('bad name'))).toBe('InvalidName');
    await t.pfs.repos.delete('images');
    expect(await codeOf(t.pfs.repos.inspect('images'))).toBe('RepoNotFound');
  });

  it('reports the size of master', async () => {
    await t.pfs.repos.create('r');
    await put('r@master', { '/a': 'hello', '/b': 'xy' });
    expect((await t.pfs.repos.inspect('r')).sizeBytes).toBe(7);
  });
});

describe('commits', () => {
  beforeEach(() => t.pfs.repos.create('r'));

  it('put file without an open commit makes one finished commit per write', async () => {
    const c1 = await put('r@master', { '/a.txt': 'one' });
    const c2 = await put('r@master', { '/b.txt': 'two' });
    expect(c1.finished).not.toBeNull();
    expect(c2.parentId).toBe(c1.id);
    expect(c1.id).toMatch(/^[0-9a-f]{32}$/);
    const { data } = await t.pfs.files.get('r@master:/a.txt');
    expect(await readAll(data)).toBe('one');
    expect(await readAll((await t.pfs.files.get(`r@${c1.id}:/a.txt`)).data)).toBe('one');
    expect(await codeOf(t.pfs.files.get(`r@${c1.id}:/b.txt`))).toBe('FileNotFound');
    const history = await t.pfs.commits.list('r', 'master');
    expect(history.map((c) => c.id)).toEqual([c2.id, c1.id]);
  });

  it('writes to a branch that arrive together become one chained commit each, made durable as a group', async () => {
    await put('r@master', { '/base': 'b' });
    const writes = Array.from({ length: 20 }, async (_, i) => {
      const up = await t.pfs.upload('r@master', `write ${i}`);
      if (i === 7) up.deleteFile('/missing'); // fails alone
      else await up.putFile(`/f${i}`, bytesOf(`content ${i}`));
      return (await up.commit()).commit;
    });
    const settled = await Promise.allSettled(writes);
    expect(settled[7]).toMatchObject({ status: 'rejected', reason: { code: 'FileNotFound' } });
    const made = settled.filter((s) => s.status === 'fulfilled').map((s) => (s as PromiseFulfilledResult<CommitRecord>).value);
    expect(made).toHaveLength(19);
    // A linear history: every write is a finished commit whose tree holds everything before it.
    const history = await t.pfs.commits.list('r', 'master');
    expect(history).toHaveLength(20);
    expect(new Set(history.map((c) => c.id)).size).toBe(20);
    for (let i = 0; i < history.length - 1; i++) expect(history[i]!.parentId).toBe(history[i + 1]!.id);
    expect(history.every((c) => c.finished)).toBe(true);
    for (const c of made) {
      const files = (await collect(t.pfs.files.list(`r@${c.id}`))).map((f) => f.path);
      expect(files).toContain(`/f${c.description.split(' ')[1]}`);
      expect(files).toHaveLength(c.fileCount);
    }
    const head = await t.pfs.commits.resolve('r@master', 'read');
    expect(head.fileCount).toBe(20);
    expect(await readAll((await t.pfs.files.get('r@master:/f12')).data)).toBe('content 12');
  });

  it('readers of a branch see its last finished commit while a commit is open', async () => {
    await put('r@master', { '/a': 'v1' });
    const open = await t.pfs.commits.start('r', 'master');
    await put(`r@${open.id}`, { '/a': 'v2' });
    expect(await readAll((await t.pfs.files.get('r@master:/a')).data)).toBe('v1');
    expect(await readAll((await t.pfs.files.get(`r@${open.id}:/a`)).data)).toBe('v2');
    expect(await codeOf(t.pfs.commits.start('r', 'master'))).toBe('BranchHasOpenCommit');
    await t.pfs.commits.finish('r@master');
    expect(await readAll((await t.pfs.files.get('r@master:/a')).data)).toBe('v2');
  });

  it('refuses writes to a finished commit and a second finish', async () => {
    const c = await put('r@master', { '/a': 'x' });
    expect(await codeOf(t.pfs.upload(`r@${c.id}`))).toBe('CommitFinished');
    expect(await codeOf(t.pfs.commits.finish(`r@${c.id}`))).toBe('CommitFinished');
  });

  it('resolves ^ and ^N and reports a walk past the root', async () => {
    const c1 = await put('r@master', { '/a': '1' });
    const c2 = await put('r@master', { '/a': '2' });
    await put('r@master', { '/a': '3' });
    expect((await t.pfs.commits.resolve('r@master^')).id).toBe(c2.id);
    expect((await t.pfs.commits.resolve('r@master^2')).id).toBe(c1.id);
    expect(await codeOf(t.pfs.commits.resolve('r@master^3'))).toBe('CommitNotFound');
  });

  it('resolves pachctl\'s ~N like ^N, and .N as the N-th commit from the first', async () => {
    const c1 = await put('r@master', { '/a': '1' });
    const c2 = await put('r@master', { '/a': '2' });
    const c3 = await put('r@master', { '/a': '3' });
    expect((await t.pfs.commits.resolve('r@master~')).id).toBe(c2.id);
    expect((await t.pfs.commits.resolve('r@master~2')).id).toBe(c1.id);
    expect((await t.pfs.commits.resolve('r@master.1')).id).toBe(c1.id);
    expect((await t.pfs.commits.resolve('r@master.2')).id).toBe(c2.id);
    expect((await t.pfs.commits.resolve('r@master.3')).id).toBe(c3.id);
    expect((await t.pfs.commits.resolve(`r@${c2.id}.1`)).id).toBe(c1.id);
    await expect(t.pfs.commits.resolve('r@master.4')).rejects.toThrow('r@master.4: its history has 3 commits');
    // a ref into history is not something to write to
    expect(await codeOf(t.pfs.upload('r@master.1'))).toBe('CommitFinished');
  });

  it('an upload that is never committed leaves nothing behind', async () => {
    const c = await put('r@master', { '/a': 'x' });
    const up = await t.pfs.upload('r@master');
    await up.putFile('/b', bytesOf('never'));
    // no commit(): the client went away
    const head = await t.pfs.commits.resolve('r@master');
    expect(head.id).toBe(c.id);
    expect(await codeOf(t.pfs.files.get('r@master:/b'))).toBe('FileNotFound');
  });

  it('waits for a commit to finish', async () => {
    const open = await t.pfs.commits.start('r', 'master');
    const waited = t.pfs.commits.wait('r@master');
    await t.pfs.commits.finish(`r@${open.id}`);
    expect((await waited).finished).not.toBeNull();
  });

  it('lists every commit of a global ID', async () => {
    const c = await put('r@master', { '/a': 'x' });
    expect((await t.pfs.commits.set(c.id)).map((x) => x.repo)).toEqual(['r']);
    expect(await codeOf(t.pfs.commits.set('f'.repeat(32)))).toBe('CommitNotFound');
  });
});

describe('files', () => {
  beforeEach(() => t.pfs.repos.create('r'));

  it('lists directories, globs, appends and deletes', async () => {
    await put('r@master', { '/dir/a.csv': 'a', '/dir/sub/b.csv': 'bb', '/top.txt': 't' });
    const root = await collect(t.pfs.files.list('r@master'));
    expect(root.map((f) => [f.path, f.type])).toEqual([['/dir', 'dir'], ['/top.txt', 'file']]);
    expect(root[0]!.sizeBytes).toBe(3);
    const glob = await collect(t.pfs.files.glob('r@master', '/dir/*'));
    expect(glob.map((f) => f.path)).toEqual(['/dir/a.csv', '/dir/sub']);
    const up = await t.pfs.upload('r@master');
    await up.putFile('/top.txt', bytesOf('+more'), true);
    await up.commit();
    expect(await readAll((await t.pfs.files.get('r@master:/top.txt')).data)).toBe('t+more');
    const del = await t.pfs.upload('r@master');
    del.deleteFile('/dir');
    await del.commit();
    expect((await collect(t.pfs.files.list('r@master'))).map((f) => f.path)).toEqual(['/top.txt']);
    expect(await codeOf(t.pfs.files.get('r@master^:/dir'))).toBe('NotAFile');
  });

  it('diffs a commit against its parent or any other commit', async () => {
    await put('r@master', { '/a': '1', '/b': '2', '/c': '3' });
    const up = await t.pfs.upload('r@master');
    await up.putFile('/a', bytesOf('11'));
    up.deleteFile('/b');
    await up.putFile('/d', bytesOf('4'));
    await up.commit();
    const diff = await collect(t.pfs.files.diff('r@master'));
    expect(diff).toEqual([
      { path: '/a', change: 'modified', sizeBytes: 2, oldSizeBytes: 1 },
      { path: '/b', change: 'deleted', sizeBytes: 0, oldSizeBytes: 1 },
      { path: '/d', change: 'added', sizeBytes: 1, oldSizeBytes: 0 },
    ]);
  });

  it('refuses a file under a file and a file over a directory', async () => {
    await put('r@master', { '/x/y': '1', '/f': '2' });
    expect(await codeOf(put('r@master', { '/x': 'boom' }))).toBe('NotAFile');
    expect(await codeOf(put('r@master', { '/f/g': 'boom' }))).toBe('NotAFile');
    expect(await codeOf(put('r@master', { '/../etc': 'boom' }))).toBe('InvalidPath');
  });

  it('refuses one write that makes a path both a file and a directory, even with paths sorting between them', async () => {
    // '/a' < '/a-x' < '/a/b': the file and its would-be child are not neighbours in path order.
    const up = await t.pfs.upload('r@master');
    for (const p of ['/a', '/a-x', '/a/b']) void up.putFile(p, Buffer.from(p));
    await expect(up.commit()).rejects.toMatchObject({ code: 'NotAFile', message: '/a: cannot be both a file and the directory of /a/b' });
    expect(await codeOf(t.pfs.files.get('r@master:/a'))).toBe('BranchNotFound'); // nothing was committed
  });
});

describe('branches', () => {
  beforeEach(() => t.pfs.repos.create('r'));

  it('creates a branch at a commit in O(1) and keeps it apart from master', async () => {
    const c1 = await put('r@master', { '/a': '1' });
    await t.pfs.branches.create('r', 'exp', 'r@master');
    await put('r@exp', { '/b': '2' });
    expect((await collect(t.pfs.files.list('r@master'))).map((f) => f.path)).toEqual(['/a']);
    expect((await collect(t.pfs.files.list('r@exp'))).map((f) => f.path)).toEqual(['/a', '/b']);
    expect((await t.pfs.commits.resolve('r@exp^')).id).toBe(c1.id);
    expect((await t.pfs.branches.list('r')).map((b) => b.name)).toEqual(['exp', 'master']);
    expect(await codeOf(t.pfs.branches.create('r', 'exp'))).toBe('BranchExists');
    await t.pfs.branches.delete('r', 'exp');
    expect(await codeOf(t.pfs.branches.inspect('r', 'exp'))).toBe('BranchNotFound');
  });
});
