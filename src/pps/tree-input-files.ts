// InputFiles over a commit's file tree: what jobs and impact previews plan
// datums from.
import type { FileTree } from '../tree/index.js';
import type { InputFile, InputFiles } from './input-files.js';

export function treeInputFiles(tree: FileTree, root: string): InputFiles {
  return {
    async *files(under: string): AsyncIterable<InputFile> {
      const prefix = under === '/' ? undefined : under;
      for await (const e of tree.scan(root, prefix ? { prefix } : {})) {
        if (prefix && e.path !== prefix && !e.path.startsWith(`${prefix}/`)) continue;
        yield { path: e.path, size: e.size, hash: e.hash };
      }
    },
  };
}
