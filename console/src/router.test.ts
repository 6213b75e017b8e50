// The console's URLs: names are encoded one path segment at a time, so a file
// name holding #, ?, % or a space survives the round trip through the address bar.
import { describe, expect, it } from 'vitest';
import { decodePath, paths } from './router';

describe('console paths', () => {
  it('encode each name as one segment and decode back to the same path', () => {
    const url = paths.files('odd', 'master^', '/dir#1/100% what?.csv');
    expect(url).toBe('/repos/odd/files/master%5E/dir%231/100%25%20what%3F.csv');
    expect(new URL(url, 'http://x').pathname).toBe(url); // no fragment, no query
    expect(decodePath(url)).toBe('/repos/odd/files/master^/dir#1/100% what?.csv');
  });

  it('leave a typed bare % as it is instead of failing', () => {
    expect(decodePath('/repos/odd/files/master/100%.txt')).toBe('/repos/odd/files/master/100%.txt');
  });
});
