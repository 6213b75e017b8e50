import { describe, expect, it } from 'vitest';
import { findCycle, inputRepos } from './dag.js';
import { normalizePipelineSpec } from './spec-parse.js';

describe('inputRepos', () => {
  it('lists every pfs and cron input with its branch and name, through nested inputs', () => {
    const spec = normalizePipelineSpec({
      pipeline: { name: 'p' },
      transform: { cmd: ['sh'] },
      input: { union: [
        { cross: [{ pfs: { repo: 'images', glob: '/*' } }, { pfs: { repo: 'models', branch: 'v2', name: 'm', glob: '/' } }] },
        { cron: { name: 'tick', spec: '@hourly' } },
        { join: [{ pfs: { repo: 'a', glob: '/(*)', join_on: '$1' } }, { pfs: { repo: 'b', glob: '/(*)', join_on: '$1' } }] },
      ] },
    });
    expect(inputRepos(spec)).toEqual([
      { repo: 'images', branch: 'master', name: 'images', kind: 'pfs' },
      { repo: 'models', branch: 'v2', name: 'm', kind: 'pfs' },
      { repo: 'p_tick', branch: 'master', name: 'tick', kind: 'cron' },
      { repo: 'a', branch: 'master', name: 'a', kind: 'pfs' },
      { repo: 'b', branch: 'master', name: 'b', kind: 'pfs' },
    ]);
  });
});

describe('findCycle', () => {
  it('finds none in a DAG (edges → montage, user repos not pipelines)', () => {
    expect(findCycle([{ name: 'edges', inputRepos: ['images'] }, { name: 'montage', inputRepos: ['images', 'edges'] }])).toBeUndefined();
    expect(findCycle([])).toBeUndefined();
  });

  it('finds a pipeline reading its own output', () => {
    expect(findCycle([{ name: 'a', inputRepos: ['x', 'a'] }])).toEqual(['a', 'a']);
  });

  it('returns a longer cycle in the direction data flows', () => {
    // b reads a, c reads b, a reads c.
    const cycle = findCycle([
      { name: 'a', inputRepos: ['c', 'raw'] },
      { name: 'b', inputRepos: ['a'] },
      { name: 'c', inputRepos: ['b'] },
      { name: 'd', inputRepos: ['c'] },
    ]);
    expect(cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('finds a cycle closed by adding one pipeline to a DAG', () => {
    const dag = [{ name: 'edges', inputRepos: ['images'] }, { name: 'montage', inputRepos: ['edges'] }];
    expect(findCycle([...dag, { name: 'images', inputRepos: ['montage'] }])).toEqual(['edges', 'montage', 'images', 'edges']);
  });
});
