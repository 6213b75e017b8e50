// Structured logs, the one logger of every Tusk process (daemon, worker,
// sidecar): one JSON object per line (time, level, event, fields) on stderr,
// which the runtime sends to the process's log file. Passed in as a
// dependency, never global. `LogFn` is the one shape of a log callback that
// layers below the server take (pfs, pps, the local runtime).

export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Logs one event with its fields. */
export type LogFn = (level: Level, event: string, fields?: Record<string, unknown>) => void;

export interface Logger {
  log: LogFn;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

export function jsonLogger(write: (line: string) => void = (l) => void process.stderr.write(l), base: Record<string, unknown> = {}): Logger {
  return {
    log(level, event, fields = {}) {
      write(JSON.stringify({ time: new Date().toISOString(), level, event, ...base, ...fields }) + '\n');
    },
    child(fields) {
      return jsonLogger(write, { ...base, ...fields });
    },
  };
}

export const silentLogger: Logger = {
  log() {},
  child() {
    return silentLogger;
  },
};
