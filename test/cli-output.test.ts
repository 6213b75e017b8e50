// bin/tusk prints help and usage errors straight to its file descriptors
// (src/cli/stdio.ts): the whole text to a pipe or a file, nothing and exit 0
// when the reader of stdout went away, a usage error on stderr, and the
// output of a command that also writes through the stream in order.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUSK } from './helpers/tusk-cli.js';

let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tusk-output-'));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('help and usage errors', () => {
  it('print whole to a pipe and to a file', () => {
    const piped = spawnSync(process.execPath, [TUSK, '--help'], { encoding: 'utf8' });
    expect(piped.status).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^Usage: tusk \[options\] \[command\]\n[\s\S]*images@master -f \.\/photos -r\n$/);
    const file = join(work, 'help.txt');
    const fd = openSync(file, 'w');
    const toFile = spawnSync(process.execPath, [TUSK, '--help'], { stdio: ['ignore', fd, 'pipe'] });
    closeSync(fd);
    expect(toFile.status).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(piped.stdout);
  });

  it('exit 0 with nothing on stderr when the reader of stdout went away', async () => {
    const child = spawn(process.execPath, [TUSK, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // long before Node has started: the CLI's write meets a pipe without a reader (EPIPE)
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('print a usage error on stderr only, with exit status 2', () => {
    const r = spawnSync(process.execPath, [TUSK, 'crate', 'repo', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("tusk: unknown command 'crate' (Did you mean create?)\n");
  });

  it("follow, in order, what a failing command wrote through the stream before its error", () => {
    // version prints its own line through the stream, then main the error straight to stderr: one order, one file.
    const file = join(work, 'both.txt');
    const fd = openSync(file, 'w');
    const r = spawnSync(process.execPath, [TUSK, 'version'], { stdio: ['ignore', fd, fd], env: { ...process.env, TUSK_ADDRESS: '127.0.0.1:1', TUSK_HOME: join(work, 'home') } });
    closeSync(fd);
    expect(r.status).toBe(1);
    expect(readFileSync(file, 'utf8')).toMatch(/^tusk: +\S+\ntusk: cannot reach tuskd at 127\.0\.0\.1:1 .*\n$/);
  });
});
