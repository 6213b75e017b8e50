// Datum IDs: the key under which a datum's result is kept and found again, on
// any branch, in any later job.
//
// datumId = sha256 over
//   (a) transformHash(spec): image, cmd, stdin, env, secrets, err_cmd, err_stdin,
//       accept_return_code, user, working_dir, datum_batching and salt: whatever can
//       change what the code writes. Left out: parallelism, resources, description,
//       timeouts and datum_tries (they decide whether a run finishes, not what a
//       successful run writes), output branch, egress, scheduling.
//   (b) for each element: its input name, glob, matched path and empty_files flag, and
//       each file's full path and content hash. Not the repo, branch or commit: the same
//       files seen under the same name give the code the same /pfs, so the same result.
// Elements are hashed one by one (so a big element shared by many crossed datums is
// hashed once) and their digests sorted, so input order does not matter.
// Encoding: JSON arrays, which delimit every string unambiguously.
import { createHash, hash } from 'node:crypto';
import type { PipelineSpec } from './spec.js';
import type { InputFile } from './input-files.js';

/** The parts of a datum element its ID depends on. */
export interface DatumElementKey {
  readonly name: string;
  readonly glob: string;
  readonly path: string;
  readonly emptyFiles: boolean;
  readonly files: readonly Pick<InputFile, 'path' | 'hash'>[];
}

export function transformHash(spec: Pick<PipelineSpec, 'transform' | 'salt'>): string {
  const t = spec.transform;
  const env = Object.entries(t.env).sort(([a], [b]) => compare(a, b));
  const secrets = t.secrets.map((s) => [s.name, s.key, s.mountPath, s.envVar]);
  const codes = [...new Set(t.acceptReturnCode)].sort((a, b) => a - b);
  const canonical = ['tusk-transform/1', t.image, t.cmd, t.stdin, env, secrets, t.errCmd, t.errStdin, codes, t.user, t.workingDir, t.datumBatching, spec.salt];
  return sha256(JSON.stringify(canonical));
}

/** The digest of one element (see the head comment). */
export function elementDigest(e: DatumElementKey): string {
  const head = JSON.stringify(['tusk-datum-element/1', e.name, e.glob, e.path, e.emptyFiles, e.files.length]);
  if (e.files.length === 1) return sha256(head + JSON.stringify([e.files[0]!.path, e.files[0]!.hash]));
  const h = createHash('sha256');
  h.update(head);
  for (const f of e.files) h.update(JSON.stringify([f.path, f.hash]));
  return h.digest('hex');
}

/** The ID of a datum made of `elements` under a transform with hash `transform`. 64 hex digits. */
export function datumId(transform: string, elements: readonly DatumElementKey[]): string {
  return datumIdFromDigests(transform, elements.map(elementDigest));
}

/** datumId from already computed element digests (planning hashes an element shared by many datums once). */
export function datumIdFromDigests(transform: string, elementDigests: readonly string[]): string {
  const parts = elementDigests.length > 1 ? [...elementDigests].sort(compare) : elementDigests;
  return sha256(JSON.stringify(['tusk-datum/1', transform, parts]));
}

function sha256(s: string): string {
  return hash('sha256', s, 'hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
