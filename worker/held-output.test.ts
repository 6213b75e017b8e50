import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { HeldOutput, splitAtMark } from './held-output.js';

const MARK = '\0tusk-end:secret:7\0';

describe('splitAtMark', () => {
  test('cuts at the mark, keeping what follows it apart', () => {
    expect(splitAtMark(`a\nb${MARK}late`, MARK)).toEqual({ before: 'a\nb', after: 'late', held: '' });
  });
  test('holds back a tail that may be the start of a mark split over two reads, and only that', () => {
    expect(splitAtMark('out\0tusk-en', MARK)).toEqual({ before: 'out', held: '\0tusk-en' });
    expect(splitAtMark('out\0tusk-x', MARK)).toEqual({ before: 'out\0tusk-x', held: '' });
    expect(splitAtMark('a\0b', MARK)).toEqual({ before: 'a\0b', held: '' });
    expect(splitAtMark('plain', MARK)).toEqual({ before: 'plain', held: '' });
  });
});

/** Two stand-in pipes held for a runner, and the counts of text that belongs to no run. */
function heldPipes(): { out: PassThrough; err: PassThrough; stray: string[]; held: HeldOutput } {
  const out = new PassThrough();
  const err = new PassThrough();
  const stray: string[] = [];
  return { out, err, stray, held: new HeldOutput(out, err, (stream, chars) => stray.push(`${stream}:${chars}`)) };
}

describe('HeldOutput', () => {
  test('hands a run its output on both pipes up to its marks, whole though the mark comes in pieces, then the frame after the mark on stdout; later text belongs to no run', async () => {
    const { out, err, stray, held } = heldPipes();
    const got: string[] = [];
    expect(held.available()).toBe(true);
    const marked = held.claim(7, MARK, (stream, data) => got.push(`${stream}:${data}`));
    expect(held.available()).toBe(false);
    let done = false;
    void marked.then(() => (done = true));
    out.write('line 1\nline 2\0tu');
    err.write(`oops${MARK}`);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    out.write(`sk-end:secret:7\0{"ev":"ex`);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // the frame after the mark is not whole yet
    out.write('it"}\nafter');
    expect(await marked).toBe('{"ev":"exit"}');
    expect(got.join('|')).toBe('stdout:line 1\nline 2|stderr:oops');
    expect(stray).toEqual(['stdout:5']);
    expect(held.available()).toBe(false); // until the run's exit is known
    held.release(7);
    expect(held.available()).toBe(true);
    out.write('nobody');
    await new Promise((r) => setImmediate(r));
    expect(stray).toEqual(['stdout:5', 'stdout:6']);
  });

  test('a text holding a NUL that is no mark is output like any other', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const held = new HeldOutput(out, err, () => {});
    const got: string[] = [];
    const marked = held.claim(1, MARK, (_s, data) => got.push(data));
    out.write('a\0b\0tusk-');
    out.write(`x${MARK}F\n`);
    err.write(MARK);
    expect(await marked).toBe('F');
    expect(got.join('')).toBe('a\0b\0tusk-x');
  });

  test('waits for the mark on stderr too, though stdout ended first; text after the stderr mark belongs to no run', async () => {
    const { out, err, stray, held } = heldPipes();
    const got: string[] = [];
    let frame: string | undefined;
    void held.claim(3, MARK, (stream, data) => got.push(`${stream}:${data}`)).then((f) => (frame = f));
    out.write(`out${MARK}F\n`);
    await new Promise((r) => setImmediate(r));
    expect(frame).toBeUndefined();
    err.write(`err${MARK}late`);
    await new Promise((r) => setImmediate(r));
    expect(frame).toBe('F');
    expect(got).toEqual(['stdout:out', 'stderr:err']);
    expect(stray).toEqual(['stderr:4']);
  });

  test('a run whose stdout mark cannot come (the code shut it) ends with its stderr mark, and its later text belongs to no run', async () => {
    const { out, err, stray, held } = heldPipes();
    const got: string[] = [];
    let framed = false;
    void held.claim(4, MARK, (stream, data) => got.push(`${stream}:${data}`)).then(() => (framed = true));
    out.write('out');
    await new Promise((r) => setImmediate(r));
    let ended = false;
    void held.unmarked(4, ['stdout'])!.then(() => (ended = true));
    err.write('err');
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(false);
    err.write(MARK);
    out.write('late');
    await new Promise((r) => setImmediate(r));
    expect(ended).toBe(true);
    expect(framed).toBe(false);
    expect(got).toEqual(['stdout:out', 'stderr:err']);
    expect(stray).toEqual(['stdout:4']);
    expect(held.unmarked(5, ['stdout'])).toBeUndefined(); // not the run holding the pipes
  });

  test('is retired and free when the runner is gone', () => {
    const held = new HeldOutput(new PassThrough(), new PassThrough(), () => {});
    void held.claim(1, MARK, () => {});
    held.abort();
    expect(held.retired).toBe(true);
    expect(held.available()).toBe(false);
  });
});
