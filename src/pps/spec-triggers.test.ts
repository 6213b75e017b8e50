import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from './spec-parse.js';
import { specTriggers } from './spec-triggers.js';

const spec = (input: unknown) => parsePipelineSpec(JSON.stringify({ pipeline: { name: 'p' }, transform: { cmd: ['true'] }, input }));

describe('specTriggers', () => {
  it('reads the triggers of pfs inputs, anywhere in the input tree', () => {
    const s = spec({ cross: [{ pfs: { repo: 'logs', glob: '/', trigger: { branch: 'staging', size: '1MB', commits: 5, all: true } } }, { pfs: { repo: 'other', glob: '/*' } }] });
    expect(specTriggers(s)).toEqual([{ repo: 'logs', branch: 'master', trigger: { branch: 'staging', size: '1MB', commits: 5, cronSpec: '', all: true } }]);
  });

  it('takes rate_limit_spec as the cron condition', () => {
    const s = spec({ pfs: { repo: 'logs', branch: 'daily', glob: '/', trigger: { branch: 'master', rate_limit_spec: '@daily' } } });
    expect(specTriggers(s)[0]).toMatchObject({ branch: 'daily', trigger: { branch: 'master', cronSpec: '@daily' } });
  });

  it('refuses a trigger that cannot be right, naming the value', () => {
    expect(() => specTriggers(spec({ pfs: { repo: 'logs', glob: '/', trigger: { branch: 'staging', size: '100XB' } } }))).toThrow(/size "100XB" is not a size/);
    expect(() => specTriggers(spec({ pfs: { repo: 'logs', glob: '/', trigger: { branch: 'master' } } }))).toThrow(/cannot trigger on itself/);
  });
});
