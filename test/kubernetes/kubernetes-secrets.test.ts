// TUSK_RUNTIME=kubernetes end to end against the STAND-IN API server and
// kubelet: transform.secrets made with `tusk create secret` reach the pods, as
// `pachctl create secret` does for Pachyderm. tuskd copies each secret the
// pipeline names into a Secret of the pipeline (tusk-PIPELINE.secret-NAME),
// which the pods read (env_var, mount_path), and deletes it with the pipeline.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tusk, tuskJson } from '../helpers/tusk-cli.js';
import { hasBwrap, StandInCluster, until } from './stand-in-cluster.js';

vi.setConfig({ testTimeout: 240_000 });

if (!hasBwrap) console.warn('kubernetes-secrets.test: skipped, the stand-in kubelet needs a working bubblewrap to give user code a literal /pfs');

describe.skipIf(!hasBwrap)('TUSK_RUNTIME=kubernetes: transform.secrets from tusk create secret (stand-in API server and kubelet)', () => {
  let k: StandInCluster;
  beforeAll(async () => {
    k = await StandInCluster.start();
  });
  afterAll(async () => {
    await k?.stop();
  });

  it('a secret made with tusk create secret reaches the code as env_var and mount_path; its copy goes with the pipeline', async () => {
    const env = k.daemon.env;
    const secrets = () => k.api.list('secrets').map((x) => x.metadata.name).sort();
    expect((await tusk(['create', 'secret', 'db', '--from-literal', 'password=hunter2', '--from-literal', 'user=ann'], { env })).code).toBe(0);
    await tusk(['create', 'repo', 'in'], { env });
    await tusk(['put', 'file', 'in@master:/a', '-f', '-'], { env, input: 'x\n' });
    const spec = {
      pipeline: { name: 'login' },
      input: { pfs: { repo: 'in', glob: '/' } },
      transform: {
        cmd: ['sh', '-c', 'echo "$DB_PASSWORD" > /pfs/out/seen'],
        secrets: [{ name: 'db', key: 'password', env_var: 'DB_PASSWORD' }, { name: 'db', mount_path: '/etc/db' }],
      },
    };
    await writeFile(join(k.dir, 'login.json'), JSON.stringify(spec));
    const created = await tusk(['create', 'pipeline', '-f', join(k.dir, 'login.json')], { env });
    expect(created.code, created.stderr).toBe(0);
    const job = await until('a job of login', async () => (await tuskJson<{ id: string }[]>(['list', 'job', '-p', 'login'], { env }))[0]);
    const waited = await tusk(['wait', 'job', `login@${job.id}`], { env, timeoutMs: 150_000 });
    const inspect = await tusk(['inspect', 'pipeline', 'login'], { env });
    expect(waited.code, `${waited.stderr}\n${inspect.stdout}`).toBe(0);
    expect((await tusk(['get', 'file', 'login@master:/seen'], { env })).stdout).toBe('hunter2\n');
    expect(secrets()).toEqual(['tusk-login.secret-db']);
    // mount_path: the kubelet mounted the copy's keys as files (the stand-in's code runs in bubblewrap on the
    // host, so it is the pod's volume that is checked here, not what the code reads at /etc/db).
    const [pod] = k.pods('tusk-login');
    expect(await readFile(join(k.dir, 'node', 'pods', pod!.metadata.name, 'volumes', 'secret-1', 'user'), 'utf8')).toBe('ann');
    // The values are in the Secret, never in the workload or tuskd's log.
    expect(JSON.stringify(k.api.list('replicationcontrollers'))).not.toContain('hunter2');
    expect(k.daemon.logs()).not.toContain('hunter2');

    expect((await tusk(['delete', 'pipeline', 'login'], { env })).code).toBe(0);
    await until('the secret copy deleted', () => (secrets().length === 0 ? true : undefined));
    // Every call tuskd made is one the Role in deploy/ grants.
    expect(k.rbacRefusals()).toEqual([]);
  });
});
