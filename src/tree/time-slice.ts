// Keeps long loops from holding the event loop: `pause()` is free until the
// loop has run for a slice (a few milliseconds), then waits one turn of the
// event loop (setImmediate) so sockets, timers and other requests get their
// turn, and throws once the caller's signal has aborted, so work whose caller
// is gone (a cancelled gRPC call) stops at the next pause.

/** How long a loop may run before giving the event loop back, in milliseconds. */
export const SLICE_MS = 4;

export class TimeSlice {
  private started = performance.now();
  /** Times the loop gave the event loop back (tests read it). */
  yields = 0;

  constructor(private readonly signal?: AbortSignal, private readonly sliceMs = SLICE_MS) {}

  async pause(): Promise<void> {
    this.signal?.throwIfAborted();
    if (performance.now() - this.started < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.yields++;
    this.started = performance.now();
    this.signal?.throwIfAborted();
  }
}
