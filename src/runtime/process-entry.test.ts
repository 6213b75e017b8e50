import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { processEntry } from './process-entry.js';

describe('processEntry', () => {
  let dir = '';
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function files(bundleAge: number | undefined, moduleAge: number): Promise<{ bundle: string; module: string }> {
    dir = await mkdtemp(join(tmpdir(), 'tusk-entry-'));
    const bundle = join(dir, 'main.bundle.mjs');
    const module = join(dir, 'main.js');
    const now = Date.now() / 1000;
    await writeFile(module, '');
    await utimes(module, now - moduleAge, now - moduleAge);
    if (bundleAge !== undefined) {
      await writeFile(bundle, '');
      await utimes(bundle, now - bundleAge, now - bundleAge);
    }
    return { bundle, module };
  }

  it('starts the bundle built after its module', async () => {
    const { bundle, module } = await files(10, 20);
    expect(processEntry(bundle, module)).toBe(bundle);
  });

  it('starts the module when the bundle is older (a tsc run after the last full build)', async () => {
    const { bundle, module } = await files(20, 10);
    expect(processEntry(bundle, module)).toBe(module);
  });

  it('starts the module when no bundle was built', async () => {
    const { bundle, module } = await files(undefined, 10);
    expect(processEntry(bundle, module)).toBe(module);
  });
});
