// End to end, for Pachyderm users' job and pipeline habits (issue 16, point 12):
// `restart datum` on a running job and on a failed one, `stop job`, `delete job`,
// `validate pipeline`, `edit pipeline` and `create pipeline -f URL`, against a
// real tuskd with real workers. Specs are written as Pachyderm's docs write
// them (JSON in camelCase, YAML in snake_case). User code waits on marker files
// under /opt, which the sandbox shows read-only, so the test decides when a
// datum may fail, succeed or finish. Each test drives a dozen CLI calls and real
// workers: under a loaded machine they need more than the default minute.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle;
let marks: string;
let http: Server;
let httpBase: string;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  // The sandbox shows only the system folders (usr, etc, opt, ...) of the host: markers live under /opt.
  marks = await mkdtemp('/opt/tusk-parity-');
  http = createServer((req, res) => {
    if (req.url === '/specs/copy.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ pipeline: { name: 'fromurl' }, input: { pfs: { repo: 'urlin', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp -r /pfs/urlin/. /pfs/out/'] }, parallelismSpec: { constant: 1 } }));
    } else {
      res.statusCode = 404;
      res.end('not here');
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpBase = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
});

afterAll(async () => {
  await writeFile(join(marks, 'go'), ''); // release any datum still waiting
  await daemon?.stop();
  await new Promise((r) => http?.close(r));
  await rm(marks, { recursive: true, force: true });
});

async function specFile(name: string, text: string): Promise<string> {
  const path = join(marks, name);
  await writeFile(path, text);
  return path;
}

async function put(repo: string, files: Record<string, string>): Promise<string> {
  const open = (await tusk(['start', 'commit', `${repo}@master`])).stdout.trim();
  for (const [name, content] of Object.entries(files)) {
    const res = await tusk(['put', 'file', `${repo}@master:/${name}`, '-f', '-'], { input: content });
    expect(res.code, res.stderr).toBe(0);
  }
  expect((await tusk(['finish', 'commit', `${repo}@master`])).code).toBe(0);
  return open;
}


const datums = (ref: string) => tuskJson<any[]>(['list', 'datum', ref]);
const byFile = (list: any[], file: string) => list.find((d) => d.files.some((f: string) => f.endsWith(file)));

describe('restart datum', { timeout: 180_000 }, () => {
  it('puts a failed datum of a running job back in the queue with its tries reset', async () => {
    await tuskJson(['create', 'repo', 'rin']);
    // Pachyderm's docs write JSON specs in camelCase. /bad fails until "fix" exists; /slow waits for "go".
    const cmd = `f=$(basename $rin); if [ $f = bad ] && [ ! -f ${marks}/fix ]; then echo broken >&2; exit 1; fi; ` +
      `if [ $f = slow ]; then while [ ! -f ${marks}/go ]; do sleep 0.1; done; fi; cp $rin /pfs/out/$f`;
    await tuskJson(['create', 'pipeline', '-f', await specFile('rrun.json', JSON.stringify({
      pipeline: { name: 'rrun' }, input: { pfs: { repo: 'rin', glob: '/*' } }, transform: { cmd: ['sh', '-c', cmd] }, parallelismSpec: { constant: 2 }, datumTries: 1,
    }))]);
    const id = await put('rin', { bad: 'b', slow: 's' });
    const failed = await until(() => datums(`rrun@${id}`), (l) => byFile(l, '/bad')?.state === 'failed');
    expect(byFile(failed, '/bad').tries).toBe(1);
    expect((await tuskJson(['inspect', 'job', `rrun@${id}`])).state).toBe('running');

    await writeFile(join(marks, 'fix'), '');
    const restarted = await tuskJson(['restart', 'datum', `rrun@${id}`, byFile(failed, '/bad').id]);
    expect(restarted).toMatchObject({ id, pipeline: 'rrun', state: 'running' });
    // Release /slow too: a worker that took both datums in one batch is busy with it until then.
    await writeFile(join(marks, 'go'), '');
    const done = await tuskJson(['wait', 'job', `rrun@${id}`]);
    expect(done).toMatchObject({ state: 'success', datums: { total: 2, processed: 2, failed: 0 } });
    expect(byFile(await datums(`rrun@${id}`), '/bad')).toMatchObject({ state: 'success', tries: 1 }); // reset: one new try, not two
    expect((await tusk(['get', 'file', `rrun@${id}:/bad`])).stdout).toBe('b');
    await tuskJson(['delete', 'pipeline', 'rrun']); // its two workers would slow the tests below
  });

  it('after a failed job, starts a job that reruns the failed datum and reuses the rest', async () => {
    await tuskJson(['create', 'repo', 'fin']);
    // YAML in snake_case, as Pachyderm's docs write it.
    const yaml = [
      'pipeline:', '  name: rfail', 'input:', '  pfs:', '    repo: fin', '    glob: "/*"', 'transform:', '  cmd: ["sh"]',
      `  stdin: ["f=$(basename $fin); if [ $f = flaky ] && [ ! -f ${marks}/fix2 ]; then exit 3; fi; cp $fin /pfs/out/$f"]`,
      'datum_tries: 1', '',
    ].join('\n');
    await tuskJson(['create', 'pipeline', '-f', await specFile('rfail.yaml', yaml)]);
    const id = await put('fin', { good: 'g', flaky: 'f' });
    expect((await tusk(['wait', 'job', `rfail@${id}`])).code).toBe(1); // the job failed
    const job = await tuskJson(['inspect', 'job', `rfail@${id}`]);
    expect(job).toMatchObject({ state: 'failure', datums: { processed: 1, failed: 1 } });
    const flaky = byFile(await datums(`rfail@${id}`), '/flaky');

    expectError(await tusk(['restart', 'datum', `rfail@${id}`, byFile(await datums(`rfail@${id}`), '/good').id]), /is success .*nothing to restart/);
    await writeFile(join(marks, 'fix2'), '');
    const rerun = await tuskJson(['restart', 'datum', `rfail@${id}`, flaky.id]);
    expect(rerun.id).not.toBe(id);
    const human = await tusk(['list', 'job', '-p', 'rfail']);
    expect(human.stdout).toContain(rerun.id);
    const done = await tuskJson(['wait', 'job', `rfail@${rerun.id}`]);
    expect(done).toMatchObject({ state: 'success', datums: { total: 2, processed: 1, skipped: 1, failed: 0 } });
    expect(byFile(await datums(`rfail@${rerun.id}`), '/good').state).toBe('skipped');
    expect((await tusk(['get', 'file', 'rfail@master:/flaky'])).stdout).toBe('f');

    // list job --state: pachctl's "failed" is our "failure".
    const failedJobs = await tuskJson<any[]>(['list', 'jobs', '-p', 'rfail', '--state', 'failed']);
    expect(failedJobs.map((j) => j.id)).toEqual([id]);
    expect((await tuskJson<any[]>(['list', 'job', '-p', 'rfail', '--state', 'success'])).map((j) => j.id)).toEqual([rerun.id]);
    await tuskJson(['delete', 'pipeline', 'rfail']);
  });

  it('refuses an unknown datum and job', async () => {
    expectError(await tusk(['restart', 'datum', 'rfail@0123456789abcdef0123456789abcdef', 'abc']), /not found/);
  });
});

describe('stop job and delete job', { timeout: 180_000 }, () => {
  it('stops a running job (killed, output unchanged) and deletes it', async () => {
    await tuskJson(['create', 'repo', 'sin']);
    await tuskJson(['create', 'pipeline', '-f', await specFile('stuck.yaml',
      `pipeline: {name: stuck}\ninput: {pfs: {repo: sin, glob: "/"}}\ntransform: {cmd: [sh, -c, "while [ ! -f ${marks}/never ]; do sleep 0.1; done"]}\n`)]);
    const id = await put('sin', { a: '1' });
    await until(() => tuskJson(['inspect', 'job', `stuck@${id}`]), (j) => j.state === 'running');
    const stopped = await tuskJson(['stop', 'job', `stuck@${id}`]);
    expect(stopped).toMatchObject({ id, state: 'killed' });
    expect((await tusk(['wait', 'commit', `stuck@${id}`])).code).toBe(0);
    expectError(await tusk(['stop', 'job', `stuck@${id}`]), /is killed: there is nothing to stop/);
    expect((await tusk(['list', 'job', '--state', 'killed'])).stdout).toContain(id);

    expect(await tuskJson(['delete', 'job', `stuck@${id}`])).toEqual({ pipeline: 'stuck', id, deleted: true });
    expectError(await tusk(['inspect', 'job', `stuck@${id}`]), /not found/);
    expect((await tuskJson<any[]>(['list', 'job', '-p', 'stuck'])).map((j) => j.id)).not.toContain(id);
    expect((await tuskJson(['inspect', 'commit', `stuck@${id}`])).finished).toBeTruthy(); // the output commit stays
    await tuskJson(['delete', 'pipeline', 'stuck']);
  });
});

describe('validate, edit, and create from a URL', { timeout: 180_000 }, () => {
  it('validates specs without creating anything', async () => {
    await tuskJson(['create', 'repo', 'vin']);
    const good = await specFile('v.json', JSON.stringify({ pipeline: { name: 'valid' }, input: { pfs: { repo: 'vin', glob: '/*' } }, transform: { cmd: ['true'] } }));
    expect((await tusk(['validate', 'pipeline', '-f', good])).stdout).toBe('pipeline valid: valid\n');
    expect(await tuskJson(['validate', 'pipeline', '-f', good])).toMatchObject({ name: 'valid', version: 1 });
    expectError(await tusk(['inspect', 'pipeline', 'valid']), /not found/);
    const bad = await specFile('bad.yaml', 'pipeline: {name: bad}\ninput: {pfs: {repo: vin, glob: "/*", colour: red}}\ntransform: {cmd: ["true"]}\n');
    expectError(await tusk(['validate', 'pipeline', '-f', bad]), /input\.pfs\.colour: unknown field/);
    expectError(await tusk(['validate', 'pipeline', '-f', await specFile('nope.yaml', 'pipeline: {name: nope}\ninput: {pfs: {repo: missing, glob: "/*"}}\ntransform: {cmd: ["true"]}\n')]), /missing/);
  });

  it('creates a pipeline from an http URL and says which URL failed', async () => {
    await tuskJson(['create', 'repo', 'urlin']);
    expect(await tuskJson(['create', 'pipeline', '-f', `${httpBase}/specs/copy.json`])).toMatchObject({ name: 'fromurl', version: 1 });
    expectError(await tusk(['create', 'pipeline', '-f', `${httpBase}/specs/gone.json`]), /gone\.json: HTTP 404/);
  });

  it('prints the specs with list pipeline --spec, each after the pipelines it reads, and create pipeline -f reads them back', async () => {
    await tuskJson(['create', 'repo', 'specin']);
    const spec = (name: string, repo: string) => JSON.stringify({ pipeline: { name }, input: { pfs: { repo, glob: '/' } }, transform: { cmd: ['true'] } });
    await tuskJson(['create', 'pipeline', '-f', await specFile('up.json', spec('sa-up', 'specin'))]);
    await tuskJson(['create', 'pipeline', '-f', await specFile('down.json', spec('sb-down', 'specin'))]);
    // sa-up, the older one (and first by name), now reads sb-down's output: a backup must create sb-down first
    await tuskJson(['update', 'pipeline', '-f', await specFile('up2.json', spec('sa-up', 'sb-down'))]);
    const mine = (text: string) => text.split(/\n(?=\{)|---\n/).filter((d) => /name.*s[ab]-(up|down)/.test(d));
    const json = (await tusk(['list', 'pipeline', '--spec'])).stdout;
    expect(mine(json).map((d) => JSON.parse(d).pipeline.name)).toEqual(['sb-down', 'sa-up']);
    expect(JSON.parse(mine(json)[1]!)).toEqual({ pipeline: { name: 'sa-up' }, input: { pfs: { repo: 'sb-down', glob: '/' } }, transform: { cmd: ['true'] } });
    expect((await tusk(['list', 'pipeline', 'sa-up', '--spec', '-o', 'yaml'])).stdout).toBe('pipeline:\n  name: sa-up\ninput:\n  pfs:\n    repo: sb-down\n    glob: /\ntransform:\n  cmd:\n    - "true"\n');
    const backup = await specFile('backup.json', mine(json).join('\n'));
    await tusk(['delete', 'pipeline', 'sa-up']);
    await tusk(['delete', 'pipeline', 'sb-down']);
    expect((await tuskJson(['create', 'pipeline', '-f', backup])).map((p: any) => p.name)).toEqual(['sb-down', 'sa-up']);
  });

  it('edits a pipeline in $EDITOR: a saved change is a new version, no change is none', async () => {
    await tuskJson(['create', 'repo', 'ein']);
    await tuskJson(['create', 'pipeline', '-f', await specFile('e.yaml', 'pipeline:\n  name: edited\ninput:\n  pfs:\n    repo: ein\n    glob: "/*"\ntransform:\n  cmd: [sh, -c, "echo one"]\n')]);
    const same = await tusk(['edit', 'pipeline', 'edited'], { env: { ...daemon.env, EDITOR: 'true' } });
    expect(same.stdout).toBe('pipeline edited: no change\n');
    const changed = await tuskJson(['edit', 'pipeline', 'edited'], { env: { ...daemon.env, EDITOR: "sed -i 's/echo one/echo two/'" } });
    expect(changed).toMatchObject({ name: 'edited', version: 2, spec: { transform: { cmd: ['sh', '-c', 'echo two'] } } });
    const json = await tusk(['edit', 'pipeline', 'edited', '--editor-format', 'json'], { env: { ...daemon.env, EDITOR: "sed -i 's/\"glob\": \"\\/\\*\"/\"glob\": \"\\/\"/'" } });
    expect(json.stdout).toBe('pipeline edited: version 3\n');
    expectError(await tusk(['edit', 'pipeline', 'edited'], { env: { ...daemon.env, EDITOR: 'false' } }), /exited 1: the pipeline is unchanged/);
    // An edit the daemon refuses is kept, and the one-line error says where.
    const refused = await tusk(['edit', 'pipeline', 'edited'], { env: { ...daemon.env, EDITOR: "sed -i 's/^transform:/transfrom:/'" } });
    expectError(refused, /transfrom: unknown field.* \(your edit is kept in (\S+\.yaml): fix it and run tusk update pipeline -f \1\)\n/);
    const kept = /kept in (\S+\.yaml)/.exec(refused.stderr)![1]!;
    expect(await readFile(kept, 'utf8')).toMatch(/^transfrom:/m);
    expect((await tuskJson(['inspect', 'pipeline', 'edited'])).version).toBe(3);
    await writeFile(kept, (await readFile(kept, 'utf8')).replace('transfrom:', 'transform:').replace('echo two', 'echo three'));
    expect(await tuskJson(['update', 'pipeline', '-f', kept])).toMatchObject({ version: 4 });
    await rm(join(kept, '..'), { recursive: true, force: true });
  });

  it('reruns a pipeline as a new version of the same spec: its job reuses every datum, or runs them all with --reprocess', async () => {
    await tuskJson(['create', 'repo', 'rerunin']);
    await tuskJson(['create', 'pipeline', '-f', await specFile('rr.yaml', 'pipeline:\n  name: rerun\ninput:\n  pfs:\n    repo: rerunin\n    glob: "/*"\ntransform:\n  cmd: [sh, -c, "cp /pfs/rerunin/* /pfs/out/"]\n')]);
    const first = await put('rerunin', { 'a.txt': 'a', 'b.txt': 'b' });
    await tuskJson(['wait', 'commit', `rerun@${first}`]);
    const before = await tuskJson(['inspect', 'pipeline', 'rerun']);
    expect((await tusk(['rerun', 'pipeline', 'rerun'])).stdout).toBe('pipeline rerun: version 1 → 2\n');
    const jobOf = async (version: number) => {
      const jobs = await until(() => tuskJson<any[]>(['list', 'job', '-p', 'rerun']), (js) => js.some((j) => j.pipelineVersion === version), 30_000);
      return tuskJson(['wait', 'job', `rerun@${jobs.find((j) => j.pipelineVersion === version).id}`]);
    };
    const again = await jobOf(2);
    expect(again).toMatchObject({ pipelineVersion: 2, state: 'success', datums: { total: 2, processed: 0, skipped: 2 } });
    expect((await tuskJson(['inspect', 'pipeline', 'rerun'])).spec).toEqual(before.spec);
    expect(await tuskJson(['rerun', 'pipeline', 'rerun', '--reprocess'])).toMatchObject({ name: 'rerun', version: 3 });
    const all = await jobOf(3);
    expect(all).toMatchObject({ pipelineVersion: 3, state: 'success', datums: { total: 2, processed: 2, skipped: 0 } });
    expectError(await tusk(['rerun', 'pipeline', 'nosuch']), /pipeline "nosuch" not found/);
  });
});
