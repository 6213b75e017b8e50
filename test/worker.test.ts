// The real worker and sidecar processes against a fakeCoordinator (a gRPC
// server that serves tasks and files and records results): inputs at
// /pfs/<input>/<path>, the environment, the sandbox's walls, symlinks out of
// /pfs/out, timeouts, retries, err_cmd, accepted return codes, uploads, and the
// fallback without bubblewrap. Each datum's input file is a shell script that
// the transform sources (`cmd: [sh]`, `stdin: ['. "$in"']`), so one worker can
// play every scenario.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCoordinator, scriptSpec, scriptTask } from './helpers/fake-coordinator.js';
import { bwrapUsable, otherUserBlocked, startWorkerProcesses, type WorkerProcesses } from './helpers/worker-processes.js';

const otherUser = otherUserBlocked(1000);
if (otherUser) console.warn(`skipping the shared /pfs test of the worker: ${otherUser}`);

const bwrap = bwrapUsable();
if (bwrap !== true) console.warn(`skipping the sandbox tests of the worker: ${bwrap}`);

describe.skipIf(bwrap !== true)('a worker running code in its bubblewrap sandbox', () => {
  let fake: FakeCoordinator;
  let worker: WorkerProcesses;
  const scripts: Record<string, string> = {
    copy: 'mkdir -p /pfs/out/r && cat /pfs/in/sub/copy.sh > /pfs/out/r/copy.txt',
    env: 'env > /pfs/out/env.txt',
    etc: 'echo x > /etc/tusk-worker-test',
    input: 'echo x > /pfs/in/new.txt',
    link: 'ln -s /etc/passwd /pfs/out/passwd',
    inlink: 'echo data > /pfs/out/a.txt && ln -s a.txt /pfs/out/b.txt',
    sleep: 'echo sleeping; sleep 30',
    flaky: 'n=$(cat /tmp/flaky 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/flaky; echo "try $n" >&2; echo "$n" > /pfs/out/try; [ $n -ge 3 ]',
    fail: 'echo boom >&2; exit 3',
    recover: 'echo RECOVER; exit 1',
    accept: 'exit 7',
  };

  beforeAll(async () => {
    fake = await FakeCoordinator.start(scriptSpec({ datum_timeout: '1s', datum_tries: 3 }, { err_cmd: ['sh', '-c', 'grep -q RECOVER "$in"'], accept_return_code: [7] }));
    worker = await startWorkerProcesses(fake.address);
    fake.addTasks(Object.entries(scripts).map(([name, script]) => scriptTask(fake, name, script, name === 'copy' ? '/sub/copy.sh' : undefined)));
    await fake.waitForResults(Object.keys(scripts).length, 60_000);
  }, 90_000);
  afterAll(async () => {
    await worker?.stop();
    await fake?.stop();
  });

  test('the worker registered, and the input file was at /pfs/<input>/<its full path>; the output upload carries what the code wrote', () => {
    expect(fake.registrations).toEqual([{ pipeline: 'p', worker: 'w1' }]);
    const r = fake.result('copy')!;
    expect(r).toMatchObject({ job: 'job1', success: true, tries: 1, reason: '' });
    expect(fake.outputs.get(r.output)!.target).toBe('p/job1/copy');
    expect(fake.outputText('copy')).toEqual({ '/r/copy.txt': scripts.copy + '\n' });
  });

  test('the code sees TUSK_ and PACH_ variables, its input at /pfs, transform.env and TUSK_PFS=/pfs', () => {
    const env = Object.fromEntries(
      fake.outputText('env')['/env.txt']!.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      TUSK_JOB_ID: 'job1',
      PACH_JOB_ID: 'job1',
      TUSK_DATUM_ID: 'env',
      PACH_DATUM_ID: 'env',
      TUSK_OUTPUT_COMMIT_ID: 'outcommit1',
      PACH_OUTPUT_COMMIT_ID: 'outcommit1',
      in: '/pfs/in/env.sh',
      in_COMMIT: 'c1',
      TUSK_PFS: '/pfs',
      GREETING: 'hello there',
    });
    expect(env.TUSK_SIDECAR_SOCKET).toBeUndefined();
  });

  test('writing to /etc or to the inputs fails the datum with the shell\'s own complaint', () => {
    expect(fake.result('etc')).toMatchObject({ success: false, tries: 3 });
    expect(fake.result('etc')!.reason).toMatch(/^exit code 2: .*\/etc\/tusk-worker-test: Read-only file system/);
    expect(fake.result('input')!.reason).toMatch(/Read-only file system/);
  });

  test('a symlink out of /pfs/out fails the datum and names the path; one inside it is stored as the file', () => {
    expect(fake.result('link')).toMatchObject({ success: false, reason: 'output /passwd is a symlink pointing outside /pfs/out', output: '' });
    expect(fake.result('inlink')).toMatchObject({ success: true });
    expect(fake.outputText('inlink')).toEqual({ '/a.txt': 'data\n', '/b.txt': 'data\n' });
  });

  test('a datum over datum_timeout is killed, tried datum_tries times, and fails with the limit in its reason', () => {
    const r = fake.result('sleep')!;
    expect(r).toMatchObject({ success: false, tries: 3, reason: 'datum timed out after 1s' });
    // three tries of 1 s each; Node's timers count whole loop milliseconds, so a kill can land a fraction of a
    // millisecond before performance.now() reaches the second (CI saw 2999)
    expect(r.durationMs).toBeGreaterThanOrEqual(2990);
    expect(r.durationMs).toBeLessThan(30_000); // no try ran its `sleep 30` to the end (each is killed at 1 s, however loaded the machine)
    expect(r.logs.filter((l) => l.message === 'sleeping')).toHaveLength(3);
  });

  test('a failing try is retried with out/ cleared, and the tries are counted', () => {
    const r = fake.result('flaky')!;
    expect(r).toMatchObject({ success: true, tries: 3 });
    expect(fake.outputText('flaky')).toEqual({ '/try': '3\n' });
    expect(r.logs.filter((l) => l.stream === 'stderr').map((l) => l.message)).toEqual(['try 1', 'try 2', 'try 3']);
  });

  test('a datum that keeps failing reports exit code and last stderr line, with its log', () => {
    const r = fake.result('fail')!;
    expect(r).toMatchObject({ success: false, recovered: false, tries: 3, reason: 'exit code 3: boom', output: '' });
    expect(r.logs.filter((l) => l.stream === 'stderr' && l.message === 'boom')).toHaveLength(3);
    expect(r.logs.some((l) => l.stream === 'system' && l.message.startsWith('err_cmd failed too'))).toBe(true);
    expect(r.logs.every((l) => l.pipeline === 'p' && l.job === 'job1' && l.datum === 'fail')).toBe(true);
  });

  test('err_cmd exiting 0 recovers the datum after its last try', () => {
    expect(fake.result('recover')).toMatchObject({ success: false, recovered: true, tries: 3, output: '', reason: 'exit code 1' });
  });

  test('an accepted return code counts as success', () => {
    expect(fake.result('accept')).toMatchObject({ success: true, tries: 1 });
  });
});

describe('a worker without bubblewrap (TUSK_SANDBOX=off)', () => {
  test('runs code with TUSK_PFS at the host datum area and says so in the job log', async () => {
    const fake = await FakeCoordinator.start(scriptSpec());
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off' } });
    try {
      fake.addTasks([scriptTask(fake, 'd1', 'cat "$in" > "$TUSK_PFS/out/copy"; echo "$TUSK_PFS $PACH_PFS $in"'), scriptTask(fake, 'd2', 'true')]);
      await fake.waitForResults(2);
      // Results come in the order uploads finish, not the order datums ran.
      const [r1, r2] = [fake.result('d1'), fake.result('d2')];
      const pfs = `${worker.dir}/pfs`;
      expect(r1).toMatchObject({ datum: 'd1', success: true });
      expect(r1!.logs[0]).toMatchObject({ stream: 'system' });
      expect(r1!.logs[0]!.message).toContain('without a sandbox');
      expect(r1!.logs.find((l) => l.stream === 'stdout')!.message).toBe(`${pfs} ${pfs} ${pfs}/in/d1.sh`);
      expect(fake.outputText('d1')).toEqual({ '/copy': 'cat "$in" > "$TUSK_PFS/out/copy"; echo "$TUSK_PFS $PACH_PFS $in"\n' });
      // The note comes once per job, not with every datum.
      expect(r2!.logs.some((l) => l.message.includes('without a sandbox'))).toBe(false);
    } finally {
      expect(await worker.stop()).toEqual([0, 0]);
      await fake.stop();
    }
  }, 60_000);

  // A pod: the code runs as its image's user, the sidecar as root with TUSK_SHARED_PFS (src/runtime/kubernetes/workload.ts).
  test.skipIf(otherUser !== undefined)('with TUSK_SHARED_PFS, code under another user writes /pfs/out, folders too, and the sidecar collects them', async () => {
    const fake = await FakeCoordinator.start(scriptSpec());
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off', TUSK_SHARED_PFS: 'true' }, workerUid: 1000 });
    try {
      fake.addTasks([scriptTask(fake, 'd1', 'mkdir -p "$TUSK_PFS/out/sub/deep" && cat "$in" > "$TUSK_PFS/out/sub/deep/copy" && id -u > "$TUSK_PFS/out/uid"')]);
      await fake.waitForResults(1, 30_000);
      expect(fake.result('d1')).toMatchObject({ success: true, reason: '' });
      expect(fake.outputText('d1')).toEqual({ '/sub/deep/copy': expect.stringContaining('mkdir -p'), '/uid': '1000\n' });
    } finally {
      expect(await worker.stop()).toEqual([0, 0]);
      await fake.stop();
    }
  }, 60_000);

  test('small input files come inline with the task and need no GetFile, files sent without their bytes are fetched; small outputs go back with the result', async () => {
    const fake = await FakeCoordinator.start(scriptSpec());
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off' } });
    try {
      const big = 'x'.repeat(70 * 1024);
      fake.addTasks([
        scriptTask(fake, 'small', 'cat "$in" > "$TUSK_PFS/out/copy"'),
        scriptTask(fake, 'big', `cat "$in" | wc -c > "$TUSK_PFS/out/size" # ${big}`),
        scriptTask(fake, 'bigout', 'head -c 70000 /dev/zero > "$TUSK_PFS/out/zeros"; echo x > "$TUSK_PFS/out/x"'),
      ]);
      await fake.waitForResults(3);
      expect(fake.outputText('small')).toEqual({ '/copy': 'cat "$in" > "$TUSK_PFS/out/copy"\n' });
      // A small output comes with the result; one over 64 KiB is uploaded.
      expect(fake.outputs.get(fake.result('small')!.output)).toMatchObject({ target: 'p/job1/small', inline: true });
      const bigout = fake.outputs.get(fake.result('bigout')!.output)!;
      expect(bigout).toMatchObject({ target: 'p/job1/bigout', inline: false });
      expect([...bigout.files].map(([p, b]) => [p, b.length])).toEqual([['/x', 2], ['/zeros', 70000]]);
      expect(fake.outputText('big')['/size']!.trim()).toBe(String(fake.files.get('in@c1:/big.sh')!.length));
      expect(fake.getFiles).toBe(1);
      fake.inline = false;
      fake.addTasks([scriptTask(fake, 'fetched', 'cat "$in" > "$TUSK_PFS/out/copy"')]);
      await fake.waitForResults(4);
      expect(fake.outputText('fetched')).toEqual({ '/copy': 'cat "$in" > "$TUSK_PFS/out/copy"\n' });
      expect(fake.getFiles).toBe(2);
    } finally {
      expect(await worker.stop()).toEqual([0, 0]);
      await fake.stop();
    }
  }, 60_000);

  test('a Report the coordinator holds (waiting for its durable point) does not hold up the next datums', async () => {
    const fake = await FakeCoordinator.start(scriptSpec({ datum_tries: 1 }));
    fake.holdReports();
    fake.addTasks([scriptTask(fake, 'first', 'true')]);
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off' } });
    try {
      // The worker runs dry and sends the first result; that Report stays unanswered.
      while (fake.reportSizes.length === 0) await new Promise((r) => setTimeout(r, 20));
      fake.addTasks([scriptTask(fake, 'second', 'true'), scriptTask(fake, 'third', 'true')]);
      await fake.waitForStarted(3);
      fake.releaseReports();
      await fake.waitForResults(3);
    } finally {
      expect(await worker.stop()).toEqual([0, 0]);
      await fake.stop();
    }
  }, 60_000);

  test('results that finish while a Report is under way wait and go together in the next one', async () => {
    const fake = await FakeCoordinator.start(scriptSpec({ datum_tries: 1 }));
    // Failed datums are added to the reporter before the next datum starts, so once the last one
    // has started, every earlier result is in the Report held here or waiting behind it.
    const n = 8;
    fake.addTasks(Array.from({ length: n }, (_, i) => scriptTask(fake, `f${i}`, 'exit 1')));
    fake.holdReports();
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off' } });
    try {
      await fake.waitForStarted(n);
      fake.releaseReports();
      await fake.waitForResults(n);
      expect(fake.results.map((r) => r.datum).sort()).toEqual(Array.from({ length: n }, (_, i) => `f${i}`).sort());
      // The held call, one call with everything that waited behind it, and at most one for the last datum.
      expect(fake.reportSizes.length, `results per Report: ${fake.reportSizes.join(', ')}`).toBeLessThanOrEqual(3);
    } finally {
      expect(await worker.stop()).toEqual([0, 0]);
      await fake.stop();
    }
  }, 60_000);

  test('worker and sidecar exit by themselves once the daemon has been gone past the grace period', async () => {
    const fake = await FakeCoordinator.start(scriptSpec());
    const worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'off', TUSK_DAEMON_GRACE_MS: '1500' } });
    fake.addTasks([scriptTask(fake, 'd1', 'true')]);
    await fake.waitForResults(1);
    await fake.stop();
    // Without the grace period they would wait for the daemon forever, and this would time out.
    expect(await worker.exited()).toEqual([0, 0]);
    await worker.stop();
  }, 60_000);
});
