// The metadata records PFS keeps in LevelDB: repos, branches and commits.
// Plain data; file content and trees live in the object store and are named
// here only by their tree root ID.
import type { TreeId } from '../tree/index.js';

export type Origin = 'user' | 'auto' | 'alias';

export interface CommitRefRecord {
  repo: string;
  branch: string;
  id: string;
}

export interface RepoRecord {
  name: string;
  description: string;
  created: string;
}

/** When a branch follows another branch of its repo (triggers.ts says how the fields combine). */
export interface TriggerRecord {
  branch: string;
  all: boolean;
  cronSpec: string;
  size: string;
  commits: number;
}

export interface BranchRecord {
  repo: string;
  name: string;
  /** The branch's newest commit, open or finished; '' for a branch without commits. */
  head: string;
  trigger?: TriggerRecord;
  /** When the trigger last moved the branch, or was set (ISO time): the cron condition counts ticks from here. */
  triggeredAt?: string;
}

export interface CommitRecord {
  id: string;
  repo: string;
  branch: string;
  parentId: string | null;
  origin: Origin;
  started: string;
  finished: string | null;
  description: string;
  provenance: CommitRefRecord[];
  tree: TreeId;
  sizeBytes: number;
  fileCount: number;
  /** Creation order across the whole daemon: listings are newest first by it. */
  seq: number;
}
