// Workers that cannot start, with a real tuskd and its local runtime: a copy
// of the install whose worker bundle was broken under the running daemon (as
// an upgrade gone wrong would leave it). The job does not wait forever: it
// fails with the worker's own error, which `inspect pipeline` shows too; once
// the install is mended, the next commit's job runs.
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDaemon, ROOT, type DaemonHandle } from './helpers/daemon.js';
import { tusk, tuskJson } from './helpers/tusk-cli.js';
import { until } from './helpers/until.js';

let daemon: DaemonHandle | undefined;
let install = '';
afterAll(async () => {
  await daemon?.stop();
  if (install) await rm(install, { recursive: true, force: true });
});

describe('a pipeline whose workers cannot start', () => {
  it('fails its job with the worker\'s error instead of waiting, and runs again once the install is mended', async () => {
    install = await mkdtemp(join(tmpdir(), 'tusk-install-'));
    // Timestamps kept: the runtime starts a worker bundle only when it is not older than its modules.
    await cp(join(ROOT, 'bin'), join(install, 'bin'), { recursive: true, preserveTimestamps: true });
    await cp(join(ROOT, 'dist'), join(install, 'dist'), { recursive: true, preserveTimestamps: true });
    await cp(join(ROOT, 'package.json'), join(install, 'package.json'));
    await symlink(join(ROOT, 'node_modules'), join(install, 'node_modules'));
    daemon = await startDaemon({ tuskd: join(install, 'bin/tuskd') });
    const env = daemon.env;

    const bundle = join(install, 'dist/worker/main.bundle.mjs');
    const good = await readFile(bundle);
    await writeFile(bundle, Buffer.concat([good, Buffer.from('\nthis is not javascript(\n')]));

    expect((await tusk(['create', 'repo', 'words'], { env })).code).toBe(0);
    expect((await tusk(['put', 'file', 'words@master:/a.txt', '-f', '-'], { env, input: 'hello\n' })).code).toBe(0);
    const spec = { pipeline: { name: 'upper' }, input: { pfs: { repo: 'words', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'tr a-z A-Z < /pfs/words/a.txt > /pfs/out/a.txt'] } };
    expect((await tusk(['create', 'pipeline', '-f', '-'], { env, input: JSON.stringify(spec) })).code).toBe(0);

    const failed = await until(
      () => tuskJson<{ state: string; reason: string | null }[]>(['list', 'job', '-p', 'upper'], { env }),
      (jobs) => jobs.length === 1 && jobs[0]!.state === 'failure',
      60_000,
    );
    expect(failed[0]!.reason).toMatch(/^the workers of pipeline upper cannot run: its worker process exited \(code 1\) within 10 s of its start, 3 starts in a row: SyntaxError: Unexpected identifier 'is' \(log: /);
    const inspect = await tusk(['inspect', 'pipeline', 'upper'], { env });
    expect(inspect.stdout).toMatch(/State: +running: its worker process exited \(code 1\).*SyntaxError/);

    await writeFile(bundle, good); // mended (newer than its modules, so it is the one started)
    expect((await tusk(['put', 'file', 'words@master:/a.txt', '-f', '-'], { env, input: 'again\n' })).code).toBe(0);
    const jobs = await until(
      () => tuskJson<{ state: string }[]>(['list', 'job', '-p', 'upper'], { env }),
      (js) => js.length === 2 && js.some((j) => j.state === 'success'),
      90_000,
    );
    expect(jobs.map((j) => j.state).sort()).toEqual(['failure', 'success']);
    expect((await tusk(['get', 'file', 'upper@master:/a.txt'], { env })).stdout).toBe('AGAIN\n');
  }, 150_000);
});
