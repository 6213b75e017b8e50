// End to end: the real `tusk` binary against a real tuskd, the PFS part of
// DESIGN.md's grammar with -o json, and the exit statuses users script on.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, inS3Mode, startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { TUSK, tusk as run, tuskJson as runJson, type RunOptions, expectError } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let work: string;
const ID = /^[0-9a-f]{32}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/**
 * Tests whose subject never reaches the object store (argument checks, usage errors, terminal
 * rendering) run in the `tusk` project only, not again in the `s3` one (vitest.config.ts).
 */
const storageAgnostic = inS3Mode() ? it.skip : it;

const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-cli-'));
});

afterAll(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

async function tree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

describe('repos', () => {
  it('creates, lists, inspects and deletes a repo', async () => {
    const created = await tuskJson(['create', 'repo', 'r1', '-d', 'first repo']);
    expect(created).toMatchObject({ name: 'r1', sizeBytes: 0, description: 'first repo' });
    expect(Array.isArray(created.branches)).toBe(true);

    const listed = await tuskJson(['list', 'repo']);
    expect(listed.map((r: any) => r.name)).toContain('r1');

    const table = await tusk(['list', 'repo']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+CREATED\s+SIZE/);
    expect(table.stdout).toMatch(/\nr1\s+(just now|\d+ seconds ago)\s+0 B/); // a loaded machine takes seconds for the calls since

    expect(await tuskJson(['inspect', 'repo', 'r1'])).toMatchObject({ name: 'r1', sizeBytes: 0 });

    const again = await tusk(['create', 'repo', 'r1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^tusk: .*r1.*exists\n$/);

    expect(await tuskJson(['delete', 'repo', 'r1'])).toEqual({ repo: 'r1', deleted: true });
    const gone = await tusk(['inspect', 'repo', 'r1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^tusk: .*r1.*not found\n$/);
  });

  storageAgnostic('refuses an invalid repo name with the rule', async () => {
    const bad = await tusk(['create', 'repo', 'no/slashes']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^tusk: invalid repo name "no\/slashes"/);
    expect(bad.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('put, list, get and diff files', () => {
  it('puts a nested folder with -r under a path as one commit, then reads every byte back', async () => {
    await tuskJson(['create', 'repo', 'photos']);
    const dir = join(work, 'photos');
    const binary = randomBytes(300_000);
    await tree(dir, { 'a/b.txt': 'bee\n', 'a/deeper/c.bin': binary, 'top.txt': 'top\n' });

    const put = await tusk(['put', 'file', 'photos@master:/in', '-f', dir, '-r']);
    expect(put.code).toBe(0);
    const commitId = put.stdout.trim();
    expect(commitId).toMatch(ID);

    const root = await tuskJson(['list', 'file', 'photos@master']);
    expect(root).toEqual([expect.objectContaining({ path: '/in', type: 'dir' })]);
    const listed = await tuskJson(['list', 'file', 'photos@master:/in/a']);
    expect(listed.map((f: any) => [f.path, f.type])).toEqual([
      ['/in/a/b.txt', 'file'],
      ['/in/a/deeper', 'dir'],
    ]);
    expect(listed[0]).toMatchObject({ sizeBytes: 4, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    expect((await tusk(['get', 'file', 'photos@master:/in/a/b.txt'])).stdout).toBe('bee\n');
    const got = await tusk(['get', 'file', `photos@${commitId}:/in/a/deeper/c.bin`]);
    expect(got.code).toBe(0);
    expect(got.raw.equals(binary)).toBe(true);

    const diff = await tuskJson(['diff', 'file', 'photos@master']);
    expect(diff).toEqual([
      { path: '/in/a/b.txt', change: 'added', sizeBytes: 4, oldSizeBytes: 0 },
      { path: '/in/a/deeper/c.bin', change: 'added', sizeBytes: 300_000, oldSizeBytes: 0 },
      { path: '/in/top.txt', change: 'added', sizeBytes: 4, oldSizeBytes: 0 },
    ]);

    const commits = await tuskJson(['list', 'commit', 'photos@master']);
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({ id: commitId, repo: 'photos', branch: 'master', parentId: null, origin: 'user', sizeBytes: 300_008, provenance: [] });
    expect(commits[0].finished).toMatch(ISO);
    expect(commits[0].started).toMatch(ISO);
  });

  it('puts a folder\'s contents under / and a single file at its base name without a path', async () => {
    await tuskJson(['create', 'repo', 'nopath']);
    const dir = join(work, 'nopath');
    await tree(dir, { 'x/y.txt': 'y', 'z.txt': 'z' });
    expect((await tusk(['put', 'file', 'nopath@master', '-f', dir, '-r'])).code).toBe(0);
    await writeFile(join(work, 'single.csv'), 'a,b\n');
    expect((await tusk(['put', 'file', 'nopath@master', '-f', join(work, 'single.csv')])).code).toBe(0);
    expect((await tusk(['put', 'file', 'nopath@master:/into/', '-f', join(work, 'single.csv')])).code).toBe(0);
    const files = await tuskJson(['glob', 'file', 'nopath@master:/**']);
    expect(files.filter((f: any) => f.type === 'file').map((f: any) => f.path)).toEqual(['/into/single.csv', '/single.csv', '/x/y.txt', '/z.txt']);
    expect((await tuskJson(['list', 'commit', 'nopath'])).length).toBe(3);
  });

  it('reads standard input with -f - and appends with --append', async () => {
    await tuskJson(['create', 'repo', 'logs']);
    const first = await tusk(['put', 'file', 'logs@master:/day.log', '-f', '-', '-m', 'first lines'], { input: 'one\n' });
    expect(first.code).toBe(0);
    expect((await tuskJson(['inspect', 'commit', 'logs@master'])).description).toBe('first lines');
    expect((await tusk(['put', 'file', 'logs@master:/day.log', '-f', '-', '--append'], { input: 'two\n' })).code).toBe(0);
    expect((await tusk(['get', 'file', 'logs@master:/day.log'])).stdout).toBe('one\ntwo\n');
    expect((await tusk(['get', 'file', 'logs@master^:/day.log'])).stdout).toBe('one\n');
    expect(await tuskJson(['diff', 'file', 'logs@master'])).toEqual([{ path: '/day.log', change: 'modified', sizeBytes: 8, oldSizeBytes: 4 }]);
    // without --append the file is replaced
    expect((await tusk(['put', 'file', 'logs@master:/day.log', '-f', '-'], { input: 'three\n' })).code).toBe(0);
    expect((await tusk(['get', 'file', 'logs@master:/day.log'])).stdout).toBe('three\n');
  });

  it('writes get file -o to a local file or into a local folder', async () => {
    await tuskJson(['create', 'repo', 'dl']);
    await tusk(['put', 'file', 'dl@master:/d/data.txt', '-f', '-'], { input: 'payload' });
    const target = join(work, 'out.txt');
    const got = await tusk(['get', 'file', 'dl@master:/d/data.txt', '-o', target]);
    expect(got).toMatchObject({ code: 0, stdout: '' });
    expect(await readFile(target, 'utf8')).toBe('payload');
    const folder = join(work, 'dl-folder');
    await mkdir(folder);
    expect((await tusk(['get', 'file', 'dl@master:/d/data.txt', '-o', folder])).code).toBe(0);
    expect(await readFile(join(folder, 'data.txt'), 'utf8')).toBe('payload');

    const missing = await tusk(['get', 'file', 'dl@master:/d/nope.txt', '-o', join(work, 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^tusk: .*nope\.txt.*not found/);
    await expect(readFile(join(work, 'nope.txt'))).rejects.toThrow();
  });

  it('writes get file -o into a named pipe or a device as it is, never replacing it', async () => {
    await tuskJson(['create', 'repo', 'dlpipe']);
    await tusk(['put', 'file', 'dlpipe@master:/data.txt', '-f', '-'], { input: 'through the pipe' });
    const fifo = join(work, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    const read = new Promise<string>((resolve) => {
      let text = '';
      reader.stdout.on('data', (chunk) => (text += chunk));
      reader.on('close', () => resolve(text));
    });
    const got = await tusk(['get', 'file', 'dlpipe@master:/data.txt', '-o', fifo]);
    expect(got.code, got.stderr).toBe(0);
    const timer = setTimeout(() => reader.kill(), 10_000); // with the file renamed over the pipe, cat would wait for ever
    expect(await read).toBe('through the pipe');
    clearTimeout(timer);
    expect(execFileSync('stat', ['-c', '%F', fifo], { encoding: 'utf8' }).trim()).toBe('fifo');
    const toNull = await tusk(['get', 'file', 'dlpipe@master:/data.txt', '-o', '/dev/null']);
    expect(toNull.code, toNull.stderr).toBe(0);
    expect(execFileSync('stat', ['-c', '%F', '/dev/null'], { encoding: 'utf8' }).trim()).toBe('character special file');
  });

  it("gets a file -o through the recorded daemon's HTTP API, and over gRPC when that port does not answer", async () => {
    await tuskJson(['create', 'repo', 'viahttp']);
    await tusk(['put', 'file', 'viahttp@master:/a.txt', '-f', '-'], { input: 'over http' });
    const record = JSON.parse(await readFile(join(daemon.home, 'tuskd.json'), 'utf8'));
    const home = await mkdtemp(join(work, 'home-'));
    // The record names a gRPC address where nothing listens: only the daemon's HTTP API can answer.
    const deadPort = await freePort();
    await writeFile(join(home, 'tuskd.json'), JSON.stringify({ ...record, port: deadPort, address: `127.0.0.1:${deadPort}` }));
    const viaHttp = await run(['get', 'file', 'viahttp@master:/a.txt', '-o', join(work, 'via-http.txt')], { env: { ...daemon.env, TUSK_HOME: home, TUSK_ADDRESS: `127.0.0.1:${deadPort}` } });
    expect(viaHttp).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(join(work, 'via-http.txt'), 'utf8')).toBe('over http');
    // Now an HTTP port where nothing listens, for the daemon's real address: the get goes over gRPC.
    await writeFile(join(home, 'tuskd.json'), JSON.stringify({ ...record, httpPort: await freePort() }));
    const viaGrpc = await run(['get', 'file', 'viahttp@master:/a.txt', '-o', join(work, 'via-grpc.txt')], { env: { ...daemon.env, TUSK_HOME: home } });
    expect(viaGrpc).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(join(work, 'via-grpc.txt'), 'utf8')).toBe('over http');
  });

  it('deletes a file and diffs against an explicit old commit', async () => {
    await tuskJson(['create', 'repo', 'del']);
    const dir = join(work, 'del');
    await tree(dir, { 'keep.txt': 'k', 'drop.txt': 'dd', 'sub/s.txt': 's' });
    const base = (await tusk(['put', 'file', 'del@master', '-f', dir, '-r'])).stdout.trim();
    const after = await tusk(['delete', 'file', 'del@master:/drop.txt']);
    expect(after.code).toBe(0);
    expect(after.stdout.trim()).toMatch(ID);
    expect((await tuskJson(['list', 'file', 'del@master'])).map((f: any) => f.path)).toEqual(['/keep.txt', '/sub']);
    expect(await tuskJson(['diff', 'file', 'del@master', `del@${base}`])).toEqual([{ path: '/drop.txt', change: 'deleted', sizeBytes: 0, oldSizeBytes: 2 }]);
    const human = await tusk(['diff', 'file', 'del@master', `del@${base}`]);
    expect(human.stdout).toMatch(/^CHANGE\s+PATH\s+SIZE\ndeleted\s+\/drop\.txt\s+2 B\n$/);
    expect((await tuskJson(['glob', 'file', 'del@master:/*.txt'])).map((f: any) => f.path)).toEqual(['/keep.txt']);
  });

  it('puts what a named pipe carries (as `-f <(command)` does), and refuses a device in one line', async () => {
    await tuskJson(['create', 'repo', 'piped']);
    const fifo = join(work, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const bytes = randomBytes(3 * 1024 * 1024 + 7); // more than one read of the pipe
    const put = tusk(['put', 'file', 'piped@master:/from-pipe.bin', '-f', fifo]);
    await writeFile(fifo, bytes); // opens when the CLI opens the other end
    const done = await put;
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect((await tusk(['get', 'file', 'piped@master:/from-pipe.bin'])).raw.equals(bytes)).toBe(true);
    const device = await tusk(['put', 'file', 'piped@master:/zero', '-f', '/dev/zero']);
    expect(device.code).toBe(2);
    expect(device.stderr).toBe('tusk: /dev/zero is not a regular file, folder or pipe\n');
  });
});

describe('commits', () => {
  it('collects writes in an open commit until it is finished, then refuses writes', async () => {
    await tuskJson(['create', 'repo', 'c1']);
    const started = await tusk(['start', 'commit', 'c1@master']);
    expect(started.code).toBe(0);
    const id = started.stdout.trim();
    expect(id).toMatch(ID);

    const put1 = await tusk(['put', 'file', 'c1@master:/a.txt', '-f', '-'], { input: 'a' });
    const put2 = await tusk(['put', 'file', `c1@${id}:/b.txt`, '-f', '-'], { input: 'b' });
    expect([put1.stdout.trim(), put2.stdout.trim()]).toEqual([id, id]);

    const open = await tuskJson(['inspect', 'commit', `c1@${id}`]);
    expect(open).toMatchObject({ id, finished: null, repo: 'c1', branch: 'master' });

    const finished = await tuskJson(['finish', 'commit', 'c1@master', '-m', 'two files']);
    expect(finished).toMatchObject({ id, description: 'two files', sizeBytes: 2 });
    expect(finished.finished).toMatch(ISO);

    const again = await tusk(['finish', 'commit', `c1@${id}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^tusk: .*finished/);

    const late = await tusk(['put', 'file', `c1@${id}:/c.txt`, '-f', '-'], { input: 'c' });
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/^tusk: .*finished/);
    expect(late.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect((await tuskJson(['list', 'file', `c1@${id}`])).map((f: any) => f.path)).toEqual(['/a.txt', '/b.txt']);
  });

  it('lists commits newest first and inspects a global commit ID as its set', async () => {
    await tuskJson(['create', 'repo', 'hist']);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await tusk(['put', 'file', 'hist@master:/n', '-f', '-'], { input: String(n) })).stdout.trim());
    const commits = await tuskJson(['list', 'commit', 'hist']);
    expect(commits.map((c: any) => c.id)).toEqual([...ids].reverse());
    expect(commits[0].parentId).toBe(ids[1]);
    expect((await tuskJson(['list', 'commit', 'hist@master', '-n', '2'])).map((c: any) => c.id)).toEqual([ids[2], ids[1]]);
    // Any ref after the @ lists the history from there, as git log REF does; a malformed one is named as such.
    expect((await tuskJson(['list', 'commit', 'hist@master^'])).map((c: any) => c.id)).toEqual([ids[1], ids[0]]);
    expect((await tuskJson(['list', 'commit', `hist@${ids[1]}`])).map((c: any) => c.id)).toEqual([ids[1], ids[0]]);
    expectError(await tusk(['list', 'commit', 'hist@master^5']), /hist@master\^5 goes back past the first commit \(2 ancestors exist\)/);
    expectError(await tusk(['list', 'commit', 'hist@master@x']), /invalid reference "hist@master@x": "master@x" is not a branch name or commit ID/);

    const set = await tuskJson(['inspect', 'commit', ids[0]!]);
    expect(set).toEqual([expect.objectContaining({ id: ids[0], repo: 'hist' })]);
    expect((await tuskJson(['inspect', 'commit', 'hist@master^2'])).id).toBe(ids[0]);
    // pachctl's spellings: ~N as ^N, .N counted from the first commit, and --raw for JSON
    expect(JSON.parse((await tusk(['inspect', 'commit', 'hist@master~1', '--raw'])).stdout).id).toBe(ids[1]);
    expect((await tusk(['get', 'file', 'hist@master.1:/n'])).stdout).toBe('1');
    expect((await tusk(['list', 'commit', 'hist', '--raw'])).stdout).toBe((await tusk(['list', 'commit', 'hist', '-o', 'json'])).stdout);
    const human = await tusk(['inspect', 'commit', 'hist@master']);
    expect(human.stdout).toContain(`Commit:      hist@${ids[2]}`);
    expect(human.stdout).toContain(`Parent:      ${ids[1]}`);
  });

  it('waits for an open commit until another client finishes it', async () => {
    await tuskJson(['create', 'repo', 'w']);
    const id = (await tusk(['start', 'commit', 'w@master'])).stdout.trim();
    let done = false;
    const waiting = tusk(['wait', 'commit', `w@${id}`, '-o', 'json']).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(done).toBe(false);
    expect((await tusk(['finish', 'commit', 'w@master'])).code).toBe(0);
    const waited = await waiting;
    expect(waited.code).toBe(0);
    expect(JSON.parse(waited.stdout)).toMatchObject({ id, finished: expect.stringMatching(ISO) });
  });
});

describe('branches', () => {
  it('creates a branch at a head, lists, inspects and deletes it', async () => {
    await tuskJson(['create', 'repo', 'b']);
    const first = (await tusk(['put', 'file', 'b@master:/f', '-f', '-'], { input: '1' })).stdout.trim();
    const second = (await tusk(['put', 'file', 'b@master:/f', '-f', '-'], { input: '22' })).stdout.trim();

    expect(await tuskJson(['create', 'branch', 'b@staging', '--head', 'master'])).toMatchObject({ name: 'staging', repo: 'b', head: second });
    expect(await tuskJson(['create', 'branch', 'b@v1', '--head', first])).toMatchObject({ head: first });
    expect(await tuskJson(['create', 'branch', 'b@empty'])).toMatchObject({ name: 'empty', head: null });

    const branches = await tuskJson(['list', 'branch', 'b']);
    expect(branches.map((x: any) => x.name).sort()).toEqual(['empty', 'master', 'staging', 'v1']);
    expect(await tuskJson(['inspect', 'branch', 'b@v1'])).toMatchObject({ name: 'v1', repo: 'b', head: first });
    expect((await tusk(['get', 'file', 'b@v1:/f'])).stdout).toBe('1');
    expect((await tusk(['list', 'branch', 'b'])).stdout).toMatch(/^BRANCH\s+HEAD\s+TRIGGER\n/);

    // writing to the new branch leaves master alone
    await tusk(['put', 'file', 'b@staging:/g', '-f', '-'], { input: 'g' });
    expect((await tuskJson(['list', 'file', 'b@master'])).map((f: any) => f.path)).toEqual(['/f']);
    expect((await tuskJson(['list', 'file', 'b@staging'])).map((f: any) => f.path)).toEqual(['/f', '/g']);

    expect(await tuskJson(['delete', 'branch', 'b@v1'])).toEqual({ repo: 'b', branch: 'v1', deleted: true });
    const gone = await tusk(['inspect', 'branch', 'b@v1']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^tusk: .*v1.*not found/);
  });
});

describe('errors', () => {
  storageAgnostic('exits 1 with one line for unknown repos and malformed refs', async () => {
    for (const args of [
      ['list', 'file', 'nosuchrepo@master'],
      ['list', 'commit', 'nosuchrepo'],
      ['get', 'file', 'nosuchrepo@master:/x'],
      ['put', 'file', 'nosuchrepo@master:/x', '-f', '-'],
    ]) {
      const r = await tusk(args, { input: 'x' });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^tusk: .*nosuchrepo.*not found\n$/);
    }
    for (const ref of ['bad@@x:/a', 'bad@ma ster:/a', 'bad@master^x:/a', 'bad@master:/../etc']) {
      const r = await tusk(['get', 'file', ref]);
      expect(r.code, ref).toBe(1);
      expect(r.stderr).toMatch(/^tusk: invalid (reference|path)/);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });

  storageAgnostic('exits 2 on usage errors: unknown command or flag, missing argument, folder without -r, stdin without a path', async () => {
    const cases: string[][] = [
      ['frobnicate'],
      ['create', 'repository', 'x'],
      ['list', 'repo', '--bogus'],
      ['create', 'repo'],
      ['put', 'file', 'x@master'],
      ['list', 'repo', '-o', 'xml'],
      ['put', 'file', 'x@master', '-f', work],
      ['put', 'file', 'x@master', '-f', '-'],
      ['list', 'commit', 'x', '-n', 'many'],
      ['create', 'repo', 'a', 'b'],
      ['put', 'file', 'x@master', '-f', '-', '-f', 'b'], // several -f are accepted (as pachctl), but not standard input among them
    ];
    for (const args of cases) {
      const r = await tusk(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^tusk: /);
      expect(r.stdout).toBe('');
    }
  });

  storageAgnostic('names a missing local file', async () => {
    const r = await tusk(['put', 'file', 'x@master', '-f', join(work, 'missing.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tusk: ${join(work, 'missing.txt')}: no such file or directory\n`);
  });
});

/** Runs tusk under script(1), so that its stdout and stderr are a terminal; returns what the terminal showed. */
function onTerminal(args: string[]): Promise<string> {
  const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, TUSK, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: daemon.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

describe('progress bars', () => {
  it.skipIf(!existsSync('/usr/bin/script') || inS3Mode())('are drawn for put and get on a terminal, never into pipes or JSON', async () => {
    await tuskJson(['create', 'repo', 'prog']);
    const file = join(work, 'five-mib.bin');
    await writeFile(file, randomBytes(5 * 1024 * 1024));

    const put = await onTerminal(['put', 'file', 'prog@master:/a.bin', '-f', file]);
    expect(put).toMatch(/put \[=+\] 100% 5 MiB \/ 5 MiB/);
    expect(put).toMatch(/[0-9a-f]{32}/);
    const get = await onTerminal(['get', 'file', 'prog@master:/a.bin', '-o', join(work, 'back.bin')]);
    expect(get).toMatch(/get \[=+\] 100% 5 MiB \/ 5 MiB/);
    expect((await readFile(join(work, 'back.bin'))).equals(await readFile(file))).toBe(true);

    const json = await onTerminal(['put', 'file', 'prog@master:/b.bin', '-f', file, '-o', 'json']);
    expect(json).not.toContain('put [');
    const piped = await tusk(['put', 'file', 'prog@master:/c.bin', '-f', file]);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
  });
});
