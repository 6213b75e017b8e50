import { afterEach, describe, expect, it } from 'vitest';
import type { BranchMove } from './context.js';
import type { TriggerRecord } from './records.js';
import { bytesOf, openTestPfs, type TestPfs } from './test-pfs.js';

let t: TestPfs | undefined;
afterEach(async () => {
  t?.pfs.triggers.stop();
  await t?.close();
  t = undefined;
});

/** A PFS whose clock the test moves, recording every branch move. */
async function setup(clock?: () => Date) {
  t = await openTestPfs(clock ? { clock } : {});
  const moves: string[] = [];
  t.pfs.onBranchMoved(async (m: BranchMove) => void moves.push(`${m.branch}:${m.cause}:${m.to.id.slice(-4)}`));
  await t.pfs.repos.create('data');
  await t.pfs.triggers.start();
  return { pfs: t.pfs, moves };
}

const trig = (t: Partial<TriggerRecord>): TriggerRecord => ({ branch: 'staging', all: false, cronSpec: '', size: '', commits: 0, ...t });

async function put(pfs: TestPfs['pfs'], target: string, path: string, text: string) {
  const up = await pfs.upload(target);
  await up.putFile(path, bytesOf(text));
  return (await up.commit()).commit;
}

const headOf = async (pfs: TestPfs['pfs'], branch: string) => (await pfs.branches.inspect('data', branch)).head;
const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e) => (e as { code?: string }).code);

describe('branch triggers', () => {
  it('moves after the Nth commit on the source, not before, and tells listeners', async () => {
    const { pfs, moves } = await setup();
    const first = await put(pfs, 'data@staging', '/a', 'a');
    await pfs.branches.create('data', 'master', 'data@staging', trig({ commits: 3 }));
    moves.length = 0;
    await put(pfs, 'data@staging', '/b', 'b');
    await put(pfs, 'data@staging', '/c', 'c');
    expect(await headOf(pfs, 'master')).toBe(first.id);
    const third = await put(pfs, 'data@staging', '/d', 'd');
    expect(await headOf(pfs, 'master')).toBe(third.id);
    expect(moves).toEqual([`master:trigger:${third.id.slice(-4)}`]);
    // The count starts again from the new head.
    await put(pfs, 'data@staging', '/e', 'e');
    expect(await headOf(pfs, 'master')).toBe(third.id);
  });

  it('moves once the source has grown by the size', async () => {
    const { pfs } = await setup();
    await pfs.branches.create('data', 'master', undefined, trig({ size: '1KB' }));
    await put(pfs, 'data@staging', '/a', 'x'.repeat(600));
    expect(await headOf(pfs, 'master')).toBe('');
    await put(pfs, 'data@staging', '/b', 'x'.repeat(399));
    expect(await headOf(pfs, 'master')).toBe('');
    const over = await put(pfs, 'data@staging', '/c', 'x');
    expect(await headOf(pfs, 'master')).toBe(over.id);
    // Replacing a file with one of the same size adds nothing.
    await put(pfs, 'data@staging', '/a', 'y'.repeat(600));
    expect(await headOf(pfs, 'master')).toBe(over.id);
  });

  it('follows every commit without conditions, and fires chains in order', async () => {
    const { pfs, moves } = await setup();
    await pfs.branches.create('data', 'master', undefined, trig({}));
    await pfs.branches.create('data', 'nightly', undefined, trig({ branch: 'master' }));
    const c = await put(pfs, 'data@staging', '/a', 'a');
    expect(await headOf(pfs, 'master')).toBe(c.id);
    expect(await headOf(pfs, 'nightly')).toBe(c.id);
    expect(moves).toEqual([`master:trigger:${c.id.slice(-4)}`, `nightly:trigger:${c.id.slice(-4)}`]);
  });

  it('refuses bad triggers, cycles and self-triggers, changing nothing', async () => {
    const { pfs } = await setup();
    expect(await codeOf(pfs.branches.create('data', 'master', undefined, trig({ size: '100XB' })))).toBe('InvalidTrigger');
    expect(await codeOf(pfs.branches.create('data', 'master', undefined, trig({ cronSpec: 'sometimes' })))).toBe('InvalidTrigger');
    expect(await codeOf(pfs.branches.create('data', 'master', undefined, trig({ commits: -1 })))).toBe('InvalidTrigger');
    expect(await codeOf(pfs.branches.create('data', 'master', undefined, trig({ branch: 'master' })))).toBe('InvalidTrigger');
    expect(await pfs.branches.list('data')).toEqual([]);
    await pfs.branches.create('data', 'b', undefined, trig({ branch: 'a' }));
    await pfs.branches.create('data', 'c', undefined, trig({ branch: 'b' }));
    await expect(pfs.branches.create('data', 'a', undefined, trig({ branch: 'c' }))).rejects.toThrow(/would form a cycle: a <- c <- b <- a/);
    expect((await pfs.branches.list('data')).map((b) => b.name)).toEqual(['b', 'c']);
    // A trigger's source cannot be deleted from under it.
    await put(pfs, 'data@a', '/x', 'x');
    expect(await codeOf(pfs.branches.delete('data', 'a'))).toBe('InUse');
  });

  it('counts cron ticks from the last move, at commits and on start after downtime', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { pfs } = await setup(() => new Date(now));
    await pfs.branches.create('data', 'master', undefined, trig({ cronSpec: '@every 1h' }));
    await put(pfs, 'data@staging', '/a', 'a');
    expect(await headOf(pfs, 'master')).toBe('');
    now += 3600_000;
    const b = await put(pfs, 'data@staging', '/b', 'b');
    expect(await headOf(pfs, 'master')).toBe(b.id);
    pfs.triggers.stop();
    const c = await put(pfs, 'data@staging', '/c', 'c');
    expect(await headOf(pfs, 'master')).toBe(b.id);
    // Down for two hours: start() fires what came due.
    now += 2 * 3600_000;
    await pfs.triggers.start();
    expect(await headOf(pfs, 'master')).toBe(c.id);
  });

  it('fires a cron trigger by its timer when the source has something new', async () => {
    const { pfs, moves } = await setup(() => new Date());
    const set = Date.now();
    await pfs.branches.create('data', 'master', undefined, trig({ cronSpec: '@every 300ms' }));
    const moved = new Promise<[BranchMove]>((resolve) => pfs.onBranchMoved(async (m) => resolve([m])));
    const c = await put(pfs, 'data@staging', '/a', 'a');
    // Not due yet at the commit (unless this machine took that long to get here; then the commit moved it).
    // The time is taken after the read, so a read counted as early was early.
    const early = await headOf(pfs, 'master');
    if (Date.now() - set < 280) expect(early).toBe('');
    const [move] = (await moved) as [BranchMove];
    expect(move).toMatchObject({ repo: 'data', branch: 'master', from: '', cause: 'trigger' });
    expect(move.to.id).toBe(c.id);
    expect(moves).toEqual([`master:trigger:${c.id.slice(-4)}`]);
  });

  it('stops following once the trigger is removed', async () => {
    const { pfs } = await setup();
    await pfs.branches.create('data', 'master', undefined, trig({}));
    const a = await put(pfs, 'data@staging', '/a', 'a');
    const removed = await pfs.branches.create('data', 'master', undefined, undefined, true);
    expect(removed).toEqual({ repo: 'data', name: 'master', head: a.id });
    await put(pfs, 'data@staging', '/b', 'b');
    expect(await headOf(pfs, 'master')).toBe(a.id);
    expect(await codeOf(pfs.branches.create('data', 'master', undefined, trig({}), true))).toBe('TriggerConflict');
  });

  it('announces a user move of a branch to a finished commit', async () => {
    const { pfs, moves } = await setup();
    const a = await put(pfs, 'data@master', '/a', 'a');
    await put(pfs, 'data@master', '/b', 'b');
    await pfs.branches.create('data', 'master', `data@${a.id}`);
    expect(moves).toEqual([`master:user:${a.id.slice(-4)}`]);
  });
});
