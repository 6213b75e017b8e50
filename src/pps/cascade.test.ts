import { describe, expect, it } from 'vitest';
import { downstream, type PipelineNode } from './cascade.js';

const p = (name: string, ...inputs: string[]): PipelineNode => ({
  name,
  outputBranch: 'master',
  inputs: inputs.map((i) => ({ repo: i.split('@')[0]!, branch: i.split('@')[1] ?? 'master' })),
});

describe('downstream', () => {
  it('orders a diamond so every pipeline follows its inputs', () => {
    const dag = [p('montage', 'edges', 'images'), p('edges', 'images'), p('stats', 'montage', 'edges'), p('other', 'logs')];
    expect(downstream(dag, 'images', 'master').map((x) => x.name)).toEqual(['edges', 'montage', 'stats']);
  });
  it('follows only the branch that changed', () => {
    const dag = [p('a', 'images@dev'), p('b', 'images')];
    expect(downstream(dag, 'images', 'dev').map((x) => x.name)).toEqual(['a']);
    expect(downstream(dag, 'logs', 'master')).toEqual([]);
  });
  it('with no branch, follows every pipeline reading the repo (an experiment runs the DAG below it)', () => {
    const dag = [p('a', 'images@dev'), p('b', 'images'), p('c', 'b'), p('other', 'logs')];
    expect(downstream(dag, 'images', undefined).map((x) => x.name)).toEqual(['a', 'b', 'c']);
  });
});
