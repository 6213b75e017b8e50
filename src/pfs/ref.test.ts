import { describe, expect, it } from 'vitest';
import { parseRef, formatRef } from './ref.js';

function code(fn: () => unknown): string | undefined {
  try { fn(); } catch (e) { return (e as { code?: string }).code; }
  return undefined;
}

describe('parseRef', () => {
  it('reads a bare repo as its master branch', () => {
    expect(parseRef('images')).toEqual({ repo: 'images', name: 'master', isId: false, ancestors: 0, path: undefined });
  });
  it('reads branches, commit IDs, ancestry and paths', () => {
    const id = 'a'.repeat(32);
    expect(parseRef(`images@${id}`)).toMatchObject({ name: id, isId: true });
    expect(parseRef('images@dev^')).toMatchObject({ name: 'dev', ancestors: 1 });
    expect(parseRef('images@dev^3')).toMatchObject({ name: 'dev', ancestors: 3 });
    expect(parseRef('images@dev^^')).toMatchObject({ name: 'dev', ancestors: 2 });
    expect(parseRef('images@dev~')).toMatchObject({ name: 'dev', ancestors: 1 });
    expect(parseRef('images@dev~3')).toMatchObject({ name: 'dev', ancestors: 3 });
    expect(parseRef('images@dev^~2')).toMatchObject({ name: 'dev', ancestors: 3 });
    expect(parseRef('images@dev.2:/x')).toMatchObject({ name: 'dev', ancestors: 0, fromFirst: 2, path: '/x' });
    expect(parseRef('images@dev:/a//b/')).toMatchObject({ name: 'dev', path: '/a/b' });
    expect(parseRef('images:/x')).toMatchObject({ name: 'master', path: '/x' });
  });
  it('round-trips through formatRef', () => {
    expect(formatRef(parseRef('r@b^2:/p'))).toBe('r@b^2:/p');
    expect(formatRef(parseRef('r@b.1'))).toBe('r@b.1');
  });
  it('refuses malformed refs with InvalidRef', () => {
    for (const bad of ['', '@master', 'im ages', 'r@', 'r@b^x', 'r@b~x', 'r@b.0', 'r@b.', 'r@b.1^', 'r@b^.1', 'r@b:/../etc', 'r@a@b']) {
      expect(code(() => parseRef(bad)), bad).toBe('InvalidRef');
    }
  });
});
