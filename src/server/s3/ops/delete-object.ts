// DeleteObject: removes one file from the branch in one commit (or from the
// open commit). Deleting a key that is not a file succeeds without a commit,
// as S3 answers 204 for missing keys; a directory is never deleted by its name.
import { isDirMarker, keyToPath, parseBucket, writeTarget } from '../bucket.js';
import type { Operation } from '../context.js';
import { sendEmpty } from '../respond.js';
import { existingFiles } from './write-tree.js';

export const deleteObject: Operation = async (deps, r) => {
  const bucket = parseBucket(r.bucket);
  const target = await writeTarget(deps, bucket);
  const path = keyToPath(r.key);
  if (!isDirMarker(r.key) && (await existingFiles(deps, bucket, [path])).size > 0) {
    const upload = await deps.pfs.upload(target);
    upload.deleteFile(path);
    const { commit } = await upload.commit();
    r.res.setHeader('x-tusk-commit', commit.id);
  }
  sendEmpty(r.res, 204);
};
