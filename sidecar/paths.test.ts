import { describe, expect, test } from 'vitest';
import { checkInputName, inputFileTarget } from './paths.js';

describe('datum area paths', () => {
  test('an input file keeps its full repo path under its input folder', () => {
    expect(inputFileTarget('/w/stage/d1/in', 'images', '/a/b.png')).toBe('/w/stage/d1/in/images/a/b.png');
    expect(inputFileTarget('/r', 'in', 'x//y.txt')).toBe('/r/in/x/y.txt');
  });

  test('paths and names that would leave the datum area are refused', () => {
    expect(() => inputFileTarget('/r', 'in', '/a/../../etc/passwd')).toThrow(/invalid path/);
    expect(() => inputFileTarget('/r', 'in', '/')).toThrow(/needs a name/);
    for (const bad of ['', '.', '..', 'out', 'a/b', 'a\0b']) expect(() => checkInputName(bad)).toThrow(/input name/);
  });
});
