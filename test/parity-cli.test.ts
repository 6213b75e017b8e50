// End to end, for pachctl habits on files and output (issue 16, points 10 and
// 14): put file from standard input, URLs, lists and tar archives; get file -r,
// inspect file, copy file by reference, list file --history; -o yaml, plural
// nouns, completion scripts, delete --all, contexts, logs --since and --help of
// every new command, against one real tuskd.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
let work: string;
let http: Server;
let base: string;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-parity-cli-'));
  http = createServer((req, res) => {
    if (req.url === '/data/cat%201.txt') res.end('meow');
    else if (req.url === '/data/dog.txt') res.end('woof');
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
});

afterAll(async () => {
  await daemon?.stop();
  await new Promise((r) => http?.close(r));
  await rm(work, { recursive: true, force: true });
});

describe('put file as pachctl users type it', () => {
  it('reads standard input without -f, URLs, a list of sources, and tar archives', async () => {
    await tuskJson(['create', 'repo', 'pf']);
    const stdin = await tusk(['put', 'file', 'pf@master:/notes/hello.txt'], { input: 'hello\n' });
    expect(stdin.stdout).toMatch(/^[0-9a-f]{32}\n$/);
    expect((await tusk(['get', 'file', 'pf@master:/notes/hello.txt'])).stdout).toBe('hello\n');
    expectError(await tusk(['put', 'file', 'pf@master'], { input: 'x' }).then((r) => ({ ...r, code: r.code === 2 ? 1 : r.code })), /needs a path/);

    expect(await tuskJson(['put', 'file', 'pf@master:/web/', '-f', `${base}/data/cat%201.txt`])).toMatchObject({ filesWritten: 1 });
    expect((await tusk(['get', 'file', 'pf@master:/web/cat 1.txt'])).stdout).toBe('meow');
    expectError(await tusk(['put', 'file', 'pf@master:/web/x', '-f', `${base}/nope`]), /nope: HTTP 404/);

    await writeFile(join(work, 'local.txt'), 'local');
    await writeFile(join(work, 'list.txt'), `# sources\n${base}/data/dog.txt\n${join(work, 'local.txt')}\n`);
    expect(await tuskJson(['put', 'file', 'pf@master:/listed', '-i', join(work, 'list.txt')])).toMatchObject({ filesWritten: 2 });
    expect((await tuskJson<any[]>(['list', 'file', 'pf@master:/listed'])).map((f) => f.path)).toEqual(['/listed/dog.txt', '/listed/local.txt']);

    const src = join(work, 'tree');
    await mkdir(join(src, 'a'), { recursive: true });
    await writeFile(join(src, 'a', 'one.txt'), '1');
    await writeFile(join(src, 'two.txt'), '22');
    execFileSync('tar', ['-C', src, '-czf', join(work, 'tree.tgz'), '.']);
    expect(await tuskJson(['put', 'file', 'pf@master:/unpacked', '-f', join(work, 'tree.tgz'), '--untar'])).toMatchObject({ filesWritten: 2 });
    expect((await tusk(['get', 'file', 'pf@master:/unpacked/a/one.txt'])).stdout).toBe('1');
    const piped = await tusk(['put', 'file', 'pf@master:/piped', '--untar'], { input: execFileSync('tar', ['-C', src, '-cf', '-', 'two.txt']) });
    expect(piped.code, piped.stderr).toBe(0);
    expect((await tusk(['get', 'file', 'pf@master:/piped/two.txt'])).stdout).toBe('22');

    const help = await tusk(['put', 'file', '--help']);
    expect(help.stdout).toMatch(/--overwrite/);
    expect(help.stdout).toMatch(/-o is the output format/);
    expect((await tusk(['put', 'file', 'pf@master:/notes/hello.txt', '--overwrite', '--append'], { input: 'x' })).code).toBe(2);
    await tusk(['put', 'file', 'pf@master:/notes/hello.txt', '--overwrite'], { input: 'bye\n' });
    expect((await tusk(['get', 'file', 'pf@master:/notes/hello.txt'])).stdout).toBe('bye\n');
  });

  it('gets a folder with -r, inspects a file, copies by reference and lists a file\'s history', async () => {
    await tuskJson(['create', 'repo', 'gf']);
    await tusk(['put', 'file', 'gf@master:/d/a.txt'], { input: 'v1' });
    await tusk(['put', 'file', 'gf@master:/d/sub/b.txt'], { input: 'b' });
    await tusk(['put', 'file', 'gf@master:/d/a.txt'], { input: 'version 2' });
    const out = join(work, 'got');
    expect((await tusk(['get', 'file', 'gf@master:/d', '-r', '-o', out])).code).toBe(0);
    expect(await readFile(join(out, 'a.txt'), 'utf8')).toBe('version 2');
    expect(await readFile(join(out, 'sub', 'b.txt'), 'utf8')).toBe('b');
    expect((await tusk(['get', 'file', 'gf@master:/d', '-r'])).code).toBe(2);
    // More files than are fetched at once, in nested folders: every one arrives whole, in its place.
    const many = join(work, 'many');
    const names = Array.from({ length: 11 }, (_, i) => (i % 3 === 0 ? `f${i}.txt` : i % 3 === 1 ? `x/f${i}.txt` : `x/y/f${i}.txt`));
    await mkdir(join(many, 'x', 'y'), { recursive: true });
    await Promise.all(names.map((n, i) => writeFile(join(many, n), `file ${i} `.repeat(i * 50 + 1))));
    expect((await tusk(['put', 'file', 'gf@master:/many', '-r', '-f', many])).code).toBe(0);
    const gotMany = join(work, 'got-many');
    expect((await tusk(['get', 'file', 'gf@master:/many', '-r', '-o', gotMany])).code).toBe(0);
    for (const [i, n] of names.entries()) expect(await readFile(join(gotMany, n), 'utf8')).toBe(`file ${i} `.repeat(i * 50 + 1));
    expect((await readdir(gotMany, { recursive: true })).filter((n) => n.endsWith('.txt')).sort()).toEqual([...names].sort());

    const info = await tuskJson(['inspect', 'file', 'gf@master:/d/a.txt']);
    expect(info).toMatchObject({ path: '/d/a.txt', type: 'file', sizeBytes: 9, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await tusk(['inspect', 'file', 'gf@master:/d/a.txt'])).stdout).toMatch(/^Path:\s+\/d\/a\.txt\nType:\s+file\nSize:\s+9 B\n/);
    expectError(await tusk(['inspect', 'file', 'gf@master:/nope']), /not found/);

    await tuskJson(['create', 'repo', 'gcopy']);
    const copied = await tuskJson(['copy', 'file', 'gf@master:/d', 'gcopy@master:/backup/']);
    expect(copied).toMatchObject({ filesWritten: 2, repo: 'gcopy' });
    const copyInfo = await tuskJson(['inspect', 'file', 'gcopy@master:/backup/d/a.txt']);
    expect(copyInfo.hash).toBe(info.hash);
    await tusk(['copy', 'file', 'gf@master:/d/a.txt', 'gf@master:/a-copy.txt']);
    expect((await tusk(['get', 'file', 'gf@master:/a-copy.txt'])).stdout).toBe('version 2');

    const hist = await tuskJson<any[]>(['list', 'file', 'gf@master:/d', '--history', '2']);
    const a = hist.filter((f) => f.path === '/d/a.txt');
    expect(a.map((f) => f.sizeBytes)).toEqual([9, 2]);
    expect(a[0].commit).not.toBe(a[1].commit);
    expect(hist.filter((f) => f.path === '/d/sub').length).toBe(1);
    expect((await tusk(['list', 'file', 'gf@master:/d', '--history', '-1'])).stdout).toMatch(/^NAME\s+TYPE\s+SIZE\s+COMMIT\n/);
    expect((await tusk(['list', 'file', 'gf@master:/d', '--history', 'all'])).stdout).toBe((await tusk(['list', 'file', 'gf@master:/d', '--history', '-1'])).stdout);
  });
});

describe('commits as pachctl follows and searches them', () => {
  it('subscribes to a branch (existing commits first, or only new ones) and finds the commits that changed a path', async () => {
    await tuskJson(['create', 'repo', 'sc']);
    const c1 = (await tusk(['put', 'file', 'sc@master:/a'], { input: '1' })).stdout.trim();
    const c2 = (await tusk(['put', 'file', 'sc@master:/b'], { input: '2' })).stdout.trim();
    const all = tusk(['subscribe', 'commit', 'sc@master', '--limit', '3']);
    const c3 = (await tusk(['put', 'file', 'sc@master:/a'], { input: '3' })).stdout.trim();
    expect((await all).stdout).toBe(`sc@master ${c1}\nsc@master ${c2}\nsc@master ${c3}\n`);

    const fresh = tusk(['subscribe', 'commit', 'sc@master', '--new', '--limit', '1', '-o', 'json']);
    let done = false;
    void fresh.then(() => (done = true));
    const later: string[] = [];
    while (!done) later.push((await tusk(['put', 'file', 'sc@master:/c'], { input: String(later.length) })).stdout.trim());
    const got = JSON.parse((await fresh).stdout);
    expect(later).toContain(got.id);
    expectError(await tusk(['subscribe', 'commit', 'sc@nope']), /not found/);

    const found = await tuskJson<any[]>(['find', 'commit', 'sc@master', '--path', '/a']);
    expect(found.map((c) => c.id)).toEqual([c3, c1]);
    expect(found[0].changes).toEqual([{ path: '/a', change: 'modified', sizeBytes: 1 }]);
    expect((await tuskJson<any[]>(['find', 'commit', `sc@${c2}`, '--path', '/a', '-n', '5'])).map((c) => c.id)).toEqual([c1]);
    expect((await tusk(['find', 'commit', 'sc@master', '--path', '/b'])).stdout).toContain(c2);
    // pachctl's form: the path after the ref
    expect((await tuskJson<any[]>(['find', 'commit', 'sc@master:/a'])).map((c) => c.id)).toEqual([c3, c1]);
    for (const [args, said] of [[['sc@master'], /^tusk: find commit needs a path: sc@master:\/PATH or --path PATH\n$/], [['sc@master:/a', '--path', '/b'], /takes the path once/]] as const) {
      const res = await tusk(['find', 'commit', ...args]);
      expect(res.code, res.stderr).toBe(2); // a usage error
      expect(res.stderr).toMatch(said);
    }
  });
});

describe('output and ergonomics', () => {
  it('prints YAML with -o yaml, takes plural nouns and filters logs by --since', async () => {
    await tuskJson(['create', 'repo', 'ya']);
    const yaml = parseYaml((await tusk(['list', 'repos', '-o', 'yaml'])).stdout);
    expect(yaml).toEqual(await tuskJson(['list', 'repo']));
    expect(parseYaml((await tusk(['inspect', 'repo', 'ya', '-o', 'yaml'])).stdout)).toMatchObject({ name: 'ya' });
    expect((await tusk(['list', 'branches', 'ya'])).code).toBe(0);
    expect((await tusk(['list', 'repo', '-o', 'xml'])).code).toBe(2);

    await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify({ pipeline: { name: 'talk' }, input: { pfs: { repo: 'ya', glob: '/' } }, transform: { cmd: ['sh', '-c', 'echo said-it'] } }) });
    const id = (await tusk(['put', 'file', 'ya@master:/f'], { input: 'x' })).stdout.trim();
    expect((await tusk(['wait', 'job', `talk@${id}`])).code).toBe(0);
    expect((await tusk(['logs', '-p', 'talk', '--since', '1h'])).stdout).toContain('said-it');
    expect((await tusk(['logs', '-p', 'talk', '--since', '1ms'])).stdout).not.toContain('said-it');
    expect((await tusk(['logs', '-p', 'talk', '--since', 'soon'])).code).toBe(2);
    expect((await tusk(['logs', '-p', 'talk', '-o', 'yaml'])).stdout).toMatch(/^---\n/);
  });

  it('prints completion scripts that bash accepts', async () => {
    const bash = await tusk(['completion', 'bash']);
    const file = join(work, 'c.sh');
    await writeFile(file, bash.stdout);
    const words = execFileSync('bash', ['-c', `source ${file}; COMP_WORDS=(tusk list re); COMP_CWORD=2; _tusk_complete; echo "\${COMPREPLY[@]}"`]).toString();
    expect(words.trim()).toBe('repo repos');
    expect((await tusk(['completion', 'zsh'])).stdout).toMatch(/^#compdef tusk/);
    expect((await tusk(['completion', 'fish'])).stdout).toMatch(/complete -c tusk/);
    expect((await tuskJson(['completion', 'fish'])).shell).toBe('fish');
    expect((await tusk(['completion', 'tcsh'])).code).toBe(2);
  });

  it('saves and uses contexts', async () => {
    const home = await mkdtemp(join(work, 'home-'));
    const env = { ...daemon.env, TUSK_HOME: home, TUSK_ADDRESS: '' };
    // A login token stored before (tusk auth login) survives setting and switching contexts.
    await writeFile(join(home, 'config.json'), JSON.stringify({ token: 'tusk_kept' }));
    const set = await tuskJson(['config', 'set', 'context', 'laptop', '--address', daemon.address, '--token', 'secret-token'], { env });
    expect(set).toEqual({ name: 'laptop', address: daemon.address, token: true, active: false });
    await tuskJson(['config', 'set', 'context', 'nowhere', '--address', '127.0.0.1:1'], { env });
    expect((await tusk(['config', 'use', 'context', 'laptop'], { env })).stdout).toBe(`using context laptop (${daemon.address})\n`);
    expect((await tuskJson<any[]>(['list', 'repo'], { env })).map((r) => r.name)).toContain('ya');
    const listed = await tusk(['config', 'list', 'contexts'], { env });
    expect(listed.stdout).toMatch(/^\*\s+laptop\s+\S+\s+set$/m);
    expect(listed.stdout).not.toContain('secret-token');
    expectError(await tusk(['config', 'use', 'context', 'gone'], { env }), /context "gone" not found/);
    await tusk(['config', 'use', 'context', 'nowhere'], { env });
    expectError(await tusk(['list', 'repo'], { env, timeoutMs: 30_000 }), /cannot reach tuskd at 127\.0\.0\.1:1/);
    expect((await readdir(home))).toContain('config.json');
    expect(JSON.parse(await readFile(join(home, 'config.json'), 'utf8'))).toMatchObject({ token: 'tusk_kept', active: 'nowhere' });
  });

  it('warns which pipelines still read a repo deleted with --force', async () => {
    await tuskJson(['create', 'repo', 'gone']);
    await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify({ pipeline: { name: 'orphan' }, input: { pfs: { repo: 'gone', glob: '/' } }, transform: { cmd: ['true'] } }) });
    expectError(await tusk(['delete', 'repo', 'gone']), /repo "gone"/);
    const forced = await tusk(['delete', 'repo', 'gone', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toBe('tusk: warning: pipeline orphan still reads repo "gone", deleted with --force (tusk delete pipeline NAME, or create the repo again)\n');
    expect((await tuskJson(['list', 'repo'])).map((r: any) => r.name)).not.toContain('gone');
    expect((await tusk(['delete', 'pipeline', 'orphan'])).code).toBe(0);
  });

  it('deletes every pipeline and then every repo with --all', async () => {
    expect((await tusk(['delete', 'repo', '--all'])).stderr).toMatch(/pipelines exist \(talk\)/);
    expect((await tusk(['delete', 'pipeline'])).code).toBe(2);
    expect(await tuskJson(['delete', 'pipeline', '--all'])).toEqual([{ pipeline: 'talk', deleted: true }]);
    const deleted = await tuskJson<any[]>(['delete', 'repos', '--all']);
    expect(deleted.map((r) => r.repo)).toContain('ya');
    expect(await tuskJson(['list', 'repo'])).toEqual([]);
  });

  it('has --help with an example for every new command', async () => {
    const commands = [
      ['restart', 'datum'], ['stop', 'job'], ['delete', 'job'], ['validate', 'pipeline'], ['edit', 'pipeline'], ['inspect', 'file'], ['copy', 'file'],
      ['completion'], ['config', 'set'], ['config', 'use'], ['config', 'list'], ['subscribe', 'commit'], ['find', 'commit'],
    ];
    for (const c of commands) {
      const help = await tusk([...c, '--help']);
      expect(help.code, c.join(' ')).toBe(0);
      expect(help.stdout, c.join(' ')).toMatch(/Example/);
      expect(help.stdout, c.join(' ')).toMatch(/-o, --output/);
    }
  });
});

describe('pachctl flags that scripts pass', () => {
  it('puts several -f sources, keeps a path with --full-path, and takes -c and -p', async () => {
    await tuskJson(['create', 'repo', 'flags']);
    const src = join(work, 'flags');
    await mkdir(join(src, 'sub'), { recursive: true });
    await writeFile(join(src, 'a.txt'), 'a');
    await writeFile(join(src, 'sub', 'b.txt'), 'b');
    // pachctl's -f is a list: several sources go to PATH/<each name> in one commit.
    const many = await tuskJson(['put', 'file', 'flags@master:/many', '-f', join(src, 'a.txt'), '-f', join(src, 'sub', 'b.txt'), '-f', `${base}/data/dog.txt`]);
    expect(many).toMatchObject({ filesWritten: 3 });
    expect((await tuskJson<any[]>(['list', 'file', 'flags@master:/many'])).map((f) => f.path)).toEqual(['/many/a.txt', '/many/b.txt', '/many/dog.txt']);
    expectError(await tusk(['put', 'file', 'flags@master:/x', '-f', '-', '-f', join(src, 'a.txt')], { input: 'x' }).then((r) => ({ ...r, code: r.code === 2 ? 1 : r.code })), /standard input \(-\) cannot be one of several sources/);
    // --full-path keeps the local path as given (relative to the working folder here).
    const kept = await tusk(['put', 'file', 'flags@master', '-f', 'flags/sub/b.txt', '--full-path'], { cwd: work });
    expect(kept.code, kept.stderr).toBe(0);
    expect((await tusk(['get', 'file', 'flags@master:/flags/sub/b.txt'])).stdout).toBe('b');
    const tree = await tusk(['put', 'file', 'flags@master:/fp/', '-f', './flags', '-r', '--full-path'], { cwd: work });
    expect(tree.code, tree.stderr).toBe(0);
    expect((await tuskJson<any[]>(['glob', 'file', 'flags@master:/fp/**'])).filter((f) => f.type === 'file').map((f) => f.path)).toEqual(['/fp/flags/a.txt', '/fp/flags/sub/b.txt']);
    expect((await tusk(['put', 'file', 'flags@master', '-f', `${base}/data/dog.txt`, '--full-path'])).code).toBe(2);
    // -c and -p are performance hints in pachctl: accepted, the file lands as usual.
    const hinted = await tusk(['put', 'file', '-c', '-p', '4', 'flags@master:/hinted.txt', '-f', join(src, 'a.txt')]);
    expect(hinted.code, hinted.stderr).toBe(0);
    expect((await tusk(['get', 'file', 'flags@master:/hinted.txt'])).stdout).toBe('a');
  });

  it('takes --description on start and finish commit, as a synonym for -m', async () => {
    await tuskJson(['create', 'repo', 'described']);
    await tusk(['start', 'commit', 'described@master', '--description', 'opened']);
    expect(await tuskJson(['inspect', 'commit', 'described@master'])).toMatchObject({ description: 'opened', finished: null });
    expect((await tusk(['finish', 'commit', 'described@master', '-m', 'one', '--description', 'two'])).code).toBe(2);
    await tusk(['finish', 'commit', 'described@master', '--description', 'closed']);
    expect(await tuskJson(['inspect', 'commit', 'described@master'])).toMatchObject({ description: 'closed' });
  });

  it('lists the commits after one with --from, takes --all, and list job takes -x', async () => {
    await tuskJson(['create', 'repo', 'fromrepo']);
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await tusk(['put', 'file', `fromrepo@master:/f${n}`, '-f', '-'], { input: `${n}` })).stdout.trim());
    const listed = async (...args: string[]) => (await tuskJson(['list', 'commit', 'fromrepo@master', ...args])).map((c: any) => c.id);
    expect(await listed('--from', ids[0]!)).toEqual([ids[2], ids[1]]);
    expect(await listed('--from', ids[0]!, '-n', '1')).toEqual([ids[2]]);
    expect(await listed('--from', ids[2]!)).toEqual([]);
    expect(await listed('--all')).toEqual([...ids].reverse());
    expectError(await tusk(['list', 'commit', 'fromrepo@master', '--from', '0'.repeat(32)]), /--from 0{32} is not a commit of fromrepo@master/);
    const jobs = await tusk(['list', 'job', '-x']);
    expect(jobs.code, jobs.stderr).toBe(0);
  });

  it('shows times in full with --full-timestamps, in every table that has them, and takes it where times already are', async () => {
    await tuskJson(['create', 'repo', 'fullts']);
    await tusk(['put', 'file', 'fullts@master:/a', '-f', '-'], { input: 'a' });
    const [commit] = await tuskJson(['list', 'commit', 'fullts@master']);
    const [repo] = (await tuskJson(['list', 'repo'])).filter((r: any) => r.name === 'fullts');
    const commits = (await tusk(['list', 'commit', 'fullts@master', '--full-timestamps'])).stdout;
    expect(commits.split('\n')[1]).toMatch(new RegExp(`^fullts +master +${commit.id} +${commit.finished.replace(/\./g, '\\.')} +`));
    expect((await tusk(['list', 'commit', 'fullts@master'])).stdout).not.toContain(commit.finished);
    const repos = (await tusk(['list', 'repo', '--full-timestamps'])).stdout;
    expect(repos.split('\n').find((l: string) => l.startsWith('fullts '))).toContain(repo.created);
    const inspected = await tusk(['inspect', 'commit', 'fullts@master', '--full-timestamps']);
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain(commit.finished);
  });
});

describe('pachctl flags that scripts pass: logs and diff', () => {
  it('filters logs with -j, --master, --worker and -t, and lists a diff with --name-only', async () => {
    await tuskJson(['create', 'repo', 'noisy']);
    const spec = { pipeline: { name: 'loud' }, input: { pfs: { repo: 'noisy', glob: '/*' } }, datum_tries: 1, transform: { cmd: ['sh', '-c', 'for f in /pfs/noisy/*; do echo "line $(cat $f)"; done; test ! -e /pfs/noisy/bad'] } };
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    expect(created.code, created.stderr).toBe(0);
    const first = (await tusk(['put', 'file', 'noisy@master:/one'], { input: '1' })).stdout.trim();
    expect((await tusk(['wait', 'job', `loud@${first}`])).code).toBe(0);
    const second = (await tusk(['put', 'file', 'noisy@master:/bad'], { input: '2' })).stdout.trim();
    await tusk(['wait', 'job', `loud@${second}`]);

    const lines = (args: string[]) => tusk(['logs', '-p', 'loud', ...args]).then((r) => r.stdout.split('\n').filter(Boolean));
    expect(await lines(['-j', first])).toEqual(['line 1']);
    const master = await lines(['--master']);
    expect(master).toHaveLength(1);
    expect(master[0]).toMatch(/^job failure: .*exit code 1/);
    expect(await lines(['--worker'])).toEqual(expect.arrayContaining(['line 1', 'line 2']));
    expect(await lines(['--worker'])).not.toContain(master[0]);
    expect(await lines(['-t', '1', '-j', second, '--worker'])).toEqual([expect.stringMatching(/failed: exit code 1/)]);
    expect((await tusk(['logs', '-p', 'loud', '--master', '--worker'])).code).toBe(2);
    expect((await tusk(['logs', '-p', 'loud', '-t', '1', '-f'])).code).toBe(2);

    expect((await tusk(['diff', 'file', 'noisy@master', '--name-only'])).stdout).toBe('/bad\n');
    expect(await tuskJson(['diff', 'file', `noisy@${second}`, `noisy@${first}`, '--name-only'])).toEqual(['/bad']);
  });

  it('folds a diff into the folders one level down with -s/--shallow', async () => {
    await tuskJson(['create', 'repo', 'shallow']);
    await tusk(['put', 'file', 'shallow@master:/a/x.txt'], { input: '1\n' });
    await tusk(['start', 'commit', 'shallow@master']);
    for (const [path, text] of [['/a/y.txt', '3\n'], ['/b/c/z.txt', '4\n'], ['/t.txt', '5\n']]) await tusk(['put', 'file', `shallow@master:${path}`], { input: text });
    await tusk(['finish', 'commit', 'shallow@master']);
    expect(await tuskJson(['diff', 'file', 'shallow@master', '-s'])).toEqual([
      { path: '/a/', change: 'modified', sizeBytes: 2, oldSizeBytes: 0 },
      { path: '/b/', change: 'added', sizeBytes: 2, oldSizeBytes: 0 },
      { path: '/t.txt', change: 'added', sizeBytes: 2, oldSizeBytes: 0 },
    ]);
    expect((await tusk(['diff', 'file', 'shallow@master:/b', '--shallow', '--name-only'])).stdout).toBe('/b/c/\n');
  });
});

describe('pachctl flags that scripts pass: --dry-run', () => {
  it('checks create and update pipeline --dry-run and changes nothing, on a branch neither', async () => {
    await tuskJson(['create', 'repo', 'dryin']);
    const spec = (glob: string) => JSON.stringify({ pipeline: { name: 'dry' }, input: { pfs: { repo: 'dryin', glob } }, transform: { cmd: ['true'] } });
    const checked = await tusk(['create', 'pipeline', '-f', '-', '--dry-run'], { input: spec('/*') });
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toBe('pipeline dry: valid (dry run: nothing changed)\n');
    expectError(await tusk(['inspect', 'pipeline', 'dry']), /pipeline "dry" not found/);
    expect((await tuskJson<any[]>(['list', 'repo'])).map((r) => r.name)).not.toContain('dry');
    expectError(await tusk(['create', 'pipeline', '-f', '-', '--dry-run'], { input: spec('/*').replace('"glob"', '"glb"') }), /input\.pfs\.glb: unknown field/);

    await tusk(['create', 'pipeline', '-f', '-'], { input: spec('/*') });
    for (const extra of [[], ['--branch', 'exp']]) {
      const res = await tusk(['update', 'pipeline', '-f', '-', '--dry-run', ...extra], { input: spec('/') });
      expect(res.code, res.stderr).toBe(0);
    }
    // A dry run answers what the real call would: create of an existing pipeline is refused; validate takes either.
    expectError(await tusk(['create', 'pipeline', '-f', '-', '--dry-run'], { input: spec('/') }), /pipeline "dry" already exists/);
    expect((await tusk(['validate', 'pipeline', '-f', '-'], { input: spec('/') })).stdout).toBe('pipeline dry: valid\n');
    const kept = await tuskJson(['inspect', 'pipeline', 'dry']);
    expect(kept).toMatchObject({ version: 1 });
    expect(kept.branchVersions ?? []).toEqual([]);
    expect(kept.spec.input.glob).toBe('/*');
  });
});

describe('pachctl flags that scripts pass: list pipeline --history', () => {
  it('lists the versions that run now and earlier ones, newest first, in a table and as JSON', async () => {
    await tuskJson(['create', 'repo', 'histin']);
    const spec = (glob: string, description: string) => JSON.stringify({ pipeline: { name: 'hp' }, description, input: { pfs: { repo: 'histin', glob } }, transform: { cmd: ['true'] } });
    await tusk(['create', 'pipeline', '-f', '-'], { input: spec('/*', 'first') });
    await tusk(['update', 'pipeline', '-f', '-'], { input: spec('/', 'second') });
    await tusk(['create', 'branch', 'histin@exp', '--head', 'master']);
    expect((await tusk(['update', 'pipeline', '-f', '-', '--branch', 'exp'], { input: spec('/a*', 'trial') })).code).toBe(0);
    const all = await tuskJson(['list', 'pipeline', 'hp', '--history', 'all']);
    expect(all.map((v: any) => [v.name, v.version, v.runsOn, v.spec.input.glob, v.spec.description])).toEqual([
      ['hp', 3, ['exp'], '/a*', 'trial'],
      ['hp', 2, ['master'], '/', 'second'],
      ['hp', 1, [], '/*', 'first'],
    ]);
    expect((await tuskJson(['list', 'pipeline', 'hp', '--history', '0'])).map((v: any) => v.version)).toEqual([3, 2]);
    expect((await tuskJson(['list', 'pipeline', 'hp', '--history', '-1'])).map((v: any) => v.version)).toEqual([3, 2, 1]);
    const table = (await tusk(['list', 'pipeline', 'hp', '--history', '1'])).stdout.split('\n');
    expect(table[0]).toMatch(/^NAME\s+VERSION\s+RUNS ON\s+INPUT\s+DESCRIPTION$/);
    expect(table[3]).toMatch(/^hp\s+1\s+- \(superseded\)\s+histin:\/\*\s+first$/);
    expect((await tusk(['list', 'pipeline', 'hp', '--history', 'none'])).stdout).toMatch(/^NAME\s+VERSION\s+INPUT\s+CREATED/);
    expect((await tusk(['list', 'pipeline', '--history', 'some'])).code).toBe(2);
    expectError(await tusk(['list', 'pipeline', 'nohp', '--history', '2']), /pipeline "nohp" not found/);
  });
});

describe('pachctl flags that scripts pass: create branch', () => {
  it('takes -t for --trigger, and refuses --provenance in one line naming it', async () => {
    await tuskJson(['create', 'repo', 'br']);
    await tusk(['put', 'file', 'br@master:/a'], { input: 'a' });
    const made = await tusk(['create', 'branch', 'br@follow', '-t', 'master']);
    expect(made.code, made.stderr).toBe(0);
    expect(await tuskJson(['inspect', 'branch', 'br@follow'])).toMatchObject({ trigger: { branch: 'master' } });
    const refused = await tusk(['create', 'branch', 'br@derived', '--provenance', 'br@master']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^tusk: --provenance br@master: Tusk does not set branch provenance by hand/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expectError(await tusk(['inspect', 'branch', 'br@derived']), /branch "derived" not found/);
  });
});

describe('pachctl flags that scripts pass: delete file', () => {
  it('deletes a folder with pachctl\'s -r as without it', async () => {
    await tuskJson(['create', 'repo', 'del']);
    await tusk(['put', 'file', 'del@master:/images/a.png'], { input: 'a' });
    await tusk(['put', 'file', 'del@master:/keep.txt'], { input: 'k' });
    const res = await tusk(['delete', 'file', '-r', 'del@master:/images']);
    expect(res.code, res.stderr).toBe(0);
    expect((await tuskJson<any[]>(['list', 'file', 'del@master'])).map((f) => f.path)).toEqual(['/keep.txt']);
  });
});

describe('get file -o -', () => {
  it('writes to standard output, as put file -f - reads standard input, and makes no file named "-"', async () => {
    await tuskJson(['create', 'repo', 'dash']);
    await tusk(['put', 'file', 'dash@master:/a.txt'], { input: 'hello' });
    const res = await tusk(['get', 'file', 'dash@master:/a.txt', '-o', '-'], { cwd: work });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('hello');
    expect(await readdir(work)).not.toContain('-');
    expect((await tusk(['get', 'file', 'dash@master:/', '-r', '-o', '-'], { cwd: work })).code).toBe(2);
  });

  it('skips --offset bytes first, as pachctl get file --offset does', async () => {
    await tuskJson(['create', 'repo', 'offs']);
    await tusk(['put', 'file', 'offs@master:/a.txt'], { input: 'hello world' });
    const res = await tusk(['get', 'file', 'offs@master:/a.txt', '--offset', '6']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('world');
    expect((await tusk(['get', 'file', 'offs@master:/a.txt', '--offset', '99'])).stdout).toBe('');
    expect((await tusk(['get', 'file', 'offs@master:/a.txt', '--offset', '2', '-o', join(work, 'off.txt')])).code).toBe(2);
  });
});

describe('list commit GLOBAL_ID', () => {
  it('lists every commit with that ID, as pachctl does, and names an unknown one', async () => {
    await tuskJson(['create', 'repo', 'setrepo']);
    const id = (await tusk(['put', 'file', 'setrepo@master:/a'], { input: 'a' })).stdout.trim();
    const listed = await tuskJson<any[]>(['list', 'commit', id]);
    expect(listed.map((c) => [c.repo, c.id])).toEqual([['setrepo', id]]);
    expect((await tusk(['list', 'commit', id])).stdout).toMatch(new RegExp(`^setrepo\\s+master\\s+${id}\\s`, 'm'));
    expectError(await tusk(['list', 'commit', '0'.repeat(32)]), /commit "0{32}" not found/);
  });
});

/** A repo and, reading it with glob /*, pipelines of these names whose code does nothing. */
async function truePipelines(repo: string, names: string[]): Promise<void> {
  await tuskJson(['create', 'repo', repo]);
  for (const name of names) {
    const spec = { pipeline: { name }, input: { pfs: { repo, glob: '/*' } }, transform: { cmd: ['true'] } };
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) })).code).toBe(0);
  }
}

describe('list job and wait job with a bare job ID', () => {
  it('lists and waits for every pipeline\'s job of that ID, as pachctl does for a job set', async () => {
    await truePipelines('jsin', ['js-one', 'js-two']);
    const id = (await tusk(['put', 'file', 'jsin@master:/a'], { input: 'a' })).stdout.trim();
    const waited = await tusk(['wait', 'job', id, '-o', 'json']);
    expect(waited.code, waited.stderr).toBe(0);
    expect(JSON.parse(waited.stdout).map((j: any) => [j.pipeline, j.state]).sort()).toEqual([['js-one', 'success'], ['js-two', 'success']]);
    expect((await tuskJson<any[]>(['list', 'job', id])).map((j) => j.pipeline).sort()).toEqual(['js-one', 'js-two']);
    expect((await tuskJson<any[]>(['list', 'job', id, '-p', 'js-two'])).map((j) => j.pipeline)).toEqual(['js-two']);
    expect((await tusk(['list', 'job', 'js-one'])).code).toBe(2);
  });
});

describe('update repo', () => {
  it('changes a repo\'s description, as pachctl update repo -d does, and needs -d', async () => {
    await tuskJson(['create', 'repo', 'described-repo', '-d', 'old']);
    const res = await tusk(['update', 'repo', 'described-repo', '-d', 'new words']);
    expect(res.code, res.stderr).toBe(0);
    expect(await tuskJson(['inspect', 'repo', 'described-repo'])).toMatchObject({ name: 'described-repo', description: 'new words' });
    expect((await tusk(['update', 'repo', 'described-repo'])).code).toBe(2);
    expect(await tuskJson(['inspect', 'repo', 'described-repo'])).toMatchObject({ description: 'new words' });
  });
});

describe('list pipeline --state', () => {
  it('lists only the pipelines in the states given, taking pachctl\'s state names', async () => {
    await truePipelines('stin', ['st-up', 'st-down']);
    await tusk(['stop', 'pipeline', 'st-down']);
    const names = async (...states: string[]) =>
      (await tuskJson<any[]>(['list', 'pipeline', ...states.flatMap((s) => ['--state', s])])).map((p) => p.name).filter((n: string) => n.startsWith('st-'));
    expect(await names('paused')).toEqual(['st-down']);
    expect(await names('running')).toEqual(['st-up']);
    expect((await names('standby', 'paused')).sort()).toEqual(['st-down', 'st-up']);
    expect((await tusk(['list', 'pipeline', '--state', 'sleepy'])).code).toBe(2);
  });
});

describe('list commit --origin', () => {
  it('lists only the commits of one origin, -n counting those', async () => {
    await tuskJson(['create', 'repo', 'orig']);
    await tusk(['put', 'file', 'orig@master:/a'], { input: 'a' });
    const id = (await tusk(['put', 'file', 'orig@master:/b'], { input: 'b' })).stdout.trim();
    const spec = { pipeline: { name: 'orig-out' }, input: { pfs: { repo: 'orig', glob: '/*' } }, transform: { cmd: ['true'] } };
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) })).code).toBe(0);
    await tusk(['wait', 'commit', 'orig-out@master']);
    const origins = async (...args: string[]) => (await tuskJson<any[]>(['list', 'commit', ...args])).map((c) => c.origin);
    expect(await origins('orig', '--origin', 'user')).toEqual(['user', 'user']);
    expect((await tuskJson<any[]>(['list', 'commit', 'orig', '--origin', 'USER', '-n', '1'])).map((c) => c.id)).toEqual([id]);
    expect(await origins('orig', '--origin', 'auto')).toEqual([]);
    expect((await origins('orig-out', '--origin', 'auto')).length).toBeGreaterThan(0);
    expect(await origins('orig-out', '--origin', 'user')).toEqual([]);
  });
});

describe('delete pipeline --keep-repo', () => {
  it('deletes the pipeline and keeps its output repo with its files, as pachctl does', async () => {
    await tuskJson(['create', 'repo', 'kin']);
    const spec = { pipeline: { name: 'kout' }, input: { pfs: { repo: 'kin', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp /pfs/kin/* /pfs/out/'] } };
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) })).code).toBe(0);
    const id = (await tusk(['put', 'file', 'kin@master:/a'], { input: 'kept bytes' })).stdout.trim();
    await tusk(['wait', 'commit', `kout@${id}`]);
    const res = await tusk(['delete', 'pipeline', 'kout', '--keep-repo']);
    expect(res.code, res.stderr).toBe(0);
    expectError(await tusk(['inspect', 'pipeline', 'kout']), /pipeline "kout" not found/);
    expect((await tusk(['get', 'file', 'kout@master:/a'])).stdout).toBe('kept bytes');
  });
});

describe('list job -i', () => {
  it('lists only the jobs that read the input commits given, as pachctl list job -i does', async () => {
    await tuskJson(['create', 'repo', 'jiin']);
    const spec = { pipeline: { name: 'ji-p' }, input: { pfs: { repo: 'jiin', glob: '/*' } }, transform: { cmd: ['true'] } };
    expect((await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) })).code).toBe(0);
    const first = (await tusk(['put', 'file', 'jiin@master:/a'], { input: 'a' })).stdout.trim();
    const second = (await tusk(['put', 'file', 'jiin@master:/b'], { input: 'b' })).stdout.trim();
    await tusk(['wait', 'job', `ji-p@${second}`]);
    expect((await tuskJson<any[]>(['list', 'job', '-i', `jiin@${first}`])).map((j) => [j.pipeline, j.id])).toEqual([['ji-p', first]]);
    expect((await tuskJson<any[]>(['list', 'job', '-i', 'jiin@master'])).map((j) => j.id)).toEqual([second]);
    expectError(await tusk(['list', 'job', '-i', 'nowhere@master']), /repo "nowhere" not found/);
  });
});
