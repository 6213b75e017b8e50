// What a run left behind, for the sandbox runner's held output pipes
// (held-output.ts): the runner writes a run's end mark only once its process
// group is gone and no other process of the sandbox holds the pipes — as a
// run on pipes of its own ends only when every holder has closed them (a
// process that left the group and kept the code's stdout). It stops using
// the held pipes when it cannot tell (another user's process) or when the
// code left them non-blocking (the next datum's code would get a non-blocking
// stdout). The sandbox has a pid namespace of its own with its own /proc, so
// the scan sees only the sandbox's few processes.
import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';

export interface ProcEntry {
  pid: number;
  /** The one-letter state of /proc/<pid>/stat (Z: a zombie, which holds no files). */
  state: string;
  pgid: number;
}

/** none: the pipes are free; wait: the ended group is still dying or a process holds them; unknown: cannot tell. */
export type Leftovers = 'none' | 'wait' | 'unknown';

/**
 * Pure: 'wait' while a process of the ended run's group `ended` still lives (it was sent SIGKILL) or another
 * process holds the pipes (`holds`: true, false, or undefined when that cannot be read), 'unknown' when that
 * cannot be told, else 'none'. `self`, pid 1 (the namespace's init), zombies and the groups of the other runs
 * still going (`live`, which never got the held pipes) are not looked at.
 */
export function leftovers(procs: readonly ProcEntry[], self: number, ended: number, live: ReadonlySet<number>, holds: (pid: number) => boolean | undefined): Leftovers {
  let wait = false;
  for (const p of procs) {
    if (p.pid === self || p.pid === 1 || p.state === 'Z' || p.state === 'X' || live.has(p.pgid)) continue;
    if (p.pgid === ended) wait = true;
    else {
      const h = holds(p.pid);
      if (h === undefined) return 'unknown';
      if (h) wait = true;
    }
  }
  return wait ? 'wait' : 'none';
}

/** Reads the runner's view of /proc, once per run: few system calls (one buffer, the fdinfo files kept open). */
export class ProcView {
  private readonly buf = Buffer.alloc(4096);
  private readonly fdinfo = new Map<number, number>();

  /** The processes in /proc but `skip` (one pass; a process gone meanwhile is left out). */
  entries(skip: readonly number[]): ProcEntry[] {
    const out: ProcEntry[] = [];
    for (const name of readdirSync('/proc')) {
      const c = name.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(name);
      if (skip.includes(pid)) continue;
      let fd: number | undefined;
      try {
        fd = openSync(`/proc/${name}/stat`, 'r');
        const stat = this.buf.toString('latin1', 0, readSync(fd, this.buf, 0, this.buf.length, 0));
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.push({ pid, state: fields[0] ?? '', pgid: Number(fields[2]) });
      } catch {
        // gone meanwhile
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    return out;
  }

  /** Process `pid` has one of `files` (as /proc/<pid>/fd links read: 'socket:[…]') open; undefined when its fds cannot be read. */
  holds(pid: number, files: ReadonlySet<string>): boolean | undefined {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        try {
          if (files.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return true;
        } catch {
          // closed meanwhile
        }
      }
      return false;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? false : undefined; // gone: holds nothing
    }
  }

  /** O_NONBLOCK is set on the open file behind this process's `fd` (/proc/self/fdinfo, read anew from offset 0; unknown counts as set). */
  nonBlocking(fd: number): boolean {
    try {
      let info = this.fdinfo.get(fd);
      if (info === undefined) this.fdinfo.set(fd, (info = openSync(`/proc/self/fdinfo/${fd}`, 'r')));
      const text = this.buf.toString('latin1', 0, readSync(info, this.buf, 0, this.buf.length, 0));
      const flags = /^flags:\s+([0-7]+)$/m.exec(text)?.[1];
      return flags === undefined || (parseInt(flags, 8) & 0o4000) !== 0;
    } catch {
      return true;
    }
  }
}
