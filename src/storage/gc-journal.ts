// What makes garbage collection safe against writers that run at the same
// time, without a fixed age: epochs, touches and leases, all in memory.
//
// Each collection starts a new epoch. Every time a writer stores an entry in a
// pack or re-uses one already stored (dedup), the content store "touches" that
// pack in the current epoch. Work that holds references nothing durable names
// yet (an upload before its commit, a multipart part before its record, a job
// before its output commit) holds a lease, taken before it writes anything and
// released once what it wrote is reachable from a root or abandoned.
//
// A collection must keep every pack touched in its own epoch (writers that ran
// while it marked) and, if leases are held (or were, at any time since it
// began: a lease released after the mark read the roots made its work visible
// too late for that mark), every pack touched since the epoch the oldest of
// them began in. With nothing in flight, it keeps nothing extra:
// a delete followed by a collection frees the bytes at once. Pure: no I/O, no clock.

export interface Lease {
  readonly what: string;
  readonly epoch: number;
  /** Ends the lease (idempotent): from now on only roots keep what it wrote. */
  release(): void;
}

export class GcJournal {
  private epoch = 0;
  /** Pack ID → the last epoch in which it was touched. */
  private readonly touched = new Map<string, number>();
  private readonly leases = new Set<Lease>();
  /** Start epochs of leases released since the current epoch began: a collection that marked while one was held must still honour it. */
  private readonly released: number[] = [];

  /** Records that a writer stored into or re-used an entry of this pack just now. */
  touch(pack: string): void {
    this.touched.set(pack, this.epoch);
  }

  /** Starts a lease in the current epoch; release it once what it wrote is reachable or abandoned. */
  lease(what: string): Lease {
    const lease: Lease = {
      what,
      epoch: this.epoch,
      release: () => {
        if (this.leases.delete(lease)) this.released.push(lease.epoch);
      },
    };
    this.leases.add(lease);
    return lease;
  }

  /** Starts a collection: a new epoch, and touches no lease or collection needs any more are forgotten. Returns the epoch. */
  begin(): number {
    this.epoch++;
    this.released.length = 0;
    const from = this.protectFrom(this.epoch);
    for (const [pack, epoch] of this.touched) if (epoch < from) this.touched.delete(pack);
    return this.epoch;
  }

  /** The first epoch whose touches a collection that began in `gcEpoch` must keep. */
  protectFrom(gcEpoch: number): number {
    let from = gcEpoch;
    for (const lease of this.leases) from = Math.min(from, lease.epoch);
    for (const epoch of this.released) from = Math.min(from, epoch);
    return from;
  }

  /** Whether a collection that began in `gcEpoch` must keep this pack (asked again right before removing it). */
  isProtected(pack: string, gcEpoch: number): boolean {
    const epoch = this.touched.get(pack);
    return epoch !== undefined && epoch >= this.protectFrom(gcEpoch);
  }

  /** Every pack a collection that began in `gcEpoch` must keep, as of now. */
  protectedPacks(gcEpoch: number): Set<string> {
    const from = this.protectFrom(gcEpoch);
    const out = new Set<string>();
    for (const [pack, epoch] of this.touched) if (epoch >= from) out.add(pack);
    return out;
  }

  /** Leases held now (what they are for), for logs and `tusk gc` output. */
  active(): string[] {
    return [...this.leases].map((l) => l.what);
  }
}
