// The CLI's stdout and stderr, each created only when a command first uses
// it: creating process.stdout or process.stderr loads Node's stream code, and
// for a pipe its socket code (~3 ms of CPU for the two, a tenth of
// `tusk version --help`). Until then a short text (help, a usage error, the
// one-line error main prints) is written straight to the file descriptor,
// synchronously, as Node's own stream does for a file, a pipe or a terminal
// on Linux. A reader that went away (EPIPE, `tusk --help | head -1`) ends the
// text silently, as the stream's error handler does; any other failure
// (EAGAIN from a full non-blocking pipe, a closed descriptor) hands the rest
// to the stream, which behaves as it always did. Once a stream exists, every
// text goes through it, so the output keeps its order.
// Commander asks whether its output is a terminal (to wrap help to its width):
// a descriptor that is not a character device, or is /dev/null, is not one,
// which fstat tells without a stream; for any other the stream answers, as
// before. On Linux, /proc names a pipe, a socket or /dev/null more cheaply
// than fstat (the first fstat and stat of a process cost ~0.15 ms more).
import { fstatSync, readlinkSync, statSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** Where the CLI prints short texts: stdout or stderr. */
export interface TextOutput {
  /** Writes `text` whole (through the stream once it exists). */
  write(text: string): void;
  /** The terminal's width when the output is a terminal, else undefined. */
  columns(): number | undefined;
  /** True when the output is a terminal that shows colors. */
  hasColors(): boolean;
}

export interface LazyStdio<S extends Writable> extends TextOutput {
  /** The stream, created on first use. */
  readonly stream: S;
}

/** The descriptor's file system calls, replaceable in tests. */
export interface FdCalls {
  write(fd: number, bytes: Uint8Array): number;
  /** Whether the descriptor is surely not a terminal (false: it may be one). */
  notTerminal(fd: number): boolean;
}

export const FD_CALLS: FdCalls = {
  write: writeSync,
  notTerminal(fd) {
    try {
      const link = readlinkSync(`/proc/self/fd/${fd}`);
      if (link === '/dev/null' || link.startsWith('pipe:[') || link.startsWith('socket:[')) return true;
    } catch {
      // no /proc: fstat tells
    }
    try {
      const stat = fstatSync(fd);
      return !stat.isCharacterDevice() || stat.rdev === statSync('/dev/null').rdev;
    } catch {
      return false;
    }
  },
};

/** `open` creates the stream (process.stdout for fd 1). */
export function lazyStdio<S extends NodeJS.WriteStream>(fd: number, open: () => S, calls: FdCalls = FD_CALLS): LazyStdio<S> {
  let stream: S | undefined;
  let notTerminal: boolean | undefined;
  const opened = () => (stream ??= open());
  const terminal = () => {
    if (stream) return stream.isTTY;
    notTerminal ??= calls.notTerminal(fd);
    return !notTerminal && opened().isTTY;
  };
  return {
    get stream() {
      return opened();
    },
    write(text) {
      if (stream) {
        stream.write(text);
        return;
      }
      let bytes: Uint8Array = Buffer.from(text);
      while (bytes.length > 0) {
        try {
          bytes = bytes.subarray(calls.write(fd, bytes));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EPIPE') opened().write(bytes);
          return;
        }
      }
    },
    columns: () => (terminal() ? opened().columns : undefined),
    hasColors: () => terminal() && opened().hasColors(),
  };
}

/** Short texts written to a caller's own stream (not a terminal: help is 80 columns wide). */
export function streamOutput(stream: () => Writable): TextOutput {
  return { write: (text) => void stream().write(text), columns: () => undefined, hasColors: () => false };
}

/** process.stdout, with a reader that goes away (EPIPE) ignored: the command ends as if it had printed all. */
export function openStdout(): NodeJS.WriteStream {
  const stdout = process.stdout;
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  return stdout;
}
