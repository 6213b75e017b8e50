import { describe, expect, it } from 'vitest';
import { parseRole } from './roles.js';

describe('parseRole', () => {
  it("takes Pachyderm's role names, its 1.x scope names, and none", () => {
    expect(parseRole('repoWriter')).toBe('repoWriter');
    expect(parseRole('clusterAdmin')).toBe('clusterAdmin');
    expect(parseRole('reader')).toBe('repoReader');
    expect(parseRole('WRITER')).toBe('repoWriter');
    expect(parseRole('owner')).toBe('repoOwner');
    expect(parseRole('none')).toBe('none');
  });

  it('refuses anything else, naming the roles', () => {
    expect(() => parseRole('admin')).toThrow('"admin" is not a role (use repoReader, repoWriter, repoOwner, clusterAdmin or none)');
    expect(() => parseRole('none', false)).toThrow('is not a role');
  });
});
