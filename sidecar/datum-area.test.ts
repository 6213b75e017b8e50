import { link, lstat, mkdtemp, open, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { DatumArea } from './datum-area.js';
import type { DatumInput } from '../src/worker-protocol/index.js';
import { Limit } from './serial.js';
import type { OutputSink } from './upload.js';

const files = new Map<string, string>();
const fetched: string[] = [];
const source = {
  async *getFile(ref: string) {
    fetched.push(ref);
    const text = files.get(ref);
    if (text === undefined) throw new Error(`no such file ${ref}`);
    yield Buffer.from(text);
  },
};
/** The datum whose output the tests upload. */
const D1 = { pipeline: 'p', job: 'j', datum: 'd1' };
const uploads: { target: string; files: Record<string, string>; aborted: boolean }[] = [];
const sink: OutputSink = {
  putDatumOutput(ref) {
    const target = `${ref.pipeline}/${ref.job}/${ref.datum}`;
    const up = { target, files: {} as Record<string, string>, aborted: false };
    uploads.push(up);
    return {
      async putFile(path, data) {
        const parts: Buffer[] = [];
        for await (const p of data) parts.push(Buffer.from(p));
        up.files[path] = Buffer.concat(parts).toString();
      },
      async close() {
        return { output: `o-${target}`, files: Object.keys(up.files).length, bytes: 0 };
      },
      abort() {
        up.aborted = true;
      },
    };
  },
};

function input(name: string, paths: string[], extra: Partial<DatumInput> = {}): DatumInput {
  return { name, repo: name, branch: 'master', commit: 'c1', path: paths[0] ?? '/', files: paths.map((path) => ({ path, sizeBytes: 10, hash: '' })), joinOn: '', groupBy: '', emptyFiles: false, lazy: false, ...extra };
}

let dir: string;
let area: DatumArea;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-area-'));
  area = new DatumArea(join(dir, 'pfs'), join(dir, 'stage'), source, sink, new Limit(4));
  await mkdir(join(dir, 'pfs'));
  await area.reset();
  files.clear();
  fetched.length = 0;
  uploads.length = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the datum area', () => {
  test('inputs land at $TUSK_PFS/<input>/<full path>, out is empty, and the output is uploaded relative to out', async () => {
    files.set('images@c1:/a/b.png', 'png').set('images@c1:/a/c.png', 'c').set('edges@c1:/x.txt', 'x');
    await area.prepare('d1', [input('images', ['/a/b.png', '/a/c.png']), input('edges', ['/x.txt'])]);
    await area.activate('d1');
    expect(await readFile(join(dir, 'pfs/images/a/b.png'), 'utf8')).toBe('png');
    expect(await readFile(join(dir, 'pfs/edges/x.txt'), 'utf8')).toBe('x');
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);

    await mkdir(join(dir, 'pfs/out/sub'));
    await writeFile(join(dir, 'pfs/out/sub/r.txt'), 'result');
    await area.collect('d1');
    expect((await readdir(join(dir, 'pfs'))).sort()).toEqual(['out']);
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
    // A small output comes back inline, for the worker to send with the result.
    expect(await area.upload('d1', D1)).toEqual({ output: '', files: 1, bytes: 6, inline: [{ path: '/sub/r.txt', data: Buffer.from('result').toString('base64') }] });
    expect(uploads).toEqual([]);
    await area.release('d1');
    expect(await readdir(join(dir, 'stage/s1/out'))).toEqual([]);
    expect(await readdir(join(dir, 'stage/s1/in/images'))).toEqual([]);
  });

  test('an output over 64 KiB is uploaded as the datum output, relative to out', async () => {
    await area.prepare('d1', []);
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/small'), 's');
    await writeFile(join(dir, 'pfs/out/big'), 'b'.repeat(70_000));
    await area.collect('d1');
    expect(await area.upload('d1', D1)).toEqual({ output: 'o-p/j/d1', files: 2, bytes: 0 });
    expect(Object.entries(uploads[0]!.files).map(([p, t]) => [p, t.length])).toEqual([['/big', 70_000], ['/small', 1]]);
  });

  test('an output of 64 KiB in all comes back inline; one byte more and it is uploaded', async () => {
    await area.prepare('d1', []);
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/a'), 'a'.repeat(40_000));
    await writeFile(join(dir, 'pfs/out/b'), 'b'.repeat(64 * 1024 - 40_000));
    await area.collect('d1');
    const inline = await area.upload('d1', D1);
    expect([inline.output, inline.files, inline.bytes, inline.inline?.map((f) => [f.path, Buffer.from(f.data, 'base64').length])]).toEqual(['', 2, 64 * 1024, [['/a', 40_000], ['/b', 64 * 1024 - 40_000]]]);
    await area.release('d1');
    await area.prepare('d2', []);
    await area.activate('d2');
    await writeFile(join(dir, 'pfs/out/a'), 'a'.repeat(40_000));
    await writeFile(join(dir, 'pfs/out/b'), 'b'.repeat(64 * 1024 - 40_000 + 1));
    await area.collect('d2');
    expect(await area.upload('d2', D1)).toEqual({ output: 'o-p/j/d1', files: 2, bytes: 0 });
    expect(Object.entries(uploads[0]!.files).map(([p, t]) => [p, t.length])).toEqual([['/a', 40_000], ['/b', 64 * 1024 - 40_000 + 1]]);
  });

  test('what the code writes to out/ after its datum was collected is gone when the next datum is activated later', async () => {
    await area.prepare('d1', []);
    await area.prepare('d2', []);
    await area.activate('d1');
    await area.collect('d1');
    // A process the code left behind writes once the collect is over (a turn of the event loop later).
    await new Promise((r) => setImmediate(r));
    await writeFile(join(dir, 'pfs/out/late'), 'x');
    await area.activate('d2');
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
  });

  test('a slot activated and collected twice is emptied of both outputs when released', async () => {
    await area.prepare('d1', []);
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/first'), '1');
    await area.collect('d1');
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/second'), '2');
    await area.collect('d1');
    expect((await readdir(join(dir, 'stage/s1/out'))).sort()).toEqual(['first', 'second']);
    await area.release('d1');
    expect(await readdir(join(dir, 'stage/s1/out'))).toEqual([]);
  });

  test('a freed slot folder is reused for the next datum, holding only that datum\'s files', async () => {
    files.set('a@c1:/x/1.txt', 'one').set('b@c1:/2.txt', 'two');
    await area.prepare('d1', [input('a', ['/x/1.txt'])]);
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/o1'), 'o');
    await area.collect('d1');
    await area.release('d1');
    await area.prepare('d2', [input('b', ['/2.txt'])]);
    await area.activate('d2');
    expect((await readdir(join(dir, 'stage'))).sort()).toEqual(['s1', 'spare']);
    expect((await readdir(join(dir, 'pfs'))).sort()).toEqual(['b', 'out']);
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
    await area.collect('d2');
    await area.release('d2');
    // The earlier datum's input folder is gone from the slot, the last one's is kept, holding only its own file
    // (kept to be written over by the next datum prepared in the slot).
    expect(await readdir(join(dir, 'stage/s1/in'))).toEqual(['b']);
    expect(await readdir(join(dir, 'stage/s1/in/b'))).toEqual(['2.txt']);
    // the same input again: nested folders are recreated after being emptied
    await area.prepare('d3', [input('a', ['/x/1.txt'])]);
    await area.activate('d3');
    expect(await readFile(join(dir, 'pfs/a/x/1.txt'), 'utf8')).toBe('one');
    expect((await readdir(join(dir, 'pfs'))).sort()).toEqual(['a', 'out']);
    expect(await readdir(join(dir, 'pfs/a'))).toEqual(['x']);
  });

  test('a slot\'s last input files are written over by the next datum prepared in it: it sees its own files only', async () => {
    const inline = (...files: [string, string][]) => input('in', files.map(([p]) => p), { files: files.map(([path, text]) => ({ path, sizeBytes: text.length, hash: '', data: Buffer.from(text).toString('base64') })) });
    const run = async (datum: string, inputs: DatumInput[]) => {
      await area.prepare(datum, inputs);
      await area.activate(datum);
      const seen: Record<string, string> = {};
      for (const name of (await readdir(join(dir, 'pfs/in'), { recursive: true })).sort()) {
        const s = await stat(join(dir, 'pfs/in', name));
        seen[name] = s.isFile() ? await readFile(join(dir, 'pfs/in', name), 'utf8') : 'dir';
      }
      await area.collect(datum);
      await area.release(datum);
      return seen;
    };
    expect(await run('d1', [inline(['/a.txt', 'A1'], ['/b.txt', 'B1'])])).toEqual({ 'a.txt': 'A1', 'b.txt': 'B1' });
    // One name again (its kept file must not be written over by another one), one new.
    expect(await run('d2', [inline(['/b.txt', 'B2'], ['/c.txt', 'C2'])])).toEqual({ 'b.txt': 'B2', 'c.txt': 'C2' });
    expect(await run('d3', [inline(['/z.txt', 'Z3'])])).toEqual({ 'z.txt': 'Z3' });
    // A file in a folder, and a file that is fetched: the kept ones are moved away first.
    expect(await run('d4', [inline(['/dir/y.txt', 'Y4'])])).toEqual({ dir: 'dir', 'dir/y.txt': 'Y4' });
    await run('d5', [inline(['/z.txt', 'Z5'])]);
    files.set('in@c1:/z.txt', 'fetched');
    expect(await run('d6', [input('in', ['/z.txt'])])).toEqual({ 'z.txt': 'fetched' });
  });

  test('a released input file is written over for a later datum\'s small input, not deleted and made anew', async () => {
    const inline = (path: string, text: string) => input('in', [path], { files: [{ path, sizeBytes: text.length, hash: '', data: Buffer.from(text).toString('base64') }] });
    await area.prepare('d1', [inline('/a.txt', 'three')]);
    await area.activate('d1');
    // Held open, the first file's inode cannot be given to a new file: the same inode means the file was reused.
    const held = await open(join(dir, 'pfs/in/a.txt'));
    try {
      await area.collect('d1');
      await area.release('d1');
      await area.prepare('d2', [inline('/b.txt', 'x')]);
      await area.activate('d2');
      expect(await readdir(join(dir, 'pfs/in'))).toEqual(['b.txt']);
      expect(await readFile(join(dir, 'pfs/in/b.txt'), 'utf8')).toBe('x');
      expect((await stat(join(dir, 'pfs/in/b.txt'))).ino).toBe((await held.stat()).ino);
    } finally {
      await held.close();
    }
  });

  test('a released input file swapped for a symlink (by a process the code left running) is not written through', async () => {
    const inline = (path: string, text: string) => input('in', [path], { files: [{ path, sizeBytes: text.length, hash: '', data: Buffer.from(text).toString('base64') }] });
    await area.prepare('d1', [inline('/a.txt', 'three')]);
    await area.activate('d1');
    await area.collect('d1');
    await area.release('d1');
    const kept = (await readdir(join(dir, 'stage'), { recursive: true })).filter((p) => p.endsWith('a.txt'));
    expect(kept).toHaveLength(1);
    await writeFile(join(dir, 'outside'), 'secret');
    await rm(join(dir, 'stage', kept[0]!));
    await symlink(join(dir, 'outside'), join(dir, 'stage', kept[0]!));
    await area.prepare('d2', [inline('/a.txt', 'x')]);
    await area.activate('d2');
    expect(await readFile(join(dir, 'outside'), 'utf8')).toBe('secret');
    expect((await lstat(join(dir, 'pfs/in/a.txt'))).isFile()).toBe(true);
    expect(await readFile(join(dir, 'pfs/in/a.txt'), 'utf8')).toBe('x');
  });

  test('an input file with another name (a hard link) is not written over later', async () => {
    const inline = (path: string, text: string) => input('in', [path], { files: [{ path, sizeBytes: text.length, hash: '', data: Buffer.from(text).toString('base64') }] });
    await area.prepare('d1', [inline('/a.txt', 'three')]);
    await area.activate('d1');
    await link(join(dir, 'pfs/in/a.txt'), join(dir, 'kept'));
    await area.collect('d1');
    await area.release('d1');
    await area.prepare('d2', [inline('/b.txt', 'x')]);
    await area.activate('d2');
    expect(await readFile(join(dir, 'pfs/in/b.txt'), 'utf8')).toBe('x');
    expect(await readFile(join(dir, 'kept'), 'utf8')).toBe('three');
  });

  test('empty_files inputs are created empty without fetching anything', async () => {
    await area.prepare('d1', [input('in', ['/big.bin'], { emptyFiles: true })]);
    await area.activate('d1');
    expect(await readFile(join(dir, 'pfs/in/big.bin'), 'utf8')).toBe('');
    expect(fetched).toEqual([]);
  });

  test('files sent inline are written without fetching, however many, and one that cannot be written fails the prepare', async () => {
    const paths = Array.from({ length: 130 }, (_, i) => `/f${i}.txt`);
    const inline = input('in', paths);
    inline.files = inline.files.map((f) => ({ ...f, data: Buffer.from(`data of ${f.path}`).toString('base64') }));
    await expect(area.prepare('d1', [inline])).resolves.toMatchObject({ files: 130, bytes: paths.reduce((n, p) => n + `data of ${p}`.length, 0) });
    await area.activate('d1');
    expect((await readdir(join(dir, 'pfs/in'))).length).toBe(130);
    expect(await readFile(join(dir, 'pfs/in/f129.txt'), 'utf8')).toBe('data of /f129.txt');
    expect(fetched).toEqual([]);
    // A file where a folder of that name was made for another: its write fails, and so does the prepare.
    const clash = input('c', ['/x/y', '/x']);
    clash.files = clash.files.map((f) => ({ ...f, data: Buffer.from('z').toString('base64') }));
    await expect(area.prepare('d2', [clash])).rejects.toThrow(/EISDIR/);
  });

  test('a datum is prepared while another one is active, and switching moves only its own files', async () => {
    files.set('in@c1:/1', 'one').set('in@c1:/2', 'two');
    await area.prepare('d1', [input('in', ['/1'])]);
    await area.activate('d1');
    await area.prepare('d2', [input('in', ['/2'])]);
    expect(await readdir(join(dir, 'pfs/in'))).toEqual(['1']);
    await area.collect('d1');
    await area.activate('d2');
    expect(await readdir(join(dir, 'pfs/in'))).toEqual(['2']);
  });

  test('an input path that would leave the area fails the preparation', async () => {
    await expect(area.prepare('d1', [input('in', ['/../../etc/passwd'])])).rejects.toThrow(/invalid path/);
    await expect(area.prepare('d2', [input('out', ['/a'])])).rejects.toThrow(/input name/);
  });

  test('a missing input file fails the preparation', async () => {
    await expect(area.prepare('d1', [input('in', ['/gone'])])).rejects.toThrow(/no such file/);
  });

  test('an output with a symlink out of /pfs/out is neither uploaded nor returned: it fails with the reason', async () => {
    await area.prepare('d1', []);
    await area.activate('d1');
    await writeFile(join(dir, 'pfs/out/a'), 'a');
    await symlink('/etc/passwd', join(dir, 'pfs/out/x'));
    await area.collect('d1');
    await expect(area.upload('d1', D1)).rejects.toThrow('output /x is a symlink pointing outside /pfs/out');
    expect(uploads.every((u) => u.aborted)).toBe(true);
  });

  test('clearOut empties out between tries; reset clears left-overs of a crashed worker but keeps out itself', async () => {
    await writeFile(join(dir, 'pfs/out/old'), 'x');
    await area.clearOut();
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
    await mkdir(join(dir, 'pfs/stale'));
    await writeFile(join(dir, 'pfs/out/left'), 'x');
    await area.reset();
    expect(await readdir(join(dir, 'pfs'))).toEqual(['out']);
    expect(await readdir(join(dir, 'pfs/out'))).toEqual([]);
  });

  test('a stage inside $TUSK_PFS (a pod stages in /pfs/.scratch) survives reset, and datums switch through it', async () => {
    const pfs = join(dir, 'pfs');
    const inside = new DatumArea(pfs, join(pfs, '.scratch'), source, sink, new Limit(4));
    await mkdir(join(pfs, 'stale'));
    await inside.reset();
    expect((await readdir(pfs)).sort()).toEqual(['.scratch', 'out']);
    files.set('edges@c1:/x.txt', 'x').set('edges@c1:/y.txt', 'y');
    await inside.prepare('d1', [input('edges', ['/x.txt'])]);
    await inside.prepare('d2', [input('edges', ['/y.txt'])]);
    await inside.activate('d1');
    expect(await readFile(join(pfs, 'edges/x.txt'), 'utf8')).toBe('x');
    await inside.activate('d2');
    expect(await readdir(join(pfs, 'edges'))).toEqual(['y.txt']);
  });

  test('a stage on another mount than $TUSK_PFS is refused at reset, naming both and why', async (ctx) => {
    // /dev/shm is a tmpfs: a rename from it to the temp folder's file system fails with EXDEV, as
    // between two volumes of a pod.
    const shm = await stat('/dev/shm').catch(() => undefined);
    if (!shm || shm.dev === (await stat(tmpdir())).dev) return ctx.skip();
    const stage = await mkdtemp('/dev/shm/tusk-stage-');
    try {
      const apart = new DatumArea(join(dir, 'pfs'), stage, source, sink, new Limit(4));
      await expect(apart.reset()).rejects.toThrow(`the stage ${stage} and $TUSK_PFS ${join(dir, 'pfs')} must be on one mount (datums are switched by renaming folders between them): they are on different mounts`);
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  });
});
