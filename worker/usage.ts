// What one datum's user code used, measured by the sandbox runner from /proc
// (both runtimes; in a pod /proc is the container's): CPU time is exact — the
// growth of the runner's own cutime+cstime, which the kernel adds when the
// runner reaps the code's process (with everything that process reaped in
// turn); peak memory is the larger of the highest VmHWM (the kernel's peak
// resident size) of any single process of the code and the highest sum of
// VmRSS over its process tree. The tree is sampled every 100 ms and the code's
// own process every 10 ms in its first second, so a short datum is seen too;
// a grandchild that lives less than 100 ms can be missed.
import { openSync, readdirSync, readFileSync, readSync } from 'node:fs';

export interface DatumUsage {
  cpuMs: number;
  peakMemoryBytes: number;
}

/** Clock ticks per second of /proc's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;
const TREE_SAMPLE_MS = 100;
const ROOT_SAMPLE_MS = 10;
const ROOT_FAST_FOR_MS = 1000;

/**
 * CPU time of this process's reaped children so far, in ms (0 where /proc is missing). The runner asks twice
 * per datum, so /proc/self/stat is kept open and read again from offset 0 (the kernel writes it anew on each
 * read): one system call instead of four.
 */
export class ReapedCpu {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(4096);

  /** `stat`: the /proc stat file of the process that reaps (another than this one: the fork server). */
  constructor(private readonly stat = '/proc/self/stat') {}

  ms(): number {
    try {
      this.fd ??= openSync(this.stat, 'r');
      const n = readSync(this.fd, this.buf, 0, this.buf.length, 0);
      const stat = this.buf.toString('latin1', 0, n);
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
    } catch {
      return 0;
    }
  }
}

/** Samples a process tree's memory until stop(); stop() returns the usage since start. */
export class UsageMeter {
  private readonly cpuStart: number;
  private peak = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly fastTimer: NodeJS.Timeout;
  private readonly started = Date.now();

  constructor(
    private readonly pid: number,
    private readonly reaped: ReapedCpu,
  ) {
    this.cpuStart = reaped.ms();
    // Just spawned, the code has no children yet: its own process is the whole tree (the full sample scans
    // every process in /proc, ~2 ms per datum where the runner has no pid namespace of its own).
    this.sampleRoot();
    this.timer = setInterval(() => this.sample(), TREE_SAMPLE_MS);
    this.timer.unref();
    this.fastTimer = setInterval(() => this.sampleRoot(), ROOT_SAMPLE_MS);
    this.fastTimer.unref();
  }

  /** Call after the process was reaped (its 'exit'), so its CPU time is in cutime. */
  stop(): DatumUsage {
    clearInterval(this.timer);
    clearInterval(this.fastTimer);
    return { cpuMs: Math.max(0, Math.round(this.reaped.ms() - this.cpuStart)), peakMemoryBytes: this.peak };
  }

  private sampleRoot(): void {
    if (Date.now() - this.started > ROOT_FAST_FOR_MS) return clearInterval(this.fastTimer);
    const { rss, hwm } = memory(this.pid);
    this.peak = Math.max(this.peak, rss, hwm);
  }

  private sample(): void {
    let sum = 0;
    for (const pid of descendants(this.pid)) {
      const { rss, hwm } = memory(pid);
      sum += rss;
      this.peak = Math.max(this.peak, hwm);
    }
    this.peak = Math.max(this.peak, sum);
  }
}

/** Resident bytes of a process and its descendants now (sum of VmRSS). */
export function treeResidentBytes(root: number): number {
  return descendants(root).reduce((sum, pid) => sum + memory(pid).rss, 0);
}

/** The process and its descendants (by ppid, from one pass over /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

function memory(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}
