import { describe, expect, test } from 'vitest';
import type { DatumInput } from '../src/worker-protocol/index.js';
import { datumEnv, workerEnv } from './env.js';

function input(name: string, path: string, extra: Partial<DatumInput> = {}): DatumInput {
  return { name, repo: name, branch: 'master', commit: `${name}-commit`, path, files: [], joinOn: '', groupBy: '', emptyFiles: false, lazy: false, ...extra };
}

describe('datum environment', () => {
  test('one variable per input holds the matched path under /pfs, with its commit, and every TUSK_ variable has its PACH_ twin', () => {
    const env = datumEnv({ job: 'j1', datum: 'd1', outputCommit: 'oc', pfs: '/pfs', inputs: [input('images', '/a/b.png'), input('root', '/')] });
    expect(env).toEqual({
      TUSK_JOB_ID: 'j1',
      PACH_JOB_ID: 'j1',
      TUSK_DATUM_ID: 'd1',
      PACH_DATUM_ID: 'd1',
      TUSK_OUTPUT_COMMIT_ID: 'oc',
      PACH_OUTPUT_COMMIT_ID: 'oc',
      images: '/pfs/images/a/b.png',
      images_COMMIT: 'images-commit',
      root: '/pfs/root',
      root_COMMIT: 'root-commit',
    });
  });

  test('join and group keys are exported for inputs that have them', () => {
    const env = datumEnv({ job: 'j', datum: 'd', outputCommit: 'o', pfs: '/pfs', inputs: [input('a', '/1.txt', { joinOn: '1' }), input('b', '/x', { groupBy: 'g7' })] });
    expect(env.TUSK_DATUM_a_JOIN_ON).toBe('1');
    expect(env.PACH_DATUM_a_JOIN_ON).toBe('1');
    expect(env.TUSK_DATUM_b_GROUP_BY).toBe('g7');
    expect(env.PACH_DATUM_b_GROUP_BY).toBe('g7');
    expect(env.TUSK_DATUM_a_GROUP_BY).toBeUndefined();
  });

  test('without a sandbox the input paths point into the host datum area', () => {
    expect(datumEnv({ job: 'j', datum: 'd', outputCommit: 'o', pfs: '/w/pfs', inputs: [input('in', '/x')] }).in).toBe('/w/pfs/in/x');
  });
});

describe('worker environment', () => {
  const base = { PATH: '/usr/bin:/bin', HOME: '/root', TUSK_SIDECAR_SOCKET: '/w/sidecar.sock', TUSK_WORKER_DIR: '/w', TUSK_PFS: '/w/pfs', TUSK_ADDRESS: 'h:1', LANG: 'C.UTF-8', LC_ALL: 'C' };
  const opts = { pipeline: 'edges', pfs: '/pfs', binDir: '/pkg/bin', nodeDir: '/opt/node/bin', transformEnv: { MODE: 'fast', PATH_EXTRA: 'x' } };

  test('passes only the system basics of the worker environment: never the daemon address, home, storage or keys', () => {
    const env = workerEnv({ ...base, TUSK_HOME: '/root/.tusk', TUSK_S3_SECRET_ACCESS_KEY: 's3cr3t', TUSK_STORAGE: 's3://b', AWS_SECRET_ACCESS_KEY: 'k', AWS_ACCESS_KEY_ID: 'i', NODE_OPTIONS: '--x', GITHUB_TOKEN: 't' }, { ...opts, home: '/tmp' });
    for (const name of ['TUSK_HOME', 'TUSK_S3_SECRET_ACCESS_KEY', 'TUSK_STORAGE', 'TUSK_ADDRESS', 'PACH_ADDRESS', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'NODE_OPTIONS', 'GITHUB_TOKEN']) expect(env[name], name).toBeUndefined();
    expect(env.LANG).toBe('C.UTF-8');
    expect(env.LC_ALL).toBe('C');
    expect(env.HOME).toBe('/tmp');
  });

  test('keeps the worker environment but its plumbing, puts tusk first on PATH, adds transform.env and TUSK_PFS=/pfs', () => {
    const env = workerEnv(base, opts);
    expect(env.HOME).toBe('/root');
    expect(env.TUSK_SIDECAR_SOCKET).toBeUndefined();
    expect(env.TUSK_WORKER_DIR).toBeUndefined();
    expect(env.PATH).toBe('/pkg/bin:/pkg/bin/sandbox:/usr/bin:/bin:/opt/node/bin:/usr/local/bin');
    expect(env.MODE).toBe('fast');
    expect(env.TUSK_PFS).toBe('/pfs');
    expect(env.PACH_PFS).toBe('/pfs');
    expect(env.PPS_PIPELINE_NAME).toBe('edges');
    expect(env.TUSK_WORKER_SOCKET).toBeUndefined();
  });

  test('transform.env cannot move the datum area, and datum batching adds the worker socket', () => {
    const env = workerEnv(base, { ...opts, transformEnv: { TUSK_PFS: '/elsewhere' }, workerSocket: '/run/tusk/worker.sock' });
    expect(env.TUSK_PFS).toBe('/pfs');
    expect(env.TUSK_WORKER_SOCKET).toBe('/run/tusk/worker.sock');
    expect(env.PACH_WORKER_SOCKET).toBe('/run/tusk/worker.sock');
  });
});
