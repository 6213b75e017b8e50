import { describe, expect, it } from 'vitest';
import type { CommitRecord } from '../pfs/index.js';
import { provenanceTree, subvenanceTree, type ProvenanceLookups } from './provenance.js';

const commit = (repo: string, id: string, origin: 'user' | 'auto', provenance: [string, string][] = []): CommitRecord => ({
  id, repo, branch: 'master', parentId: null, origin, started: '', finished: '', description: '', tree: '', sizeBytes: 0, fileCount: 0, seq: 0,
  provenance: provenance.map(([r, i]) => ({ repo: r, branch: 'master', id: i })),
});

// images@X (user) → edges@X → montage@X (also reads images@X)
const commits = [
  commit('images', 'X', 'user'),
  commit('edges', 'X', 'auto', [['images', 'X']]),
  commit('montage', 'X', 'auto', [['images', 'X'], ['edges', 'X']]),
];
const lookups: ProvenanceLookups = {
  async commit(repo, id) {
    return commits.find((c) => c.repo === repo && c.id === id);
  },
  async job(repo) {
    return repo === 'images' ? undefined : { pipeline: repo, version: 2 };
  },
  async below(repo, id) {
    return commits.filter((c) => c.provenance.some((p) => p.repo === repo && p.id === id)).map((c) => ({ repo: c.repo, id: c.id }));
  },
};

describe('provenance', () => {
  it('walks an output commit down to the user commits, with pipeline versions', async () => {
    const tree = await provenanceTree(lookups, commits[2]!);
    expect(tree.pipeline).toBe('montage');
    expect(tree.pipelineVersion).toBe(2);
    expect(tree.children.map((c) => c.commit.repo)).toEqual(['images', 'edges']);
    expect(tree.children[1]!.children.map((c) => [c.commit.repo, c.origin])).toEqual([['images', 'user']]);
  });
  it('walks an input commit up to everything computed from it', async () => {
    const tree = await subvenanceTree(lookups, commits[0]!);
    expect(tree.children.map((c) => c.commit.repo)).toEqual(['edges', 'montage']);
    expect(tree.children[0]!.children.map((c) => c.commit.repo)).toEqual(['montage']);
  });
});
