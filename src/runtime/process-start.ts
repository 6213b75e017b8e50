// A process's start time, to tell a process from a later one given the same pid:
// the kernel reuses pids (here after 32768), so a pid file left by a daemon that
// died may name someone else's process by the time it is read. Linux only (field
// 22 of /proc/PID/stat, clock ticks after boot); elsewhere nothing is known.
import { readFileSync } from 'node:fs';

/** When process `pid` started, in clock ticks after boot, or undefined when it cannot be read (gone, or no /proc). */
export function processStartTicks(pid: number | 'self'): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return startTicksOf(stat);
}

/** Pure: the start time in a /proc/PID/stat line (the fields after the command name, which may hold spaces and ')'). */
export function startTicksOf(stat: string): string | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (starttime) is fields[19]
  const ticks = fields[19];
  return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : undefined;
}
