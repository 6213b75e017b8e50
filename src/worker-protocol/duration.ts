// Durations as pipeline specs write them (Go duration strings), rendered from
// milliseconds: how a worker names a datum timeout in a failure reason
// ("datum timed out after 1m30s"). src/pps/duration.ts parses them.

/** Renders milliseconds as a Go duration string ("1h30m", "1.5s", "0s"). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h) { out += `${h}h`; rest -= h * 3_600_000; }
  const m = Math.floor(rest / 60_000);
  if (m) { out += `${m}m`; rest -= m * 60_000; }
  if (rest) out += rest % 1000 === 0 ? `${rest / 1000}s` : `${Number((rest / 1000).toFixed(3))}s`;
  return out;
}
