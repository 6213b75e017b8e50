import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerSpec } from '../src/client/index.js';
import { sandboxSetup, setupKey } from './sandbox-setup.js';

const dir = mkdtempSync(join(tmpdir(), 'tusk-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spec = (over: Partial<WorkerSpec>): WorkerSpec => ({
  cmd: ['true'], stdin: [], env: {}, errCmd: [], errStdin: [], acceptReturnCode: [], workingDir: '', datumBatching: false, datumTries: 1, datumTimeoutMs: 0,
  isolateNetwork: false, secretEnv: [], secretMounts: [], user: '', memoryLimitBytes: 0, memoryLimit: '', s3Inputs: [], s3Out: false, ...over,
});

describe('the sandbox a spec needs', () => {
  it('writes each mounted secret key as a read-only file and binds the folder at mount_path', async () => {
    const s = spec({ secretMounts: [{ path: '/var/secrets/api', files: [{ key: 'token', data: Buffer.from('t0k') }] }] });
    const setup = await sandboxSetup(s, join(dir, 'a'), { uid: 1000, sandboxed: true, isolateNetwork: false });
    expect(setup.binds).toEqual([{ host: join(dir, 'a', '0'), at: '/var/secrets/api' }]);
    expect(readFileSync(join(dir, 'a', '0', 'token'), 'utf8')).toBe('t0k');
    expect(statSync(join(dir, 'a', '0', 'token')).mode & 0o777).toBe(0o400);
    expect(setup.notes).toEqual([]);
    expect(setup.key).toBe(setupKey(s, false, 1000));
    expect(setupKey({ ...s, secretMounts: [{ path: '/var/secrets/api', files: [{ key: 'token', data: Buffer.from('new') }] }] }, false, 1000)).not.toBe(setup.key);
  });

  it('says why transform.user or a mount_path is not applied', async () => {
    const setup = await sandboxSetup(spec({ user: 'nobody', secretMounts: [{ path: '/s', files: [] }] }), join(dir, 'b'), { uid: 1000, sandboxed: false, isolateNetwork: false });
    expect(setup.runAs).toBeUndefined();
    expect(setup.switchUser).toBe(false);
    expect(setup.notes[0]).toMatch(/transform.user "nobody" is not applied: tuskd runs as uid 1000, not root/);
    expect(setup.notes[1]).toMatch(/TUSK_SANDBOX=off\) nothing can be mounted at \/s/);
  });
});
