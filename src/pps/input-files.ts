// What datum planning needs to know about an input commit: its identity and a
// listing of its files with their content hashes. The job runner adapts a PFS
// commit to this; tests use memoryInputFiles.
import type { LeafInput } from './spec.js';

/** A file of an input commit. `path` is absolute ("/a/b.png"); `hash` identifies the content. */
export interface InputFile {
  readonly path: string;
  readonly size: number;
  readonly hash: string;
}

export interface InputFiles {
  /**
   * Every file whose path is `under` or lies below it (`under` is "/" or a path without a
   * trailing slash), in any order. Directories are not listed: they are implied by file
   * paths, as in Pachyderm (so an empty directory never becomes a datum).
   */
  files(under: string): AsyncIterable<InputFile>;
}

/** The commit a leaf input (pfs or cron) reads in this job. */
export interface InputCommit {
  readonly repo: string;
  readonly branch: string;
  /** Commit ID. */
  readonly commit: string;
  readonly files: InputFiles;
}

/** Finds the commit of a leaf input for the job being planned (e.g. by its repo and branch). */
export type ResolveInput = (input: LeafInput) => InputCommit | Promise<InputCommit>;

/** InputFiles over a list held in memory. */
export function memoryInputFiles(files: readonly InputFile[]): InputFiles {
  return {
    async *files(under: string) {
      const prefix = under === '/' ? '/' : under + '/';
      for (const f of files) if (f.path === under || f.path.startsWith(prefix)) yield f;
    },
  };
}
