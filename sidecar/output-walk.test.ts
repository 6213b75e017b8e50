import { describe, expect, test } from 'vitest';
import { isTuskError } from '../src/errors/index.js';
import { resolveLink, walkOutput, withListing, type OutputFs } from './output-walk.js';
import type { DatumRef, EntryKind } from '../src/worker-protocol/index.js';
import { storeOutput, type OutputSink } from './upload.js';

type Node = { file: string } | { dir: true } | { link: string } | { fifo: true };

/** An in-memory file system rooted at /out. */
function memFs(tree: Record<string, Node>): OutputFs {
  const get = (p: string) => tree[p];
  const kind = (n: Node): EntryKind => ('file' in n ? 'file' : 'dir' in n ? 'dir' : 'link' in n ? 'symlink' : 'other');
  return {
    async kind(p) {
      const n = get(p);
      return n ? kind(n) : null;
    },
    async readlink(p) {
      const n = get(p);
      if (!n || !('link' in n)) throw new Error(`not a link: ${p}`);
      return n.link;
    },
    async list(dir) {
      const prefix = dir.endsWith('/') ? dir : dir + '/';
      return Object.keys(tree)
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => ({ name: p.slice(prefix.length), kind: kind(tree[p]!) }));
    },
  };
}

async function walk(tree: Record<string, Node>, aliases = ['/pfs/out']) {
  const files: { path: string; hostPath: string }[] = [];
  for await (const f of walkOutput(memFs({ '/out': { dir: true }, ...tree }), '/out', aliases)) files.push(f);
  return files;
}

async function rejection(tree: Record<string, Node>) {
  try {
    await walk(tree);
  } catch (err) {
    if (isTuskError(err) && err.code === 'DatumOutputRejected') return err.message;
    throw err;
  }
  throw new Error('expected the output to be rejected');
}

describe('walking an output folder', () => {
  test('regular files anywhere below out are listed with their out-relative paths, sorted', async () => {
    const files = await walk({ '/out/b.txt': { file: 'b' }, '/out/a': { dir: true }, '/out/a/x.txt': { file: 'x' }, '/out/empty': { dir: true } });
    expect(files).toEqual([
      { path: '/a/x.txt', hostPath: '/out/a/x.txt' },
      { path: '/b.txt', hostPath: '/out/b.txt' },
    ]);
  });

  test('a symlink to a file inside out is stored as that file, relative or absolute as the code saw it', async () => {
    const files = await walk({
      '/out/a.txt': { file: 'a' },
      '/out/rel': { link: 'a.txt' },
      '/out/sub': { dir: true },
      '/out/sub/up': { link: '../a.txt' },
      '/out/abs': { link: '/pfs/out/a.txt' },
      '/out/chain': { link: 'rel' },
    });
    expect(files.map((f) => [f.path, f.hostPath])).toEqual([
      ['/a.txt', '/out/a.txt'],
      ['/abs', '/out/a.txt'],
      ['/chain', '/out/a.txt'],
      ['/rel', '/out/a.txt'],
      ['/sub/up', '/out/a.txt'],
    ]);
  });

  test('a symlink pointing outside out rejects the output, naming the path', async () => {
    expect(await rejection({ '/out/x': { link: '/etc/passwd' } })).toBe('output /x is a symlink pointing outside /pfs/out');
    expect(await rejection({ '/out/d': { dir: true }, '/out/d/y': { link: '../../in/secret' } })).toBe('output /d/y is a symlink pointing outside /pfs/out');
    expect(await rejection({ '/out/x': { link: '/pfs/outside' } })).toContain('pointing outside');
  });

  test('a link through a folder link that leaves out is caught segment by segment', async () => {
    // /a sorts before /d, so /a is judged first: its path goes through the link /d.
    const msg = await rejection({ '/out/d': { link: '..' }, '/out/a': { link: 'd/etc/passwd' } });
    expect(msg).toBe('output /a is a symlink pointing outside /pfs/out');
  });

  test('dangling links, links to folders, loops and special files are rejected with their reason', async () => {
    expect(await rejection({ '/out/x': { link: 'nothing' } })).toBe('output /x is a dangling symlink');
    expect(await rejection({ '/out/d': { dir: true }, '/out/x': { link: 'd' } })).toContain('is a symlink to a folder');
    expect(await rejection({ '/out/x': { link: 'y' }, '/out/y': { link: 'x' } })).toContain('symlink loop');
    expect(await rejection({ '/out/p': { fifo: true } })).toBe('output /p is not a regular file, folder or symlink');
  });

  test('the host path of out counts as inside when the code ran without a sandbox', async () => {
    const fs = memFs({ '/out': { dir: true }, '/out/a': { file: 'a' }, '/out/l': { link: '/w/pfs/out/a' } });
    expect(await resolveLink(fs, '/out', ['l'], ['/pfs/out', '/w/pfs/out'])).toEqual({ segments: ['a'] });
    expect(await resolveLink(fs, '/out', ['l'], ['/pfs/out'])).toEqual({ problem: 'is a symlink pointing outside /pfs/out' });
  });
});

describe('links from the output to input files', () => {
  const inputs = { aliases: ['/pfs', '/w/pfs'], root: '/slot/in' };
  const aliases = ['/pfs/out', '/w/pfs/out'];
  const walkSlot = async (out: Record<string, Node>) => {
    const files: { path: string; hostPath: string }[] = [];
    const fs = memFs({ '/slot/out': { dir: true }, '/slot/in/images': { dir: true }, '/slot/in/images/a.png': { file: 'png' }, ...out });
    for await (const f of walkOutput(fs, '/slot/out', aliases, inputs)) files.push(f);
    return files;
  };

  test('are stored as the input file they point at, absolute, relative or by host path', async () => {
    const files = await walkSlot({
      '/slot/out/abs': { link: '/pfs/images/a.png' },
      '/slot/out/sub': { dir: true },
      '/slot/out/sub/rel': { link: '../../images/a.png' },
      '/slot/out/host': { link: '/w/pfs/images/a.png' },
    });
    expect(files).toEqual([
      { path: '/abs', hostPath: '/slot/in/images/a.png' },
      { path: '/host', hostPath: '/slot/in/images/a.png' },
      { path: '/sub/rel', hostPath: '/slot/in/images/a.png' },
    ]);
  });

  test("to an input of empty stand-ins (empty_files) are stored with the input file's own bytes, uploaded", async () => {
    // Pachyderm's shuffle example: empty_files inputs, the output links to them.
    const fs = memFs({ '/slot/out': { dir: true }, '/slot/in/images': { dir: true }, '/slot/in/images/sub': { dir: true }, '/slot/in/images/sub/a.png': { file: '' }, '/slot/out/abs': { link: '/pfs/images/sub/a.png' } });
    const asked: string[] = [];
    const standIns = {
      names: new Set(['images']),
      async *read(name: string, path: string) {
        asked.push(`${name}:${path}`);
        yield Buffer.from('real png');
      },
    };
    const uploaded = new Map<string, string>();
    const sink: OutputSink = {
      putDatumOutput: () => ({
        async putFile(path, data) {
          let text = '';
          for await (const piece of data) text += Buffer.from(piece).toString();
          uploaded.set(path, text);
        },
        close: async () => ({ output: 'o1', files: uploaded.size, bytes: 8 }),
        abort() {},
      }),
    };
    const out = await storeOutput(sink, { job: 'j', datum: 'd' } as unknown as DatumRef, walkOutput(fs, '/slot/out', aliases, { ...inputs, standIns }));
    expect(out).toEqual({ output: 'o1', files: 1, bytes: 8 });
    expect(asked).toEqual(['images:/sub/a.png']);
    expect([...uploaded]).toEqual([['/abs', 'real png']]);
  });

  test('still refuse links to input folders, missing input files and anything outside the datum', async () => {
    for (const target of ['/pfs/images', '/pfs/images/b.png', '/etc/passwd', '../../../etc/passwd']) {
      await expect(walkSlot({ '/slot/out/l': { link: target } })).rejects.toThrow(/pointing outside \/pfs\/out/);
    }
  });
});

describe('withListing', () => {
  test('the walk takes the root from the listing it was given and reads the folders below it', async () => {
    // The folder on "disk" holds more than was listed when the output was moved there: only the listing counts at the top.
    const fs = withListing(memFs({ '/out': { dir: true }, '/out/a': { file: 'a' }, '/out/late': { file: 'x' }, '/out/sub': { dir: true }, '/out/sub/b': { file: 'b' } }), '/out', [
      { name: 'sub', kind: 'dir' },
      { name: 'a', kind: 'file' },
    ]);
    const files: string[] = [];
    for await (const f of walkOutput(fs, '/out')) files.push(f.path);
    expect(files).toEqual(['/a', '/sub/b']);
  });
});
