// Branch triggers end to end: the real `tusk` binary against a real tuskd
// (TUSK_RUNTIME=none: jobs are created and queued, no workers run them, which
// is all that is needed to see when a pipeline starts). Triggers fire exactly
// at their thresholds, a pipeline reading the triggered branch starts a job
// only when the branch moves, bad triggers are refused with nothing changed,
// and triggers survive a restart (a cron trigger that came due while the
// daemon was down fires when it starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;

const tusk = (args: string[]) => run(args, { env: daemon.env });
const tuskJson = <T = any>(args: string[]) => runJson<T>(args, { env: daemon.env });

async function connect(d: DaemonHandle): Promise<void> {
  daemon = d;
  pfs = new TuskClient(d.address);
  pps = new PpsClient(d.address);
}

function disconnect(): void {
  pfs?.close();
  pps?.close();
}

beforeAll(async () => connect(await startDaemon({ env: { TUSK_RUNTIME: 'none' } })));
afterAll(async () => {
  disconnect();
  await daemon?.stop();
});

/** A commit of `bytes` bytes at /name on repo@branch; returns its ID. */
async function put(target: string, name: string, bytes: number): Promise<string> {
  return (await pfs.putFile(target, `/${name}`, Buffer.alloc(bytes, 'x'))).commit!.id;
}

const head = async (branch: string) => (await pfs.inspectBranch(branch)).head;
const jobIds = async (pipeline: string) => (await pps.listJobs(pipeline)).map((j) => j.id);
const spec = (name: string, repo: string, branch = 'master') => JSON.stringify({ pipeline: { name }, transform: { cmd: ['true'] }, input: { pfs: { repo, branch, glob: '/' } } });

describe('branch triggers', () => {
  it('moves on the Nth commit, starting the pipeline that reads the branch, and chains', async () => {
    await pfs.createRepo('events');
    const first = await put('events@staging', 'e0', 10);
    const created = await tuskJson(['create', 'branch', 'events@master', '--head', 'staging', '--trigger', 'staging', '--trigger-commits', '3']);
    expect(created).toEqual({ name: 'master', repo: 'events', head: first, trigger: { branch: 'staging', size: '', commits: 3, cronSpec: '', all: false } });
    expect((await tusk(['create', 'branch', 'events@weekly', '--trigger', 'master'])).code).toBe(0);
    await pps.createPipeline(spec('digest', 'events'));
    const initial = await jobIds('digest'); // creating the pipeline runs it on master's head
    expect(initial).toHaveLength(1);

    await put('events@staging', 'e1', 10);
    await put('events@staging', 'e2', 10);
    expect(await head('events@master')).toBe(first);
    expect(await jobIds('digest')).toEqual(initial); // commits to staging alone run nothing
    expect(await tuskJson(['impact', 'events@staging'])).toEqual([]); // and the preview says so
    const third = await put('events@staging', 'e3', 10);
    expect(await head('events@master')).toBe(third);
    expect(await head('events@weekly')).toBe(third); // the chain fired in the same call
    // The job the move started carries the commit's global ID and reads master at it.
    expect(await jobIds('digest')).toEqual([third, ...initial]);
    expect((await pfs.inspectCommit(`digest@${third}`)).provenance).toEqual([{ repo: 'events', branch: 'master', id: third }]);

    await put('events@staging', 'e4', 10);
    expect(await head('events@master')).toBe(third); // counting starts again from the new head

    const list = await tusk(['list', 'branch', 'events']);
    expect(list.stdout).toMatch(/^master\s+[0-9a-f]{32}\s+staging \(3 commits\)$/m);
    expect(list.stdout).toMatch(/^weekly\s+[0-9a-f]{32}\s+master \(every commit\)$/m);
    expect(list.stdout).toMatch(/^staging\s+[0-9a-f]{32}\s+-$/m);
    const inspected = await tusk(['inspect', 'branch', 'events@master']);
    expect(inspected.stdout).toMatch(/^Trigger:\s+staging \(3 commits\)$/m);

    // Moving the branch by hand is a move like the trigger's: the pipeline runs on it.
    await pfs.createBranch('events@master', `events@${first}`);
    expect(await jobIds('digest')).toEqual([first, third, ...initial]);
    // --no-trigger: master stays where it is and no longer follows staging.
    expect(await tuskJson(['create', 'branch', 'events@master', '--no-trigger'])).toEqual({ name: 'master', repo: 'events', head: first, trigger: null });
    for (const n of [5, 6, 7]) await put('events@staging', `e${n}`, 10);
    expect(await head('events@master')).toBe(first);
  });

  it('moves when the source has grown by the size, and with --trigger-all only when every condition holds', async () => {
    await pfs.createRepo('sized');
    await tuskJson(['create', 'branch', 'sized@master', '--trigger', 'staging', '--trigger-size', '1KB']);
    await put('sized@staging', 'a', 600);
    await put('sized@staging', 'b', 399);
    expect(await head('sized@master')).toBe('');
    const crossed = await put('sized@staging', 'c', 1); // 1000 bytes: 1KB is 1000 bytes
    expect(await head('sized@master')).toBe(crossed);

    await pfs.createRepo('both');
    await tuskJson(['create', 'branch', 'both@master', '--trigger', 'staging', '--trigger-size', '1KiB', '--trigger-commits', '2', '--trigger-all']);
    await put('both@staging', 'a', 2000); // size holds, one commit
    expect(await head('both@master')).toBe('');
    const second = await put('both@staging', 'b', 1);
    expect(await head('both@master')).toBe(second);
    await put('both@staging', 'c', 1);
    await put('both@staging', 'd', 1); // two commits, 2 bytes: not enough data
    expect(await head('both@master')).toBe(second);
  });

  it('fires a cron trigger by its schedule once the source has something new', async () => {
    await pfs.createRepo('ticks');
    await pps.createPipeline(spec('tally', 'ticks'));
    const set = Date.now();
    await tuskJson(['create', 'branch', 'ticks@master', '--trigger', 'staging', '--trigger-cron', '@every 2s']);
    const commit = await put('ticks@staging', 'a', 5);
    // The time is taken after the read (a `tusk` call, slow on a loaded machine), so a read counted as early was early.
    const early = await head('ticks@master');
    if (Date.now() - set < 1900) expect(early).toBe('');
    await until(() => head('ticks@master'), (h) => h === commit, 45_000);
    expect(Date.now() - set).toBeGreaterThanOrEqual(2000);
    // The timer moved the branch in the background: its job is created just after the move is visible.
    expect(await until(() => jobIds('tally'), (ids) => ids.length > 0, 45_000)).toEqual([commit]);
  });

  it('gives the input branch the trigger a pipeline spec names (input.pfs.trigger)', async () => {
    await pfs.createRepo('specd');
    const first = await put('specd@staging', 'a', 1);
    const withTrigger = JSON.stringify({ pipeline: { name: 'batched' }, transform: { cmd: ['true'] }, input: { pfs: { repo: 'specd', glob: '/', trigger: { branch: 'staging', commits: 2 } } } });
    await pps.createPipeline(withTrigger);
    expect(await tuskJson(['inspect', 'branch', 'specd@master'])).toEqual({ name: 'master', repo: 'specd', head: null, trigger: { branch: 'staging', size: '', commits: 2, cronSpec: '', all: false } });
    expect(await jobIds('batched')).toEqual([]);
    const second = await put('specd@staging', 'b', 1);
    expect(await head('specd@master')).toBe(second);
    expect(await jobIds('batched')).toEqual([second]);
    expect(first).not.toBe(second);
    const bad = JSON.stringify({ pipeline: { name: 'never' }, transform: { cmd: ['true'] }, input: { pfs: { repo: 'specd', branch: 'other', glob: '/', trigger: { branch: 'staging', size: '100XB' } } } });
    await expect(pps.createPipeline(bad)).rejects.toThrow(/size "100XB" is not a size/);
    expect((await pfs.listBranches('specd')).map((b) => b.name).sort()).toEqual(['master', 'staging']);
  });

  it('refuses bad triggers with the value named, changing nothing', async () => {
    await pfs.createRepo('strict');
    const cases: [string[], RegExp][] = [
      [['--trigger-size', '100XB'], /size "100XB" is not a size/],
      [['--trigger-commits', '0'], /commits "0" must be a whole number of commits, 1 or more/],
      [['--trigger-cron', '61 * * * *'], /cronSpec "61 \* \* \* \*" is not a cron expression/],
    ];
    for (const [flags, pattern] of cases) expectError(await tusk(['create', 'branch', 'strict@master', '--trigger', 'staging', ...flags]), pattern);
    expectError(await tusk(['create', 'branch', 'strict@master', '--trigger', 'master']), /"master" is the branch itself; a branch cannot trigger on itself/);
    // The daemon checks what the API is sent directly, too.
    await expect(pfs.createBranch('strict@master', '', { branch: 'staging', size: '', commits: -3, cronSpec: '', all: false })).rejects.toThrow(/commits "-3"/);
    await expect(pfs.createBranch('strict@master', '', { branch: '', size: '1MB', commits: 0, cronSpec: '', all: false })).rejects.toThrow(/branch "" is not a branch name/);
    await expect(pfs.createBranch('strict@master', '', { branch: 'staging', size: '', commits: 0, cronSpec: '@every soon', all: false })).rejects.toThrow(/cronSpec "@every soon"/);
    expect(await pfs.listBranches('strict')).toEqual([]);

    await pfs.createBranch('strict@b', '', { branch: 'a', size: '', commits: 0, cronSpec: '', all: false });
    await pfs.createBranch('strict@c', '', { branch: 'b', size: '', commits: 0, cronSpec: '', all: false });
    expectError(await tusk(['create', 'branch', 'strict@a', '--trigger', 'c']), /would form a cycle: a <- c <- b <- a/);
    expect((await pfs.listBranches('strict')).map((b) => b.name)).toEqual(['b', 'c']);

    const usage = await tusk(['create', 'branch', 'strict@d', '--trigger-size', '1MB']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--trigger-size needs --trigger/);
  });

  it('keeps triggers across a restart and fires a cron trigger that came due while down', async () => {
    await pfs.createRepo('durable');
    await tuskJson(['create', 'branch', 'durable@master', '--trigger', 'staging', '--trigger-commits', '2']);
    await tuskJson(['create', 'branch', 'durable@nightly', '--trigger', 'staging', '--trigger-cron', '@every 3s']);
    const set = Date.now(); // the trigger was set before this: it is due by set + 3 s
    const first = await put('durable@staging', 'a', 1);
    const movedBeforeStop = (await head('durable@nightly')) !== '';
    disconnect();
    await daemon.stop({ keepHome: true });
    const wait = set + 3100 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await connect(await startDaemon({ home: daemon.home, env: { TUSK_RUNTIME: 'none' } }));

    // Ready means caught up: the cron trigger fired on start.
    expect(await head('durable@nightly')).toBe(first);
    if (!movedBeforeStop) expect(daemon.logs()).toMatch(/"event":"branch_triggered".*"branch":"nightly"/);
    const master = await tuskJson(['inspect', 'branch', 'durable@master']);
    expect(master).toMatchObject({ head: null, trigger: { branch: 'staging', commits: 2 } });
    const second = await put('durable@staging', 'b', 1);
    expect(await head('durable@master')).toBe(second);
  });
});
