// bin/tusk's loader: the CLI bundle runs with its V8 code cache, without
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
    const expected = tusk('next', 'datum', '--help').stdout;
    expect(expected).toContain('Usage: tusk next datum');
    const ask = join(copy, 'dist', 'bundle', 'cli', 'next-datum-ask.cjs'); // loaded alone, before main
    const wrapped = readFileSync(ask, 'utf8');
    const head = '(function (exports, require, module, __filename, __dirname) { ';
    expect(wrapped.startsWith(head)).toBe(true);
    expect(wrapped.endsWith('\n});')).toBe(true);
    writeFileSync(ask, wrapped.slice(head.length, -'\n});'.length));
    try {
      const r = tusk('next', 'datum', '--help');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(expected);
    } finally {
      writeFileSync(ask, wrapped);
    }
  });

  it('ships main as one pack with the chunks it needs at start', () => {
    const main = readFileSync(join(copy, 'dist', 'bundle', 'cli', 'main.cjs'), 'utf8');
    expect(main.startsWith('({\n"main.cjs":(function (exports, require, module, __filename, __dirname) { ')).toBe(true);
    const required = [...main.matchAll(/require\("\.\/(chunk-[\w-]+\.cjs)"\)/g)].map((m) => m[1]!);
    expect(required.length).toBeGreaterThan(0);
    for (const chunk of required) expect(main, chunk).toContain(`\n"${chunk}":(function (exports,`);
  });

  it('runs each bundle file once, whether it was loaded alone first or from a pack first', () => {
    const dir = join(copy, 'dist', 'bundle', 'cli');
    const body = 'globalThis.runs = (globalThis.runs ?? 0) + 1; exports.from = __filename;';
    writeFileSync(join(dir, 'lone.cjs'), `(function (exports, require, module, __filename, __dirname) { ${body}\n});`);
    writeFileSync(
      join(dir, 'pack.cjs'),
      `({\n"pack.cjs":(function (exports, require, module, __filename, __dirname) { exports.lone = require('./lone.cjs');\n}),\n` +
        `"lone.cjs":(function (exports, require, module, __filename, __dirname) { ${body} exports.packed = true;\n})})`,
    );
    const loader = JSON.stringify(join(copy, 'bin', 'tusk')); // required, not run: its loader only
    const both = (first: string, second: string) => {
      const script = `const { load } = require(${loader}); const a = load('${first}'); const b = load('${second}');
        const lone = a.lone ?? a, again = b.lone ?? b;
        console.log(JSON.stringify({ same: lone === again, runs: globalThis.runs, packed: !!lone.packed, from: lone.from }));`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout) as { same: boolean; runs: number; packed: boolean; from: string };
    };
    expect(both('lone.cjs', 'pack.cjs')).toEqual({ same: true, runs: 1, packed: false, from: join(dir, 'lone.cjs') });
    expect(both('pack.cjs', 'lone.cjs')).toEqual({ same: true, runs: 1, packed: true, from: join(dir, 'lone.cjs') });
    rmSync(join(dir, 'lone.cjs'));
    rmSync(join(dir, 'pack.cjs'));
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
