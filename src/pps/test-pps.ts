// A pipeline system for unit tests: PPS over the in-memory PFS and metadata
// store of test-pfs.ts, no worker runtime, a FakeClock for time and timers,
// and a stand-in worker (`work`) that takes the tasks of a pipeline in this
// process and reports them done, with output files the test chooses. Only the
// pipeline logs go to a temporary directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesOf, openTestPfs, type TestPfs } from '../pfs/test-pfs.js';
import type { InlineOutputFile } from './datum-outputs.js';
import type { RetentionRule } from './datum-retention.js';
import { FakeClock } from './fake-clock.js';
import { LogStore } from './logs.js';
import { PpsStore } from './pps-store.js';
import { Pps } from './pps.js';
import { NoWorkers } from './runtime.js';
import type { DatumTask } from './task-queue.js';

export interface TestPps extends TestPfs {
  pps: Pps;
  clock: FakeClock;
  /** What the pipeline system logged, as `level event`. */
  logged: string[];
}

export async function openTestPps(options: { retention?: RetentionRule; maxJobDatums?: number } = {}): Promise<TestPps> {
  const clock = new FakeClock();
  const t = await openTestPfs({ clock: () => clock.now() });
  const logDir = await mkdtemp(join(tmpdir(), 'tusk-pps-logs-'));
  const logged: string[] = [];
  let n = 0;
  const pps = new Pps({
    pfs: t.pfs,
    content: t.content,
    store: new PpsStore(t.meta),
    logs: new LogStore(logDir),
    runtime: new NoWorkers(),
    tree: t.tree,
    clock: () => clock.now(),
    timers: clock,
    random: (bytes) => {
      const b = Buffer.alloc(bytes, 0xaa);
      b.writeUInt32BE(++n, bytes - 4);
      return b;
    },
    log: (level, event) => void logged.push(`${level} ${event}`),
    ...(options.retention ? { retention: options.retention } : {}),
    ...(options.maxJobDatums !== undefined ? { maxJobDatums: options.maxJobDatums } : {}),
  });
  await pps.start();
  return {
    ...t,
    pps,
    clock,
    logged,
    async close() {
      await pps.stop();
      await t.close();
      await rm(logDir, { recursive: true, force: true });
    },
  };
}

/** Output files of one datum, from its task. */
export type DatumOutputs = (task: DatumTask) => InlineOutputFile[];

/**
 * Plays a worker of `pipeline` until `until` settles: takes each task as it is queued and
 * reports it done, with the files `outputs` gives it. Returns what `until` resolves to.
 */
export async function work<T>(pps: Pps, pipeline: string, until: Promise<T>, outputs: DatumOutputs = () => []): Promise<T> {
  const stop = new AbortController();
  const ended = until.finally(() => stop.abort());
  while (!stop.signal.aborted) {
    const { tasks } = await pps.nextTasks(pipeline, 'test-worker', 100, 60_000, stop.signal);
    if (tasks.length === 0) continue;
    await pps.report(
      pipeline,
      'test-worker',
      tasks.map((task) => ({ job: task.job, datum: task.datum, success: true, recovered: false, reason: '', durationMs: 1, output: '', tries: 1, outputFiles: outputs(task) })),
      [],
    );
  }
  return ended;
}

/** One file per datum: the datum's input paths, under `/out/<first input file name>`. */
export const copyNames: DatumOutputs = (task) => {
  const files = task.inputs.flatMap((i) => i.files.map((f) => f.path));
  const name = files[0]?.split('/').pop() ?? 'empty';
  return [{ path: `/${name}`, data: Buffer.from(files.join('\n')) }];
};

/** Commits files (path → content) to `repo@branch` in one commit; returns its ID. */
export async function commitFiles(t: TestPfs, target: string, files: Record<string, string>): Promise<string> {
  const upload = await t.pfs.upload(target);
  for (const [path, text] of Object.entries(files)) await upload.putFile(path, bytesOf(text));
  return (await upload.commit()).commit.id;
}

/** A pipeline spec (YAML-free JSON text) reading `input` with `glob`, with extra top-level fields. */
export function specText(name: string, input: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ pipeline: { name }, transform: { image: 'node:20', cmd: ['sh', '-c', 'true'] }, input, ...extra });
}
