// Knowing when the daemon is gone for good. Started by the local runtime, a
// worker or sidecar has a pipe from the daemon on its stdin (TUSK_LIFELINE=
// stdin) and exits as soon as it ends: the daemon died, even by kill -9.
// Whatever started it (a pod, a test), a process whose calls to tuskd have
// failed with `unavailable` for longer than a grace period (30 s) exits too,
// so an orphaned process never lingers after the daemon died.
// DaemonWatch is the pure clock logic; probeChannel drives it from a gRPC
// client's connection state for a process that makes no calls of its own.

export const DAEMON_GRACE_MS = 30_000;

/** The grace period: TUSK_DAEMON_GRACE_MS if set (tests shorten it), else 30 s. */
export function daemonGraceMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.TUSK_DAEMON_GRACE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DAEMON_GRACE_MS;
}

export class DaemonWatch {
  private failingSince: number | undefined;

  constructor(
    private readonly graceMs = DAEMON_GRACE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call reached the daemon. */
  reached(): void {
    this.failingSince = undefined;
  }

  /** A call found the daemon unreachable; true once it has been so for longer than the grace period. */
  unreachable(): boolean {
    const now = this.now();
    this.failingSince ??= now;
    return now - this.failingSince > this.graceMs;
  }
}

/** Something with a gRPC channel (any generated client). */
export interface ChannelOwner {
  waitForReady(deadline: Date | number, callback: (error?: Error) => void): void;
}

/** Checks the connection every `everyMs`; calls `onGone` once the daemon has been unreachable past the grace. Returns a stop function. */
export function probeChannel(client: ChannelOwner, watch: DaemonWatch, onGone: () => void, everyMs = 5_000): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    client.waitForReady(Date.now() + everyMs, (err) => {
      if (stopped) return;
      if (!err) watch.reached();
      else if (watch.unreachable()) {
        stopped = true;
        onGone();
        return;
      }
      // A failed wait already took up to `everyMs`: try again soon.
      timer = setTimeout(tick, err ? 100 : everyMs);
      timer.unref();
    });
  };
  tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** With TUSK_LIFELINE=stdin, calls `onGone` once stdin ends (the daemon that holds its other end is gone); false without one. */
export function watchLifeline(env: NodeJS.ProcessEnv, onGone: () => void, stdin: NodeJS.ReadableStream = process.stdin): boolean {
  if (env.TUSK_LIFELINE !== 'stdin') return false;
  let gone = false;
  const end = () => {
    if (gone) return;
    gone = true;
    onGone();
  };
  stdin.on('end', end);
  stdin.on('close', end);
  stdin.on('error', end);
  stdin.resume();
  return true;
}
