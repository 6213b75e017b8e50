// Shared pieces of the pipeline benchmarks (not a benchmark itself): a folder
// of tiny input files, loading it into a repo of a real tuskd, running a
// pipeline job to the end, and the `xargs -n1` reference over the same files.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PpsClient, type Job } from '../src/client/index.js';
import { type BenchDaemon, tusk } from './_daemon.js';

/** `n` files of a few bytes each in a fresh temp folder. */
export async function tinyFiles(n: number): Promise<{ dir: string; names: string[]; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-bench-files-'));
  const names = Array.from({ length: n }, (_, i) => `f${String(i).padStart(6, '0')}`);
  for (let i = 0; i < n; i += 500) await Promise.all(names.slice(i, i + 500).map((f, j) => writeFile(join(dir, f), `${i + j}\n`)));
  return { dir, names, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Milliseconds per command for `xargs -n1 sh -c 'cp "$0" out/'` over the files (the reference). */
export async function xargsPerDatum(dir: string, names: string[]): Promise<number> {
  const out = await mkdtemp(join(tmpdir(), 'tusk-bench-xargs-'));
  try {
    await mkdir(join(out, 'out'));
    const start = performance.now();
    execFileSync('xargs', ['-n1', 'sh', '-c', `cp "${dir}/$0" out/`], { cwd: out, input: names.join('\n'), maxBuffer: 1 << 26 });
    return (performance.now() - start) / names.length;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The cmd of a datum that copies its one input file (input `files`) to /pfs/out. */
export const COPY_CMD = ['sh', '-c', 'cp "$files" /pfs/out/'];

export function copySpec(name: string, transform: Record<string, unknown> = { cmd: COPY_CMD }): string {
  return JSON.stringify({ pipeline: { name }, input: { pfs: { repo: 'files', glob: '/*' } }, transform });
}

/** Creates the pipeline (its first job starts at once on the loaded repo) and waits for that job. */
export async function firstJob(daemon: BenchDaemon, spec: string, name: string): Promise<Job> {
  const pps = new PpsClient(daemon.address);
  try {
    await pps.createPipeline(spec);
    const [job] = await pps.listJobs(name);
    if (!job) throw new Error(`pipeline ${name} started no job`);
    return await finished(pps, name, job.id);
  } finally {
    pps.close();
  }
}

export async function finished(pps: PpsClient, pipeline: string, id: string): Promise<Job> {
  const job = await pps.inspectJob(pipeline, id, true);
  if (job.state !== 'success') throw new Error(`job ${pipeline}@${id} ended ${job.state}: ${job.reason}`);
  return job;
}

/** A job's wall time in ms, from its creation to its output commit being finished. */
export function jobMs(job: Job): number {
  return Date.parse(job.finished) - Date.parse(job.started);
}

export async function loadRepo(daemon: BenchDaemon, dir: string): Promise<void> {
  await tusk(daemon, ['create', 'repo', 'files']);
  await tusk(daemon, ['put', 'file', 'files@master', '-f', dir, '-r']);
}
