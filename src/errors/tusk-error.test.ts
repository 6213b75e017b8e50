// A TuskError's message is one line whatever the input it names contains.
import { describe, expect, it } from 'vitest';
import { FileNotFound } from './index.js';
import { TuskError, oneLine } from './tusk-error.js';

describe('TuskError messages', () => {
  it('show control characters in a named input escaped, so the message stays one line', () => {
    const err = new TuskError('not_found', 'FileNotFound', 'file "/a\nb\u0006\r\tc\u2028" not found');
    expect(err.message).toBe('file "/a\\nb\\u0006\\r\\tc\\u2028" not found');
    expect(err.message).not.toMatch(/[\n\r\u2028]/);
  });

  it('leave ordinary text, including non-ASCII, as it is', () => {
    expect(oneLine('repo "données" — 3 files')).toBe('repo "données" — 3 files');
    expect(oneLine('repo "مرحبا" 😀')).toBe('repo "مرحبا" 😀');
  });

  it('show C1 controls and direction overrides escaped, so the rest of the line is not shown reordered', () => {
    expect(oneLine('invalid repo name "\u202egnp.exe": use letters')).toBe('invalid repo name "\\u202egnp.exe": use letters');
    expect(oneLine('a\u0085b\u009bc\u2066d\u200fe')).toBe('a\\u0085b\\u009bc\\u2066d\\u200fe');
    expect(oneLine(oneLine('x\u202ey\nz'))).toBe(oneLine('x\u202ey\nz'));
  });

  it('hold for the subclasses that build their message from a path', () => {
    const err = new FileNotFound('/x\ny', 'base@master');
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toContain('/x\\ny');
  });
});
