// The triggered-branch knowledge of Metadata: read once per repo, then kept
// exact by the writes that go through it (the trigger scheduler trusts it to
// skip the branch listing on every commit of a repo without triggers).
import { describe, expect, it } from 'vitest';
import { MemoryMetadataStore } from '../storage/memory-metadata-store.js';
import { Metadata } from './metadata.js';
import type { BranchRecord, TriggerRecord } from './records.js';

const trigger: TriggerRecord = { branch: 'master', all: false, cronSpec: '', size: '', commits: 2 };
const branch = (repo: string, name: string, withTrigger = false): BranchRecord => ({ repo, name, head: null, ...(withTrigger ? { trigger } : {}) }) as BranchRecord;
const names = async (md: Metadata, repo: string) => [...(await md.triggeredBranches(repo))].sort();

describe('Metadata.triggeredBranches', () => {
  it('follows branches gaining and losing triggers, deleted branches and repos, after a first read', async () => {
    const md = await Metadata.open(new MemoryMetadataStore());
    await md.write([{ putBranch: branch('data', 'master') }, { putBranch: branch('data', 'staged', true) }, { putBranch: branch('logs', 'master') }], true);
    expect(await names(md, 'data')).toEqual(['staged']);
    expect(await names(md, 'logs')).toEqual([]);
    await md.write([{ putBranch: branch('logs', 'nightly', true) }, { putBranch: branch('data', 'staged') }], true);
    expect(await names(md, 'logs')).toEqual(['nightly']);
    expect(await names(md, 'data')).toEqual([]);
    await md.write([{ putBranch: branch('data', 'a', true) }, { putBranch: branch('data', 'b', true) }], true);
    await md.write([{ delBranch: { repo: 'data', name: 'a' } }], true);
    expect(await names(md, 'data')).toEqual(['b']);
    await md.write([{ delRepo: 'logs' }, { delBranch: { repo: 'logs', name: 'nightly' } }, { delBranch: { repo: 'logs', name: 'master' } }], true);
    expect(await names(md, 'logs')).toEqual([]);
    await md.write([{ putBranch: branch('logs', 'nightly', true) }], true);
    expect(await names(md, 'logs')).toEqual(['nightly']);
  });

  it('does not keep a read that a write of branches overlapped, and forgets a repo whose write failed', async () => {
    const store = new MemoryMetadataStore();
    const md = await Metadata.open(store);
    await md.write([{ putBranch: branch('data', 'master') }], true);
    // The read starts while a write of a triggered branch is in flight: whatever it saw, the next answer has the write.
    const writing = md.write([{ putBranch: branch('data', 'staged', true) }], true);
    await md.triggeredBranches('data');
    await writing;
    expect(await names(md, 'data')).toEqual(['staged']);
    // A failed write leaves the store as it was, and the repo is read again.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(md.write([{ putBranch: { ...branch('data', 'staged'), note: cyclic } as unknown as BranchRecord }], true)).rejects.toThrow();
    expect(await names(md, 'data')).toEqual(['staged']);
  });
});
