// End to end: the real `tusk` binary against a real tuskd whose local runtime
// starts real worker and sidecar processes — the pipeline half of DESIGN.md's
// grammar (pipelines, jobs, datums, logs, provenance) with -o json, and the
// exit statuses users script on.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { TUSK, tusk as run, tuskJson as runJson, type RunOptions, expectError } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let work: string;
const ID = /^[0-9a-f]{32}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const hasJsonnet = spawnSync('jsonnet', ['--version']).status === 0;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-cli-pps-'));
});

afterAll(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

function spec(name: string, repo: string, glob: string, cmd: string, extra = ''): string {
  return [`pipeline:`, `  name: ${name}`, `transform:`, `  cmd: ["sh", "-c", ${JSON.stringify(cmd)}]`, `input:`, `  pfs:`, `    repo: ${repo}`, `    glob: "${glob}"`, extra].join('\n') + '\n';
}

async function specFile(name: string, text: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
}

/** Puts `content` at /name on repo@master and returns the commit ID. */
async function put(repo: string, name: string, content: string): Promise<string> {
  const res = await tusk(['put', 'file', `${repo}@master:/${name}`, '-f', '-'], { input: content });
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.trim();
}

describe('pipelines whose inputs have no commits yet', () => {
  it('creates, lists, inspects, stops, starts, updates and deletes a pipeline', async () => {
    await tuskJson(['create', 'repo', 'quiet']);
    const created = await tuskJson(['create', 'pipeline', '-f', await specFile('idle.yaml', spec('idle', 'quiet', '/*', 'cp -r /pfs/quiet/. /pfs/out/'))]);
    expect(created).toMatchObject({ name: 'idle', version: 1, state: 'running', outputBranch: 'master' });
    expect(created.spec).toMatchObject({ name: 'idle', transform: { cmd: ['sh', '-c', 'cp -r /pfs/quiet/. /pfs/out/'] }, input: { repo: 'quiet', glob: '/*' } });
    expect(await tuskJson(['inspect', 'repo', 'idle'])).toMatchObject({ name: 'idle' });

    const listed = await tuskJson(['list', 'pipeline']);
    expect(listed.map((p: any) => p.name)).toContain('idle');
    const table = await tusk(['list', 'pipeline']);
    expect(table.stdout).toMatch(/^NAME\s+VERSION\s+INPUT\s+CREATED\s+STATE \/ LAST JOB/);
    expect(table.stdout).toMatch(/\nidle\s+1\s+quiet:\/\*\s+\S.*?\s+running \/ -/);
    expect((await tusk(['inspect', 'pipeline', 'idle'])).stdout).toMatch(/^Input:\s+quiet:\/\*$/m);
    expect(await tuskJson(['inspect', 'pipeline', 'idle'])).toMatchObject({ name: 'idle', version: 1 });

    expect(await tuskJson(['list', 'job', '-p', 'idle'])).toEqual([]);
    expect((await tusk(['list', 'job', '-p', 'idle'])).stdout).toMatch(/^PIPELINE\s+ID\s+STATE\s+DATUMS\s+STARTED\s+DURATION\n$/);

    expect(await tuskJson(['stop', 'pipeline', 'idle'])).toMatchObject({ name: 'idle', state: 'paused' });
    expect(await tuskJson(['start', 'pipeline', 'idle'])).toMatchObject({ name: 'idle', state: 'running' });

    const v2 = await specFile('idle2.yaml', spec('idle', 'quiet', '/', 'cp -r /pfs/quiet/. /pfs/out/'));
    expect(await tuskJson(['update', 'pipeline', '-f', v2])).toMatchObject({ name: 'idle', version: 2, spec: { input: { glob: '/' } } });
    expect(await tuskJson(['update', 'pipeline', '-f', v2, '--reprocess'])).toMatchObject({ version: 3 });

    expect(await tuskJson(['delete', 'pipeline', 'idle'])).toEqual({ pipeline: 'idle', deleted: true });
    expectError(await tusk(['inspect', 'pipeline', 'idle']), /pipeline "idle" not found/);
    expectError(await tusk(['inspect', 'repo', 'idle']), /not found/);
  });

  it('creates several pipelines from one file, in order, and reads a spec from standard input', async () => {
    await tuskJson(['create', 'repo', 'raw']);
    const text = spec('stage1', 'raw', '/*', 'cp /pfs/raw/* /pfs/out/') + '---\n' + spec('stage2', 'stage1', '/', 'ls /pfs/stage1 > /pfs/out/list');
    const created = await tuskJson(['create', 'pipeline', '-f', '-'], { input: text });
    expect(created.map((p: any) => [p.name, p.version])).toEqual([
      ['stage1', 1],
      ['stage2', 1],
    ]);
    expect(await tuskJson(['inspect', 'pipeline', 'stage2'])).toMatchObject({ spec: { input: { repo: 'stage1' } } });
    expect(await tuskJson(['delete', 'pipeline', 'stage2'])).toEqual({ pipeline: 'stage2', deleted: true });
    expect(await tuskJson(['delete', 'pipeline', 'stage1'])).toEqual({ pipeline: 'stage1', deleted: true });
  });

  it.skipIf(!hasJsonnet)('creates and updates pipelines from a Jsonnet template with --arg, as pachctl --jsonnet does', async () => {
    await tuskJson(['create', 'repo', 'jin']);
    const template = await specFile('copy.jsonnet', 'function(suffix, glob="/*") { pipeline: { name: "jcopy-" + suffix }, input: { pfs: { repo: "jin", glob: glob } }, transform: { cmd: ["true"] } }\n');
    const made = await tuskJson(['create', 'pipeline', '--jsonnet', template, '--arg', 'suffix=a']);
    expect(made).toMatchObject({ name: 'jcopy-a', version: 1, spec: { input: { glob: '/*' } } });
    const updated = await tuskJson(['update', 'pipeline', '--jsonnet', template, '--arg', 'suffix=a', '--arg', 'glob=/']);
    expect(updated).toMatchObject({ name: 'jcopy-a', version: 2, spec: { input: { glob: '/' } } });
    expectError(await tusk(['create', 'pipeline', '--jsonnet', template]), /copy\.jsonnet: function parameter suffix not bound in call/);
    const both = await tusk(['create', 'pipeline', '--jsonnet', template, '-f', template]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('tusk: give the specs with either -f FILE or --jsonnet TEMPLATE\n');
    const noJsonnet = await tusk(['create', 'pipeline', '--jsonnet', template, '--arg', 'suffix=b'], { env: { ...daemon.env, PATH: work } });
    expectError(noJsonnet, /--jsonnet needs the jsonnet command/);
  });

  it('refuses bad specs naming each field, unknown repos and pipelines, and malformed job refs', async () => {
    await tuskJson(['create', 'repo', 'known']);
    const bad = await tusk(['create', 'pipeline', '-f', '-'], { input: spec('bad', 'known', '[a', 'true', 'bogus_field: 1') });
    expectError(bad, /input\.pfs\.glob: invalid glob "\[a"/);
    expect(bad.stderr).toMatch(/bogus_field: unknown field/);

    expectError(await tusk(['create', 'pipeline', '-f', '-'], { input: spec('orphan', 'no-such-repo', '/*', 'true') }), /repo "no-such-repo" not found/);
    expectError(await tusk(['inspect', 'repo', 'orphan']), /not found/); // nothing half-made

    const two = spec('twice', 'known', '/*', 'true');
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: two })).code).toBe(0);
    expectError(await tusk(['create', 'pipeline', '-f', '-'], { input: two }), /already exists/);
    expectError(await tusk(['update', 'pipeline', '-f', '-'], { input: spec('never-made', 'known', '/*', 'true') }), /not found/);

    expectError(await tusk(['inspect', 'pipeline', 'ghost']), /pipeline "ghost" not found/);
    expectError(await tusk(['list', 'job', '-p', 'ghost']), /pipeline "ghost" not found/);
    expectError(await tusk(['delete', 'pipeline', 'ghost']), /not found/);
    expectError(await tusk(['inspect', 'job', `twice@${'0'.repeat(32)}`]), /not found/);
    expectError(await tusk(['logs', '-p', 'ghost']), /not found/);
    expectError(await tusk(['create', 'pipeline', '-f', join(work, 'missing.yaml')]), /missing\.yaml: no such file or directory/);

    for (const args of [
      ['inspect', 'job', 'twice'],
      ['inspect', 'job', 'twice@master'],
      ['wait', 'job', `@${'0'.repeat(32)}`],
      ['list', 'datum', 'twice@123'],
      ['inspect', 'datum', 'twice@xyz', 'abc'],
      ['restart', 'datum', 'twice', 'abc'],
      ['create', 'pipeline'],
      ['logs'],
      ['inspect', 'pipeline'],
    ]) {
      const res = await tusk(args);
      expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(2);
      expect(res.stderr).toMatch(/^tusk: /);
    }
  });
});

describe('a pipeline that runs (real workers)', () => {
  it('runs a job per input commit and shows its jobs, datums, logs and provenance', async () => {
    await tuskJson(['create', 'repo', 'in']);
    const first = await put('in', 'a.txt', 'alpha\n');
    await tuskJson(['create', 'pipeline', '-f', await specFile('copy.yaml', spec('copy', 'in', '/*', 'cp /pfs/in/* /pfs/out/ && echo copied $(ls /pfs/in)'))]);

    // The job created with the pipeline runs on the current head.
    const [initial] = await tuskJson(['list', 'job', '-p', 'copy']);
    expect(initial).toMatchObject({ pipeline: 'copy', pipelineVersion: 1 });
    const done = await tuskJson(['wait', 'job', `copy@${initial.id}`]);
    expect(done).toMatchObject({ id: initial.id, state: 'success', datums: { total: 1, processed: 1, skipped: 0, failed: 0, recovered: 0 } });
    expect(done.inputs).toEqual([{ repo: 'in', branch: 'master', id: first }]);

    // A new commit starts a job with its global ID; the unchanged datum is reused.
    const second = await put('in', 'b.txt', 'beta\n');
    const job = await tuskJson(['wait', 'job', `copy@${second}`]);
    expect(job).toMatchObject({
      id: second,
      pipeline: 'copy',
      state: 'success',
      datums: { total: 2, processed: 1, skipped: 1, failed: 0, recovered: 0 },
      outputCommit: { repo: 'copy', branch: 'master', id: second },
      reason: null,
    });
    expect(job.started).toMatch(ISO);
    expect(job.finished).toMatch(ISO);
    expect((await tusk(['get', 'file', `copy@${second}:/b.txt`])).stdout).toBe('beta\n');

    const jobs = await tuskJson(['list', 'job', '-p', 'copy']);
    expect(jobs.map((j: any) => j.id)).toEqual([second, initial.id]); // newest first
    expect((await tusk(['list', 'job'])).stdout).toMatch(new RegExp(`\\ncopy\\s+${second}\\s+success\\s+1\\+1/2\\s`));
    expect((await tusk(['inspect', 'job', `copy@${second}`])).stdout).toMatch(/^Datums:\s+2 total: 1 processed, 1 skipped, 0 failed, 0 recovered$/m);

    const datums = await tuskJson(['list', 'datum', `copy@${second}`]);
    expect(datums.map((d: any) => [d.files, d.state]).sort()).toEqual([
      [['/a.txt'], 'skipped'],
      [['/b.txt'], 'success'],
    ]);
    const ran = datums.find((d: any) => d.state === 'success');
    expect(ran).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]+$/), tries: 1, durationMs: expect.any(Number), job: second, pipeline: 'copy' });
    expect(await tuskJson(['inspect', 'datum', `copy@${second}`, ran.id])).toMatchObject({ id: ran.id, state: 'success', files: ['/b.txt'] });
    expect((await tusk(['list', 'datum', `copy@${second}`])).stdout).toMatch(/^ID\s+STATE\s+FILES\s+TRIES\s+TIME\n/);
    expectError(await tusk(['inspect', 'datum', `copy@${second}`, 'f'.repeat(64)]), /not found/);

    const logs = await tuskJson(['logs', '-p', 'copy']);
    expect(logs.map((l: any) => l.message)).toEqual(expect.arrayContaining(['copied a.txt', 'copied b.txt']));
    const jobLogs = await tuskJson(['logs', '-p', 'copy', '--job', second]);
    expect(jobLogs.map((l: any) => l.message)).toContain('copied b.txt');
    expect(jobLogs.every((l: any) => l.job === second)).toBe(true);
    expect(jobLogs.find((l: any) => l.message === 'copied b.txt')).toMatchObject({ pipeline: 'copy', datum: ran.id, stream: 'stdout', time: expect.stringMatching(ISO) });
    expect((await tusk(['logs', '-p', 'copy', '--job', second, '--datum', ran.id])).stdout).toBe('copied b.txt\n');

    // Provenance and subvenance through a second stage.
    await tuskJson(['create', 'pipeline', '-f', '-'], { input: spec('count', 'copy', '/', 'ls /pfs/copy | wc -l > /pfs/out/count') });
    const third = await put('in', 'c.txt', 'gamma\n');
    await tuskJson(['wait', 'commit', `count@${third}`]);
    expect((await tusk(['get', 'file', `count@${third}:/count`])).stdout.trim()).toBe('3');

    const prov = await tuskJson(['provenance', `count@${third}`]);
    expect(prov).toEqual({
      commit: { repo: 'count', branch: 'master', id: third },
      origin: 'auto',
      pipeline: 'count',
      pipelineVersion: 1,
      children: [
        {
          commit: { repo: 'copy', branch: 'master', id: third },
          origin: 'auto',
          pipeline: 'copy',
          pipelineVersion: 1,
          children: [{ commit: { repo: 'in', branch: 'master', id: third }, origin: 'user', pipeline: null, pipelineVersion: null, children: [] }],
        },
      ],
    });
    expect((await tusk(['provenance', `count@${third}`])).stdout).toBe(
      `count@${third} (pipeline count v1)\n└── copy@${third} (pipeline copy v1)\n    └── in@${third} (user)\n`,
    );
    const sub = await tuskJson(['subvenance', `in@${third}`]);
    expect(sub.commit).toEqual({ repo: 'in', branch: 'master', id: third });
    expect(sub.children.map((c: any) => c.commit.repo)).toEqual(['copy']);
    expect(sub.children[0].children.map((c: any) => [c.commit.repo, c.pipeline])).toEqual([['count', 'count']]);

    // inspect commit GLOBAL_ID: every commit of the set and the jobs that made them.
    const set = await tuskJson(['inspect', 'commit', third]);
    expect(set.map((c: any) => c.repo).sort()).toEqual(['copy', 'count', 'in']);
    expect(set.find((c: any) => c.repo === 'in').job).toBeNull();
    expect(set.find((c: any) => c.repo === 'count').job).toMatchObject({ id: third, pipeline: 'count', state: 'success' });
    const setText = (await tusk(['inspect', 'commit', third])).stdout;
    expect(setText).toMatch(/^REPO\s+BRANCH\s+COMMIT/);
    expect(setText).toMatch(/\n\nPIPELINE\s+ID\s+STATE\s+DATUMS/);
    expect(setText).toMatch(new RegExp(`\\ncopy\\s+${third}\\s+success\\s+1\\+2/3\\s`));
    expect(setText).toMatch(new RegExp(`\\ncount\\s+${third}\\s+success\\s+1\\+0/1\\s`));

    // run pipeline: a job on the current heads, printed as its ID.
    const rerun = await tusk(['run', 'pipeline', 'copy']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout.trim()).toMatch(ID);
    expect(await tuskJson(['wait', 'job', `copy@${rerun.stdout.trim()}`])).toMatchObject({ state: 'success', datums: { total: 3, skipped: 3 } });
  }, 180_000);

  it('list datum -f previews a spec\'s datums with the IDs its job uses, and which it would reuse', async () => {
    await tuskJson(['create', 'repo', 'preview']);
    await put('preview', 'a.txt', 'alpha\n');
    await put('preview', 'b.txt', 'beta\n');
    const copy = await specFile('pcopy.yaml', spec('pcopy', 'preview', '/*', 'cp /pfs/preview/* /pfs/out/'));
    const before = await tuskJson(['list', 'datum', '-f', copy]);
    expect(before.map((d: any) => [d.files, d.state, d.pipeline, d.job])).toEqual(expect.arrayContaining([
      [['/a.txt'], 'queued', 'pcopy', ''],
      [['/b.txt'], 'queued', 'pcopy', ''],
    ]));
    expect(before).toHaveLength(2);
    expectError(await tusk(['inspect', 'pipeline', 'pcopy']), /not found/); // nothing was created

    await tuskJson(['create', 'pipeline', '-f', copy]);
    const [job] = await tuskJson(['list', 'job', '-p', 'pcopy']);
    await tuskJson(['wait', 'job', `pcopy@${job.id}`]);
    const ran = await tuskJson(['list', 'datum', `pcopy@${job.id}`]);
    expect(ran.map((d: any) => d.id).sort()).toEqual(before.map((d: any) => d.id).sort());

    await tuskJson(['stop', 'pipeline', 'pcopy']); // c.txt waits: its datum has no result yet
    await put('preview', 'c.txt', 'gamma\n');
    const after = await tuskJson(['list', 'datum', '-f', copy]);
    expect(after.map((d: any) => [d.files[0], d.state]).sort()).toEqual([['/a.txt', 'skipped'], ['/b.txt', 'skipped'], ['/c.txt', 'queued']]);
    const changed = await tuskJson(['list', 'datum', '-f', '-'], { input: spec('pcopy', 'preview', '/*', 'cp /pfs/preview/* /pfs/out/ # v2') });
    expect(changed.map((d: any) => d.state)).toEqual(['queued', 'queued', 'queued']); // a new transform reruns every datum
    expect((await tuskJson(['list', 'datum', '-f', copy, '--reprocess'])).map((d: any) => d.state)).toEqual(['queued', 'queued', 'queued']);
    expect((await tusk(['list', 'datum', '-f', copy])).stdout).toMatch(/^ID\s+STATE\s+FILES\s+TRIES\s+TIME\n[0-9a-f]{64}\s+(skipped|queued)\s+\/[abc]\.txt/);

    expectError(await tusk(['list', 'datum', '-f', '-'], { input: spec('ghost', 'nosuchrepo', '/*', 'true') }), /repo "nosuchrepo" not found/);
    for (const args of [['list', 'datum'], ['list', 'datum', `pcopy@${job.id}`, '-f', copy]]) {
      const usage = await tusk(args);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toBe('tusk: give either PIPELINE@JOB_ID or -f SPEC\n');
    }
  }, 120_000);

  it('wait job exits 1 with the reason when the job fails, after printing the job', async () => {
    await tuskJson(['create', 'repo', 'doomed']);
    await put('doomed', 'x.txt', 'x\n');
    await tuskJson(['create', 'pipeline', '-f', '-'], { input: spec('fails', 'doomed', '/', 'echo boom >&2; exit 3', 'datum_tries: 1') });
    const [job] = await tuskJson(['list', 'job', '-p', 'fails']);
    const res = await tusk(['wait', 'job', `fails@${job.id}`, '-o', 'json']);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout)).toMatchObject({ id: job.id, state: 'failure', datums: { total: 1, failed: 1 } });
    expect(res.stderr).toMatch(new RegExp(`^tusk: job fails@${job.id} failed: [^\\n]*boom\\n$`));

    const [datum] = await tuskJson(['list', 'datum', `fails@${job.id}`]);
    expect(datum).toMatchObject({ state: 'failed', files: ['/x.txt'], tries: 1, reason: expect.stringMatching(/exit/) });
    expect((await tusk(['logs', '-p', 'fails', '--datum', datum.id])).stdout).toMatch(/^boom$/m);

    // Below the failed job, the next pipeline's job is killed; waiting for the whole ID names the cause, not the casualty.
    await tuskJson(['create', 'pipeline', '-f', '-'], { input: spec('after', 'fails', '/', 'true') });
    const next = await put('doomed', 'y.txt', 'y\n');
    const set = await tusk(['wait', 'job', next]);
    expect(set.code).toBe(1);
    expect(set.stdout).toMatch(new RegExp(`\\nafter\\s+${next}\\s+killed`));
    expect(set.stderr).toMatch(new RegExp(`^tusk: job fails@${next} failed: [^\n]*boom\n$`));

    // The output commits say why they hold no new output (pachctl's CommitInfo.error); wait commit exits 0, as pachctl's does.
    const failedCommit = await tusk(['wait', 'commit', `fails@${next}`, '-o', 'json']);
    expect(failedCommit.code, failedCommit.stderr).toBe(0);
    expect(JSON.parse(failedCommit.stdout)).toMatchObject({ id: next, error: expect.stringMatching(new RegExp(`^job fails@${next} failed: .*boom`)) });
    expect(await tuskJson(['inspect', 'commit', `after@${next}`])).toMatchObject({ id: next, error: expect.stringMatching(new RegExp(`^job after@${next} was killed`)) });
    expect((await tusk(['wait', 'commit', `after@${next}`])).stdout).toMatch(new RegExp(`^Error: +job after@${next} was killed`, 'm'));
    expect(await tuskJson(['inspect', 'commit', `doomed@${next}`])).toMatchObject({ id: next, error: null });
  }, 120_000);

  it('logs -f -o json prints new lines as newline-delimited JSON while it follows', async () => {
    await tuskJson(['create', 'repo', 'live']);
    await tuskJson(['create', 'pipeline', '-f', '-'], { input: spec('echoer', 'live', '/*', 'echo saw $(ls /pfs/live)') });
    const child = spawn(process.execPath, [TUSK, 'logs', '-p', 'echoer', '-f', '-o', 'json'], { env: daemon.env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      const seen = new Promise<void>((resolve, reject) => {
        child.stdout.setEncoding('utf8').on('data', (s: string) => {
          out += s;
          if (out.includes('saw late.txt')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`logs -f exited (${code}) before the line came: ${out}`)));
      });
      await new Promise((r) => setTimeout(r, 500));
      const id = await put('live', 'late.txt', 'late\n');
      await seen;
      const lines = out.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.find((l) => l.message === 'saw late.txt')).toMatchObject({ pipeline: 'echoer', job: id, stream: 'stdout' });
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);
});
