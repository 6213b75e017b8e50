// Garbage collection in the daemon: the collector over the daemon's content
// store, marking from every root PFS knows (its commits, and through its
// gcRoots hook the pipeline system's datum outputs and the S3 gateway's
// multipart parts); a run every --gc-interval, and one on demand (`tusk gc`,
// AdminApi.Gc). Runs never overlap: a run asked for while one is going waits
// for it (storage/collector.ts).
import type { GcResponse } from '../gen/tusk/admin.js';
import type { LogFn } from '../log/logger.js';
import type { Pfs } from '../pfs/index.js';
import { Collector, type CollectResult } from '../storage/collector.js';
import type { ContentStore } from '../storage/content-store.js';

export interface GarbageCollectionOptions {
  /** Between two scheduled runs; 0: only on demand. */
  intervalMs: number;
  packThreshold: number;
  log: LogFn;
}

export class GarbageCollection {
  private readonly collector: Collector;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly content: ContentStore, private readonly pfs: Pfs, private readonly options: GarbageCollectionOptions) {
    this.collector = new Collector({ objects: content.objects, index: content.index, journal: content.journal }, (level, event, fields) => options.log(level, event, fields));
  }

  run(dryRun = false): Promise<CollectResult> {
    return this.collector.run(() => this.pfs.gc.mark(), { dryRun, packThreshold: this.options.packThreshold });
  }

  /** Starts the scheduled runs (none when the interval is 0); a failed run is logged and the next one comes anyway. */
  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.options.log('error', 'gc_failed', { message: (err as Error).message }));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.collector.idle();
  }
}

export function gcResponse(r: CollectResult): GcResponse {
  return {
    dryRun: r.dryRun,
    packsScanned: r.packsScanned,
    entriesScanned: r.entriesScanned,
    entriesLive: r.entriesLive,
    packsRemoved: r.packsRemoved,
    packsRewritten: r.packsRewritten,
    packsWritten: r.packsWritten,
    packsProtected: r.packsProtected,
    objectsRemoved: r.objectsRemoved,
    bytesFreed: r.bytesFreed,
    bytesCopied: r.bytesCopied,
    leases: r.leases,
    durationMs: r.durationMs,
  };
}
