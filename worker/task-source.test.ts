import { describe, expect, test } from 'vitest';
import type { NextTasksResponse, Task, WorkerSpec } from '../src/client/index.js';
import { DaemonWatch, silentLogger, type SidecarClient } from '../src/worker-protocol/index.js';
import { Reporter } from './reporter.js';
import { TaskSource } from './task-source.js';

const task = (datum: string): Task => ({ job: 'j', datum, inputs: [], try: 0, outputCommit: 'j' });
const spec = (version: number): WorkerSpec => ({ cmd: [`v${version}`], stdin: [], env: {}, errCmd: [], errStdin: [], acceptReturnCode: [], workingDir: '', datumBatching: false, datumTries: 1, datumTimeoutMs: 0 });
const answer = (version: number, datums: string[]): NextTasksResponse => ({ tasks: datums.map(task), pipelineVersion: version, spec: spec(version) });

describe('TaskSource', () => {
  test('hands each task over with its own version: tasks queued before a newer batch keep their code', async () => {
    const answers = [answer(3, ['a', 'b']), answer(2, ['c']), answer(2, [])];
    const sidecar = { call: async () => ({}) } as unknown as SidecarClient;
    const specs: number[] = [];
    const taken: [string, number][] = [];
    const source = new TaskSource({
      api: { nextTasks: async () => answers.shift() ?? answer(2, []) },
      sidecar,
      pipeline: 'p',
      worker: 'w',
      reporter: new Reporter(async () => {}, silentLogger, 10, 10),
      watch: new DaemonWatch(),
      log: silentLogger,
      version: 2,
      onSpec: (version) => void specs.push(version),
      onGone: () => {},
      batch: 2,
      prefetch: 4,
      waitMs: 0,
    });
    for (let i = 0; i < 3; i++) {
      const p = await source.take();
      taken.push([p!.task.datum, specs.at(-1) ?? 2]);
    }
    source.stop();
    // The batch of version 2 was fetched while a and b (version 3) were still queued: they ran as version 3.
    expect(taken).toEqual([['a', 3], ['b', 3], ['c', 2]]);
    expect(specs).toEqual([3, 2]);
  });
});
