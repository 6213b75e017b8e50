// Change sets over the in-memory stores: writes planned together see each
// other, reach the store in one batch or not at all, and set off their hooks
// only once written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataOp } from '../storage/metadata-store.js';
import type { CommitRecord } from './records.js';
import { openTestPfs, type TestPfs } from './test-pfs.js';

let t: TestPfs;
let batches: number;
beforeEach(async () => {
  t = await openTestPfs();
  await t.pfs.repos.create('left');
  await t.pfs.repos.create('right');
  await t.pfs.commits.start('left', 'staging').then((c) => t.pfs.commits.finish(`left@${c.id}`));
  batches = 0;
  const batch = t.meta.batch.bind(t.meta);
  t.meta.batch = (ops: readonly MetadataOp[], options: { sync: boolean }) => {
    batches++;
    return batch(ops, options);
  };
});
afterEach(async () => t.close());

const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: string }) => e.code);

describe('change sets', () => {
  it('plans writes against the ones before them, writes them in one batch, and runs the finish hooks only after', async () => {
    const seenByHooks: string[] = [];
    t.pfs.onFinish(async (c) => void seenByHooks.push(`${c.repo}@${(await t.pfs.branches.find(c.repo, 'master'))?.head === c.id ? 'written' : 'not written'}`));
    const id = 'f'.repeat(32);
    const started = await t.pfs.atomically(['left', 'right'], async (change) => {
      await change.createBranch('left', 'master', 'left@staging');
      const commits: CommitRecord[] = [];
      for (const repo of ['left', 'right']) commits.push(await change.startUserCommit(repo, 'master', { id, description: 'one set' }));
      // The open commits are staged, not written: the store has neither.
      expect(await t.pfs.commits.find('left', id)).toBeUndefined();
      expect(await t.pfs.branches.find('right', 'master')).toBeUndefined();
      for (const repo of ['left', 'right']) await change.finishCommit(`${repo}@master`);
      expect(seenByHooks).toEqual([]);
      return { result: commits, ops: [] };
    });
    expect(batches).toBe(1);
    expect(started.map((c) => [c.repo, c.id])).toEqual([['left', id], ['right', id]]);
    // The left commit's parent is the staging commit the branch was moved to in the same change.
    expect(started[0]!.parentId).toBe((await t.pfs.branches.find('left', 'staging'))!.head);
    expect((await t.pfs.commits.set(id)).map((c) => [c.repo, Boolean(c.finished), c.description])).toEqual([['left', true, 'one set'], ['right', true, 'one set']]);
    expect(seenByHooks).toEqual(['left@written', 'right@written']);
  });

  it('writes nothing and runs no hook when the plan throws, even after planning writes', async () => {
    let hooks = 0;
    t.pfs.onFinish(async () => void hooks++);
    t.pfs.onBranchMoved(async () => void hooks++);
    const refused = t.pfs.atomically(['left', 'right'], async (change) => {
      await change.createBranch('left', 'master', 'left@staging');
      await change.startUserCommit('right', 'master', {});
      await change.finishCommit('right@master');
      await change.createBranch('right', 'later', 'right@nosuchbranch');
      return { result: undefined, ops: [] };
    });
    expect(await codeOf(refused)).toBe('BranchNotFound');
    expect(batches).toBe(0);
    expect(hooks).toBe(0);
    expect(await t.pfs.branches.find('left', 'master')).toBeUndefined();
    expect(await t.pfs.commits.list('right')).toEqual([]);
  });

  it('refuses an op that would fail on the state the ones before it leave', async () => {
    const twice = t.pfs.atomically(['left'], async (change) => {
      await change.startUserCommit('left', 'staging', {});
      await change.startUserCommit('left', 'staging', {}); // the first one is still open
      return { result: undefined, ops: [] };
    });
    expect(await codeOf(twice)).toBe('BranchHasOpenCommit');
    expect(await t.pfs.commits.list('left')).toHaveLength(1);
  });

  it('refuses a write to a repo whose lock the caller does not hold', async () => {
    const unlocked = t.pfs.atomically(['left'], async (change) => {
      await change.createBranch('right', 'master');
      return { result: undefined, ops: [] };
    });
    expect(await codeOf(unlocked)).toBe('Internal');
    expect(await t.pfs.branches.find('right', 'master')).toBeUndefined();
  });

  it('a preview checks and plans, and never writes', async () => {
    const planned = await t.pfs.preview(async (change) => (await change.createBranch('left', 'master', 'left@staging')).head);
    expect(planned).toBe((await t.pfs.branches.find('left', 'staging'))!.head);
    expect(batches).toBe(0);
    expect(await t.pfs.branches.find('left', 'master')).toBeUndefined();
  });
});
