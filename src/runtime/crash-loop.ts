// A local worker that cannot come up: the local runtime's counterpart of a
// pod in CrashLoopBackOff. A worker or sidecar process that ends within
// `earlyExitMs` of its start never came up (a broken install, a bundle that
// does not parse, a daemon it cannot reach); after `inARow` such starts in a
// row, its pipeline's workers cannot run, and the reason says why in the
// process's own last words. A start that stays up `earlyExitMs` ends the
// loop. The runtime hands the reason to the coordinator, which shows it on
// the pipeline and fails its running jobs instead of leaving them waiting for
// workers that never come. Pure: lifetimes and log text in, verdicts out.

export interface CrashLoopRule {
  /** A process that ends sooner than this after its start did not come up. */
  earlyExitMs: number;
  /** Starts in a row that did not come up before the workers count as unable to run. */
  inARow: number;
}

export const CRASH_LOOP: CrashLoopRule = { earlyExitMs: 10_000, inARow: 3 };

/** One worker slot's starts that did not come up, in a row. */
export class StartFailures {
  private count = 0;

  constructor(private readonly rule: CrashLoopRule = CRASH_LOOP) {}

  /** A process of the slot ended `livedMs` after its start: true while the slot is in a crash loop. */
  ended(livedMs: number): boolean {
    this.count = livedMs < this.rule.earlyExitMs ? this.count + 1 : 0;
    return this.count >= this.rule.inARow;
  }

  /** The slot's processes stayed up `earlyExitMs`: any loop is over. */
  cameUp(): void {
    this.count = 0;
  }

  get inARow(): number {
    return this.count;
  }
}

/** Most characters of a process's last words kept in a reason. */
const MAX_WORDS = 300;

/**
 * The line of a dead process's output (its last few KiB) that says why it ended: the message of
 * its last JSON error log line, else the last `SomethingError: ...` line of a stack trace, else
 * its last line that is not Node's version banner. '' when it said nothing.
 */
export function lastWords(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const logged = errorLogMessage(lines[i]!);
    if (logged) return clip(logged);
  }
  for (let i = lines.length - 1; i >= 0; i--) if (/^([A-Z][A-Za-z]*)?Error\b.*:/.test(lines[i]!)) return clip(lines[i]!);
  const last = [...lines].reverse().find((l) => !/^Node\.js v\d/.test(l) && !/^at /.test(l));
  return last ? clip(last) : '';
}

/** `event: message` of a JSON log line at level error, else undefined. */
function errorLogMessage(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { level?: unknown; event?: unknown; message?: unknown };
    if (entry.level !== 'error' || typeof entry.message !== 'string') return undefined;
    return typeof entry.event === 'string' ? `${entry.event}: ${entry.message}` : entry.message;
  } catch {
    return undefined;
  }
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ');
  return one.length > MAX_WORDS ? `${one.slice(0, MAX_WORDS - 1)}…` : one;
}

/** Keeps the last `bytes` of what a process writes (its last words, for lastWords). */
export class OutputTail {
  private text = '';

  constructor(private readonly bytes = 4096) {}

  push(chunk: Buffer | string): void {
    this.text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (this.text.length > 2 * this.bytes) this.text = this.text.slice(-this.bytes);
  }

  toString(): string {
    return this.text.slice(-this.bytes);
  }
}
