// The proof the CLI makes for a daemon on this machine, and when it tries.
import { stat, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalProof, isLoopbackAddress } from './local-proof.js';

describe('the local proof', () => {
  it('is a nonce in a file only its owner may read, in a private folder, gone after dispose', async () => {
    const p = await createLocalProof();
    expect(await readFile(p.proof, 'utf8')).toBe(p.nonce);
    expect((await stat(p.proof)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(p.proof))).mode & 0o777).toBe(0o700);
    await p.dispose();
    await expect(stat(dirname(p.proof))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('is tried only for daemons on this machine', () => {
    for (const a of ['localhost:1650', '127.0.0.1:1650', '[::1]:1650', 'unix:/tmp/tusk.sock', 'grpc://127.0.0.1:5']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['tusk.example.com:1650', '10.0.0.5:1650', 'grpcs://tusk.prod:443']) expect(isLoopbackAddress(a), a).toBe(false);
  });
});
