import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { untar } from './untar.js';

const dir = mkdtempSync(join(tmpdir(), 'tusk-untar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function entries(bytes: Buffer, chunk = 100) {
  const chunks = (async function* () {
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  })();
  const out: Record<string, string> = {};
  const skipped: string[] = [];
  for await (const e of untar(chunks, (p) => skipped.push(p))) {
    const parts: Buffer[] = [];
    for await (const c of e.data) parts.push(Buffer.from(c));
    out[e.path] = Buffer.concat(parts).toString();
  }
  return { out, skipped };
}

describe('untar', () => {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'a', 'b'), { recursive: true });
  writeFileSync(join(src, 'top.txt'), 'top\n');
  writeFileSync(join(src, 'a', 'b', 'deep.csv'), 'x'.repeat(1300));
  writeFileSync(join(src, 'empty'), '');
  const long = 'n'.repeat(120);
  writeFileSync(join(src, 'a', long), 'long name');
  symlinkSync('top.txt', join(src, 'link'));

  it.each([['ustar', ['--format=ustar']], ['gnu', ['--format=gnu']], ['pax', ['--format=pax']]])('reads a %s archive, plain and gzipped', async (_n, flags) => {
    const files = ['top.txt', _n === 'ustar' ? 'a/b' : 'a', 'empty', 'link']; // ustar cannot hold a 120-character name
    const plain = execFileSync('tar', [...flags, '-C', src, '-cf', '-', ...files]);
    const gz = execFileSync('tar', [...flags, '-C', src, '-czf', '-', ...files]);
    for (const bytes of [plain, gz]) {
      const { out, skipped } = await entries(bytes);
      const expected: Record<string, string> = { 'top.txt': 'top\n', 'a/b/deep.csv': 'x'.repeat(1300), empty: '' };
      if (_n !== 'ustar') expected[`a/${long}`] = 'long name';
      expect(out).toEqual(expected);
      expect(skipped).toEqual(['link']);
    }
  });

  it('refuses what is not a tar archive', async () => {
    await expect(entries(Buffer.from('x'.repeat(1024)))).rejects.toThrow(/--untar: .*checksum/);
  });
});
