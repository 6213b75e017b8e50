// End to end: `tusk up` / `tusk down` with a temporary home (idempotent both
// ways, later commands find the daemon through $TUSK_HOME/tuskd.json), what
// tusk says when no daemon answers, and --help for every command.
import { existsSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './helpers/daemon.js';
import { tusk } from './helpers/tusk-cli.js';

function envFor(home: string): NodeJS.ProcessEnv {
  const env = { ...process.env, TUSK_HOME: home };
  delete env.TUSK_ADDRESS;
  return env;
}

/** True while the process runs (a zombie not yet reaped by init counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

describe('tusk up / down', () => {
  const homes: string[] = [];
  afterAll(async () => {
    for (const home of homes) {
      await tusk(['down'], { env: envFor(home) });
      await rm(home, { recursive: true, force: true });
    }
  });

  it('starts the daemon once, finds it through TUSK_HOME, and stops it once', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(home);
    const env = envFor(home);
    // Ports free a moment ago: another process may bind one before tuskd does, then new ones are tried.
    let [port, httpPort, s3Port] = [0, 0, 0];
    let flags: string[] = [];
    let first!: Awaited<ReturnType<typeof tusk>>;
    for (let attempt = 0; attempt < 5; attempt++) {
      [port, httpPort, s3Port] = [await freePort(), await freePort(), await freePort()];
      flags = ['--port', String(port), '--http-port', String(httpPort), '--s3-port', String(s3Port)];
      first = await tusk(['up', ...flags, '-o', 'json'], { env });
      if (!/cannot listen for/.test(first.stderr)) break;
    }
    expect(first.code, first.stderr).toBe(0);
    const started = JSON.parse(first.stdout);
    expect(started).toMatchObject({ alreadyRunning: false, port, httpPort, s3Port, address: `127.0.0.1:${port}`, home });
    expect(alive(started.pid)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    expect(existsSync(join(home, 'tuskd.log'))).toBe(true);

    const second = await tusk(['up', ...flags], { env });
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/already running \(pid \d+/);
    expect(second.stdout).toContain(`127.0.0.1:${port}`);
    expect(second.stdout).toMatch(new RegExp(`^  S3: +http://127\\.0\\.0\\.1:${s3Port} `, 'm'));

    // No TUSK_ADDRESS: the CLI uses the port the daemon recorded in its home.
    const version = await tusk(['version', '-o', 'json'], { env });
    expect(version.code, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ client: expect.any(String), daemon: { address: `127.0.0.1:${port}`, pid: started.pid, home } });
    expect((await tusk(['create', 'repo', 'upped'], { env })).code).toBe(0);

    const down = await tusk(['down', '-o', 'json'], { env });
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual({ stopped: true, pid: started.pid, home });
    expect(alive(started.pid)).toBe(false);

    const downAgain = await tusk(['down'], { env });
    expect(downAgain.code).toBe(0);
    expect(downAgain.stdout).toMatch(/not running/);

    // Data survives a restart on the same home (on ports tuskd picks: the old ones may be taken by now).
    const again = await tusk(['up', '--port', '0', '--http-port', '0', '--s3-port', '0'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse((await tusk(['list', 'repo', '-o', 'json'], { env })).stdout).map((r: any) => r.name)).toEqual(['upped']);
    expect((await tusk(['down'], { env })).code).toBe(0);
  });

  it('stops a daemon that was stopped (kill -STOP), and a command meanwhile says it does not answer', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(home);
    const env = envFor(home);
    const up = await tusk(['up', '--port', '0', '--http-port', '0', '--s3-port', '0', '-o', 'json'], { env });
    expect(up.code, up.stderr).toBe(0);
    const { pid, address } = JSON.parse(up.stdout);
    process.kill(pid, 'SIGSTOP');
    try {
      // The CLI's connect deadline is 10 s: its unit test (src/cli/main.test.ts) checks it shorter.
      const list = await tusk(['list', 'repo'], { env, timeoutMs: 30_000 });
      expect(list.code).toBe(1);
      expect(list.stderr).toBe(`tusk: tuskd at ${address} accepted the connection but does not answer (nothing in 10s: stopped or overloaded?)\n`);
      const down = await tusk(['down', '-o', 'json'], { env, timeoutMs: 20_000 });
      expect(down.code, down.stderr).toBe(0);
      expect(JSON.parse(down.stdout)).toMatchObject({ stopped: true, pid });
      expect(alive(pid)).toBe(false);
    } finally {
      if (alive(pid)) process.kill(pid, 'SIGCONT');
    }
  }, 60_000);

  it('names a TUSK_HOME it cannot make, in one line', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(scratch);
    await writeFile(join(scratch, 'file'), 'not a folder');
    const home = join(scratch, 'file', 'home'); // ENOTDIR even for root, whom permissions do not stop
    const up = await tusk(['up', '--port', '0', '--http-port', '0', '--s3-port', '0'], { env: envFor(home) });
    expect(up.code).toBe(1);
    expect(up.stderr).toBe(`tusk: TUSK_HOME ${home}: not a directory (the daemon keeps its data there: choose a folder you can write with --home or TUSK_HOME)\n`);
  });

  it('says which port another process holds and which flag picks another, in one line', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(home);
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const held = (holder.address() as AddressInfo).port;
    try {
      for (const [flag, what] of [['--port', 'gRPC'], ['--http-port', 'HTTP'], ['--s3-port', 'S3']]) {
        const ports: Record<string, string> = { '--port': '0', '--http-port': '0', '--s3-port': '0', [flag]: String(held) };
        const up = await tusk(['up', ...Object.entries(ports).flat()], { env: envFor(home) });
        expect(up.code, up.stderr).toBe(1);
        expect(up.stderr).toMatch(new RegExp(`^tusk: [^\\n]*cannot listen for ${what} on port ${held}: another process is listening there \\(choose another port with ${flag}\\)\\n$`));
      }
    } finally {
      holder.close();
    }
  });

  it('never signals a later process that was given the pid of a daemon that died', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(home);
    // The pid file and record of a daemon that died without cleaning up (killed, out of memory), whose pid the
    // kernel has since given to another process of the same user: here a sleep, which started at another time.
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => other.once('spawn', r));
    try {
      const ticks = readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
      await writeFile(join(home, 'tuskd.pid'), `${other.pid}\n`);
      await writeFile(join(home, 'tuskd.json'), JSON.stringify({ pid: other.pid, port: await freePort(), startTicks: String(Number(ticks) - 100) }) + '\n');
      const down = await tusk(['down'], { env: envFor(home) });
      expect(down.code, down.stderr).toBe(0);
      expect(down.stdout).toContain('tuskd is not running');
      expect(down.stdout).toContain('stale pid file removed');
      expect(alive(other.pid!)).toBe(true);
      expect(existsSync(join(home, 'tuskd.pid'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('reports why the daemon could not start, with exit 1', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tusk-up-'));
    homes.push(home);
    const r = await tusk(['up', '--port', '0', '--http-port', '0', '--s3-port', '0', '--storage', 'ftp://nowhere'], { env: envFor(home) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tusk: tuskd exited before it was ready .*storage/i);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await readFile(join(home, 'tuskd.log'), 'utf8')).toMatch(/ftp:\/\/nowhere/);
  });
});

describe('without a daemon', () => {
  it('says where it looked and how to start one', async () => {
    // Port 1: privileged and outside the ephemeral range, so no test's server is ever on it.
    const port = 1;
    const env = { ...process.env, TUSK_ADDRESS: `127.0.0.1:${port}` };
    const r = await tusk(['list', 'repo'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`tusk: cannot reach tuskd at 127.0.0.1:${port} (is it running? start it with \`tusk up\`)\n`);
    const v = await tusk(['version'], { env });
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^tusk:\s+\d+\.\d+\.\d+/);
  });
});

describe('--help', () => {
  const commands = [
    'up', 'down', 'version',
    'create repo', 'list repo', 'inspect repo', 'delete repo',
    'start commit', 'finish commit', 'list commit', 'inspect commit', 'wait commit',
    'put file', 'get file', 'list file', 'glob file', 'delete file', 'diff file',
    'create branch', 'list branch', 'inspect branch', 'delete branch',
  ];
  it('describes every command with an example', async () => {
    for (const command of commands) {
      const r = await tusk([...command.split(' '), '--help']);
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toContain(`Usage: tusk ${command}`);
      expect(r.stdout, command).toMatch(new RegExp(`Examples?:\\n  \\$ tusk ${command}`));
    }
  });

  it('lists the commands with exit 0, and exits 2 when no command is given', async () => {
    const help = await tusk(['--help']);
    expect(help.code).toBe(0);
    for (const verb of ['up', 'down', 'create', 'list', 'put', 'get', 'diff', 'wait']) expect(help.stdout).toMatch(new RegExp(`\\n  ${verb} `));
    expect((await tusk([])).code).toBe(2);
    expect((await tusk(['create'])).code).toBe(2);
  });
});
