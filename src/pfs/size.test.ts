import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSize, sizeProblem } from './size.js';

describe('parseSize', () => {
  it('reads decimal units as powers of 1000 and binary ones as powers of 1024, in any case', () => {
    expect(parseSize('100MB')).toBe(100_000_000);
    expect(parseSize('100mb')).toBe(100_000_000);
    expect(parseSize('1KB')).toBe(1000);
    expect(parseSize('1KiB')).toBe(1024);
    expect(parseSize('1kib')).toBe(1024);
    expect(parseSize('2 GiB')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5GB')).toBe(1_500_000_000);
    expect(parseSize('3TB')).toBe(3e12);
    expect(parseSize('1TiB')).toBe(1024 ** 4);
    expect(parseSize('100M')).toBe(100_000_000);
    expect(parseSize('512')).toBe(512);
    expect(parseSize('512B')).toBe(512);
    expect(parseSize('0.5KB')).toBe(500);
    expect(parseSize('1.0001KB')).toBe(1001); // rounded up to whole bytes
    expect(parseSize('1.1KB')).toBe(1100); // exact: no floating-point noise rounded up
    expect(parseSize('.5MiB')).toBe(512 * 1024);
  });

  it('refuses what is not a size', () => {
    for (const bad of ['100XB', '', 'MB', '-5MB', '1..5GB', '1e3', '10 MBs', '1.5.2KB', 'ten', '100KiBB', '99999999999PB']) {
      expect(parseSize(bad), bad).toBeUndefined();
      expect(sizeProblem(bad), bad).toMatch(/is not a size/);
    }
    expect(sizeProblem('0MB')).toBe('must be at least 1 byte');
    expect(sizeProblem('1MB')).toBeUndefined();
  });

  it('reads back any whole number of any unit', () => {
    const units: [string, number][] = [['B', 1], ['KB', 1e3], ['MB', 1e6], ['GB', 1e9], ['KiB', 1024], ['MiB', 1024 ** 2], ['GiB', 1024 ** 3]];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(...units), fc.boolean(), fc.boolean(), (n, [unit, factor], lower, space) => {
        const text = `${n}${space ? ' ' : ''}${lower ? unit.toLowerCase() : unit}`;
        expect(parseSize(text)).toBe(n * factor);
      }),
    );
  });
});
