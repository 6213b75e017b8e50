// datum_batching with the real worker and sidecar against a fakeCoordinator:
// shell code looping on `eval "$(tusk next datum)"`, a datum failing mid-loop
// (the process is restarted and the datum retried), and Node code using the
// worker socket directly through next-datum-client.js.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from './helpers/daemon.js';
import { FakeCoordinator, scriptSpec, scriptTask } from './helpers/fake-coordinator.js';
import { bwrapUsable, startWorkerProcesses, type WorkerProcesses } from './helpers/worker-processes.js';

const bwrap = bwrapUsable();
const sandboxEnv: Record<string, string> = bwrap === true ? {} : { TUSK_SANDBOX: 'off' };
if (bwrap !== true) console.warn(`worker batching tests run without bubblewrap: ${bwrap}`);
const out = bwrap === true ? '/pfs/out' : '"$TUSK_PFS/out"';

describe('datum batching with `tusk next datum`', () => {
  let fake: FakeCoordinator;
  let worker: WorkerProcesses;
  const loop = 'while true; do eval "$(tusk next datum)" || exit 1; . "$in"; done';
  beforeAll(async () => {
    fake = await FakeCoordinator.start(scriptSpec({ datum_tries: 2 }, { cmd: ['sh', '-c', loop], stdin: [], datum_batching: true }));
    worker = await startWorkerProcesses(fake.address, { env: sandboxEnv });
    fake.addTasks([
      scriptTask(fake, 'b1', `cp "$in" ${out}/`),
      scriptTask(fake, 'b2', `echo "$TUSK_DATUM_ID $PACH_DATUM_ID $in_COMMIT" > ${out}/who`),
      scriptTask(fake, 'bfail', 'echo bad >&2; exit 3'),
      scriptTask(fake, 'b3', `echo three > ${out}/three`),
    ]);
    await fake.waitForResults(4, 90_000);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await fake?.stop();
  });

  test('each datum gets its own variables and its own output, in one process', () => {
    expect(fake.result('b1')).toMatchObject({ success: true, tries: 1 });
    expect(fake.outputText('b1')).toEqual({ '/b1.sh': `cp "$in" ${out}/\n` });
    expect(fake.outputText('b2')).toEqual({ '/who': 'b2 b2 c1\n' });
  });

  test('a datum whose code exits non-zero is retried in a restarted process, then fails with its reason', () => {
    expect(fake.result('bfail')).toMatchObject({ success: false, tries: 2, reason: 'exit code 3: bad' });
    expect(fake.result('bfail')!.logs.filter((l) => l.message === 'bad')).toHaveLength(2);
  });

  test('datums after the failure are still processed', () => {
    expect(fake.result('b3')).toMatchObject({ success: true });
    expect(fake.outputText('b3')).toEqual({ '/three': 'three\n' });
  });
});

describe('err_cmd with datum batching', () => {
  test('err_cmd of a failed datum sees that datum\'s inputs, and the next datum is processed', async () => {
    const loop = 'while true; do eval "$(tusk next datum)" || exit 1; . "$in"; done';
    const spec = scriptSpec({ datum_tries: 1 }, { cmd: ['sh', '-c', loop], stdin: [], datum_batching: true, err_cmd: ['sh', '-c', 'grep -q RECOVER "$in"'] });
    const fake = await FakeCoordinator.start(spec);
    const worker = await startWorkerProcesses(fake.address, { env: sandboxEnv });
    try {
      fake.addTasks([scriptTask(fake, 'e1', 'echo RECOVER >/dev/null; exit 3'), scriptTask(fake, 'e2', 'exit 3'), scriptTask(fake, 'e3', `echo ok > ${out}/ok`)]);
      await fake.waitForResults(3, 90_000);
      expect(fake.result('e1')).toMatchObject({ success: false, recovered: true, tries: 1 });
      expect(fake.result('e2')).toMatchObject({ success: false, recovered: false, tries: 1 });
      expect(fake.result('e3')).toMatchObject({ success: true });
      expect(fake.outputText('e3')).toEqual({ '/ok': 'ok\n' });
    } finally {
      await worker.stop();
      await fake.stop();
    }
  }, 120_000);
});

describe('datum batching from Node code over the worker socket', () => {
  test('a loop of next() calls handles many datums, each with its own output', async () => {
    const client = join(ROOT, 'dist/worker/next-datum-client.js');
    const code = `import('${client}').then(async ({ NextDatumClient }) => {
      const fs = require('node:fs');
      const datums = await NextDatumClient.connect();
      for (;;) {
        const env = await datums.next();
        fs.copyFileSync(env.in, process.env.TUSK_PFS + '/out/' + env.TUSK_DATUM_ID);
      }
    })`;
    const fake = await FakeCoordinator.start(scriptSpec({}, { cmd: ['node', '-e', code], stdin: [], datum_batching: true }));
    const worker = await startWorkerProcesses(fake.address, { env: sandboxEnv });
    try {
      const n = 200;
      fake.addTasks(Array.from({ length: n }, (_, i) => scriptTask(fake, `n${i}`, `content ${i}`)));
      const results = await fake.waitForResults(n, 90_000);
      expect(results.filter((r) => r.success)).toHaveLength(n);
      for (const i of [0, 57, n - 1]) expect(fake.outputText(`n${i}`)).toEqual({ [`/n${i}`]: `content ${i}\n` });
    } finally {
      await worker.stop();
      await fake.stop();
    }
  }, 120_000);

  test('the coordinator is told that datums start in groups, except a datum it wants told alone', async () => {
    const client = join(ROOT, 'dist/worker/next-datum-client.js');
    const code = `import('${client}').then(async ({ NextDatumClient }) => {
      const datums = await NextDatumClient.connect();
      for (;;) await datums.next();
    })`;
    const fake = await FakeCoordinator.start(scriptSpec({}, { cmd: ['node', '-e', code], stdin: [], datum_batching: true }));
    const worker = await startWorkerProcesses(fake.address, { env: sandboxEnv });
    try {
      const n = 40;
      const tasks = Array.from({ length: n }, (_, i) => ({ ...scriptTask(fake, `g${i}`, `content ${i}`), startAhead: i !== 10 }));
      fake.addTasks(tasks);
      const results = await fake.waitForResults(n, 90_000);
      expect(results.filter((r) => r.success)).toHaveLength(n);
      // Each datum is told once, before it runs, in the order they run.
      expect(fake.started).toEqual(tasks.map((t) => `job1/${t.datum}`));
      // All but g10 in groups, in fewer messages than datums.
      expect(fake.startedAhead.flat()).toEqual(fake.started.filter((d) => d !== 'job1/g10'));
      expect(fake.startedAhead.length).toBeLessThan(n / 2);
    } finally {
      await worker.stop();
      await fake.stop();
    }
  }, 120_000);
});
