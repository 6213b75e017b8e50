// bin/bundle-loader.cjs: the CLI bundle runs with its V8 code cache, without
// one (and then writes it), with a cache that does not fit (V8 refuses it
// and the code still runs), and from a file without the build's wrapper. On
// a copy of bin/ and dist/bundle/cli/ in a temp folder, so the build's own
// caches are never touched. Needs `npm run build`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
let copy: string;
let cacheDir: string;

function tusk(...args: string[]) {
  return tuskWith({}, ...args);
}

function tuskWith(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [join(copy, 'bin', 'tusk'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The bundle file a string of the source is in (one file only). */
function bundleFileWith(text: string): { name: string; sha256: string } {
  const files = (JSON.parse(readFileSync(join(copy, 'dist', 'bundle', 'cli', 'bundle.json'), 'utf8')) as { files: Record<string, { sha256: string }> }).files;
  const names = Object.keys(files).filter((name) => readFileSync(join(copy, 'dist', 'bundle', 'cli', name), 'utf8').includes(text));
  expect(names).toHaveLength(1);
  return { name: names[0]!, sha256: files[names[0]!]!.sha256 };
}

/** The sha256 bundle.json gives main.cjs: its cache's name starts with it. */
function mainHash(): string {
  return (JSON.parse(readFileSync(join(copy, 'dist', 'bundle', 'cli', 'bundle.json'), 'utf8')) as { files: Record<string, { sha256: string }> }).files['main.cjs'].sha256;
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'tusk-cli-bundle-'));
  cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'dist', 'bundle', 'cli'), join(copy, 'dist', 'bundle', 'cli'), { recursive: true });
  cacheDir = join(copy, 'dist', 'bundle', 'cli', 'v8-cache');
});

afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('the CLI bundle and its code cache', () => {
  it('ships the cache of main written by the build, and runs with it', () => {
    expect(readdirSync(cacheDir).some((f) => f.startsWith(mainHash()))).toBe(true);
    const r = tusk('version', '--help');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tusk version');
  });

  it('runs without a cache and writes the cache of what it loaded', () => {
    for (const f of readdirSync(cacheDir)) rmSync(join(cacheDir, f));
    const r = tusk('version', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tusk version');
    expect(readdirSync(cacheDir).some((f) => f.startsWith(mainHash()))).toBe(true);
  });

  it('loads the pipeline client only for a command that uses it, not for a file command (found by the caches each run writes)', () => {
    const pps = bundleFileWith('"/tusk.pps.PpsApi/'); // the generated PpsApi service, in the chunk of the pipeline client
    const pfs = bundleFileWith('"/tusk.pfs.PfsApi/');
    const cached = (file: { sha256: string }) => readdirSync(cacheDir).some((f) => f.startsWith(file.sha256));
    const nobody = { TUSK_ADDRESS: '127.0.0.1:1', TUSK_HOME: join(copy, 'home') }; // nothing listens: each command fails at its first call
    for (const f of readdirSync(cacheDir)) rmSync(join(cacheDir, f));
    const get = tuskWith(nobody, 'get', 'file', 'images@master:/a.png', '-o', join(copy, 'a.png'));
    expect(get.stderr).toContain('cannot reach tuskd');
    expect(cached(pfs)).toBe(true);
    expect(cached(pps)).toBe(false);
    const list = tuskWith(nobody, 'list', 'pipeline');
    expect(list.stderr).toContain('cannot reach tuskd');
    expect(cached(pps)).toBe(true);
  });

  it('runs a bundle file written without the CommonJS wrapper the build puts around each (as an older build wrote them)', () => {
    const expected = tusk('version', '--help').stdout;
    const main = join(copy, 'dist', 'bundle', 'cli', 'main.cjs');
    const wrapped = readFileSync(main, 'utf8');
    const head = '(function (exports, require, module, __filename, __dirname) { ';
    expect(wrapped.startsWith(head)).toBe(true);
    expect(wrapped.endsWith('\n});')).toBe(true);
    writeFileSync(main, wrapped.slice(head.length, -'\n});'.length));
    try {
      const r = tusk('version', '--help');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(expected);
    } finally {
      writeFileSync(main, wrapped);
    }
  });

  it('runs the same when a cache does not fit (V8 refuses it and it is written anew) or its folder cannot be written', () => {
    const expected = tusk('version', '--help').stdout;
    const main = readdirSync(cacheDir).find((f) => f.startsWith(mainHash()))!;
    writeFileSync(join(cacheDir, main), Buffer.alloc(4096, 7));
    const refused = tusk('version', '--help');
    expect(refused.code).toBe(0);
    expect(refused.stdout).toBe(expected);
    expect(readFileSync(join(cacheDir, main)).equals(Buffer.alloc(4096, 7))).toBe(false); // written anew
    rmSync(cacheDir, { recursive: true });
    const noFolder = tusk('version', '--help');
    expect(noFolder.code).toBe(0);
    expect(noFolder.stdout).toBe(expected);
  });
});
