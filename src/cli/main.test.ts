// The CLI's error path without a daemon: usage errors commander finds (an
// unknown word or flag) and errors the CLI finds itself print one line
// `tusk: ...` on stderr and exit 2, whatever characters the words hold.
import { createServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';
import { usageLine } from './program.js';

async function run(argv: string[], address = '127.0.0.1:1', connectDeadlineMs?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  // an address nothing listens on: these commands must fail before any call
  const env = { TUSK_ADDRESS: address, TUSK_HOME: '/nonexistent-tusk-home' };
  const code = await main(argv, { stdout, stderr, stdin: Readable.from([]), env, stderrIsTTY: false, now: () => new Date(0), connectDeadlineMs });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('the CLI error path', () => {
  it('prints an unknown command with a newline in it, and the suggestion, on one line', async () => {
    const r = await run(['cre\nate', 'repo', 'x']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("tusk: unknown command 'cre\\nate' (Did you mean create?)\n");
  });

  it('prints unknown nouns and options with control or direction characters escaped, one line each', async () => {
    for (const argv of [
      ['create', 're\npo', 'x'],
      ['create', 'repo', 'x', '--a\nb'],
      ['list', 'repo', '--\u202eevil'],
      ['create', '\u2028'],
      ['create', 'repo', '\u0007', '\x1b[31mred'],
    ]) {
      const r = await run(argv);
      expect(r.code, JSON.stringify(argv)).toBe(2);
      expect(r.stderr, JSON.stringify(argv)).toMatch(/^tusk: [^\n]+\n$/);
      expect(r.stderr, JSON.stringify(argv)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028\u2029\u202e]/);
    }
  });

  it('says that what answers at TUSK_ADDRESS is not tuskd, instead of asking whether tuskd runs', async () => {
    const http1 = createServer((_req, res) => res.end('console'));
    await new Promise<void>((r) => http1.listen(0, '127.0.0.1', () => r()));
    const address = `127.0.0.1:${(http1.address() as AddressInfo).port}`;
    try {
      const r = await run(['create', 'repo', 'x'], address);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`tusk: ${address}: something answers there, but not tuskd's gRPC API (is it the console or the S3 port?)\n`);
    } finally {
      http1.close();
    }
  });

  it('gives up on a daemon that accepted the connection but never answers, in one line, exit 1', async () => {
    // A stand-in for a stopped tuskd (kill -STOP): its kernel accepts the connection, and nothing is ever said on it.
    const sockets: Socket[] = [];
    const silentDaemon = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silentDaemon.listen(0, '127.0.0.1', () => r()));
    const address = `127.0.0.1:${(silentDaemon.address() as AddressInfo).port}`;
    try {
      for (const argv of [['list', 'repo'], ['list', 'pipeline'], ['auth', 'whoami']]) {
        const r = await run(argv, address, 300);
        expect(r.code, argv.join(' ')).toBe(1);
        expect(r.stderr).toBe(`tusk: tuskd at ${address} accepted the connection but does not answer (nothing in 300 ms: stopped or overloaded?)\n`);
      }
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const s of sockets) s.destroy();
      silentDaemon.close();
    }
  });

  it('keeps a usage error found by the CLI itself on one line', async () => {
    const r = await run(['put', 'file', 'x@master', '-f', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^tusk: [^\n]+\n$/);
  });
});

describe('usageLine', () => {
  it('answers a git or lakectl word, or a ref where a noun goes, with the tusk command to type', async () => {
    expect((await run(['log', 'images'])).stderr).toBe("tusk: unknown command 'log' (try tusk list commit REPO[@BRANCH]; tusk logs is for pipelines)\n");
    expect((await run(['cat', 'images@master:/a'])).stderr).toMatch(/^tusk: unknown command 'cat' \(try tusk get file REPO@REF:\/PATH\)\n$/);
    const ref = await run(['diff', 'images@master', 'images@master^']);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toBe("tusk: unknown command 'images@master': a ref goes after the noun, e.g. tusk diff file images@master\n");
    expect((await run(['inspect', 'images@master'])).stderr).toBe("tusk: unknown command 'images@master': a ref goes after the noun, e.g. tusk inspect file images@master\n");
    expect((await run(['images@master'])).stderr).toBe("tusk: unknown command 'images@master': a ref goes after a verb and a noun, e.g. tusk list file images@master\n");
    expect((await run(['list', 'log'])).stderr).toMatch(/^tusk: unknown command 'log' \(Did you mean logs\?\)|^tusk: unknown command 'log'\n/);
    const experiment = await run(['experiment', 'create', 'exp']);
    expect(experiment.code).toBe(2);
    expect(experiment.stderr).toBe("tusk: unknown command 'create': an experiment is a branch, made with tusk create branch REPO@NAME --head master on an input repo (then put files or update a pipeline with --branch NAME)\n");
    expect((await run(['lsit', 'repo'])).stderr).toBe("tusk: unknown command 'lsit' (Did you mean list?)\n");
    expect((await run(['constructor'])).stderr).toMatch(/^tusk: unknown command 'constructor'/);
  });

  it("joins commander's suggestion and drops its prefix", () => {
    expect(usageLine("error: unknown option '--bogus'\n(Did you mean --bogus2?)\n")).toBe("unknown option '--bogus' (Did you mean --bogus2?)");
    expect(usageLine("error: missing required argument 'repo'\n")).toBe("missing required argument 'repo'");
  });
});

describe('tusk --help', () => {
  it('says what every command does', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    const commands = r.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').filter((l) => /^ {2}\S/.test(l));
    expect(commands.length).toBeGreaterThan(30);
    for (const line of commands) expect(line, line).toMatch(/^ {2}\S.*\s{2,}\S/); // a name, then its description
  });

  it('reads `tusk help VERB NOUN` as `tusk VERB NOUN --help`, as pachctl does', async () => {
    const help = await run(['help', 'put', 'file']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await run(['put', 'file', '--help'])).stdout);
    expect(help.stdout).toMatch(/^Usage: tusk put file\|files \[options\] <repo@branch\[:\/path\]>/);
    expect((await run(['help', 'put'])).stdout).toMatch(/^Usage: tusk put \[options\] \[command\]/);
    const unknown = await run(['help', 'nosuch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toBe("tusk: unknown command 'nosuch'\n");
    expect((await run(['help', 'lst'])).stderr).toBe("tusk: unknown command 'lst' (Did you mean list?)\n");
  });

  it('gives nouns their plural (list repos) but not the verbs of auth (no "auth logins")', async () => {
    expect((await run(['list', 'repos', '--help'])).code).toBe(0);
    const auth = await run(['auth', '--help']);
    expect(auth.stdout).toMatch(/^ {2}login \[options\]/m);
    expect(auth.stdout).not.toMatch(/logins|activates|whoamis/);
  });
});
