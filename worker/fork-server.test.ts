import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeRun, forkable, ForkServer, fromWaitStatus, spawnError, type ForkRun } from './fork-server.js';

describe('fork server, pure parts', () => {
  test('a wait status reads as Node reports an exit: a code, or a signal apart from any code', () => {
    expect(fromWaitStatus(0)).toEqual({ code: 0, signal: null });
    expect(fromWaitStatus(137 << 8)).toEqual({ code: 137, signal: null });
    expect(fromWaitStatus(9)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(fromWaitStatus(11 | 0x80)).toEqual({ code: null, signal: 'SIGSEGV' }); // core dumped
  });
  test("spawn errors read as Node's", () => {
    expect(spawnError('nosuch', 2)).toBe('spawn nosuch ENOENT');
    expect(spawnError('x', 13)).toBe('spawn x EACCES');
  });
  test('only runs it can make exactly as the runner would go to it', () => {
    const run: ForkRun = { id: 1, argv: ['sh', '-c', 'true'], env: { A: 'b' }, cwd: '/', stdin: null };
    expect(forkable(run, undefined)).toBe(true);
    expect(forkable(run, 1000)).toBe(false); // a user switch
    expect(forkable({ ...run, argv: ['a\0b'] }, undefined)).toBe(false);
    expect(forkable({ ...run, env: { 'A=B': 'c' } }, undefined)).toBe(false);
    expect(forkable({ ...run, stdin: 'x'.repeat(16 * 1024) }, undefined)).toBe(true);
    expect(forkable({ ...run, stdin: 'x'.repeat(16 * 1024 + 1) }, undefined)).toBe(false);
  });
  test('a request is its byte length, a newline, then its fields apart by NULs', () => {
    const frame = encodeRun({ id: 7, argv: ['é', 'b'], env: { K: 'v=w' }, cwd: '/t', stdin: 'in\n' }).toString();
    expect(frame).toBe(`${Buffer.byteLength('7\0/t\x001\0in\n\x002\0é\0b\0K=v=w')}\n7\0/t\x001\0in\n\x002\0é\0b\0K=v=w`);
  });
});

const perl = existsSync('/usr/bin/perl');

describe.skipIf(!perl)('fork server', () => {
  let dir: string;
  let server: ForkServer;
  let fds: [number, number];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tusk-fork-server-'));
    fds = [openSync(join(dir, 'out'), 'a'), openSync(join(dir, 'err'), 'a')];
    server = ForkServer.start(fds)!;
    expect(server).toBeDefined();
  });
  afterAll(() => {
    server.close();
    for (const fd of fds) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  type Outcome = { pid?: number; error?: string; code?: number | null; signal?: string | null };
  let nextId = 1;
  function run(argv: string[], more: Partial<ForkRun> = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      let pid: number | undefined;
      server.run({ id: nextId++, argv, env: { PATH: '/usr/bin:/bin' }, cwd: '/', stdin: null, ...more }, {
        started: (p) => (pid = p),
        unstarted: () => resolve({ error: 'unstarted' }),
        failed: (error) => resolve({ error }),
        exited: (code, signal) => resolve({ pid, code, signal }),
      });
    });
  }

  test('runs a program with only the given environment, in the given folder, its output on the given fds, and tells its exit code', async () => {
    const r = await run(['sh', '-c', 'echo "[$A][$HOME][$1]"; pwd; echo oops >&2; exit 3', 'sh', 'é\nz'], { env: { PATH: '/usr/bin:/bin', A: 'x y=ü' }, cwd: dir });
    expect(r).toMatchObject({ code: 3, signal: null });
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(`[x y=ü][][é\nz]\n${dir}\n`);
    expect(readFileSync(join(dir, 'err'), 'utf8')).toBe('oops\n');
    expect(server.idle).toBe(true);
  });

  test('a program killed by a signal is told apart from one that exits with 128 + its number', async () => {
    expect(await run(['sh', '-c', 'kill -9 $$'])).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(await run(['sh', '-c', 'exit 137'])).toMatchObject({ code: 137, signal: null });
  });

  test("a program runs in a process group of its own, with stdin /dev/null or the text given, and none of the server's fds", async () => {
    const out = join(dir, 'probe');
    // The shell's fds are listed by a command with no pipe: while a pipeline starts, the shell itself holds its pipe
    // (fds 3 and 4) for a moment, which a listing piped to another command can see (it did, under load).
    const r = await run(['sh', '-c', `ps -o pgid= -p $$ | tr -d ' ' > ${out}; cat >> ${out}; ls /proc/$$/fd >> ${out}`], { stdin: 'line 1\nline 2\n' });
    expect(r.code).toBe(0);
    const [pgid, l1, l2, ...fds] = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(Number(pgid)).toBe(r.pid);
    expect([l1, l2]).toEqual(['line 1', 'line 2']);
    // The shell's own fds are above 9; none of the server's (protocol pipes, the fds it was given) is left open.
    expect(fds).toEqual(expect.arrayContaining(['0', '1', '2']));
    expect(fds.filter((fd) => Number(fd) >= 3 && Number(fd) <= 9)).toEqual([]);
    const none = await run(['sh', '-c', `cat > ${out}`]);
    expect(none.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  test("a program that cannot be started fails as Node's spawn does", async () => {
    expect(await run(['no-such-program-here'])).toEqual({ error: 'spawn no-such-program-here ENOENT' });
    expect(await run(['sh'], { cwd: join(dir, 'missing') })).toEqual({ error: 'spawn sh ENOENT' });
    expect(await run(['sh', '-c', 'exit 0'])).toMatchObject({ code: 0 });
  });
});
