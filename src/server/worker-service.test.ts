// The WorkerSpec's secret values: both runtimes carry env_var values (the worker gives the code only the
// variables it chose), only the local runtime carries mount_path files (a Kubernetes pod mounts them itself).
import { describe, expect, it } from 'vitest';
import { SecretNotFound } from '../errors/index.js';
import { normalizePipelineSpec } from '../pps/index.js';
import type { SecretStore } from './secret-store.js';
import { workerSpecWithSecrets } from './worker-service.js';

const spec = normalizePipelineSpec({
  pipeline: { name: 'p' },
  input: { pfs: { repo: 'r', glob: '/*' } },
  transform: { cmd: ['true'], secrets: [{ name: 'db', key: 'password', env_var: 'DB_PASSWORD' }, { name: 'certs', mount_path: '/etc/certs' }] },
});

function store(values: Record<string, Record<string, string>>): SecretStore {
  return {
    values: async (name: string) => {
      const v = values[name];
      if (!v) throw new SecretNotFound(name);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, Buffer.from(x)]));
    },
  } as unknown as SecretStore;
}

describe('workerSpecWithSecrets', () => {
  it('local runtime: env_var values and mount_path files', async () => {
    const msg = await workerSpecWithSecrets(spec, store({ db: { password: 'hunter2' }, certs: { 'ca.pem': 'PEM' } }), true);
    expect(msg.secretEnv).toEqual([{ name: 'DB_PASSWORD', value: 'hunter2' }]);
    expect(msg.secretMounts).toEqual([{ path: '/etc/certs', files: [{ key: 'ca.pem', data: Buffer.from('PEM') }] }]);
  });

  it('kubernetes runtime: env_var values only, and a mount_path secret is not read (the pod has its copy)', async () => {
    const msg = await workerSpecWithSecrets(spec, store({ db: { password: 'hunter2' } }), false);
    expect(msg.secretEnv).toEqual([{ name: 'DB_PASSWORD', value: 'hunter2' }]);
    expect(msg.secretMounts).toEqual([]);
  });
});
