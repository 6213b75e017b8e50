// The console's pure parsing: CSV/TSV previews, the /metrics text and the
// input repos of a pipeline spec (what draws the DAG's edges).
import { describe, expect, it } from 'vitest';
import { parseTable } from './components/Preview';
import { inputRepos } from './format';
import { parseMetrics } from './views/Metrics';

describe('parseTable', () => {
  it('splits rows and fields, keeping quoted separators, quotes and newlines', () => {
    expect(parseTable('a,b\n"x, y","say ""hi"""\r\n"two\nlines",3\n', ',')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', '3'],
    ]);
  });

  it('reads TSV and a last row without a newline', () => {
    expect(parseTable('a\tb\n1\t2', '\t')).toEqual([['a', 'b'], ['1', '2']]);
  });
});

describe('parseMetrics', () => {
  it('reads samples with labels and skips comments', () => {
    const text = '# HELP tusk_jobs Jobs.\n# TYPE tusk_jobs gauge\ntusk_jobs{pipeline="counts",state="success"} 2\ntusk_up 1\nx_sum{a="q\\"uote"} 0.25\n';
    expect(parseMetrics(text)).toEqual([
      { name: 'tusk_jobs', labels: { pipeline: 'counts', state: 'success' }, value: 2 },
      { name: 'tusk_up', labels: {}, value: 1 },
      { name: 'x_sum', labels: { a: 'q"uote' }, value: 0.25 },
    ]);
  });
});

describe('inputRepos', () => {
  it('finds every pfs input through cross, union and join', () => {
    const spec = {
      name: 'p',
      input: { type: 'cross', inputs: [{ type: 'pfs', repo: 'a' }, { type: 'union', inputs: [{ type: 'pfs', repo: 'b' }, { type: 'cron', name: 'tick' }] }, { type: 'pfs', repo: 'a' }] },
      transform: { env: { repo: 'not-an-input' } },
    };
    expect(inputRepos(JSON.stringify(spec))).toEqual(['a', 'b']);
  });
});
