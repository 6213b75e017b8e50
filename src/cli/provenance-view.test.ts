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

  it('draws a commit reached along two paths once when asked (subvenance), then "(see above)" without its subtree', () => {
    // left -> upper -> joined -> crossed, and right read by joined and crossed: crossed is reached twice from right.
    const crossed = node('crossed', 'crossed');
    const right = node('right', '', [node('joined', 'joined', [crossed]), node('crossed', 'crossed')]);
    expect(provenanceText(right, { once: true })).toBe(
      [`right@${ID} (user)`, `├── joined@${ID} (pipeline joined v1)`, `│   └── crossed@${ID} (pipeline crossed v1)`, `└── crossed@${ID} (pipeline crossed v1) (see above)`, ''].join('\n'),
    );
    const deep = node('a', '', [node('b', 'b', [node('c', 'c', [node('d', 'd')])]), node('b', 'b', [node('c', 'c', [node('d', 'd')])])]);
    expect(provenanceText(deep, { once: true }).split('\n')).toHaveLength(6); // a, b, c, d, b (see above), ''
    expect(provenanceText(montage)).toContain(`    └── images@${ID} (user)\n`); // provenance draws every path, as before
  });

  it('nests the JSON, with null pipeline fields for user commits', () => {
    const json = provenanceJson(montage);
    expect(json).toMatchObject({ commit: { repo: 'montage', branch: 'master', id: ID }, origin: 'auto', pipeline: 'montage', pipelineVersion: 1 });
    expect(json.children[0]).toEqual({ commit: { repo: 'images', branch: 'master', id: ID }, origin: 'user', pipeline: null, pipelineVersion: null, children: [] });
    expect(json.children[1]!.children[0]!.commit.repo).toBe('images');
  });
});
