// Finishing transactions on the in-memory PFS and metadata store (no daemon,
// no workers): what each batch written holds shows that a transaction is
// written at once or not at all.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetadataOp } from '../storage/metadata-store.js';
import { openTestPps, specText, type TestPps } from './test-pps.js';

let t: TestPps;
/** Every batch written since the test's set-up, as `table key` per op. */
let batches: string[][];
beforeEach(async () => {
  t = await openTestPps();
  for (const repo of ['left', 'right']) await t.pfs.repos.create(repo);
  await t.pps.pipelines.create(specText('joined', { cross: [{ pfs: { repo: 'left', glob: '/' } }, { pfs: { repo: 'right', glob: '/' } }] }));
  batches = [];
  const batch = t.meta.batch.bind(t.meta);
  t.meta.batch = (ops: readonly MetadataOp[], options: { sync: boolean }) => {
    batches.push(ops.map((o) => `${o.type} ${o.table} ${o.key}`));
    return batch(ops, options);
  };
});
afterEach(async () => t.close());

const codeOf = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: string }) => e.code);

describe('finish transaction', () => {
  it('writes every op and its own removal in one batch; the commits share its ID, and the pipeline reading both runs one job on the set', async () => {
    const txn = await t.pps.transactions.start();
    for (const repo of ['left', 'right']) await t.pps.transactions.add(txn.id, { kind: 'start_commit', branch: `${repo}@master`, description: '' });
    for (const repo of ['left', 'right']) await t.pps.transactions.add(txn.id, { kind: 'finish_commit', commit: `${repo}@master`, description: 'both' });
    batches = [];
    const { jobs } = await t.pps.transactions.finish(txn.id);

    const written = batches.findIndex((b) => b.includes(`del pps-txns ${txn.id}`));
    expect(batches[written]).toEqual(expect.arrayContaining([`put commits left/${txn.id}`, `put commits right/${txn.id}`, 'put branches left/master', 'put branches right/master']));
    // Nothing of it was written before that batch.
    expect(batches.slice(0, written).flat().filter((op) => / (commits|branches) /.test(op))).toEqual([]);

    const set = await t.pfs.commits.set(txn.id);
    expect(set.map((c) => [c.repo, c.origin, Boolean(c.finished), c.description])).toEqual([
      ['joined', 'auto', false, ''],
      ['left', 'user', true, 'both'],
      ['right', 'user', true, 'both'],
    ]);
    expect(jobs.map((j) => [j.pipeline, j.id])).toEqual([['joined', txn.id]]);
    expect(jobs[0]!.inputs.map((i) => `${i.repo}@${i.id}`)).toEqual([`left@${txn.id}`, `right@${txn.id}`]);
    expect(await t.pps.listJobs('joined')).toHaveLength(1);
    expect(await t.pps.transactions.list()).toEqual([]);
  });

  it('refuses the whole transaction when an op would fail, names the op, and writes nothing but its removal', async () => {
    const txn = await t.pps.transactions.start();
    await t.pps.transactions.add(txn.id, { kind: 'start_commit', branch: 'left@master', description: '' });
    await t.pps.transactions.add(txn.id, { kind: 'create_pipeline', spec: specText('copied', { pfs: { repo: 'left', glob: '/*' } }), update: false, reprocess: false });
    await t.pps.transactions.add(txn.id, { kind: 'finish_commit', commit: 'right@master', description: '' });
    batches = [];
    const refused = t.pps.transactions.finish(txn.id);
    await expect(refused).rejects.toMatchObject({ code: 'TransactionFailed', op: 'finish commit right@master' });
    expect(batches).toEqual([[`del pps-txns ${txn.id}`]]);
    expect(await t.pfs.commits.list('left')).toEqual([]);
    expect(await codeOf(t.pps.pipelines.get('copied'))).toBe('PipelineNotFound');
    expect(await t.pfs.repos.find('copied')).toBeUndefined();
  });

  it('plans each op on what the ones before it leave: a pipeline reads the output of one created before it', async () => {
    const txn = await t.pps.transactions.start();
    await t.pps.transactions.add(txn.id, { kind: 'create_pipeline', spec: specText('first', { pfs: { repo: 'left', glob: '/*' } }), update: false, reprocess: false });
    await t.pps.transactions.add(txn.id, { kind: 'create_pipeline', spec: specText('second', { pfs: { repo: 'first', glob: '/*' } }), update: false, reprocess: false });
    await t.pps.transactions.add(txn.id, { kind: 'create_pipeline', spec: specText('first', { pfs: { repo: 'left', glob: '/' } }), update: true, reprocess: false });
    batches = [];
    await t.pps.transactions.finish(txn.id);
    expect(batches[0]).toEqual(expect.arrayContaining(['put repos first', 'put repos second', 'put pps-pipelines first', 'put pps-pipelines second']));
    expect((await t.pps.pipelines.get('first')).version).toBe(2);
    expect((await t.pps.pipelines.get('second')).version).toBe(1);
  });

  it('starts one commit per repo: a second start commit on a repo refuses the transaction', async () => {
    const txn = await t.pps.transactions.start();
    await t.pps.transactions.add(txn.id, { kind: 'start_commit', branch: 'left@master', description: '' });
    await t.pps.transactions.add(txn.id, { kind: 'start_commit', branch: 'left@dev', description: '' });
    await expect(t.pps.transactions.finish(txn.id)).rejects.toMatchObject({ code: 'TransactionFailed', op: 'start commit left@dev', reason: expect.stringMatching(/at most one commit per repo/) });
    expect(await t.pfs.commits.list('left')).toEqual([]);
  });
});
