import { describe, expect, test } from 'vitest';
import type { BranchRecord, CommitRecord } from './records.js';
import { planRemoval, type RemovalFacts } from './history-plan.js';

let seq = 0;
function commit(id: string, parentId: string | null, finished = true, repo = 'r'): CommitRecord {
  return { id, repo, branch: 'master', parentId, origin: 'user', started: 't', finished: finished ? 't' : null, description: '', provenance: [], tree: 'x', sizeBytes: 0, fileCount: 0, seq: ++seq };
}
function facts(commits: CommitRecord[], heads: Record<string, string>): RemovalFacts {
  const branches: BranchRecord[] = Object.entries(heads).map(([name, head]) => ({ repo: 'r', name, head }));
  return { commits: new Map([['r', commits]]), branches: new Map([['r', branches]]) };
}
const k = (id: string) => ({ repo: 'r', id });

// a <- b <- c (master); b <- d (side)
const chain = () => [commit('a', null), commit('b', 'a'), commit('c', 'b'), commit('d', 'b')];

describe('delete commit', () => {
  test('a head without children goes and its branch moves back to its parent', () => {
    const plan = planRemoval({ deletes: [k('c')], squashes: [] }, facts(chain(), { master: 'c', side: 'd' }));
    expect(plan.removed.map((r) => [r.commit.id, r.action])).toEqual([['c', 'deleted']]);
    expect(plan.moved).toEqual([{ repo: 'r', name: 'master', head: 'b' }]);
    expect(plan.reparented).toEqual([]);
  });

  test('the first commit leaves its branch without commits', () => {
    const plan = planRemoval({ deletes: [k('a')], squashes: [] }, facts([commit('a', null)], { master: 'a' }));
    expect(plan.moved).toEqual([{ repo: 'r', name: 'master', head: '' }]);
  });

  test('a commit with children is refused, naming them', () => {
    expect(() => planRemoval({ deletes: [k('b')], squashes: [] }, facts(chain(), { master: 'c', side: 'd' }))).toThrow(
      expect.objectContaining({ code: 'CommitHasChildren', children: ['r@c', 'r@d'] }),
    );
  });

  test('a commit goes with its children when they are deleted too', () => {
    const plan = planRemoval({ deletes: [k('b'), k('c'), k('d')], squashes: [] }, facts(chain(), { master: 'c', side: 'd' }));
    expect(plan.moved.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { repo: 'r', name: 'master', head: 'a' },
      { repo: 'r', name: 'side', head: 'a' },
    ]);
  });

  test('an open head may be deleted (its write is abandoned)', () => {
    const plan = planRemoval({ deletes: [k('b')], squashes: [] }, facts([commit('a', null), commit('b', 'a', false)], { master: 'b' }));
    expect(plan.moved).toEqual([{ repo: 'r', name: 'master', head: 'a' }]);
  });
});

describe('squash commit', () => {
  test('its children take its parent, and no branch moves', () => {
    const plan = planRemoval({ deletes: [], squashes: [k('b')] }, facts(chain(), { master: 'c', side: 'd' }));
    expect(plan.removed.map((r) => [r.commit.id, r.action])).toEqual([['b', 'squashed']]);
    expect(plan.reparented.map((c) => [c.id, c.parentId])).toEqual([
      ['c', 'a'],
      ['d', 'a'],
    ]);
    expect(plan.moved).toEqual([]);
  });

  test('squashing the first commit leaves its children without a parent', () => {
    const plan = planRemoval({ deletes: [], squashes: [k('a')] }, facts(chain(), { master: 'c', side: 'd' }));
    expect(plan.reparented.map((c) => [c.id, c.parentId])).toEqual([['b', null]]);
  });

  test('two squashed in a row: the child skips both', () => {
    const plan = planRemoval({ deletes: [], squashes: [k('b'), k('a')] }, facts([commit('a', null), commit('b', 'a'), commit('c', 'b')], { master: 'c' }));
    expect(plan.reparented.map((c) => [c.id, c.parentId])).toEqual([['c', null]]);
  });

  test('refuses a head, a commit without children and an open commit', () => {
    const f = facts(chain(), { master: 'c', side: 'd', pinned: 'b' });
    expect(() => planRemoval({ deletes: [], squashes: [k('b')] }, f)).toThrow(/head of branch pinned/);
    expect(() => planRemoval({ deletes: [], squashes: [k('c')] }, facts(chain(), { side: 'd' }))).toThrow(/no children to fold it into/);
    expect(() => planRemoval({ deletes: [], squashes: [k('a')] }, facts([commit('a', null, false), commit('b', 'a')], { master: 'b' }))).toThrow(/it is open/);
  });

  test('a commit that does not exist is refused', () => {
    expect(() => planRemoval({ deletes: [k('zz')], squashes: [] }, facts(chain(), {}))).toThrow(expect.objectContaining({ code: 'CommitNotRemovable' }));
  });
});
