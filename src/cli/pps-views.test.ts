import { describe, expect, it } from 'vitest';
import type { Datum, Job, Pipeline } from '../client/index.js';
import { inputSummary } from './input-summary.js';
import { datumFields, datumJson, datumProgress, datumTable, jobJson, jobTable, pipelineFields, pipelineJson, pipelineTable } from './pps-views.js';

const ID = 'c'.repeat(32);
const now = new Date('2025-06-01T12:00:00Z');

const spec = {
  name: 'edges',
  input: { type: 'pfs', name: 'images', repo: 'images', branch: 'master', glob: '/*' },
  transform: { cmd: ['python3', 'edges.py', 'a b'] },
  parallelismSpec: { constant: 2 },
  datumTries: 3,
};

const pipeline: Pipeline = {
  name: 'edges',
  version: 2,
  state: 'running',
  specJson: JSON.stringify(spec),
  created: '2025-06-01T11:00:00Z',
  description: 'find edges',
  reason: '',
  outputBranch: 'master',
  workers: 2,
  branchVersions: [{ branch: 'exp', version: 3, specJson: JSON.stringify(spec) }],
};

const job: Job = {
  id: ID,
  pipeline: 'edges',
  pipelineVersion: 2,
  state: 'failure',
  datums: { total: 10, processed: 6, skipped: 3, failed: 1, recovered: 0 },
  outputCommit: ID,
  started: '2025-06-01T11:59:00Z',
  finished: '2025-06-01T11:59:30Z',
  reason: 'datum 5c1a failed',
  inputs: [{ repo: 'images', branch: 'master', id: ID }],
  branch: 'master',
};

const datum: Datum = {
  id: 'd'.repeat(64),
  job: ID,
  pipeline: 'edges',
  state: 'failed',
  files: ['/a.png', '/b.png', '/c.png', '/d.png', '/e.png'].map((path) => ({ input: 'images', path, sizeBytes: 2048, hash: 'h' })),
  tries: 3,
  durationMs: 1500,
  reason: 'exit status 1',
};

describe('pipeline views', () => {
  it('prints the spec as an object and empty strings as null', () => {
    expect(pipelineJson(pipeline)).toEqual({
      name: 'edges',
      version: 2,
      state: 'running',
      spec,
      created: '2025-06-01T11:00:00Z',
      description: 'find edges',
      reason: null,
      outputBranch: 'master',
      workers: 2,
      type: 'standard',
      branchVersions: [{ branch: 'exp', version: 3, spec }],
      datumUsage: null,
    });
  });

  it('lists each pipeline with its input and the state of its last job', () => {
    const table = pipelineTable([pipeline], new Map([['edges', job]]), now);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+VERSION\s+INPUT\s+CREATED\s+STATE \/ LAST JOB\s+DESCRIPTION$/);
    // The version on the main line, then the versions that apply on one branch only.
    expect(table.split('\n')[1]).toMatch(/^edges\s+2 \(exp: 3\)\s+images:\/\*\s+1 hour ago\s+running \/ failure\s+find edges$/);
    expect(pipelineTable([pipeline], new Map(), now)).toMatch(/running \/ -/);
  });
});

describe('inspect pipeline', () => {
  it('says how many workers run, and which do not, by state with their restarts', () => {
    const worker = (id: string, state: string, restarts: number) => ({ id, state, pod: '', restarts, version: 0, job: '', datum: '' });
    expect(pipelineFields(pipeline, now)).toMatch(/^Workers: +2 running \(parallelism 2\)$/m);
    const failing = { ...pipeline, workers: 0, workerList: [worker('w0', 'failing', 4), worker('w1', 'failing', 3)] };
    expect(pipelineFields(failing, now)).toMatch(/^Workers: +0 running \(parallelism 2\), 2 failing \(7 restarts\)$/m);
    const mixed = { ...pipeline, workers: 1, workerList: [worker('w0', 'running', 0), worker('w1', 'restarting', 1)] };
    expect(pipelineFields(mixed, now)).toMatch(/^Workers: +1 running \(parallelism 2\), 1 restarting \(1 restart\)$/m);
  });
});

describe('inputSummary', () => {
  const pfs = (repo: string, glob: string, extra = {}) => ({ type: 'pfs', name: repo, repo, branch: 'master', glob, ...extra });
  it('writes every input type on one line', () => {
    expect(inputSummary({ input: pfs('images', '/*') })).toBe('images:/*');
    expect(inputSummary({ input: pfs('images', '/', { name: 'in', branch: 'dev' }) })).toBe('in=images@dev:/');
    expect(inputSummary({ input: { type: 'cross', inputs: [pfs('a', '/*'), { type: 'union', inputs: [pfs('b', '/'), pfs('c', '/*/*')] }] } })).toBe(
      '(a:/* ⨯ (b:/ ∪ c:/*/*))',
    );
    expect(inputSummary({ input: { type: 'join', inputs: [pfs('a', '/(*).txt'), pfs('b', '/(*).md')] } })).toBe('join(a:/(*).txt, b:/(*).md)');
    expect(inputSummary({ input: { type: 'group', inputs: [pfs('a', '/(*)')] } })).toBe('group(a:/(*))');
    expect(inputSummary({ input: { type: 'cron', name: 'tick', spec: '@every 1m' } })).toBe('cron tick (@every 1m)');
    expect(inputSummary(null)).toBe('-');
    expect(inputSummary({ input: { type: 'martian' } })).toBe('-');
  });
});

describe('job views', () => {
  it('keeps DESIGN\'s job fields, with the output commit as a ref', () => {
    expect(jobJson(job)).toEqual({
      id: ID,
      pipeline: 'edges',
      pipelineVersion: 2,
      state: 'failure',
      datums: { total: 10, processed: 6, skipped: 3, failed: 1, recovered: 0 },
      outputCommit: { repo: 'edges', branch: 'master', id: ID },
      started: '2025-06-01T11:59:00Z',
      finished: '2025-06-01T11:59:30Z',
      reason: 'datum 5c1a failed',
      inputs: [{ repo: 'images', branch: 'master', id: ID }],
      branch: 'master',
    });
    const running = jobJson({ ...job, state: 'running', finished: '', reason: '', datums: undefined });
    expect(running).toMatchObject({ finished: null, reason: null, datums: { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 } });
  });

  it('shows datum progress as processed+skipped/total with failures', () => {
    expect(datumProgress(job)).toBe('6+3/10 (1 failed)');
    expect(datumProgress({ ...job, datums: { total: 4, processed: 2, skipped: 2, failed: 0, recovered: 1 } })).toBe('2+2/4 (1 recovered)');
    expect(datumProgress({ ...job, datums: { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 } })).toBe('0+0/0');
  });

  it('tabulates jobs with their duration, or the time so far for a running one', () => {
    const table = jobTable([job, { ...job, state: 'running', finished: '' }], now);
    const [head, done, running] = table.split('\n');
    expect(head).toMatch(/^PIPELINE\s+ID\s+STATE\s+DATUMS\s+STARTED\s+DURATION$/);
    expect(done).toMatch(new RegExp(`^edges\\s+${ID}\\s+failure\\s+6\\+3/10 \\(1 failed\\)\\s+1 minute ago\\s+30 s$`));
    expect(running).toMatch(/running .* 1m 0s…$/);
  });
});

describe('datum views', () => {
  it('lists input paths under `files` and the details under `inputFiles`', () => {
    const json = datumJson(datum);
    expect(json.files).toEqual(['/a.png', '/b.png', '/c.png', '/d.png', '/e.png']);
    expect(json.inputFiles[0]).toEqual({ input: 'images', path: '/a.png', sizeBytes: 2048, hash: 'h' });
    expect(json).toMatchObject({ id: datum.id, state: 'failed', tries: 3, durationMs: 1500, reason: 'exit status 1' });
  });

  it('shortens long file lists in the table and shows no time for skipped datums', () => {
    const table = datumTable([datum, { ...datum, state: 'skipped', files: datum.files.slice(0, 1), tries: 0, durationMs: 0 }]);
    const [, failed, skipped] = table.split('\n');
    expect(failed).toMatch(/failed\s+\/a\.png, \/b\.png, \/c\.png, … \(\+2 more\)\s+3\s+1\.5 s$/);
    expect(skipped).toMatch(/skipped\s+\/a\.png\s+0\s+-$/);
  });

  it('shows every input file when inspected', () => {
    const text = datumFields(datum);
    expect(text).toContain('State: failed: exit status 1');
    expect(text.match(/^images\s+\/[a-e]\.png\s+2 KiB\s+h$/gm)).toHaveLength(5);
    expect(datumFields({ ...datum, files: [] })).toMatch(/^Files:\s+-$/m);
  });
});
