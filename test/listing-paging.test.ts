// End to end: `tusk list file` and `tusk glob file` on a flat folder of 2,000
// files (many tree nodes), as users page through one: --limit and
// --start-after give pages that add up to the whole listing, in table and
// -o json alike, a folder pages as NAME/ with or without its slash, and a
// literal-prefix glob lists exactly the names with that prefix.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { tusk as run, tuskJson as runJson, type RunOptions } from './helpers/tusk-cli.js';

const FILES = 2000;
let daemon: DaemonHandle;
let work: string;
const tusk = (args: string[], opts: RunOptions = {}) => run(args, { env: daemon.env, ...opts });
const tuskJson = <T = any>(args: string[]) => runJson<T>(args, { env: daemon.env });
const name = (i: number) => `f${String(i).padStart(5, '0')}`;

interface FileJson {
  path: string;
  type: string;
  sizeBytes: number;
}

beforeAll(async () => {
  daemon = await startDaemon();
  work = await mkdtemp(join(tmpdir(), 'tusk-listing-'));
  const data = join(work, 'flat');
  await mkdir(join(data, 'f01500'), { recursive: true }); // a folder among the files
  await writeFile(join(data, 'f01500', 'inner'), 'x');
  for (let i = 0; i < FILES; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => (i + j === 1500 ? undefined : writeFile(join(data, name(i + j)), `${i + j}\n`))));
  const create = await tusk(['create', 'repo', 'flat']);
  expect(create.code, create.stderr).toBe(0);
  const put = await tusk(['put', 'file', 'flat@master', '-f', data, '-r'], { timeoutMs: 120_000 });
  expect(put.code, put.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await daemon?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('list file pages', () => {
  it('lists every entry in order, and --limit/--start-after pages add up to it (-o json)', async () => {
    const all = await tuskJson<FileJson[]>(['list', 'file', 'flat@master:/']);
    expect(all).toHaveLength(FILES);
    expect(all[0]).toMatchObject({ path: '/f00000', type: 'file', sizeBytes: 2 });
    expect(all[1500]).toMatchObject({ path: '/f01500', type: 'dir', sizeBytes: 1 });
    const paged: FileJson[] = [];
    for (let after: string | undefined; ; ) {
      const page = await tuskJson<FileJson[]>(['list', 'file', 'flat@master:/', '--limit', '1000', ...(after ? ['--start-after', after] : [])]);
      paged.push(...page);
      if (page.length < 1000) break;
      after = page[page.length - 1]!.path; // as a script pages: the last path, a folder without its '/'
    }
    expect(paged.map((f) => f.path)).toEqual(all.map((f) => f.path));
  });

  it('prints a table page with the next page named on stderr, and takes a name relative to the folder', async () => {
    const res = await tusk(['list', 'file', 'flat@master:/', '--limit', '3', '--start-after', 'f01499']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('NAME      TYPE  SIZE\n/f01500/  dir   1 B\n/f01501   file  5 B\n/f01502   file  5 B\n');
    expect(res.stderr).toBe('(3 shown; the next page: --start-after /f01502)\n');
    const next = await tusk(['list', 'file', 'flat@master:/', '--limit', '1', '--start-after', '/f01500/']);
    expect(next.stdout).toBe('NAME     TYPE  SIZE\n/f01501  file  5 B\n');
  });

  it('refuses a limit that is not a positive number (usage error)', async () => {
    const res = await tusk(['list', 'file', 'flat@master:/', '--limit', '0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--limit/);
  });
});

describe('glob file with a literal prefix', () => {
  it('lists exactly the names with the prefix, pages of them too', async () => {
    const matches = await tuskJson<FileJson[]>(['glob', 'file', 'flat@master:/f0001*']);
    expect(matches.map((f) => f.path)).toEqual(Array.from({ length: 10 }, (_, i) => `/${name(10 + i)}`));
    const page = await tuskJson<FileJson[]>(['glob', 'file', 'flat@master:/f015*', '--limit', '2', '--start-after', '/f01500']);
    expect(page.map((f) => f.path)).toEqual(['/f01501', '/f01502']); // after the folder /f01500 ('/f015*' does not reach into it)
    const table = await tusk(['glob', 'file', 'flat@master:/f0199*']);
    expect(table.stdout.split('\n').filter(Boolean)).toHaveLength(1 + 10);
  });
});

describe('a small folder of files and subfolders', () => {
  it('prints as one aligned table (list file and glob file), though its entries come in several batches', async () => {
    const w = join(work, 'mixed');
    for (const [path, text] of [['c.txt', 'c'], ['in/a.txt', 'a'], ['open.txt', 'o'], ['sub/deeper/x', 'x'], ['zz-a-much-longer-name.csv', 'long']] as const) {
      await mkdir(join(w, path, '..'), { recursive: true });
      await writeFile(join(w, path), text);
    }
    expect((await tusk(['create', 'repo', 'mixed'])).code).toBe(0);
    expect((await tusk(['put', 'file', 'mixed@master', '-f', w, '-r'])).code).toBe(0);
    for (const args of [['list', 'file', 'mixed@master:/'], ['glob', 'file', 'mixed@master:/*']]) {
      const res = await tusk(args);
      expect(res.code, res.stderr).toBe(0);
      const lines = res.stdout.split('\n').filter(Boolean);
      expect(lines.map((l) => l.split(/ +/)[0])).toEqual(['NAME', '/c.txt', '/in/', '/open.txt', '/sub/', '/zz-a-much-longer-name.csv']);
      const typeAt = lines[0]!.indexOf('TYPE');
      for (const line of lines.slice(1)) expect(line.slice(typeAt, typeAt + 4), `${args.join(' ')}:\n${res.stdout}`).toMatch(/^(file|dir )/);
    }
  });
});

describe('a branch whose head commit is open', () => {
  // Readers of a branch see its last finished commit. The CLI asks a daemon on this machine for a listing's first
  // page over its HTTP API and for the rest over gRPC (src/cli/local-listing.ts): both must read that commit.
  it('lists and globs its last finished commit, past the first page too, without what the open commit holds', async () => {
    expect((await tusk(['create', 'branch', 'flat@side', '--head', 'master'])).code).toBe(0);
    const start = await tusk(['start', 'commit', 'flat@side']);
    expect(start.code, start.stderr).toBe(0);
    await writeFile(join(work, 'extra'), 'x');
    for (const path of ['/a-first', '/f00500-open', '/zz-last']) {
      const put = await tusk(['put', 'file', `flat@side:${path}`, '-f', join(work, 'extra')]);
      expect(put.code, put.stderr).toBe(0);
    }
    const master = (await tuskJson<FileJson[]>(['list', 'file', 'flat@master:/'])).map((f) => f.path);
    expect(master).toHaveLength(FILES);
    expect((await tuskJson<FileJson[]>(['list', 'file', 'flat@side:/'])).map((f) => f.path)).toEqual(master);
    expect((await tuskJson<FileJson[]>(['glob', 'file', 'flat@side:/*'])).map((f) => f.path)).toEqual(master);
    const table = await tusk(['list', 'file', 'flat@side:/']);
    expect(table.stdout).not.toMatch(/a-first|f00500-open|zz-last/);
  });
});
