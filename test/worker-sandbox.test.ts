// The literal /pfs on a machine without bubblewrap (issue 16 point 1): the
// real worker and sidecar against a fakeCoordinator, with a PATH that holds
// every program of /usr/bin but bwrap (as on a fresh machine). Where unshare
// (util-linux) can make a private mount namespace, code finds its inputs at
// /pfs as under bwrap, and the host's homes are not there; where nothing can,
// the datum fails saying why and to install bubblewrap, and the code never
// runs where /pfs does not exist.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test } from 'vitest';
import { FakeCoordinator, scriptSpec, scriptTask } from './helpers/fake-coordinator.js';
import { startWorkerProcesses } from './helpers/worker-processes.js';

/** A folder of links to everything in /usr/bin except `left`: a PATH on which those programs are missing. */
async function pathWithout(left: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-path-'));
  for (const name of await readdir('/usr/bin')) if (!left.includes(name)) await symlink(join('/usr/bin', name), join(dir, name));
  return dir;
}

/** True when unshare can make a private mount namespace here (as root, or with user namespaces). */
function unshareWorks(): boolean {
  const args = process.getuid?.() === 0 ? ['--mount', 'true'] : ['--user', '--map-root-user', '--mount', 'true'];
  return spawnSync('unshare', args).status === 0;
}

const folders: string[] = [];
let fake: FakeCoordinator;

// A coordinator per test: a stopped worker's long poll could otherwise take the next test's task.
beforeEach(async () => {
  fake = await FakeCoordinator.start(scriptSpec({ datum_tries: 1 }));
});
afterEach(async () => {
  await fake?.stop();
});
afterAll(async () => {
  for (const f of folders) await rm(f, { recursive: true, force: true });
});

describe('user code without bubblewrap', () => {
  test.skipIf(!unshareWorks())('finds its inputs at the literal /pfs and writes /pfs/out, in a private mount namespace made with unshare', async () => {
    const path = await pathWithout(['bwrap']);
    folders.push(path);
    const worker = await startWorkerProcesses(fake.address, { env: { PATH: path } });
    try {
      fake.addTasks([scriptTask(fake, 'literal', 'cat /pfs/in/literal.sh > /pfs/out/copy; ls / > /pfs/out/root; echo "$in"')]);
      await fake.waitForResults(1);
      const r = fake.result('literal')!;
      expect(r, JSON.stringify(r.logs)).toMatchObject({ success: true });
      expect(r.logs.find((l) => l.stream === 'stdout')!.message).toBe('/pfs/in/literal.sh');
      const out = fake.outputText('literal');
      expect(out['/copy']).toContain('cat /pfs/in/literal.sh');
      const top = out['/root']!.trim().split('\n');
      expect(top).toContain('usr');
      expect(top).not.toContain('root');
      expect(top).not.toContain('home');
      expect(worker.logs()).toContain('"kind":"unshare"');
    } finally {
      await worker.stop();
    }
  }, 60_000);

  test('fails the datum saying why and how to fix it when nothing can give it /pfs, instead of running it elsewhere', async () => {
    const path = await pathWithout(['bwrap', 'unshare']);
    folders.push(path);
    const worker = await startWorkerProcesses(fake.address, { env: { PATH: path } });
    try {
      fake.addTasks([scriptTask(fake, 'nowhere', 'echo ran > "$TUSK_PFS/out/ran"')]);
      await fake.waitForResults(1).catch((err: Error) => {
        throw new Error(`${err.message}\n${worker.logs()}`);
      });
      const r = fake.result('nowhere')!;
      expect(r.success).toBe(false);
      expect(r.reason).toMatch(/cannot be given \/pfs/);
      expect(r.reason).toMatch(/bwrap .*not installed/);
      expect(r.reason).toMatch(/install bubblewrap/);
      expect(r.output).toBe('');
    } finally {
      await worker.stop();
    }
  }, 60_000);
});
