import { describe, expect, it } from 'vitest';
import type { Branch, Commit } from '../client/index.js';
import { branchesCell, branchJson, commitJson, diffTable, fileJson, fileTable, repoTable, triggerText } from './views.js';

const commit: Commit = {
  id: 'a'.repeat(32),
  repo: 'images',
  branch: 'master',
  parentId: '',
  origin: 'user',
  started: '2025-01-01T00:00:00.000Z',
  finished: '',
  sizeBytes: 12,
  description: '',
  provenance: [{ repo: 'raw', branch: 'master', id: 'b'.repeat(32) }],
  fileCount: 2,
  tree: 'root',
};

describe('JSON views', () => {
  it('turns empty proto strings into null and keeps DESIGN\'s commit fields', () => {
    expect(commitJson(commit)).toEqual({
      id: 'a'.repeat(32),
      repo: 'images',
      branch: 'master',
      parentId: null,
      origin: 'user',
      started: '2025-01-01T00:00:00.000Z',
      finished: null,
      sizeBytes: 12,
      description: '',
      provenance: [{ repo: 'raw', branch: 'master', id: 'b'.repeat(32) }],
      fileCount: 2,
    });
    expect(commitJson({ ...commit, parentId: 'c'.repeat(32), finished: '2025-01-01T00:00:01.000Z' })).toMatchObject({ parentId: 'c'.repeat(32), finished: '2025-01-01T00:00:01.000Z' });
  });

  it('shows an empty branch with a null head and no trigger', () => {
    const empty: Branch = { name: 'dev', repo: 'images', head: '', trigger: { branch: '', all: false, cronSpec: '', size: '', commits: 0 } };
    expect(branchJson(empty)).toEqual({ name: 'dev', repo: 'images', head: null, trigger: null });
    expect(branchJson({ ...empty, trigger: { branch: 'staging', all: false, cronSpec: '', size: '1MB', commits: 0 } }).trigger).toMatchObject({ branch: 'staging', size: '1MB' });
  });

  it('says when a triggered branch follows its source', () => {
    const b = (trigger: Branch['trigger']): Branch => ({ name: 'master', repo: 'images', head: '', trigger });
    expect(triggerText(b({ branch: 'staging', all: false, cronSpec: '', size: '', commits: 0 }))).toBe('staging (every commit)');
    expect(triggerText(b({ branch: 'staging', all: false, cronSpec: '@daily', size: '100MB', commits: 1 }))).toBe('staging (+100MB or 1 commit or cron @daily)');
    expect(triggerText(b({ branch: 'staging', all: true, cronSpec: '', size: '1GiB', commits: 10 }))).toBe('staging (+1GiB and 10 commits)');
    expect(triggerText(b(undefined))).toBe('-');
  });

  it('gives folders a null hash', () => {
    expect(fileJson({ path: '/d', type: 'dir', sizeBytes: 3, hash: '', commit: 'x' })).toEqual({ path: '/d', type: 'dir', sizeBytes: 3, hash: null, commit: 'x' });
  });
});

describe('human views', () => {
  it('marks folders with a slash in file listings', () => {
    expect(fileTable([{ path: '/d', type: 'dir', sizeBytes: 2048, hash: '', commit: '' }, { path: '/f', type: 'file', sizeBytes: 5, hash: 'h', commit: '' }])).toBe(
      'NAME  TYPE  SIZE\n/d/   dir   2 KiB\n/f    file  5 B\n',
    );
  });

  it("keeps a repo's branches cell short: the first four and a count once there are more than five", () => {
    expect(branchesCell([])).toBe('-');
    expect(branchesCell(['a', 'b', 'c', 'd', 'master'])).toBe('a,b,c,d,master');
    const many = Array.from({ length: 10_001 }, (_, i) => `br${i}`);
    expect(branchesCell(many)).toBe('br0,br1,br2,br3,… (+9997)');
    const table = repoTable([{ name: 'b', sizeBytes: 0, branches: many, description: '', created: '2025-01-01T00:00:00.000Z', storedBytes: 0, uniqueBytes: 0 }], new Date('2025-01-01T00:01:00.000Z'));
    expect(table.split('\n')[1]).toMatch(/^b\s+1 minute ago\s+0 B\s+br0,br1,br2,br3,… \(\+9997\)\s*$/);
  });

  it('shows the old size of modified and deleted files', () => {
    expect(
      diffTable([
        { path: '/m', change: 'modified', sizeBytes: 2048, oldSizeBytes: 1024 },
        { path: '/gone', change: 'deleted', sizeBytes: 0, oldSizeBytes: 7 },
      ]),
    ).toBe('CHANGE    PATH   SIZE\nmodified  /m     2 KiB (was 1 KiB)\ndeleted   /gone  7 B\n');
  });
});
