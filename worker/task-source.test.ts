import { describe, expect, test } from 'vitest';
import type { NextTasksResponse, Task, WorkerSpec } from '../src/client/index.js';
import { DaemonWatch, silentLogger, type SidecarClient } from '../src/worker-protocol/index.js';
import { Reporter } from './reporter.js';
import { TaskSource } from './task-source.js';

const task = (datum: string): Task => ({ job: 'j', datum, inputs: [], try: 0, outputCommit: 'j' });
const spec = (version: number): WorkerSpec => ({ cmd: [`v${version}`], stdin: [], env: {}, errCmd: [], errStdin: [], acceptReturnCode: [], workingDir: '', datumBatching: false, datumTries: 1, datumTimeoutMs: 0 });
const sized = (datum: string, bytes: number): Task => ({ ...task(datum), inputs: [{ name: 'in', repo: 'in', branch: 'master', commit: 'c', path: '/', files: [{ path: `/${datum}`, sizeBytes: bytes, hash: '', data: Buffer.alloc(0), inline: false }], joinOn: '', groupBy: '', emptyFiles: false, lazy: false }] });
const answer = (version: number, datums: string[]): NextTasksResponse => ({ tasks: datums.map(task), pipelineVersion: version, spec: spec(version) });

/** The options every test here shares: a sidecar that does nothing, no reports, no logs. */
const fixedParts = () => ({
  sidecar: { call: async () => ({}) } as unknown as SidecarClient,
  pipeline: 'p',
  worker: 'w',
  reporter: new Reporter(async () => {}, silentLogger, 10, 10),
  watch: new DaemonWatch(),
  log: silentLogger,
});

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

  test("gets a version's spec once: it tells the coordinator which version it has, and an answer of that version comes without one", async () => {
    const known: number[] = [];
    const answers: NextTasksResponse[] = [answer(3, ['a']), { ...answer(3, ['b']), spec: undefined }, answer(3, [])];
    const specs: [number, string][] = [];
    const source = new TaskSource({
      api: {
        nextTasks: async (_p, _w, _max, _wait, knownVersion) => {
          known.push(knownVersion);
          return answers.shift() ?? { ...answer(3, []), spec: undefined };
        },
      },
      ...fixedParts(),
      version: 2,
      onSpec: (version, s) => void specs.push([version, s.cmd[0]!]),
      onGone: () => {},
      batch: 1,
      prefetch: 0,
      waitMs: 0,
    });
    expect((await source.take())!.task.datum).toBe('a');
    expect((await source.take())!.task.datum).toBe('b');
    source.stop();
    expect(known.slice(0, 2)).toEqual([2, 3]);
    expect(specs).toEqual([[3, 'v3']]);
  });

  test('asks for more tasks per call while datums go fast, and for the base batch again once they slow down', async () => {
    let clock = 0;
    const asked: number[] = [];
    let n = 0;
    const source = new TaskSource({
      api: {
        nextTasks: async (_p, _w, max) => {
          asked.push(max);
          return { ...answer(3, Array.from({ length: max }, () => `d${n++}`)), spec: undefined };
        },
      },
      ...fixedParts(),
      version: 3,
      onSpec: () => {},
      onGone: () => {},
      batch: 2,
      maxBatch: 16,
      prefetch: 0,
      waitMs: 0,
      now: () => clock,
    });
    for (let i = 0; i < 40; i++) await source.take(); // 40 tasks within one (fake) millisecond
    expect(source.askFor()).toBe(16);
    clock += 5_000; // then nothing for five seconds
    expect(source.askFor()).toBe(2);
    source.stop();
    expect(asked[0]).toBe(2);
    expect(Math.max(...asked)).toBe(16);
  });

  test('fetches inputs ahead in groups when asked to', async () => {
    const { source, prepared } = preparingSource(Array.from({ length: 60 }, (_, i) => sized(`s${i}`, 10)));
    source.setPrefetch(12, 4, 1500);
    const counts: number[] = [];
    for (let i = 0; i < 9; i++) {
      await source.take();
      counts.push(prepared.length);
    }
    source.stop();
    // Small inputs: 12 at first, then 4 more each time 4 of those ahead were taken.
    expect(counts).toEqual([12, 12, 12, 16, 16, 16, 16, 20, 20]);
  });

  test('fetches no further ahead than the byte bound allows, but always the first four', async () => {
    const { source, prepared } = preparingSource(Array.from({ length: 20 }, (_, i) => sized(`b${i}`, 1000)));
    source.setPrefetch(12, 1, 1500);
    await source.take();
    source.stop();
    // The taken task and four ahead of it: 12 would be 12 MB of 1 MB inputs on disk at once.
    expect(prepared).toEqual(['d1', 'd2', 'd3', 'd4', 'd5']);
  });

  test("a datum's result that comes in while the worker waits for tasks with none queued is reported at once, not after the delay", async () => {
    const sent: string[][] = [];
    const hour = 3_600_000;
    const reporter = new Reporter(async (rs) => void sent.push(rs.map((r) => r.datum)), silentLogger, 256, hour);
    const result = (datum: string) => ({ job: 'j', datum, success: true, reason: '', durationMs: 1, output: 'o', logs: [], recovered: false, tries: 1 });
    let reply: (r: NextTasksResponse) => void = () => {};
    const source = new TaskSource({
      ...fixedParts(),
      reporter,
      api: { nextTasks: () => new Promise((resolve) => (reply = resolve)) },
      version: 2,
      onSpec: () => {},
      onGone: () => {},
      waitMs: 0,
    });
    const turn = () => new Promise((resolve) => setTimeout(resolve, 5));
    // A datum finished, its upload still under way: the worker waits for more tasks meanwhile (as after a job's last datum).
    const taking = source.take();
    await turn();
    reporter.add(result('last'));
    await turn();
    expect(sent).toEqual([['last']]);
    // With tasks again, results wait for their batch or the delay as before.
    reply(answer(2, ['a', 'b']));
    expect((await taking)?.task.datum).toBe('a');
    reporter.add(result('a'));
    await turn();
    expect(sent).toEqual([['last']]);
    source.stop();
    reporter.stop();
  });
});

/** A source over `tasks` whose sidecar records the slot of each input fetch (`prepared`, in order). */
function preparingSource(tasks: Task[]): { source: TaskSource; prepared: string[] } {
  const prepared: string[] = [];
  const sidecar = { call: async (_op: string, args: { slot: string }) => (prepared.push(args.slot), {}) } as unknown as SidecarClient;
  const source = new TaskSource({ ...fixedParts(), sidecar, api: { nextTasks: async () => ({ tasks: tasks.splice(0), pipelineVersion: 1 }) }, version: 1, onSpec: () => {}, onGone: () => {}, waitMs: 0 });
  return { source, prepared };
}
