// Copying files by reference (`tusk copy file SRC DST`): the destination's
// entries point at the source's stored content, so no byte is read or
// written, whatever the size. A folder is copied with everything under it;
// all of it lands in one commit (or in the destination's open commit).
import { FileNotFound, InvalidArgument } from '../errors/index.js';
import { baseName, type FileEntry } from '../tree/index.js';
import type { PfsDeps } from './deps.js';
import type { Files } from './files.js';
import { parseRef } from './ref.js';
import type { Upload, UploadResult } from './upload.js';

export interface CopyDeps {
  tree: PfsDeps['tree'];
  files: Files;
  upload(target: string, description?: string, force?: boolean): Promise<Upload>;
}

/**
 * Copies `src` (REPO@REF:/PATH, a file or a folder) to `dst` (REPO@BRANCH[:/PATH]); a
 * destination path ending in '/' (or none) receives the source under its base name.
 * @throws FileNotFound when the source does not exist.
 */
export async function copyFiles(deps: CopyDeps, src: string, dst: string, description?: string, force = false): Promise<UploadResult> {
  const { commit, path } = await deps.files.target(src);
  const tree = deps.tree;
  const to = parseRef(dst);
  if (to.isId && to.ancestors > 0) throw new InvalidArgument('BadCopyTarget', `${dst}: copy into a branch or an open commit`);
  const rawPath = dst.includes(':') ? dst.slice(dst.indexOf(':') + 1) : '';
  const name = path === '/' ? '' : baseName(path);
  const dstPath = rawPath === '' || rawPath.endsWith('/') ? `${to.path ?? ''}/${name}`.replace(/\/+/g, '/') : to.path!;
  const single = path === '/' ? undefined : await tree.get(commit.tree, path);
  const pairs: [string, FileEntry][] = [];
  if (single) pairs.push([dstPath, single]);
  else {
    if (path !== '/' && !(await tree.isDir(commit.tree, path))) throw new FileNotFound(path, `${commit.repo}@${commit.id}`);
    const prefix = path === '/' ? '' : path;
    for await (const m of tree.glob(commit.tree, `${prefix}/**`)) {
      if (m.type !== 'file') continue;
      const entry = await tree.get(commit.tree, m.path);
      if (entry) pairs.push([`${dstPath}/${m.path.slice(prefix.length + 1)}`.replace(/\/+/g, '/'), entry]);
    }
  }
  const upload = await deps.upload(`${to.repo}@${to.name}`, description, force);
  for (const [p, entry] of pairs) await upload.putContent(p, entry.content);
  return upload.commit();
}
