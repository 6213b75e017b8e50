// End to end, for the spec fields that now take effect on the local runtime
// (issue 16, points 3 and 5; the S3 sidecar is in parity-s3.test.ts): transform.secrets from the local secret store
// (as env_var and as files at mount_path, their values never in logs,
// inspect output or errors), transform.user (code really runs as `nobody`
// when tuskd is root), resource_limits.memory (a datum that runs out fails
// with a reason naming the limit). One daemon, real workers; specs written as
// Pachyderm's docs write them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, expectError, type RunOptions } from './helpers/tusk-cli.js';

let daemon: DaemonHandle;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const tuskJson = <T = any>(args: string[], opts: RunOptions = {}) => runJson<T>(args, { env: daemon.env, timeoutMs: 60_000, ...opts });
const ROOT_HERE = process.getuid?.() === 0;
const PASSWORD = 'hunter2-never-shown';
const TOKEN = 'tok-9f8e7d-never-shown';

beforeAll(async () => {
  daemon = await startDaemon();
  await tuskJson(['create', 'repo', 'in']);
  await tusk(['put', 'file', 'in@master:/a'], { input: 'a' });
});
afterAll(async () => {
  await daemon?.stop();
});

describe('transform.secrets', () => {
  it('gives the code a secret as an env_var and as files at mount_path, and never shows a value', async () => {
    // pachctl create secret -f: a Kubernetes Secret manifest (base64 data).
    const manifest = join(daemon.home, 'api-secret.json');
    writeFileSync(manifest, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'api' }, data: { token: Buffer.from(TOKEN).toString('base64') } }));
    const [made, fromFile] = await Promise.all([
      tuskJson(['create', 'secret', 'db', '--from-literal', `password=${PASSWORD}`, '--from-literal', 'user=app']),
      tuskJson(['create', 'secret', '-f', manifest]),
    ]);
    expect(made).toMatchObject({ name: 'db', keys: ['password', 'user'] });
    expect(fromFile.keys).toEqual(['token']);

    const spec = {
      pipeline: { name: 'secretive' },
      input: { pfs: { repo: 'in', glob: '/*' } },
      transform: {
        cmd: ['sh', '-c', 'echo "$DB_PASSWORD" > /pfs/out/env; cat /var/secrets/api/token > /pfs/out/file; echo done'],
        secrets: [
          { name: 'db', key: 'password', env_var: 'DB_PASSWORD' },
          { name: 'api', mount_path: '/var/secrets/api' },
        ],
      },
    };
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).not.toMatch(/transform\.secrets/);
    const job = (await tuskJson<any[]>(['list', 'job', '-p', 'secretive']))[0];
    expect((await tuskJson(['wait', 'job', `secretive@${job.id}`])).state).toBe('success');
    const [env, file, ...shown] = await Promise.all([
      tusk(['get', 'file', 'secretive@master:/env']),
      tusk(['get', 'file', 'secretive@master:/file']),
      tusk(['inspect', 'secret', 'db', '-o', 'json']),
      tusk(['create', 'secret', 'db', '--from-literal', 'x=y']),
      tusk(['list', 'secret']),
      tusk(['inspect', 'pipeline', 'secretive', '-o', 'json']),
      tusk(['logs', '-p', 'secretive']),
    ]);
    expect(env!.stdout).toBe(`${PASSWORD}\n`);
    expect(file!.stdout).toBe(TOKEN);
    expectError(shown[1]!, /secret "db" already exists/);
    expect(JSON.parse(shown[0]!.stdout)).toEqual({ name: 'db', keys: ['password', 'user'], created: expect.any(String) });
    expect(shown[2]!.stdout).toMatch(/^db\s+password,user/m);
    expect(shown[4]!.stdout).toMatch(/done/);
    for (const s of shown) expect(s.stdout + s.stderr).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`));
    expect(daemon.logs()).not.toMatch(new RegExp(`${PASSWORD}|${TOKEN}`));

    const missing = { ...spec, pipeline: { name: 'nosecret' }, transform: { cmd: ['true'], secrets: [{ name: 'ghost', key: 'k', envVar: 'K' }] } };
    const [refused] = await Promise.all([tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(missing) }), tuskJson(['delete', 'pipeline', 'secretive']), tuskJson(['delete', 'secret', 'api'])]);
    expectError(refused!, /transform\.secrets names secret "ghost", which does not exist/);
    expectError(await tusk(['inspect', 'secret', 'api']), /secret "api" not found/);
  });
});

describe('transform.user and resource_limits.memory', () => {
  it.skipIf(!ROOT_HERE)('runs the code as transform.user', async () => {
    const spec = 'pipeline:\n  name: whoami\ninput:\n  pfs:\n    repo: in\n    glob: "/*"\ntransform:\n  cmd: [sh, -c, "id -u > /pfs/out/uid"]\n  user: nobody\n';
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: spec });
    expect(created.code, created.stderr).toBe(0);
    const job = (await tuskJson<any[]>(['list', 'job', '-p', 'whoami']))[0];
    expect((await tuskJson(['wait', 'job', `whoami@${job.id}`])).state).toBe('success');
    expect((await tusk(['get', 'file', 'whoami@master:/uid'])).stdout).toBe('65534\n');
    await tuskJson(['delete', 'pipeline', 'whoami']);
  });

  it('fails a datum that outgrows resource_limits.memory with a reason naming the limit', async () => {
    const spec = {
      pipeline: { name: 'hungry' },
      input: { pfs: { repo: 'in', glob: '/*' } },
      transform: { cmd: ['python3', '-c', 'x = bytearray(512 * 1024 * 1024)'] },
      resourceLimits: { memory: '64Mi' },
      datumTries: 1,
    };
    const created = await tusk(['create', 'pipeline', '-f', '-'], { input: JSON.stringify(spec) });
    expect(created.stderr).toMatch(/resource_limits: memory caps the code's address space at 64Mi/);
    const job = (await tuskJson<any[]>(['list', 'job', '-p', 'hungry']))[0];
    expect((await tusk(['wait', 'job', `hungry@${job.id}`])).stderr).toMatch(/failed: out of memory: the code exceeded resource_limits\.memory 64Mi/);
    const datums = await tuskJson<any[]>(['list', 'datum', `hungry@${job.id}`]);
    const datum = await tuskJson(['inspect', 'datum', `hungry@${job.id}`, datums[0].id]);
    expect(datum.state).toBe('failed');
    expect(datum.reason).toMatch(/out of memory: the code exceeded resource_limits\.memory 64Mi \(exit code 1: MemoryError\)/);
    await tuskJson(['delete', 'pipeline', 'hungry']);
  });
});

