// The output pipes a confined sandbox runner holds for its life (worker/held-output.ts):
// the real worker and sidecar under bubblewrap against a fakeCoordinator. Datums
// run one after another on the same two pipes, so these check what a user would
// notice if the cut between them went wrong: a datum's log has all of its own
// output and none of another's, even when a process that left the datum's process
// group keeps its stdout and writes later; and code that leaves its stdout
// non-blocking (or shut down) does not hand that to the next datum (the worker
// then gives every later run pipes of its own, and says so in its log).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TaskResult } from '../src/client/index.js';
import { FakeCoordinator, scriptSpec, scriptTask } from './helpers/fake-coordinator.js';
import { bwrapUsable, startWorkerProcesses, type WorkerProcesses } from './helpers/worker-processes.js';

const usable = bwrapUsable() === true;
let fake: FakeCoordinator;
let worker: WorkerProcesses;

beforeAll(async () => {
  if (!usable) return;
  fake = await FakeCoordinator.start(scriptSpec({ datum_tries: 1 }));
  worker = await startWorkerProcesses(fake.address, { env: { TUSK_SANDBOX: 'bwrap' } });
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await fake?.stop();
});

function text(r: TaskResult | undefined, stream: 'stdout' | 'stderr'): string[] {
  return (r?.logs ?? []).filter((l) => l.stream === stream).map((l) => l.message);
}

describe.skipIf(!usable)('datums on the held output pipes', () => {
  test('each datum log holds all of its own output, in order, and nothing of the datum before or after', async () => {
    const seen = fake.results.length;
    fake.addTasks([
      scriptTask(fake, 'many', 'seq 1 3000; echo many-err >&2'),
      scriptTask(fake, 'fails', 'echo fails-out; echo fails-err >&2; exit 3'),
      scriptTask(fake, 'unended', "printf 'no newline'; readlink /proc/$$/fd/3 /proc/$$/fd/4; true"),
    ]);
    await fake.waitForResults(seen + 3);
    const many = fake.result('many');
    expect(many).toMatchObject({ success: true });
    expect(text(many, 'stdout')).toEqual(Array.from({ length: 3000 }, (_, i) => String(i + 1)));
    expect(text(many, 'stderr')).toEqual(['many-err']);
    const fails = fake.result('fails');
    expect(fails).toMatchObject({ success: false });
    expect(text(fails, 'stdout')).toEqual(['fails-out']);
    expect(text(fails, 'stderr')).toEqual(['fails-err']);
    // The held pipes reach the code only as its stdout and stderr (fds 3 and 4 are not open in it).
    expect(text(fake.result('unended'), 'stdout')).toEqual(['no newline']);
  }, 60_000);

  test('a process that left the group and kept stdout: its later output is still its datum’s, never the next one’s', async () => {
    const seen = fake.results.length;
    fake.addTasks([
      // The code waits until the process has left its group (setsid ran): then it outlives the group kill.
      scriptTask(fake, 'escapes', "setsid sh -c 'touch /tmp/left; sleep 0.5; echo late-line; echo late-err >&2' & while [ ! -e /tmp/left ]; do sleep 0.01; done; echo escapes-out"),
      scriptTask(fake, 'after', 'echo after-out'),
    ]);
    await fake.waitForResults(seen + 2);
    expect(text(fake.result('escapes'), 'stdout')).toEqual(['escapes-out', 'late-line']);
    expect(text(fake.result('escapes'), 'stderr')).toEqual(['late-err']);
    expect(text(fake.result('after'), 'stdout')).toEqual(['after-out']);
    expect(text(fake.result('after'), 'stderr')).toEqual([]);
  }, 60_000);

  // Either pipe: the runner then cannot write that pipe's end mark, and the worker must end the run on the other's.
  const shutScripts = {
    stdout: `echo shut-out; node -e "new (require('net').Socket)({ fd: 1, readable: false }).end()"; echo shut-err >&2`,
    stderr: `echo shut-err >&2; node -e "new (require('net').Socket)({ fd: 2, readable: false }).end()"; echo shut-out`,
  };
  test.each(['stdout', 'stderr'] as const)('code that shuts its %s down: its datum ends with all of its output, and later datums get pipes of their own', async (stream) => {
    // A worker of its own: this retires its held pipes.
    const own = await FakeCoordinator.start(scriptSpec({ datum_tries: 1 }));
    const shutWorker = await startWorkerProcesses(own.address, { env: { TUSK_SANDBOX: 'bwrap' } });
    try {
      own.addTasks([scriptTask(own, 'shut', shutScripts[stream]), scriptTask(own, 'after-shut', 'echo after-out; echo after-err >&2')]);
      await own.waitForResults(2);
      expect(own.result('shut')).toMatchObject({ success: true });
      expect(text(own.result('shut'), 'stdout')).toEqual(['shut-out']);
      expect(text(own.result('shut'), 'stderr')).toEqual(['shut-err']);
      expect(shutWorker.logs()).toContain('held_output_retired');
      expect(text(own.result('after-shut'), 'stdout')).toEqual(['after-out']);
      expect(text(own.result('after-shut'), 'stderr')).toEqual(['after-err']);
    } finally {
      await shutWorker.stop();
      await own.stop();
    }
  }, 60_000);

  // Last in this file: it retires the held pipes of this worker's sandbox.
  test('code that leaves its stdout non-blocking: the next datums get pipes of their own and their logs are whole', async () => {
    const seen = fake.results.length;
    const nonBlocking = "node -e \"process.stdout.write('nb-out\\n', () => process.kill(process.pid, 'SIGKILL'))\"; echo nb-after";
    fake.addTasks([scriptTask(fake, 'nonblocking', nonBlocking), scriptTask(fake, 'next', 'seq 1 2000; echo next-err >&2')]);
    await fake.waitForResults(seen + 2);
    expect(text(fake.result('nonblocking'), 'stdout')).toEqual(['nb-out', 'nb-after']);
    expect(worker.logs()).toContain('held_output_retired');
    expect(text(fake.result('next'), 'stdout')).toEqual(Array.from({ length: 2000 }, (_, i) => String(i + 1)));
    expect(text(fake.result('next'), 'stderr')).toEqual(['next-err']);
  }, 60_000);
});
