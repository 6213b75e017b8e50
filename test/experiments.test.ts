// End to end: experiments on branches through the real `tusk` binary against a
// real tuskd with real worker and sidecar processes. A two-stage DAG
// (words → upper → sizes); an experiment branch with one changed file reruns
// exactly one datum per stage; a pipeline change on the branch leaves master
// bit-identical; `tusk impact` agrees with the jobs that follow; `experiment
// diff` and `promote` (and its refusal when not a fast-forward); `experiment
// list` and `delete`; `run pipeline --branch`, `run cron`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, type RunOptions, expectError } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let work: string;

const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-experiments-'));
});

afterAll(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

function spec(name: string, repo: string, cmd: string, extra: string[] = []): string {
  return [`pipeline:`, `  name: ${name}`, `transform:`, `  cmd: ["sh", "-c", ${JSON.stringify(cmd)}]`, `input:`, `  pfs:`, `    repo: ${repo}`, `    glob: "/*"`, ...extra].join('\n') + '\n';
}

async function specFile(name: string, text: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
}

const UPPER = 'for f in /pfs/words/*; do tr a-z A-Z < "$f" > /pfs/out/$(basename "$f"); done';
const UPPER_V2 = 'for f in /pfs/words/*; do { tr a-z A-Z < "$f"; printf "!"; } > /pfs/out/$(basename "$f"); done';
const SIZES = 'for f in /pfs/upper/*; do wc -c < "$f" | tr -d " " > /pfs/out/$(basename "$f"); done';

/** path → content hash of every file of a commit. */
async function hashes(ref: string): Promise<Record<string, string>> {
  const files = await tuskJson<{ path: string; hash: string }[]>(['list', 'file', ref]);
  return Object.fromEntries(files.map((f) => [f.path, f.hash]));
}

async function datumStates(ref: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const d of await tuskJson<{ state: string }[]>(['list', 'datum', ref])) counts[d.state] = (counts[d.state] ?? 0) + 1;
  return counts;
}

/** The counts of a finished job as `impact` reports them. */
function asImpact(job: { datums: { total: number; processed: number; skipped: number } }) {
  return { total: job.datums.total, run: job.datums.processed, reused: job.datums.skipped };
}

describe('experiments on branches (real workers)', () => {
  it('branches, previews, runs, diffs and promotes an experiment', async () => {
    await tuskJson(['create', 'repo', 'words']);
    const dir = join(work, 'words');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir);
    for (let i = 0; i < 10; i++) await writeFile(join(dir, `w${i}.txt`), `word number ${i}\n`);
    const first = (await tusk(['put', 'file', 'words@master', '-f', dir, '-r'])).stdout.trim();
    await tuskJson(['create', 'pipeline', '-f', await specFile('upper.yaml', spec('upper', 'words', UPPER))]);
    await tuskJson(['create', 'pipeline', '-f', await specFile('sizes.yaml', spec('sizes', 'upper', SIZES))]);
    const [sizesJob] = await tuskJson(['list', 'job', '-p', 'sizes']);
    expect(await tuskJson(['wait', 'job', `sizes@${sizesJob.id}`])).toMatchObject({ state: 'success', datums: { total: 10, processed: 10 } });
    expect(first).toMatch(/^[0-9a-f]{32}$/);

    // Impact of a spec that changes nothing the datums depend on: every datum reused, at both stages (exact).
    const same = await specFile('upper-p2.yaml', spec('upper', 'words', UPPER, ['parallelism_spec:', '  constant: 1', 'description: same code']));
    const sameImpact = await tuskJson(['impact', '-f', same]);
    expect(sameImpact).toEqual([
      { pipeline: 'upper', branch: 'master', version: 2, datums: { total: 10, run: 0, reused: 10 }, exact: true, note: null },
      { pipeline: 'sizes', branch: 'master', version: 1, datums: { total: 10, run: 0, reused: 10 }, exact: true, note: null },
    ]);
    await tuskJson(['update', 'pipeline', '-f', same]);
    const [upperV2Job] = await tuskJson(['list', 'job', '-p', 'upper']);
    const upperDone = await tuskJson(['wait', 'job', `upper@${upperV2Job.id}`]);
    const sizesDone = await tuskJson(['wait', 'job', `sizes@${upperV2Job.id}`]);
    expect([asImpact(upperDone), asImpact(sizesDone)]).toEqual(sameImpact.map((r: any) => r.datums));

    // An experiment: branch the input in O(1), change one file in an open commit, preview, finish.
    const masterUpper = await hashes('upper@master');
    const masterSizes = await hashes('sizes@master');
    await tuskJson(['create', 'branch', 'words@exp', '--head', 'master']);
    const exp = (await tusk(['start', 'commit', 'words@exp'])).stdout.trim();
    expect((await tusk(['put', 'file', 'words@exp:/w3.txt', '-f', '-'], { input: 'a much longer third word\n' })).code).toBe(0);
    const preview = await tuskJson(['impact', `words@${exp}`]);
    expect(preview).toEqual([
      { pipeline: 'upper', branch: 'exp', version: 2, datums: { total: 10, run: 1, reused: 9 }, exact: true, note: null },
      { pipeline: 'sizes', branch: 'exp', version: 1, datums: null, exact: false, note: expect.stringMatching(/output of upper/) },
    ]);
    expect((await tusk(['impact', `words@${exp}`])).stdout).toMatch(/^PIPELINE\s+BRANCH\s+VERSION\s+DATUMS\s+RUN\s+REUSED\s+NOTE\nupper\s+exp\s+2\s+10\s+1\s+9\s*\nsizes\s+exp\s+1\s+\?\s+\?\s+\?\s+depends on the output of upper/);
    await tuskJson(['finish', 'commit', `words@${exp}`]);
    await tuskJson(['wait', 'commit', `sizes@${exp}`]);
    const upperExp = await tuskJson(['inspect', 'job', `upper@${exp}`]);
    expect(asImpact(upperExp)).toEqual(preview[0].datums);
    // Exactly one datum per stage ran; the rest were reused from master's results.
    expect(await datumStates(`upper@${exp}`)).toEqual({ success: 1, skipped: 9 });
    expect(await datumStates(`sizes@${exp}`)).toEqual({ success: 1, skipped: 9 });
    expect((await tusk(['get', 'file', 'sizes@exp:/w3.txt'])).stdout.trim()).toBe('25');
    expect(await hashes('upper@master')).toEqual(masterUpper);

    // A code change on exp only: preview it, apply it, and master's outputs stay bit-identical.
    const v2 = await specFile('upper-v2.yaml', spec('upper', 'words', UPPER_V2));
    const codePreview = await tuskJson(['impact', '-f', v2, '--branch', 'exp']);
    expect(codePreview).toEqual([
      { pipeline: 'upper', branch: 'exp', version: 3, datums: { total: 10, run: 10, reused: 0 }, exact: true, note: null },
      { pipeline: 'sizes', branch: 'exp', version: 1, datums: null, exact: false, note: expect.any(String) },
    ]);
    const updated = await tuskJson(['update', 'pipeline', '-f', v2, '--branch', 'exp']);
    expect(updated).toMatchObject({ name: 'upper', version: 2, branchVersions: [{ branch: 'exp', version: 3 }] });
    expect((await tusk(['inspect', 'pipeline', 'upper'])).stdout).toMatch(/^On exp:\s+version 3 \(output upper@exp\)$/m);
    const [codeJob] = (await tuskJson(['list', 'job', '-p', 'upper'])) as any[];
    expect(codeJob).toMatchObject({ pipelineVersion: 3, outputCommit: { repo: 'upper', branch: 'exp' } });
    expect(asImpact(await tuskJson(['wait', 'job', `upper@${codeJob.id}`]))).toEqual(codePreview[0].datums);
    expect(await tuskJson(['wait', 'job', `sizes@${codeJob.id}`])).toMatchObject({ state: 'success', datums: { total: 10, processed: 10, skipped: 0 } });
    expect((await tusk(['get', 'file', 'upper@exp:/w1.txt'])).stdout).toBe('WORD NUMBER 1\n!');
    expect((await tusk(['get', 'file', 'upper@master:/w1.txt'])).stdout).toBe('WORD NUMBER 1\n');
    expect(await hashes('upper@master')).toEqual(masterUpper);
    expect(await hashes('sizes@master')).toEqual(masterSizes);

    // A new commit on exp keeps running exp's version; master keeps version 2.
    const exp2 = (await tusk(['put', 'file', 'words@exp:/w0.txt', '-f', '-'], { input: 'zero\n' })).stdout.trim();
    await tuskJson(['wait', 'commit', `sizes@${exp2}`]);
    expect(await tuskJson(['inspect', 'job', `upper@${exp2}`])).toMatchObject({ pipelineVersion: 3, datums: { processed: 1, skipped: 9 } });
    expect((await tusk(['get', 'file', 'upper@exp:/w0.txt'])).stdout).toBe('ZERO\n!');

    // The experiment's summary, per repo of the DAG.
    const summary = await tuskJson(['experiment', 'diff', 'exp']);
    expect(summary.map((r: any) => [r.repo, r.base, r.pipeline, r.added, r.modified, r.deleted])).toEqual([
      ['sizes', 'master', { version: 1, baseVersion: 1 }, 0, 10, 0],
      ['upper', 'master', { version: 3, baseVersion: 2 }, 0, 10, 0],
      ['words', 'master', null, 0, 2, 0],
    ]);
    expect(summary.find((r: any) => r.repo === 'upper').bytesModified).toBeGreaterThan(0);
    expect((await tusk(['experiment', 'diff', 'exp'])).stdout).toMatch(/\nupper\s+exp vs master\s+2 → 3\s+0\s+10 \(\d+ B\)\s+0\n/);
    // Every size moved by one byte (the "!"), as diff file shows for that repo.
    const fileDiff = await tuskJson(['diff', 'file', 'sizes@exp', 'sizes@master']);
    expect(fileDiff.map((d: any) => d.change)).toEqual(Array(10).fill('modified'));

    // run pipeline --branch: a job on the experiment's heads, everything reused.
    const rerun = await tuskJson(['run', 'pipeline', 'upper', '--branch', 'exp']);
    expect(await tuskJson(['wait', 'job', `upper@${rerun.id}`])).toMatchObject({ pipelineVersion: 3, branch: 'exp', datums: { total: 10, skipped: 10 } });
    expectError(await tusk(['run', 'pipeline', 'upper', '--branch', 'nosuch']), /no input of pipeline upper has a branch "nosuch"/);

    // Promote: main-line branches fast-forward to the experiment, its version becomes the main one.
    await tuskJson(['wait', 'commit', `sizes@${rerun.id}`]);
    const expHeads = { words: await hashes('words@exp'), upper: await hashes('upper@exp'), sizes: await hashes('sizes@exp') };
    const jobsBefore = (await tuskJson(['list', 'job'])).length;
    const promoted = await tuskJson(['experiment', 'promote', 'exp']);
    // Moving the branches runs nothing: the experiment's outputs are already those inputs' results.
    expect((await tuskJson(['list', 'job'])).length).toBe(jobsBefore);
    expect(promoted.moved.map((m: any) => [m.repo, m.branch]).sort()).toEqual([['sizes', 'master'], ['upper', 'master'], ['words', 'master']]);
    expect(promoted.pipelines).toEqual([{ name: 'upper', from: 2, to: 3 }]);
    expect(await hashes('words@master')).toEqual(expHeads.words);
    expect(await hashes('upper@master')).toEqual(expHeads.upper);
    expect(await hashes('sizes@master')).toEqual(expHeads.sizes);
    expect(await tuskJson(['inspect', 'pipeline', 'upper'])).toMatchObject({ version: 3, branchVersions: [] });
    const after = (await tusk(['put', 'file', 'words@master:/w9.txt', '-f', '-'], { input: 'nine\n' })).stdout.trim();
    await tuskJson(['wait', 'commit', `sizes@${after}`]);
    expect((await tusk(['get', 'file', 'upper@master:/w9.txt'])).stdout).toBe('NINE\n!');
    expect(await tuskJson(['inspect', 'job', `upper@${after}`])).toMatchObject({ pipelineVersion: 3, datums: { processed: 1, skipped: 9 } });

    // A second experiment whose main line moves meanwhile cannot be promoted; nothing changes.
    await tuskJson(['create', 'branch', 'words@exp2', '--head', 'master']);
    const e2 = (await tusk(['put', 'file', 'words@exp2:/w5.txt', '-f', '-'], { input: 'five\n' })).stdout.trim();
    await tuskJson(['wait', 'commit', `sizes@${e2}`]);
    const moved = (await tusk(['put', 'file', 'words@master:/w6.txt', '-f', '-'], { input: 'six\n' })).stdout.trim();
    await tuskJson(['wait', 'commit', `sizes@${moved}`]);
    const branchesBefore = await tuskJson(['list', 'branch', 'words']);
    expectError(await tusk(['experiment', 'promote', 'exp2']), /cannot promote exp2: the main line moved since the experiment branched in sizes \(master is at [0-9a-f]{32}, exp2 at [0-9a-f]{32}\), upper \(.*\), words \(.*\) \(not a fast-forward\)/);
    expect(await tuskJson(['list', 'branch', 'words'])).toEqual(branchesBefore);
    expectError(await tusk(['experiment', 'diff', 'nosuch']), /no repo of the pipeline graph has a branch "nosuch"/);

    // The experiments there are, then exp2 discarded: its branches go everywhere, the main line stays.
    const listed = await tuskJson(['experiment', 'list']);
    expect(listed.map((e: any) => [e.branch, e.repos, e.open])).toEqual([
      ['exp', ['sizes', 'upper', 'words'], []],
      ['exp2', ['sizes', 'upper', 'words'], []],
    ]);
    expect((await tusk(['experiment', 'list'])).stdout).toMatch(/^EXPERIMENT +REPOS +PIPELINE VERSIONS +OPEN +UPDATED\nexp +sizes, upper, words +- +- +\S/);
    const masterBefore = await tuskJson(['list', 'branch', 'upper']);
    const deleted = await tuskJson(['experiment', 'delete', 'exp2']);
    expect(deleted.branches.map((b: any) => `${b.repo}@${b.branch}`)).toEqual(['words@exp2', 'sizes@exp2', 'upper@exp2']);
    expect((await tuskJson(['list', 'branch', 'words'])).map((b: any) => b.name).sort()).toEqual(['exp', 'master']);
    expect((await tuskJson(['list', 'branch', 'upper'])).filter((b: any) => b.name === 'master')).toEqual(masterBefore.filter((b: any) => b.name === 'master'));
    expect((await tuskJson(['experiment', 'list'])).map((e: any) => e.branch)).toEqual(['exp']);
    expect(await tuskJson(['inspect', 'commit', `upper@${e2}`])).toMatchObject({ id: e2 });
    expectError(await tusk(['experiment', 'delete', 'exp2']), /no repo of the pipeline graph has a branch "exp2"/);
  }, 240_000);

  it('refuses bad experiment input with a clear error and changes nothing', async () => {
    // A branch version that would read its own downstream output is a cycle on that branch.
    const cyc = await specFile('upper-cycle.yaml', spec('upper', 'sizes', 'true'));
    const pick = (p: any) => ({ version: p.version, spec: p.spec, branchVersions: p.branchVersions });
    const before = pick(await tuskJson(['inspect', 'pipeline', 'upper']));
    expectError(await tusk(['update', 'pipeline', '-f', cyc, '--branch', 'exp']), /pipeline "upper" would create a cycle on branch exp: (upper → sizes → upper|sizes → upper → sizes)/);
    expectError(await tusk(['update', 'pipeline', '-f', await specFile('nope.yaml', spec('nope', 'words', 'true')), '--branch', 'exp']), /pipeline "nope" not found; create it on the main line first/);
    expectError(await tusk(['update', 'pipeline', '-f', await specFile('bad-branch.yaml', spec('upper', 'words', 'true')), '--branch', 'a b']), /branch/);
    const usage = await tusk(['impact']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('tusk: give either REPO@REF or -f SPEC\n');
    expectError(await tusk(['impact', 'words@nosuch']), /nosuch/);
    expect(pick(await tuskJson(['inspect', 'pipeline', 'upper']))).toEqual(before);
  }, 60_000);

  it('run cron ticks a cron input now and the pipeline runs on the tick', async () => {
    const text = ['pipeline:', '  name: ticker', 'transform:', '  cmd: ["sh", "-c", "ls /pfs/tick > /pfs/out/ticks"]', 'input:', '  cron:', '    name: tick', '    spec: "@every 24h"', '    overwrite: true', ''].join('\n');
    await tuskJson(['create', 'pipeline', '-f', await specFile('ticker.yaml', text)]);
    const [tick] = await tuskJson(['run', 'cron', 'ticker']);
    expect(tick).toMatchObject({ repo: 'ticker_tick', branch: 'master', id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    await tuskJson(['wait', 'commit', `ticker@${tick.id}`]);
    expect((await tusk(['get', 'file', `ticker@${tick.id}:/ticks`])).stdout).toMatch(/^\d{4}-\d\d-\d\dT/);
    expectError(await tusk(['run', 'cron', 'upper']), /pipeline "upper" has no cron input/);
  }, 60_000);
});
