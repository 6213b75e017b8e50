// Small writes that each must be durable before their caller answers (S3
// PUTs of a few KiB, ten at once) sharing write sessions: group flush. Files
// written while one group's packs are being made durable join the next group,
// which is flushed once for all of them, so ten PUTs cost one pack and one
// pack index (a few fsyncs) instead of ten of each.
//
// A writer (one per caller) is bound to the group its first file went into;
// its flush() resolves once that group's session is closed, i.e. its packs
// and their indexes are durable. One group is flushed at a time: the flush of
// a group starts when the one before it has finished, and at that moment the
// group stops taking files (later ones start the next group), so whoever
// arrives during a flush is carried by the next one. A group whose pack write
// fails fails every writer in it (they truly share that pack), and the next
// group starts from a fresh session.
//
// Callers hand whole small files (bytes in memory): a file still streaming
// from a slow client would hold back the flush of everyone in its group.
//
// A tiny file (under the chunker's minimum size: one chunk whatever cuts it)
// skips the groups when the store offers a place for it (TinyFiles: the blob
// packs, where the tree nodes of the commit that records it go too), so a
// commit of a few tiny files writes one pack instead of two. Its flush is
// that place's flush; a failure there is that place's (the blob packs: it
// fails every later write too, as a failed tree-node pack does).
import type { FileContent } from './content.js';
import type { FileSource, WriteSession } from './file-writer.js';

interface Group {
  session: WriteSession;
  /** Set by the first flush asked of the group. */
  closing?: Promise<void>;
  /** Set once that flush has started: the group takes no more files. */
  sealed: boolean;
}

/** Where tiny files go instead of a group's session (ContentStore: the blob packs). */
export interface TinyFiles {
  /** Files of 1 to `below - 1` bytes go here. */
  below: number;
  /** Stores a tiny file whole, as one chunk; durable after flush(). */
  put(bytes: Uint8Array): Promise<FileContent>;
  flush(): Promise<void>;
}

export class SharedWriter {
  private current: Group | undefined;
  /** The flush of the group before: the next one starts after it. */
  private previous: Promise<void> = Promise.resolve();

  /** `open` makes a fresh session for each group; `tiny`, if given, takes the tiny files. */
  constructor(private readonly open: () => WriteSession, readonly tiny?: TinyFiles) {}

  /** A writer for one caller: its files go into the open group, its flush waits for that group's. */
  writer(): SharedFileWriter {
    return new SharedFileWriter(this);
  }

  /** @internal The group taking files now. */
  join(): Group {
    if (!this.current || this.current.sealed) this.current = { session: this.open(), sealed: false };
    return this.current;
  }

  /** @internal Makes the group durable: after the flush before it, once for everyone in it. */
  flush(group: Group): Promise<void> {
    if (!group.closing) {
      group.closing = this.previous.then(() => {
        group.sealed = true;
        if (this.current === group) this.current = undefined;
        return group.session.close();
      });
      this.previous = group.closing.catch(() => undefined);
    }
    return group.closing;
  }
}

/** One caller's view of a SharedWriter: the ContentWriter an upload uses. */
export class SharedFileWriter {
  /**
   * The upload may leave flush() to its commit, which then runs it beside the flush of the
   * commit's tree nodes (pfs/commit-group.ts): a tiny file's chunk and those nodes share one pack.
   */
  readonly flushWithCommit = true;
  private readonly groups = new Set<Group>();
  private wroteTiny = false;

  constructor(private readonly shared: SharedWriter) {}

  writeFile(source: FileSource): Promise<FileContent> {
    const tiny = this.shared.tiny;
    if (tiny && source instanceof Uint8Array && source.length > 0 && source.length < tiny.below) {
      this.wroteTiny = true;
      return tiny.put(source);
    }
    const group = this.shared.join();
    this.groups.add(group);
    return group.session.writeFile(source);
  }

  /** Resolves once every file this writer wrote is durable; rejects if a group it wrote into (or the tiny files' place) failed. */
  async flush(): Promise<void> {
    const tiny = this.wroteTiny ? this.shared.tiny!.flush() : undefined;
    tiny?.catch(() => undefined); // awaited below
    for (const group of this.groups) await this.shared.flush(group);
    this.groups.clear();
    await tiny;
  }
}
