// Small input files carried inside the tasks handed to a worker, so its
// sidecar writes them straight to disk instead of asking for each one with a
// GetFile call (one round trip per file costs more than running a trivial
// datum). Files up to INLINE_FILE_MAX bytes are inlined, in task order, until
// the response's budget is used; the rest (and any file whose lookup fails)
// are left for the sidecar to fetch as before.
import type { ContentStore } from '../pfs/index.js';
import type { PfsCommits } from './pfs-access.js';
import type { FileTree } from '../tree/index.js';
import type { FileContent } from '../storage/content.js';
import type { DatumTask } from './task-queue.js';

/** The largest file sent inline. */
export const INLINE_FILE_MAX = 64 * 1024;
/** The most file bytes inlined in one batch of tasks. */
export const INLINE_BUDGET = 4 * 1024 * 1024;

/** The most files inlined in one batch of tasks (each costs a tree lookup and a read). */
export const INLINE_FILES = 4096;

/** Per input, per file: the file's bytes, or undefined when the worker must fetch it. */
export type InlineData = (Uint8Array | undefined)[][];

export interface TaskWithData {
  task: DatumTask;
  data: InlineData;
}

export interface InlineSources {
  pfs: { commits: Pick<PfsCommits, 'mustGet'> };
  tree: FileTree;
  content: ContentStore;
}

/** Reads the small files of `tasks` within `budget` bytes and `maxFiles` files; never throws (a failed read is just not inlined). */
export async function inlineInputs(src: InlineSources, tasks: readonly DatumTask[], budget = INLINE_BUDGET, maxFiles = INLINE_FILES): Promise<TaskWithData[]> {
  const trees = new Map<string, Promise<string | undefined>>();
  const treeOf = (repo: string, commit: string) => {
    const key = `${repo}@${commit}`;
    let t = trees.get(key);
    if (!t) {
      t = src.pfs.commits.mustGet(repo, commit).then((c) => c.tree, () => undefined);
      trees.set(key, t);
    }
    return t;
  };
  const lookups: (() => Promise<void>)[] = [];
  const found: { content: FileContent; put: (bytes: Uint8Array) => void }[] = [];
  const out = tasks.map((task) => {
    const data: InlineData = task.inputs.map((input) => input.files.map(() => undefined));
    task.inputs.forEach((input, i) => {
      if (input.emptyFiles || !input.commit) return;
      input.files.forEach((file, j) => {
        if (file.size > INLINE_FILE_MAX || file.size > budget || lookups.length >= maxFiles) return;
        budget -= file.size;
        lookups.push(async () => {
          const content = await lookUp(src, await treeOf(input.repo, input.commit), file.path, file.hash);
          if (content) found.push({ content, put: (bytes) => (data[i]![j] = bytes) });
        });
      });
    });
    return { task, data };
  });
  for (let i = 0; i < lookups.length; i += 64) await Promise.all(lookups.slice(i, i + 64).map((r) => r()));
  // Read together: the small files of one answer mostly lie side by side in a few packs (ContentStore.readMany).
  const contents = found.map((f) => f.content);
  const reads = src.content.readMany ? src.content.readMany(contents) : contents.map((c) => readWhole(src.content, c));
  await Promise.all(reads.map((read, k) => read.then(found[k]!.put, () => undefined)));
  return out;
}

/** The file's content, if the tree still holds this version of it and it is small enough; never throws. */
async function lookUp(src: InlineSources, tree: string | undefined, path: string, hash: string): Promise<FileContent | undefined> {
  if (tree === undefined) return undefined;
  try {
    const entry = await src.tree.get(tree, path);
    if (!entry || entry.hash !== hash || entry.size > INLINE_FILE_MAX) return undefined;
    return entry.content;
  } catch {
    return undefined;
  }
}

async function readWhole(content: ContentStore, file: FileContent): Promise<Uint8Array> {
  const pieces: Uint8Array[] = [];
  for await (const p of content.read(file)) pieces.push(p);
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
