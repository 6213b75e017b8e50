// The secrets key on disk: concurrent first uses, from one AuthFile or several
// (as two processes would), all get the one key that stays on disk.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthFile } from './auth-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-auth-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('AuthFile.secretsKey', () => {
  it('gives every concurrent first caller the same key, the one left on disk, and leaves no temporary files', async () => {
    const files = [new AuthFile(dir), new AuthFile(dir), new AuthFile(dir)];
    const keys = await Promise.all(files.flatMap((f) => [f.secretsKey(), f.secretsKey(), f.secretsKey()]));
    const onDisk = await readFile(join(dir, 'secrets.key'));
    expect(onDisk).toHaveLength(32);
    for (const k of keys) expect(k.equals(onDisk)).toBe(true);
    expect(await readdir(dir)).toEqual(['secrets.key']);
    expect((await stat(join(dir, 'secrets.key'))).mode & 0o777).toBe(0o600);
  });

  it('reads the key a previous run made', async () => {
    const first = await new AuthFile(dir).secretsKey();
    expect((await new AuthFile(dir).secretsKey()).equals(first)).toBe(true);
  });
});
