// resource_limits.memory as a run's command: the command under `ulimit -v`
// (RLIMIT_AS, in KiB), which the shell sets before it execs the command. Used
// by the sandbox runner (sandbox-runner.ts) and, for the runs it sends to the
// direct runner (direct-runner.ts), by the worker.

/** Pure: the command under `ulimit -v` when a memory limit is set (bytes; 0 or unset: `argv` as it is). */
export function withMemoryLimit(argv: readonly string[], bytes: number | undefined): readonly string[] {
  if (!bytes || bytes <= 0) return argv;
  return ['/bin/sh', '-c', 'ulimit -v "$1" && shift && exec "$@"', 'tusk-memory-limit', String(Math.max(1, Math.floor(bytes / 1024))), ...argv];
}
