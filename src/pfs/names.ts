// Names of repos and branches, and commit IDs: what is allowed and how IDs are made.
import { InvalidName } from '../errors/index.js';

const NAME = /^[A-Za-z0-9_-]{1,63}$/;
const COMMIT_ID = /^[0-9a-f]{32}$/;

export function isCommitId(s: string): boolean {
  return COMMIT_ID.test(s);
}

export function checkRepoName(name: string): string {
  if (!NAME.test(name)) throw new InvalidName('repo', name, 'use 1-63 letters, digits, "_" or "-"');
  return name;
}

export function checkBranchName(name: string): string {
  if (!NAME.test(name)) throw new InvalidName('branch', name, 'use 1-63 letters, digits, "_" or "-"');
  if (isCommitId(name)) throw new InvalidName('branch', name, 'a branch name cannot look like a commit ID (32 hex digits)');
  return name;
}

/** A new global commit ID (32 lowercase hex digits) from 16 random bytes supplied by the caller. */
export function commitIdFrom(random: Uint8Array): string {
  return Buffer.from(random.subarray(0, 16)).toString('hex');
}
