// Pack index objects still being written after their packs were reported
// durable. An index object is derived data (a copy of the pack's trailer, not
// fsynced; a missing one is rebuilt from the trailer at the next start, and
// the collector leaves a pack without one alone), so a writer need not hold
// its caller back for it: a group commit of small S3 PUTs then waits for the
// pack's fsync and rename only, not also for the index's open, write and
// rename. The owner (ContentStore) waits for what is left before it closes,
// so a clean shutdown leaves every index in place.
export class PendingIndexes {
  private readonly writes = new Set<Promise<void>>();

  /** Follows `write` until it settles. A failure is dropped: the index is rebuilt from the pack's trailer at the next start. */
  track(write: Promise<void>): void {
    const settled = write.catch(() => undefined);
    this.writes.add(settled);
    void settled.finally(() => this.writes.delete(settled));
  }

  /** Resolves once every index write tracked so far (and any tracked meanwhile) has settled. */
  async settled(): Promise<void> {
    while (this.writes.size > 0) await Promise.all([...this.writes]);
  }
}
