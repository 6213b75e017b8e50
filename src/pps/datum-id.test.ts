import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { datumId, transformHash } from './datum-id.js';
import { planDatums } from './datums.js';
import { memoryInputFiles, type InputFile, type ResolveInput } from './input-files.js';
import { normalizePipelineSpec } from './spec-parse.js';

const FILES: InputFile[] = Array.from({ length: 10 }, (_, i) => ({ path: `/f${i}.txt`, size: 1, hash: `content-${i}` }));

function resolver(files: Record<string, InputFile[]>, branch = 'master', commit = 'c1'): ResolveInput {
  return (input) => ({ repo: input.repo, branch, commit, files: memoryInputFiles(files[input.repo] ?? []) });
}

function spec(extra: Record<string, unknown> = {}, transform: Record<string, unknown> = {}, input: unknown = { pfs: { repo: 'data', glob: '/*' } }) {
  return normalizePipelineSpec({ pipeline: { name: 'p' }, transform: { cmd: ['sh', '-c', 'cp -r /pfs/data /pfs/out'], image: 'node:20', ...transform }, input, ...extra });
}

async function ids(s = spec(), files = FILES, branch = 'master', commit = 'c1'): Promise<string[]> {
  return (await planDatums(s, resolver({ data: files, other: files }, branch, commit))).map((d) => d.id);
}

describe('datum IDs', () => {
  it('are 64 hex digits, distinct for distinct datums', async () => {
    const list = await ids();
    expect(list).toHaveLength(10);
    for (const id of list) expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(list).size).toBe(10);
  });

  it('are the same for the same files on another branch or commit', async () => {
    expect(await ids(spec(), FILES, 'dev', 'c2')).toEqual(await ids());
  });

  it('change for exactly the datum whose file changed by one byte', async () => {
    const before = await ids();
    const changed = FILES.map((f, i) => (i === 3 ? { ...f, hash: 'content-3-edited' } : f));
    const after = await ids(spec(), changed);
    expect(after.filter((id, i) => id !== before[i])).toHaveLength(1);
    expect(after[3]).not.toBe(before[3]);
  });

  it('change when the transform changes: cmd, image, stdin, env, user, working_dir, err_cmd, accept_return_code, datum_batching, salt', async () => {
    const before = await ids();
    const variants: [Record<string, unknown>, Record<string, unknown>][] = [
      [{}, { cmd: ['sh', '-c', 'cp -r /pfs/data /pfs/out/x'] }],
      [{}, { image: 'node:22' }],
      [{}, { stdin: ['echo'] }],
      [{}, { env: { MODE: 'fast' } }],
      [{}, { user: 'nobody' }],
      [{}, { working_dir: '/tmp' }],
      [{}, { err_cmd: ['true'] }],
      [{}, { accept_return_code: [1] }],
      [{}, { datum_batching: true }],
      [{ salt: 'again' }, {}],
    ];
    for (const [extra, transform] of variants) {
      const after = await ids(spec(extra, transform));
      expect(after.some((id, i) => id === before[i]), JSON.stringify([extra, transform])).toBe(false);
    }
  });

  it('stay the same when only parallelism, resources, timeouts, tries, description or output branch change', async () => {
    const before = await ids();
    const after = await ids(spec({
      parallelism_spec: { constant: 8 },
      resource_requests: { cpu: 2, memory: '1G' },
      resource_limits: { memory: '2G' },
      datum_timeout: '1m',
      job_timeout: '1h',
      datum_tries: 7,
      description: 'something else',
      output_branch: 'other',
      standby: true,
    }));
    expect(after).toEqual(before);
  });

  it('do not depend on the order of env entries or accepted return codes', () => {
    const a = spec({}, { env: { A: '1', B: '2' }, accept_return_code: [1, 2] });
    const b = spec({}, { env: { B: '2', A: '1' }, accept_return_code: [2, 1] });
    expect(transformHash(a)).toBe(transformHash(b));
  });

  it('change with the input name, the glob and empty_files, not with the repo', async () => {
    const base = await ids();
    expect(await ids(spec({}, {}, { pfs: { repo: 'data', name: 'in', glob: '/*' } }))).not.toEqual(base);
    expect(await ids(spec({}, {}, { pfs: { repo: 'data', glob: '/f*' } }))).not.toEqual(base);
    expect(await ids(spec({}, {}, { pfs: { repo: 'data', glob: '/*', empty_files: true } }))).not.toEqual(base);
    expect(await ids(spec({}, {}, { pfs: { repo: 'other', name: 'data', glob: '/*' } }))).toEqual(base);
  });

  it('do not depend on the order of a cross\'s inputs', async () => {
    const ab = { cross: [{ pfs: { repo: 'data', glob: '/*' } }, { pfs: { repo: 'other', glob: '/' } }] };
    const ba = { cross: [{ pfs: { repo: 'other', glob: '/' } }, { pfs: { repo: 'data', glob: '/*' } }] };
    expect(new Set(await ids(spec({}, {}, ab)))).toEqual(new Set(await ids(spec({}, {}, ba))));
  });

  it('tell apart datums whose strings could run together without delimiters', () => {
    const t = transformHash(spec());
    const a = datumId(t, [{ name: 'ab', glob: '/*', path: '/c', emptyFiles: false, files: [{ path: '/c', hash: 'x' }] }]);
    const b = datumId(t, [{ name: 'a', glob: 'b/*', path: '/c', emptyFiles: false, files: [{ path: '/c', hash: 'x' }] }]);
    const c = datumId(t, [{ name: 'ab', glob: '/*', path: '/c', emptyFiles: false, files: [{ path: '/c', hash: 'x' }, { path: '/d', hash: '' }] }]);
    expect(new Set([a, b, c]).size).toBe(3);
  });

  it('property: a datum ID depends exactly on its files\' paths and hashes', () => {
    const fileArb = fc.record({ path: fc.constantFrom('/a', '/b', '/c/d', '/c/e'), hash: fc.constantFrom('h1', 'h2', 'h3') });
    const t = transformHash(spec());
    fc.assert(fc.property(fc.uniqueArray(fileArb, { selector: (f) => f.path, minLength: 1 }), fc.uniqueArray(fileArb, { selector: (f) => f.path, minLength: 1 }), (x, y) => {
      const sort = (fs: { path: string; hash: string }[]) => [...fs].sort((p, q) => (p.path < q.path ? -1 : 1));
      const id = (fs: { path: string; hash: string }[]) => datumId(t, [{ name: 'data', glob: '/', path: '/', emptyFiles: false, files: sort(fs) }]);
      const same = JSON.stringify(sort(x)) === JSON.stringify(sort(y));
      expect(id(x) === id(y)).toBe(same);
    }));
  });
});
