import { describe, expect, it } from 'vitest';
import type { ProvenanceNode } from '../client/index.js';
import { provenanceJson, provenanceText } from './provenance-view.js';

const ID = 'a'.repeat(32);
const node = (repo: string, pipeline: string, children: ProvenanceNode[] = []): ProvenanceNode => ({
  commit: { repo, branch: 'master', id: ID },
  origin: pipeline ? 'auto' : 'user',
  pipeline,
  pipelineVersion: pipeline ? 1 : 0,
  children,
});

const montage = node('montage', 'montage', [node('images', ''), node('edges', 'edges', [node('images', '')])]);

describe('provenance views', () => {
  it('draws the tree with each commit\'s origin or pipeline version', () => {
    expect(provenanceText(montage)).toBe(
      [
        `montage@${ID} (pipeline montage v1)`,
        `├── images@${ID} (user)`,
        `└── edges@${ID} (pipeline edges v1)`,
        `    └── images@${ID} (user)`,
        '',
      ].join('\n'),
    );
  });

  it('keeps the vertical line under a branch that has later siblings', () => {
    const tree = node('c', 'c', [node('b', 'b', [node('a', '')]), node('x', '')]);
    expect(provenanceText(tree).split('\n').slice(1, 4)).toEqual([`├── b@${ID} (pipeline b v1)`, `│   └── a@${ID} (user)`, `└── x@${ID} (user)`]);
  });

  it('nests the JSON, with null pipeline fields for user commits', () => {
    const json = provenanceJson(montage);
    expect(json).toMatchObject({ commit: { repo: 'montage', branch: 'master', id: ID }, origin: 'auto', pipeline: 'montage', pipelineVersion: 1 });
    expect(json.children[0]).toEqual({ commit: { repo: 'images', branch: 'master', id: ID }, origin: 'user', pipeline: null, pipelineVersion: null, children: [] });
    expect(json.children[1]!.children[0]!.commit.repo).toBe('images');
  });
});
