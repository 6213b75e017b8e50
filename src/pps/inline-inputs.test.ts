import { describe, expect, test } from 'vitest';
import { inlineInputs, type InlineSources } from './inline-inputs.js';
import type { DatumTask } from './task-queue.js';

/** One commit `c1` of repo `in` holding `files`; reads of `/broken` fail. */
function sources(files: Record<string, string>): InlineSources {
  return {
    pfs: { commits: { mustGet: async (repo: string, id: string) => (repo === 'in' && id === 'c1' ? { tree: 't1' } : Promise.reject(new Error('no commit'))) } },
    tree: { get: async (_tree: string, path: string) => (path in files ? { path, size: files[path]!.length, hash: `h${path}`, content: path } : undefined) },
    content: {
      async *read(content: string) {
        if (content === '/broken') throw new Error('damaged');
        yield Buffer.from(files[content]!);
      },
    },
  } as unknown as InlineSources;
}

function task(datum: string, paths: string[], extra: { commit?: string; emptyFiles?: boolean; sizes?: number[] } = {}): DatumTask {
  const files = paths.map((path, i) => ({ path, size: extra.sizes?.[i] ?? 3, hash: `h${path}` }));
  return { pipeline: 'p', job: 'j', datum, outputCommit: 'o', version: 1, attempts: 0, inputs: [{ name: 'in', repo: 'in', branch: 'master', commit: extra.commit ?? 'c1', glob: '/*', path: paths[0] ?? '/', files, lazy: false, emptyFiles: extra.emptyFiles ?? false }] };
}

const text = (d: Uint8Array | undefined) => (d === undefined ? undefined : Buffer.from(d).toString());

describe('inline input files', () => {
  test('small files are read in; a file past the budget, a failed read or an unknown commit is left for the worker to fetch', async () => {
    const src = sources({ '/a': 'aaa', '/b': 'bbb', '/c': 'ccccc', '/broken': 'xxx' });
    // A budget of 12 bytes: /a, /broken and /b fit (9), /c (5) does not, the last /a (3) would.
    const out = await inlineInputs(src, [task('d1', ['/a', '/broken']), task('d2', ['/b', '/c'], { sizes: [3, 5] }), task('d3', ['/a'], { commit: 'gone' })], 12);
    expect(out.map((t) => t.data[0]!.map(text))).toEqual([['aaa', undefined], ['bbb', undefined], [undefined]]);
  });

  test('empty_files inputs and files over 64 KiB are never inlined; the file count is capped', async () => {
    const src = sources({ '/a': 'aaa', '/b': 'bbb' });
    const out = await inlineInputs(src, [task('d1', ['/a'], { emptyFiles: true }), task('d2', ['/a'], { sizes: [70_000] }), task('d3', ['/a', '/b'])], 1 << 20, 1);
    expect(out.map((t) => t.data[0]!.map(text))).toEqual([[undefined], [undefined], ['aaa', undefined]]);
  });
});
