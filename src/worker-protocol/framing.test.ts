import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeFrame, LineSplitter } from './framing.js';

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
