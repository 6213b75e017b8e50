// bin/tusk prints help and usage errors straight to its file descriptors
// (src/cli/stdio.ts): the whole text to a pipe or a file, nothing and exit 0
// when the reader of stdout went away, a usage error on stderr, and the
// output of a command that also writes through the stream in order. A
// command that leaves nothing open ends with process.exit (bin/tusk), one
// whose output a slow reader has not taken yet ends only once it is written.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

describe("the process's end", () => {
  it('comes through process.exit, with the status, once the command has left nothing open', () => {
    // --trace-exit makes Node report a call of process.exit on stderr; the usual way out is not reported.
    const r = spawnSync(process.execPath, ['--trace-exit', TUSK, 'crate', 'repo', 'x'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^tusk: unknown command 'crate' \(Did you mean create\?\)\n\(node:\d+\) WARNING: Exited the environment with code 2\n/);
  });

  it('waits for output a slow reader has not taken yet: all of it arrives', async () => {
    // 150 specs render to ~0.6 MB, written through the stdout stream: far more than a pipe holds.
    const spec = readFileSync(join(import.meta.dirname, '..', 'examples', 'wordcount', 'count.yaml'), 'utf8');
    const file = join(work, 'many.yaml');
    writeFileSync(file, Array.from({ length: 150 }, (_, i) => spec.replace('name: counts', `name: counts-${i}`)).join('\n---\n'));
    const args = [TUSK, 'render', 'pipeline', '-f', file];
    const whole = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(whole.status).toBe(0);
    expect(whole.stdout.length).toBeGreaterThan(1 << 19);
    // The reader starts only once the CLI has exited, or after 300 ms (it has then long written all it could).
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.pause();
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 300))]);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b)).resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe(whole.stdout);
  });
});
