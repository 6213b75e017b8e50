// Structured logs of the worker and the sidecar: one JSON object per line
// (time, level, event, fields) on stderr, which the runtime sends to the
// process's log file. Passed in as a dependency, never global.

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
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
