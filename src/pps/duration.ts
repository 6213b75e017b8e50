// Durations as pipeline specs write them: Go / protobuf duration strings
// ("60s", "5m", "1h30m", "1.5s", "300ms") turned into milliseconds.
// Pure; rejects anything else with a reason a person can act on. Rendering
// them back is the worker's (src/worker-protocol/duration.ts).

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// µs and μs (micro sign, Greek mu) written as escapes: the CLI bundle holds this file, and a regular
// expression is copied into it as written; μ (U+03BC) there made Node read the whole bundle as a two-byte
// string at every start (scripts/bundle-cli.mjs keeps the bundle ASCII).
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Parses a Go duration string into milliseconds, rounded up to a whole millisecond
 * so that a non-zero duration never becomes zero. Negative durations are refused
 * (every duration in a spec is a timeout or an interval). Returns undefined if
 * `text` is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  let at = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  if (!Number.isFinite(total)) return undefined;
  return total > 0 ? Math.max(1, Math.ceil(total - 1e-6)) : 0;
}

/** The message used when a spec field holds something that is not a duration. */
export function durationProblem(value: unknown): string {
  return `${JSON.stringify(value)} is not a duration (use e.g. 60s, 5m, 1h30m)`;
}
