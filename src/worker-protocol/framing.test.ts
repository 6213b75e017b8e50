import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeFrame, FrameWriter, LineSplitter } from './framing.js';

describe('frame encoding and line splitting', () => {
  test('messages survive any cut of the byte stream into chunks, newlines inside strings included', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 8 }), fc.array(fc.nat(40), { maxLength: 10 }), (messages, cuts) => {
        const text = messages.map(encodeFrame).join('');
        const splitter = new LineSplitter();
        const lines: string[] = [];
        let at = 0;
        for (const cut of cuts) {
          lines.push(...splitter.push(text.slice(at, at + cut)));
          at += cut;
        }
        lines.push(...splitter.push(text.slice(at)));
        expect(splitter.flush()).toBe('');
        expect(lines.map((l) => JSON.parse(l))).toEqual(JSON.parse(JSON.stringify(messages)));
      }),
    );
  });

  test('a frame is one line even when its strings hold newlines', () => {
    expect(encodeFrame({ s: 'a\nb' })).toBe('{"s":"a\\nb"}\n');
  });

  test('an unfinished line is kept until its end arrives', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":')).toEqual([]);
    expect(s.push('1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.flush()).toBe('{"b"');
  });
});

describe('frame writer', () => {
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  test('frames written in one tick go out in one write, in order; a later tick gets a write of its own', async () => {
    const writes: string[] = [];
    const w = new FrameWriter({ write: (text: string) => writes.push(text) } as unknown as NodeJS.WritableStream);
    w.write({ id: 1 });
    w.write({ id: 2 });
    w.write({ id: 3 });
    expect(writes).toEqual([]);
    await tick();
    w.write({ id: 4 });
    await tick();
    expect(writes).toEqual(['{"id":1}\n{"id":2}\n{"id":3}\n', '{"id":4}\n']);
  });

  test('frames for a stream destroyed meanwhile are dropped', async () => {
    const writes: string[] = [];
    const stream = { destroyed: false, write: (text: string) => writes.push(text) };
    const w = new FrameWriter(stream as unknown as NodeJS.WritableStream);
    w.write({ id: 1 });
    stream.destroyed = true;
    await tick();
    expect(writes).toEqual([]);
  });
});

