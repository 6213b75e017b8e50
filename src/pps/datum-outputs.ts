// Datum outputs: what one datum's code wrote to /pfs/out, stored as a small
// file tree (its root ID is the output's ID), and the merge of many datums'
// outputs into a job's output tree. Two datums writing the same path fail the
// merge with an error naming the path and both datums.
import { FailedPrecondition } from '../errors/index.js';
import type { ContentStore, ContentWriter } from '../pfs/index.js';
import { EMPTY_TREE, normalizeFilePath, type FileEntry, type FileTree, type TreeId } from '../tree/index.js';

export class OutputCollision extends FailedPrecondition {
  constructor(readonly path: string, readonly datums: [string, string]) {
    super('OutputCollision', `datums ${datums[0]} and ${datums[1]} both wrote ${path}`, { path, datums });
  }
}

/** Gathers one datum's output files; finish() stores them and returns the output ID. */
export class DatumOutputUpload {
  private readonly entries = new Map<string, FileEntry>();
  private readonly writer: ContentWriter;

  constructor(private readonly content: ContentStore, private readonly tree: FileTree) {
    this.writer = content.writer();
  }

  async putFile(path: string, data: AsyncIterable<Uint8Array>): Promise<void> {
    const p = normalizeFilePath(path);
    const content = await this.writer.writeFile(data);
    this.entries.set(p, { path: p, size: content.size, hash: content.hash, content });
  }

  async finish(): Promise<{ output: TreeId; files: number; bytes: number }> {
    await this.writer.flush();
    const entries = [...this.entries.values()];
    const output = entries.length === 0 ? EMPTY_TREE : await this.tree.build(entries);
    await this.content.blobs.flush();
    return { output, files: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) };
  }
}

/** The union of the datums' outputs as one tree; throws OutputCollision if two datums wrote one path. */
export async function mergeOutputs(tree: FileTree, outputs: readonly { datum: string; output: TreeId }[]): Promise<TreeId> {
  const owner = new Map<string, string>();
  const entries: FileEntry[] = [];
  for (const { datum, output } of outputs) {
    if (!output || output === EMPTY_TREE) continue;
    for await (const entry of tree.scan(output)) {
      const other = owner.get(entry.path);
      if (other !== undefined && other !== datum) throw new OutputCollision(entry.path, [other, datum].sort() as [string, string]);
      owner.set(entry.path, datum);
      entries.push(entry);
    }
  }
  return entries.length === 0 ? EMPTY_TREE : tree.build(entries);
}
