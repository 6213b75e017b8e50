// lazyStdio: short texts go straight to the descriptor until a command opens
// the stream, then through it; a reader that went away ends a text silently,
// and a descriptor that cannot take the text hands the rest to the stream.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FD_CALLS, lazyStdio, type FdCalls } from './stdio.js';

/** A fake process.stdout: a PassThrough that records what it was given, with the terminal fields. */
function fakeStream(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120, hasColors: () => true }) as unknown as NodeJS.WriteStream;
  const written: string[] = [];
  stream.on('data', (b: Buffer) => written.push(b.toString()));
  return { stream, written };
}

/** A descriptor that takes at most `max` bytes a call, then fails with `failWith` once `limit` bytes were taken. */
function fakeFd(opts: { max?: number; limit?: number; failWith?: string; notTerminal?: boolean } = {}) {
  const taken: string[] = [];
  let total = 0;
  const calls: FdCalls = {
    write(_fd, bytes) {
      if (opts.limit !== undefined && total >= opts.limit) throw Object.assign(new Error(opts.failWith), { code: opts.failWith });
      const n = Math.min(bytes.length, opts.max ?? bytes.length, (opts.limit ?? Infinity) - total);
      taken.push(Buffer.from(bytes.subarray(0, n)).toString());
      total += n;
      return n;
    },
    notTerminal: () => opts.notTerminal ?? true,
  };
  return { calls, taken };
}

describe('lazyStdio', () => {
  it('writes a text whole to the descriptor, in as many writes as it takes, without opening the stream', () => {
    const fd = fakeFd({ max: 3 });
    let opened = 0;
    const out = lazyStdio(1, () => (opened++, fakeStream().stream), fd.calls);
    out.write('Usage: tusk\n');
    expect(fd.taken.join('')).toBe('Usage: tusk\n');
    expect(opened).toBe(0);
  });

  it('stops silently when the reader went away (EPIPE)', () => {
    const fd = fakeFd({ limit: 5, failWith: 'EPIPE' });
    let opened = 0;
    const out = lazyStdio(1, () => (opened++, fakeStream().stream), fd.calls);
    out.write('Usage: tusk\n');
    expect(fd.taken.join('')).toBe('Usage');
    expect(opened).toBe(0);
  });

  it('hands the rest to the stream when the descriptor cannot take it now (EAGAIN), and uses the stream from then on', async () => {
    const fd = fakeFd({ limit: 6, failWith: 'EAGAIN' });
    const fake = fakeStream();
    const out = lazyStdio(1, () => fake.stream, fd.calls);
    out.write('Usage: tusk\n');
    out.write('more\n');
    await new Promise((r) => setImmediate(r));
    expect(fd.taken.join('')).toBe('Usage:');
    expect(fake.written.join('')).toBe(' tusk\nmore\n');
  });

  it('writes through the stream once a command opened it, so the output keeps its order', async () => {
    const fd = fakeFd();
    const fake = fakeStream();
    const out = lazyStdio(2, () => fake.stream, fd.calls);
    out.stream.write('progress\n');
    out.write('tusk: failed\n');
    await new Promise((r) => setImmediate(r));
    expect(fd.taken).toEqual([]);
    expect(fake.written.join('')).toBe('progress\ntusk: failed\n');
  });

  it('answers that a descriptor that is no terminal has no width or colors, without opening the stream', () => {
    let opened = 0;
    const out = lazyStdio(1, () => (opened++, fakeStream(true).stream), fakeFd({ notTerminal: true }).calls);
    expect(out.columns()).toBeUndefined();
    expect(out.hasColors()).toBe(false);
    expect(opened).toBe(0);
  });

  it("asks the stream about a descriptor that may be a terminal: a terminal's width and colors", () => {
    const terminal = lazyStdio(1, () => fakeStream(true).stream, fakeFd({ notTerminal: false }).calls);
    expect(terminal.columns()).toBe(120);
    expect(terminal.hasColors()).toBe(true);
    const devNullLike = lazyStdio(1, () => fakeStream(false).stream, fakeFd({ notTerminal: false }).calls);
    expect(devNullLike.columns()).toBeUndefined();
    expect(devNullLike.hasColors()).toBe(false);
  });
});

describe('the descriptor calls', () => {
  it('tell /dev/null and a file, which are no terminal, from a device that may be one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tusk-stdio-'));
    const fds = [openSync('/dev/null', 'w'), openSync(join(dir, 'out'), 'w'), openSync('/dev/zero', 'r')];
    try {
      expect(fds.map((fd) => FD_CALLS.notTerminal(fd))).toEqual([true, true, false]);
    } finally {
      for (const fd of fds) closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });
});
