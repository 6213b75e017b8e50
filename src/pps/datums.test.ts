import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planDatums, type Datum } from './datums.js';
import { memoryInputFiles, type InputFile, type ResolveInput } from './input-files.js';
import { normalizePipelineSpec } from './spec-parse.js';
import type { PipelineSpec } from './spec.js';

type Repos = Record<string, string[] | InputFile[]>;

function file(path: string, content = path): InputFile {
  return { path, size: content.length, hash: `h(${content})` };
}

function resolver(repos: Repos, branch = 'master', commit = (repo: string) => `${repo}-commit`): ResolveInput {
  return (input) => {
    const files = (repos[input.repo] ?? []).map((f) => (typeof f === 'string' ? file(f) : f));
    return { repo: input.repo, branch, commit: commit(input.repo), files: memoryInputFiles(files) };
  };
}

function spec(input: unknown, extra: Record<string, unknown> = {}): PipelineSpec {
  return normalizePipelineSpec({ pipeline: { name: 'p' }, transform: { cmd: ['sh'] }, input, ...extra });
}

const pfs = (repo: string, glob: string, more: Record<string, unknown> = {}) => ({ pfs: { repo, glob, ...more } });

/** Each datum as "name:path[files]" elements joined with " + ". */
function show(datums: Datum[]): string[] {
  return datums.map((d) => d.inputs.map((e) => `${e.name}:${e.path}[${e.files.map((f) => f.path).join(',')}]`).join(' + '));
}

const IMAGES = ['/a.png', '/b.png', '/dir/c.png', '/dir/d/e.png'];

describe('pfs inputs and globs', () => {
  it('"/*": one datum per top-level file or directory, holding everything under it', async () => {
    const datums = await planDatums(spec(pfs('images', '/*')), resolver({ images: IMAGES }));
    expect(show(datums)).toEqual(['images:/a.png[/a.png]', 'images:/b.png[/b.png]', 'images:/dir[/dir/c.png,/dir/d/e.png]']);
    expect(datums[0]!.inputs[0]).toMatchObject({ repo: 'images', branch: 'master', commit: 'images-commit', glob: '/*', lazy: false, emptyFiles: false });
  });

  it('"/": the whole commit as one datum', async () => {
    expect(show(await planDatums(spec(pfs('images', '/')), resolver({ images: IMAGES })))).toEqual(['images:/[/a.png,/b.png,/dir/c.png,/dir/d/e.png]']);
  });

  it('"/*/*" and "/**"', async () => {
    expect(show(await planDatums(spec(pfs('images', '/*/*')), resolver({ images: IMAGES })))).toEqual(['images:/dir/c.png[/dir/c.png]', 'images:/dir/d[/dir/d/e.png]']);
    expect(show(await planDatums(spec(pfs('images', '/**')), resolver({ images: IMAGES })))).toEqual([
      'images:/a.png[/a.png]',
      'images:/b.png[/b.png]',
      'images:/dir[/dir/c.png,/dir/d/e.png]',
      'images:/dir/c.png[/dir/c.png]',
      'images:/dir/d[/dir/d/e.png]',
      'images:/dir/d/e.png[/dir/d/e.png]',
    ]);
  });

  it('patterns over paths, under a literal directory', async () => {
    expect(show(await planDatums(spec(pfs('images', '/dir/*.png')), resolver({ images: IMAGES })))).toEqual(['images:/dir/c.png[/dir/c.png]']);
    expect(show(await planDatums(spec(pfs('images', '/*.{png,jpg}')), resolver({ images: [...IMAGES, '/x.jpg', '/y.gif'] })))).toEqual([
      'images:/a.png[/a.png]', 'images:/b.png[/b.png]', 'images:/x.jpg[/x.jpg]',
    ]);
  });

  it('a glob that matches nothing, and an empty commit, give zero datums', async () => {
    expect(await planDatums(spec(pfs('images', '/*.csv')), resolver({ images: IMAGES }))).toEqual([]);
    expect(await planDatums(spec(pfs('images', '/')), resolver({ images: [] }))).toEqual([]);
    expect(await planDatums(spec(pfs('images', '/*')), resolver({ images: [] }))).toEqual([]);
  });

  it('records the input name, lazy and empty_files on each element', async () => {
    const [d] = await planDatums(spec(pfs('images', '/', { name: 'in', lazy: true, empty_files: true })), resolver({ images: IMAGES }));
    expect(d!.inputs[0]).toMatchObject({ name: 'in', repo: 'images', lazy: true, emptyFiles: true });
  });

  it('orders datums and files the same whatever order the listing comes in', async () => {
    const files = ['/b/2', '/a/1', '/c', '/a/0', '/b/1'];
    const reference = show(await planDatums(spec(pfs('r', '/*')), resolver({ r: files })));
    expect(reference).toEqual(['r:/a[/a/0,/a/1]', 'r:/b[/b/1,/b/2]', 'r:/c[/c]']);
    await fc.assert(fc.asyncProperty(fc.shuffledSubarray(files, { minLength: files.length }), async (shuffled) => {
      expect(show(await planDatums(spec(pfs('r', '/*')), resolver({ r: shuffled })))).toEqual(reference);
    }));
  });
});

describe('cross and union', () => {
  it('cross of "/" with "/*": every edge file with all the images (montage-like)', async () => {
    const datums = await planDatums(spec({ cross: [pfs('images', '/'), pfs('edges', '/*')] }), resolver({ images: ['/a.png', '/b.png'], edges: ['/a.png', '/b.png'] }));
    expect(show(datums)).toEqual([
      'images:/[/a.png,/b.png] + edges:/a.png[/a.png]',
      'images:/[/a.png,/b.png] + edges:/b.png[/b.png]',
    ]);
  });

  it('cross is the cartesian product, first input outermost; an empty side gives nothing', async () => {
    const repos = { a: ['/1', '/2'], b: ['/x', '/y', '/z'], e: [] };
    expect(show(await planDatums(spec({ cross: [pfs('a', '/*'), pfs('b', '/*')] }), resolver(repos)))).toEqual([
      'a:/1[/1] + b:/x[/x]', 'a:/1[/1] + b:/y[/y]', 'a:/1[/1] + b:/z[/z]',
      'a:/2[/2] + b:/x[/x]', 'a:/2[/2] + b:/y[/y]', 'a:/2[/2] + b:/z[/z]',
    ]);
    expect(await planDatums(spec({ cross: [pfs('a', '/*'), pfs('e', '/*')] }), resolver(repos))).toEqual([]);
  });

  it('union concatenates; a cross nested inside a union', async () => {
    const repos = { a: ['/1', '/2'], b: ['/x'], c: ['/k'] };
    const datums = await planDatums(spec({ union: [pfs('a', '/*'), { cross: [pfs('b', '/*'), pfs('c', '/')] }] }), resolver(repos));
    expect(show(datums)).toEqual(['a:/1[/1]', 'a:/2[/2]', 'b:/x[/x] + c:/[/k]']);
  });

  it('union of an empty input and a full one', async () => {
    expect(show(await planDatums(spec({ union: [pfs('e', '/*'), pfs('a', '/*')] }), resolver({ a: ['/1'], e: [] })))).toEqual(['a:/1[/1]']);
  });

  it('a union reading the same files twice under one name lists each datum once', async () => {
    const datums = await planDatums(spec({ union: [pfs('images', '/*'), pfs('images', '/*', { project: 'staging' })] }), resolver({ images: ['/a', '/b'] }));
    expect(show(datums)).toEqual(['images:/a[/a]', 'images:/b[/b]']);
  });
});

describe('too many datums', () => {
  const ten = Array.from({ length: 10 }, (_, i) => `/f${i}`);

  it('refuses a cross whose product is over the limit before building it, naming its factors', async () => {
    const cross = spec({ cross: [pfs('a', '/*', { name: 'a1' }), pfs('a', '/*', { name: 'a2' }), pfs('a', '/*', { name: 'a3' })] });
    await expect(planDatums(cross, resolver({ a: ten }), 999)).rejects.toMatchObject({
      code: 'TooManyDatums',
      message: expect.stringMatching(/^the input makes at least 1,000 datums \(a cross of 10 × 10 × 10\), more than the 999 one job can plan; use coarser globs/),
    });
    expect(await planDatums(cross, resolver({ a: ten }), 1000)).toHaveLength(1000);
  });

  it('a cross of ten inputs of ten files (10^10 datums) fails at once under the default limit, instead of filling the heap', async () => {
    const inputs = Array.from({ length: 10 }, (_, i) => pfs('a', '/*', { name: `a${i}` }));
    await expect(planDatums(spec({ cross: inputs }), resolver({ a: ten }))).rejects.toMatchObject({ code: 'TooManyDatums', data: { datums: 1e10 } });
  });

  it('counts a join key\'s crossed elements and a union\'s parts against the limit', async () => {
    const sameKey = spec({ join: [pfs('a', '/(*)', { name: 'l', join_on: 'k' }), pfs('a', '/(*)', { name: 'r', join_on: 'k' })] });
    await expect(planDatums(sameKey, resolver({ a: ten }), 99)).rejects.toMatchObject({ code: 'TooManyDatums', message: expect.stringContaining('a join whose key "k" matches 10 × 10 elements') });
    const union = spec({ union: [pfs('a', '/*', { name: 'u1' }), pfs('a', '/*', { name: 'u2' })] });
    await expect(planDatums(union, resolver({ a: ten }), 19)).rejects.toMatchObject({ code: 'TooManyDatums' });
    expect(await planDatums(union, resolver({ a: ten }), 20)).toHaveLength(20);
  });
});

describe('join', () => {
  const repos = {
    stores: ['/STOREID1.txt', '/STOREID2.txt', '/STOREID3.txt'],
    returns: ['/r1_STOREID1.txt', '/r2_STOREID1.txt', '/r3_STOREID2.txt', '/r4_STOREID9.txt'],
  };
  const joinSpec = (storesOuter: boolean, returnsOuter: boolean) =>
    spec({ join: [
      pfs('stores', '/STOREID(*).txt', { join_on: '$1', outer_join: storesOuter }),
      pfs('returns', '/*_STOREID(*).txt', { join_on: '$1', outer_join: returnsOuter }),
    ] });
  const summary = (datums: Datum[]) => datums.map((d) => d.inputs.map((e) => `${e.name}:${e.path}@${e.joinOn}`).join(' + '));

  it('inner join: datums only where every input has the key, crossed together', async () => {
    expect(summary(await planDatums(joinSpec(false, false), resolver(repos)))).toEqual([
      'stores:/STOREID1.txt@1 + returns:/r1_STOREID1.txt@1',
      'stores:/STOREID1.txt@1 + returns:/r2_STOREID1.txt@1',
      'stores:/STOREID2.txt@2 + returns:/r3_STOREID2.txt@2',
    ]);
  });

  it('outer_join on one input keeps that input\'s unmatched datums alone', async () => {
    expect(summary(await planDatums(joinSpec(false, true), resolver(repos)))).toEqual([
      'stores:/STOREID1.txt@1 + returns:/r1_STOREID1.txt@1',
      'stores:/STOREID1.txt@1 + returns:/r2_STOREID1.txt@1',
      'stores:/STOREID2.txt@2 + returns:/r3_STOREID2.txt@2',
      'returns:/r4_STOREID9.txt@9',
    ]);
    expect(summary(await planDatums(joinSpec(true, false), resolver(repos)))).toContain('stores:/STOREID3.txt@3');
    expect(summary(await planDatums(joinSpec(true, false), resolver(repos)))).not.toContain('returns:/r4_STOREID9.txt@9');
  });

  it('outer_join on both inputs: a full outer join', async () => {
    expect(summary(await planDatums(joinSpec(true, true), resolver(repos)))).toEqual([
      'stores:/STOREID1.txt@1 + returns:/r1_STOREID1.txt@1',
      'stores:/STOREID1.txt@1 + returns:/r2_STOREID1.txt@1',
      'stores:/STOREID2.txt@2 + returns:/r3_STOREID2.txt@2',
      'stores:/STOREID3.txt@3',
      'returns:/r4_STOREID9.txt@9',
    ]);
  });

  it('join of three inputs: an outer input keeps its key with whichever others match', async () => {
    const three = spec({ join: [
      pfs('a', '/(*)', { join_on: '$1', outer_join: true }),
      pfs('b', '/(*)', { join_on: '$1' }),
      pfs('c', '/(*)', { join_on: '$1' }),
    ] });
    const datums = await planDatums(three, resolver({ a: ['/k1', '/k2'], b: ['/k1', '/k3'], c: ['/k3'] }));
    expect(summary(datums)).toEqual(['a:/k1@k1 + b:/k1@k1', 'a:/k2@k2']);
  });

  it('an empty input in an inner join gives zero datums', async () => {
    expect(await planDatums(joinSpec(false, false), resolver({ stores: repos.stores, returns: [] }))).toEqual([]);
  });
});

describe('group', () => {
  it('every element with the same key, across the group\'s inputs, is one datum', async () => {
    const grouped = spec({ group: [
      pfs('stores', '/STOREID(*).txt', { group_by: '$1' }),
      pfs('purchases', '/*_STOREID(*).txt', { group_by: '$1' }),
      pfs('returns', '/*_STOREID(*).txt', { group_by: '$1' }),
    ] });
    const repos = {
      stores: ['/STOREID1.txt', '/STOREID2.txt'],
      purchases: ['/p1_STOREID1.txt', '/p2_STOREID1.txt', '/p3_STOREID2.txt'],
      returns: ['/r1_STOREID2.txt', '/r2_STOREID7.txt'],
    };
    const datums = await planDatums(grouped, resolver(repos));
    expect(datums.map((d) => d.inputs.map((e) => `${e.name}:${e.path}@${e.groupBy}`))).toEqual([
      ['stores:/STOREID1.txt@1', 'purchases:/p1_STOREID1.txt@1', 'purchases:/p2_STOREID1.txt@1'],
      ['stores:/STOREID2.txt@2', 'purchases:/p3_STOREID2.txt@2', 'returns:/r1_STOREID2.txt@2'],
      ['returns:/r2_STOREID7.txt@7'],
    ]);
  });

  it('a group of one input with a composite key', async () => {
    const grouped = spec({ group: [pfs('lab', '/(*)-(*)-*.txt', { group_by: '$2/$1' })] });
    const datums = await planDatums(grouped, resolver({ lab: ['/T1-H1-a.txt', '/T1-H2-b.txt', '/T2-H1-c.txt'] }));
    expect(datums.map((d) => [d.inputs[0]!.groupBy, d.inputs.map((e) => e.path)])).toEqual([
      ['H1/T1', ['/T1-H1-a.txt']],
      ['H1/T2', ['/T2-H1-c.txt']],
      ['H2/T1', ['/T1-H2-b.txt']],
    ]);
  });
});

describe('cron inputs', () => {
  it('read the whole tick repo "<pipeline>_<name>" as one datum', async () => {
    const s = spec({ cron: { name: 'tick', spec: '@every 1m' } });
    const datums = await planDatums(s, resolver({ p_tick: ['/2024-01-01T00:00:00Z', '/2024-01-01T00:01:00Z'] }));
    expect(show(datums)).toEqual(['tick:/[/2024-01-01T00:00:00Z,/2024-01-01T00:01:00Z]']);
  });
});
