import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elapsed, formatFields, formatTable, humanDuration, humanSize, oneLine, relativeTime } from './output.js';

describe('humanSize', () => {
  it('prints sizes like pachctl, with binary units', () => {
    expect(humanSize(0)).toBe('0 B');
    expect(humanSize(1023)).toBe('1023 B');
    expect(humanSize(1024)).toBe('1 KiB');
    expect(humanSize(1229)).toBe('1.2 KiB');
    expect(humanSize(1024 * 1024 - 1)).toBe('1 MiB');
    expect(humanSize(150 * 1024 ** 3)).toBe('150 GiB');
    expect(humanSize(5 * 1024 ** 4 + 1)).toBe('5 TiB');
    expect(humanSize(1000 * 1024 ** 4)).toBe('1 PiB');
    expect(humanSize(999 * 1024)).toBe('999 KiB');
    expect(humanSize(45e6)).toBe('42.9 MiB');
  });

  it('never prints more than three digits before the unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1024, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(humanSize(n)).toMatch(/^\d{1,3}(\.\d)? [KMGTPE]iB$/);
        expect(humanSize(n)).not.toMatch(/^0 /);
      }),
    );
  });
});

describe('relativeTime', () => {
  const now = new Date('2025-06-01T12:00:00Z');
  it('says how long ago, then falls back to the date', () => {
    expect(relativeTime('2025-06-01T12:00:00.500Z', now)).toBe('just now');
    expect(relativeTime('2025-06-01T11:59:55Z', now)).toBe('5 seconds ago');
    expect(relativeTime('2025-06-01T11:59:00Z', now)).toBe('1 minute ago');
    expect(relativeTime('2025-06-01T09:00:00Z', now)).toBe('3 hours ago');
    expect(relativeTime('2025-05-30T12:00:00Z', now)).toBe('2 days ago');
    expect(relativeTime('2024-01-02T00:00:00Z', now)).toBe('2024-01-02');
    expect(relativeTime('', now)).toBe('-');
  });
  it('gives the time itself with full (--full-timestamps)', () => {
    expect(relativeTime('2025-06-01T11:59:55.123Z', now, true)).toBe('2025-06-01T11:59:55.123Z');
    expect(relativeTime('', now, true)).toBe('-');
  });
});

describe('formatTable', () => {
  it('aligns columns to the widest cell without trailing spaces', () => {
    expect(formatTable(['NAME', 'SIZE', 'NOTE'], [['a', '1 B', ''], ['longer', '10 KiB', 'x']])).toBe(
      'NAME    SIZE    NOTE\n' + 'a       1 B\n' + 'longer  10 KiB  x\n',
    );
  });

  it('shows control characters in a cell escaped, so a file named "a\\nb" keeps its row', () => {
    expect(formatTable(['NAME', 'SIZE'], [['/a\nb', '3 B'], ['/\u001b[31mred', '1 B']])).toBe(
      'NAME            SIZE\n' + '/a\\nb           3 B\n' + '/\\u001b[31mred  1 B\n',
    );
    expect(formatFields([['Path', '/x\ry\u202e']])).toBe('Path: /x\\ry\\u202e\n');
  });

  it('aligns names in wide scripts, emoji and combining accents by the columns a terminal gives them', () => {
    // 文件 takes 4 columns, 🐘 2, e + U+0301 (é) 1.
    expect(formatTable(['NAME', 'SIZE'], [['/文件', '1 B'], ['/🐘', '2 B'], ['/e\u0301', '3 B'], ['/abcde', '4 B']])).toBe(
      'NAME    SIZE\n' + '/文件   1 B\n' + '/🐘     2 B\n' + '/e\u0301      3 B\n' + '/abcde  4 B\n',
    );
  });

  it('prints just the header for an empty listing', () => {
    expect(formatTable(['A', 'B'], [])).toBe('A  B\n');
  });

  it('aligns key/value blocks', () => {
    expect(formatFields([['Name', 'x'], ['Description', '']])).toBe('Name:        x\nDescription:\n');
  });
});

describe('oneLine', () => {
  it('joins lines so an error stays on one line', () => {
    expect(oneLine('first\n  second\r\nthird\n')).toBe('first second third');
    expect(oneLine('tab\there\u0007 \u2028next \u202eend')).toBe('tab\\there\\u0007 next \\u202eend');
  });
});

describe('humanDuration', () => {
  it('uses the coarsest unit that still says something', () => {
    expect(humanDuration(0)).toBe('0 ms');
    expect(humanDuration(850)).toBe('850 ms');
    expect(humanDuration(1000)).toBe('1 s');
    expect(humanDuration(3290)).toBe('3.2 s');
    expect(humanDuration(42_900)).toBe('42 s');
    expect(humanDuration(125_000)).toBe('2m 5s');
    expect(humanDuration(3_720_000)).toBe('1h 2m');
    expect(humanDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3d 4h');
    expect(humanDuration(-1)).toBe('-');
    expect(humanDuration(Number.NaN)).toBe('-');
  });

  it('never rounds a duration up into the next unit', () => {
    expect(humanDuration(999.6)).toBe('999 ms');
    expect(humanDuration(9_999)).toBe('9.9 s');
    expect(humanDuration(59_999)).toBe('59 s');
    expect(humanDuration(3_599_999)).toBe('59m 59s');
  });

  it('measures a running span up to now', () => {
    const now = new Date('2025-06-01T12:00:10Z');
    expect(elapsed('2025-06-01T12:00:00Z', '2025-06-01T12:00:01.500Z', now)).toBe('1.5 s');
    expect(elapsed('2025-06-01T12:00:00Z', '', now)).toBe('10 s');
    expect(elapsed('', '', now)).toBe('-');
  });
});
