// End to end, for Pachyderm's transactions (issue 16, point 13) against a real
// tuskd with real workers: the second half of Pachyderm's deferred-processing
// example (two input branches moved in one transaction run their pipeline
// once), `delete transaction` discarding what was recorded, a failing op
// changing nothing, and a transaction applied at once: a reader never sees
// half of it, and the commits it starts form one commit set. Specs are written as
// Pachyderm's docs write them (YAML in snake_case, JSON in camelCase).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { specDir, type SpecDir } from './helpers/spec-dir.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let specs: SpecDir;
// Checks and set-up go through the client (fewer CLI starts); the commands under test through the CLI.
let pfs: TuskClient;
let pps: PpsClient;
const missing = (p: Promise<unknown>) => p.then(() => 'found', (err: { kind?: string }) => err.kind);
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  specs = await specDir('tusk-txn-');
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
  for (const repo of ['left', 'right']) {
    await pfs.createRepo(repo);
    await pfs.putFile(`${repo}@staging`, '/data', Buffer.from(`${repo} data\n`));
  }
}, 60_000);

afterAll(async () => {
  pfs?.close();
  pps?.close();
  await daemon?.stop();
  await specs?.remove();
});

const specFile = (name: string, text: string) => specs.write(name, text);

describe('transactions', { timeout: 120_000 }, () => {
  it('moves two input branches at once: the pipeline reading both runs one job, on both moves', async () => {
    // Pachyderm's docs write YAML specs in snake_case.
    const yaml = [
      'pipeline:',
      '  name: joined',
      'input:',
      '  cross:',
      '    - pfs: {repo: left, branch: master, glob: /}',
      '    - pfs: {repo: right, branch: master, glob: /}',
      'transform:',
      '  cmd: [sh, -c, "cat /pfs/left/data /pfs/right/data > /pfs/out/joined"]',
      'parallelism_spec: {constant: 1}',
    ].join('\n');
    await tuskJson(['create', 'pipeline', '-f', await specFile('joined.yaml', yaml)]);

    const started = await tuskJson(['start', 'transaction']);
    expect(started.id).toMatch(/^[0-9a-f]{32}$/);
    const first = await tusk(['create', 'branch', 'left@master', '--head', 'staging']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`added to transaction ${started.id}: create branch left@master --head left@staging\n`);
    await tuskJson(['create', 'branch', 'right@master', '--head', 'staging']);
    // Recorded, not applied: master is still empty and nothing ran.
    expect((await pfs.inspectBranch('left@master')).head).toBeFalsy();
    expect(await pps.listJobs('joined')).toEqual([]);
    const shown = await tuskJson(['inspect', 'transaction']);
    expect(shown.ops.map((o: any) => o.summary)).toEqual(['create branch left@master --head left@staging', 'create branch right@master --head right@staging']);

    const done = await tuskJson(['finish', 'transaction']);
    expect(done.jobs.map((j: any) => j.pipeline)).toEqual(['joined']);
    const job = await pps.inspectJob('joined', done.jobs[0].id, true);
    expect(job.state).toBe('success');
    expect(await pps.listJobs('joined')).toHaveLength(1);
    expect((await tusk(['get', 'file', 'joined@master:/joined'])).stdout).toBe('left data\nright data\n');
    // The transaction is gone and no longer active: commands apply directly again.
    expect(await pps.listTransactions()).toEqual([]);
    expect((await tuskJson(['create', 'branch', 'left@direct', '--head', 'staging'])).head).toMatch(/^[0-9a-f]{32}$/);
  });

  it('delete transaction discards what was recorded', async () => {
    const t = await tuskJson(['start', 'transaction']);
    await tuskJson(['create', 'branch', 'left@discarded', '--head', 'staging']);
    await tuskJson(['start', 'commit', 'right@discarded']);
    const listed = await tuskJson(['list', 'transactions']);
    expect(listed.map((x: any) => [x.id, x.ops.length])).toEqual([[t.id, 2]]);
    const again = await tusk(['start', 'transaction']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/transaction [0-9a-f]{32} is active already/);

    expect((await tusk(['delete', 'transaction'])).stdout).toBe(`deleted transaction ${t.id}\n`);
    expect(await pps.listTransactions()).toEqual([]);
    expect(await missing(pfs.inspectBranch('left@discarded'))).toBe('not_found');
    expect(await missing(pfs.inspectBranch('right@discarded'))).toBe('not_found');
    expectError(await tusk(['finish', 'transaction', t.id]), new RegExp(`transaction ${t.id} not found`));
  });

  it('a failing op refuses the whole transaction: nothing of it is applied, and the error names the op', async () => {
    const commitsBefore = (await pfs.listCommits('right')).length;
    await tuskJson(['start', 'transaction']);
    await tuskJson(['create', 'branch', 'left@rolled', '--head', 'staging']);
    await tuskJson(['start', 'commit', 'right@staging']);
    // Pachyderm's docs write JSON specs in camelCase.
    const json = JSON.stringify({ pipeline: { name: 'rolled' }, input: { pfs: { repo: 'left', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp -r /pfs/left/. /pfs/out/'] }, parallelismSpec: { constant: 1 } });
    await tuskJson(['create', 'pipeline', '-f', await specFile('rolled.json', json)]);
    await tuskJson(['create', 'branch', 'right@later', '--head', 'nosuchbranch']);

    const res = await tusk(['finish', 'transaction']);
    expectError(res, /transaction [0-9a-f]{32} rolled back: create branch right@later --head right@nosuchbranch: .*nosuchbranch/);
    expect(await missing(pfs.inspectBranch('left@rolled'))).toBe('not_found');
    // The commit it would have started was never written: the branch is still on its finished head.
    expect((await pfs.listCommits('right')).length).toBe(commitsBefore);
    expect((await pfs.listCommits('right', 'staging')).map((c) => Boolean(c.finished))).toEqual([true]);
    expect(await missing(pps.inspectPipeline('rolled'))).toBe('not_found');
    expect(await missing(pfs.inspectRepo('rolled'))).toBe('not_found');
    expect(await pps.listJobs('joined')).toHaveLength(1);
    expect(await pps.listTransactions()).toEqual([]);
  });

  it('start commit and finish commit in a transaction apply when it is finished', async () => {
    await tuskJson(['start', 'transaction']);
    await tuskJson(['start', 'commit', 'right@txn', '-m', 'from a transaction']);
    await tuskJson(['finish', 'commit', 'right@txn']);
    expect(await missing(pfs.inspectBranch('right@txn'))).toBe('not_found');
    await tuskJson(['finish', 'transaction']);
    const commit = await pfs.inspectCommit('right@txn');
    expect(commit.finished).toBeTruthy();
    expect(commit.description).toBe('from a transaction');
  });

  it('applies at once (a reader polling meanwhile never sees half of it), and its commits form one set on which the pipeline reading both runs one job', async () => {
    // Pachyderm's deferred processing: open a commit on each input in one transaction, write to them, finish both in another.
    const opened = await tuskJson(['start', 'transaction']);
    expect((await tusk(['start', 'commit', 'left@master'])).code).toBe(0);
    expect((await tusk(['start', 'commit', 'right@master'])).code).toBe(0);
    await tuskJson(['finish', 'transaction']);
    const set = opened.id as string;
    for (const repo of ['left', 'right']) expect(await pfs.inspectCommit(`${repo}@master`)).toMatchObject({ id: set, finished: '' }); // open, under the transaction's ID
    for (const repo of ['left', 'right']) await pfs.putFile(`${repo}@${set}`, '/data', Buffer.from(`${repo} in one set\n`));

    await tuskJson(['start', 'transaction']);
    for (const repo of ['left', 'right']) await tuskJson(['finish', 'commit', `${repo}@master`]);
    const jobsBefore = (await pps.listJobs('joined')).length;
    // Left is read first: seeing it finished and right still open would be half the transaction.
    const seen: string[] = [];
    let finishing = true;
    const reader = (async () => {
      while (finishing) {
        const left = Boolean((await pfs.inspectCommit(`left@${set}`)).finished);
        const right = Boolean((await pfs.inspectCommit(`right@${set}`)).finished);
        seen.push(`${left}/${right}`);
      }
    })();
    const done = await tuskJson(['finish', 'transaction']).finally(() => (finishing = false));
    await reader;
    expect(seen.filter((s) => s === 'true/false')).toEqual([]);

    expect(done.jobs.map((j: any) => [j.pipeline, j.id])).toEqual([['joined', set]]);
    const job = await pps.inspectJob('joined', set, true);
    expect(job.state).toBe('success');
    expect(job.inputs.map((i) => `${i.repo}@${i.id}`).sort()).toEqual([`left@${set}`, `right@${set}`]);
    expect((await pps.listJobs('joined')).length).toBe(jobsBefore + 1);
    expect((await pfs.inspectCommitSet(set)).map((c) => c.repo).sort()).toEqual(['joined', 'left', 'right']);
    expect((await tusk(['get', 'file', 'joined@master:/joined'])).stdout).toBe('left in one set\nright in one set\n');
  });

  it('has --help with an example and -o for each transaction command, and the recording commands say so', async () => {
    for (const verb of ['start', 'finish', 'delete', 'list', 'inspect']) {
      const help = await tusk([verb, 'transaction', '--help']);
      expect(help.code, verb).toBe(0);
      expect(help.stdout, verb).toMatch(new RegExp(`Examples?:\\n  \\$ tusk ${verb} transaction`));
      expect(help.stdout, verb).toMatch(/-o, --output/);
    }
    expect((await tusk(['create', 'branch', '--help'])).stdout).toMatch(/While a transaction is active/);
  });
});
