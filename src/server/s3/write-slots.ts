// How many streamed writes (UploadPart, a large PutObject) the gateway runs at
// once; the others wait their turn before reading their bodies (TCP holds the
// bytes meanwhile). The aws CLI sends ten parts at once, and each streamed
// write is a write session of its own with 16 MiB of slab memory
// (storage/slab-pool.ts), of which the content store keeps two idle pools for
// the next sessions: ten at once took eight fresh pools per round (page faults
// on first touch), and the body pieces of ten streams at once outlived the
// young generation (see young-collector.ts). More streams at once than the
// daemon has cores to hash and chunk them gain nothing (index.ts: one per core,
// at least two).
//
// The limit is soft: a write that has waited `patience` ms goes ahead anyway,
// so a client that stalls mid-body holds the others up for at most that long.
export class WriteSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number, private readonly patience: number) {}

  /** Waits for a free slot (or `patience` ms); call the returned function (once) when the write is done. */
  async take(): Promise<() => void> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(wake), 1);
          resolve();
        }, this.patience);
        this.waiting.push(wake);
      });
    }
    this.running++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.running--;
      if (this.running < this.limit) this.waiting.shift()?.();
    };
  }
}
