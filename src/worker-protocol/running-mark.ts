// The running mark: a small file in a local worker's directory naming the datum
// whose code the worker runs now, as `JOB/DATUM\n`. The worker rewrites it in
// place (one pwrite at offset 0) just before each datum's code starts, so it
// costs no message; the local runtime reads it only when the worker is lost.
// With it the coordinator knows which datum of a group told started ahead was
// running (the one that is charged a try) without a Started message per datum.
// The path comes in TUSK_RUNNING_MARK; a runtime that cannot read it (a pod)
// does not set it, and its workers then tell each start alone.
import { openSync, readFileSync, writeSync, closeSync } from 'node:fs';

/** The datum a running mark names. */
export interface RunningDatum {
  job: string;
  datum: string;
}

/** The mark's text for a datum: a longer earlier mark may follow the newline, and is ignored. */
export function encodeRunningMark(job: string, datum: string): string {
  return `${job}/${datum}\n`;
}

/** The datum a mark's text names; undefined for an empty, cleared or partly written mark. */
export function decodeRunningMark(text: string): RunningDatum | undefined {
  const end = text.indexOf('\n');
  if (end < 0) return undefined;
  const line = text.slice(0, end);
  const slash = line.indexOf('/');
  if (slash <= 0 || slash === line.length - 1) return undefined;
  return { job: line.slice(0, slash), datum: line.slice(slash + 1) };
}

/** Reads a worker's mark after its loss; undefined when there is none. */
export function readRunningMark(path: string): RunningDatum | undefined {
  try {
    return decodeRunningMark(readFileSync(path, 'latin1'));
  } catch {
    return undefined;
  }
}

/** The worker's side: the open mark file, rewritten in place for each datum. */
export class RunningMark {
  private constructor(private readonly fd: number) {}

  /** Creates (or empties) the mark file. */
  static open(path: string): RunningMark {
    return new RunningMark(openSync(path, 'w', 0o600));
  }

  /** Names the datum whose code runs next (written before it starts). */
  mark(job: string, datum: string): void {
    const text = Buffer.from(encodeRunningMark(job, datum), 'latin1');
    writeSync(this.fd, text, 0, text.length, 0);
  }

  /** Names no datum (a newline first: the rest is ignored). */
  clear(): void {
    writeSync(this.fd, Buffer.from('\n'), 0, 1, 0);
  }

  close(): void {
    closeSync(this.fd);
  }
}
