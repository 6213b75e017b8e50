// The little ref handling the CLI does itself. The daemon parses and checks
// every ref (one grammar for every client); the CLI only splits the forms its
// commands take apart: `REPO@REF:/PATH` into the ref and the path, a bare
// global commit ID, `--head` given as a bare branch or commit, a job's
// `PIPELINE@JOB_ID`.
import { usageError } from './usage.js';

/** `repo@branch:/a/b` → { ref: 'repo@branch', path: '/a/b' }; no ':' → path undefined. */
export function splitFileRef(text: string): { ref: string; path?: string } {
  const colon = text.indexOf(':');
  if (colon < 0) return { ref: text };
  return { ref: text.slice(0, colon), path: text.slice(colon + 1) };
}

/** `repo@branch` → { repo, branch }; a bare `repo` → branch ''. */
export function splitRepoRef(text: string): { repo: string; name: string } {
  const at = text.indexOf('@');
  return at < 0 ? { repo: text, name: '' } : { repo: text.slice(0, at), name: text.slice(at + 1) };
}

const GLOBAL_ID = /^[0-9a-f]{32}$/;

/** A bare global commit ID (32 lowercase hex digits, no repo). */
export function isGlobalId(text: string): boolean {
  return GLOBAL_ID.test(text);
}

/** `--head master` on `repo@b` means `repo@master`; a full ref is kept. */
export function headRef(repo: string, head: string): string {
  return head.includes('@') ? head : `${repo}@${head}`;
}

/** `edges@<32-hex ID>` → { pipeline, id }; a malformed one is a usage error (exit 2). */
export function parseJobRef(text: string): { pipeline: string; id: string } {
  const at = text.indexOf('@');
  const pipeline = at < 0 ? '' : text.slice(0, at);
  const id = at < 0 ? '' : text.slice(at + 1);
  if (!pipeline || !isGlobalId(id)) {
    throw usageError(`expected PIPELINE@JOB_ID (a job ID is 32 lowercase hex digits), got ${JSON.stringify(text)}`);
  }
  return { pipeline, id };
}
