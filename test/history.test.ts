// End to end: `delete commit` and `squash commit` through a real daemon with
// real workers. A commit that output commits were computed from is refused
// unless --recursive takes them and their jobs too; afterwards `list commit`,
// `inspect commit` and `list job` show no trace of what went, branches point
// at what is left, and the pipeline goes on. Also: a job whose input chunk is
// damaged fails with DataLoss naming the file.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { daemonObjects, flipByte, packHolding } from './helpers/damage.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[]) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000 });

beforeAll(async () => {
  daemon = await startDaemon();
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
});

afterAll(async () => {
  pfs?.close();
  pps?.close();
  await daemon?.stop();
});

function spec(name: string, repo: string, cmd: string, extra: string[] = []): string {
  return [`pipeline:`, `  name: ${name}`, `transform:`, `  cmd: ["sh", "-c", ${JSON.stringify(cmd)}]`, `input:`, `  pfs:`, `    repo: ${repo}`, `    glob: "/*"`, ...extra].join('\n') + '\n';
}

/** Puts a file on repo@master and waits for the jobs it sets off; returns the commit ID. */
async function put(repo: string, name: string, data: string | Buffer = name): Promise<string> {
  const id = (await pfs.putFile(`${repo}@master`, `/${name}`, Buffer.from(data))).commit!.id;
  await pfs.inspectCommitSet(id, true);
  return id;
}
const ids = async (repo: string) => (await pfs.listCommits(repo)).map((c) => c.id);
const files = async (ref: string) => {
  const out: string[] = [];
  for await (const f of pfs.listFile(ref)) out.push(f.path);
  return out.sort();
};
const jobIds = async (pipeline: string) => (await pps.listJobs(pipeline)).map((j) => j.id);

describe('delete commit and squash commit', () => {
  let a1: string;
  let a3: string;

  it('refuses a commit outputs were computed from, then with --recursive deletes it, its output commit and job, and moves the branches back', async () => {
    await pfs.createRepo('hin');
    await pps.createPipeline(spec('hout', 'hin', 'cp -r /pfs/hin/. /pfs/out/'));
    a1 = await put('hin', 'a');
    const a2 = await put('hin', 'b');
    expect(await files('hout@master')).toEqual(['/a', '/b']);

    expectError(await tusk(['delete', 'commit', `hin@${a2}`]), new RegExp(`cannot delete hin@${a2}: 1 output commit was computed from it \\(hout@${a2}\\); add --recursive`));
    const plan = await tuskJson(['delete', 'commit', `hin@${a2}`, '--recursive', '--dry-run']);
    expect(plan).toMatchObject({ action: 'delete', dryRun: true, jobs: [{ pipeline: 'hout', id: a2, state: 'success' }] });
    expect(plan.commits.map((c: any) => [c.repo, c.id, c.action]).sort()).toEqual([['hin', a2, 'deleted'], ['hout', a2, 'deleted']]);
    expect(plan.branches.sort((x: any, y: any) => x.repo.localeCompare(y.repo))).toEqual([{ repo: 'hin', name: 'master', head: a1 }, { repo: 'hout', name: 'master', head: a1 }]);
    expect(await ids('hin')).toEqual([a2, a1]); // a dry run changes nothing
    const help = await tusk(['squash', 'commit', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--recursive[\s\S]*--dry-run[\s\S]*-o, --output/);

    const done = await tusk(['delete', 'commit', `hin@${a2}`, '--recursive']);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toContain(`commit hin@${a2} (master) deleted`);
    expect(done.stdout).toContain(`job hout@${a2} (success) deleted`);
    expect(done.stdout).toContain(`branch hout@master moved to ${a1}`);

    expect(await ids('hin')).toEqual([a1]);
    expect(await ids('hout')).toEqual([a1]);
    expect(await jobIds('hout')).toEqual([a1]);
    expect((await pfs.inspectBranch('hout@master')).head).toBe(a1);
    expect(await files('hout@master')).toEqual(['/a']);
    await expect(pfs.inspectCommit(`hin@${a2}`)).rejects.toMatchObject({ code: 'CommitNotFound' });
    await expect(pps.inspectJob('hout', a2)).rejects.toMatchObject({ code: 'JobNotFound' });
    expectError(await tusk(['inspect', 'commit', a2]), /not found/);
    expect((await tuskJson(['list', 'job'])).map((j: any) => j.id)).not.toContain(a2);

    a3 = await put('hin', 'c'); // the pipeline goes on from what is left
    expect(await files('hout@master')).toEqual(['/a', '/c']);
    expect((await pfs.inspectCommit(`hout@${a3}`)).parentId).toBe(a1);
  });

  it('squashes a commit and its output commit into their children, which keep every file; refuses heads, commits with children and output commits', async () => {
    const a4 = await put('hin', 'd');
    expectError(await tusk(['squash', 'commit', `hin@${a3}`]), /cannot squash hin@\w+: 1 output commit was computed from it .*add --recursive/);
    const done = await tuskJson(['squash', 'commit', `hin@${a3}`, '--recursive']);
    expect(done.commits.map((c: any) => [c.repo, c.action]).sort()).toEqual([['hin', 'squashed'], ['hout', 'squashed']]);
    expect(done.jobs).toEqual([{ pipeline: 'hout', id: a3, state: 'success' }]);
    expect(done.branches).toEqual([]);

    expect(await ids('hin')).toEqual([a4, a1]);
    expect(await ids('hout')).toEqual([a4, a1]);
    expect(await jobIds('hout')).toEqual([a4, a1]);
    expect((await pfs.inspectCommit(`hin@${a4}`)).parentId).toBe(a1);
    expect((await pfs.inspectCommit(`hout@${a4}`)).parentId).toBe(a1);
    expect(await files('hin@master')).toEqual(['/a', '/c', '/d']);
    expect(await files('hout@master')).toEqual(['/a', '/c', '/d']);

    expectError(await tusk(['squash', 'commit', `hin@${a4}`, '--recursive']), /is the head of branch master/);
    expectError(await tusk(['delete', 'commit', `hin@${a1}`, '--recursive']), new RegExp(`cannot delete hin@${a1}: it has children \\(hin@${a4}\\)`));
    expectError(await tusk(['delete', 'commit', `hout@${a4}`]), /cannot write to an output branch of pipeline hout/);
    expect(await ids('hin')).toEqual([a4, a1]);
  });

  it('stops a running job whose commit is deleted, leaves no trace of it, and the pipeline runs the next commit', async () => {
    await pfs.createRepo('sin');
    await pps.createPipeline(spec('slow', 'sin', 'if [ -e /pfs/sin/slow ]; then sleep 600; fi; cp -r /pfs/sin/. /pfs/out/', ['parallelism_spec:', '  constant: 2']));
    const s1 = (await pfs.putFile('sin@master', '/slow', Buffer.from('z'))).commit!.id;
    await until(() => pps.inspectJob('slow', s1), (j) => j.state === 'running');
    const done = await pfs.deleteCommit(`sin@${s1}`, { recursive: true });
    expect(done.jobs).toEqual([{ pipeline: 'slow', id: s1, state: 'running' }]);
    expect(await jobIds('slow')).toEqual([]);
    expect(await ids('slow')).toEqual([]);
    expect((await pfs.inspectBranch('sin@master')).head).toBe('');
    await expect(pps.inspectJob('slow', s1)).rejects.toMatchObject({ code: 'JobNotFound' });

    const s2 = await put('sin', 'fast');
    expect((await pps.inspectJob('slow', s2, true)).state).toBe('success');
    expect(await files('slow@master')).toEqual(['/fast']);
    expect(await jobIds('slow')).toEqual([s2]);
  });

  it('a job whose input chunk is damaged fails with DataLoss naming the file', async () => {
    const big = randomBytes(100_000);
    await pfs.createRepo('lossy');
    const id = (await pfs.putFile('lossy@master', '/big.bin', big)).commit!.id;
    const objects = daemonObjects(daemon);
    const at = await packHolding(objects, big.subarray(40_000, 40_064));
    await flipByte(objects, at.key, at.offset + 5);
    await pps.createPipeline(spec('lossout', 'lossy', 'cp -r /pfs/lossy/. /pfs/out/', ['datum_tries: 1']));
    const job = await until(async () => (await pps.listJobs('lossout'))[0], (j) => j !== undefined);
    const ended = await pps.inspectJob('lossout', job!.id, true);
    expect(ended.state).toBe('failure');
    expect(ended.reason).toContain(`file lossy@${id}:/big.bin cannot be read: its data is lost or damaged`);
  });
});
