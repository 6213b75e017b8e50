// The cron condition of branch triggers: which specs are accepted and when
// the first tick after a moment comes. Specs are those of cron inputs: 5-field
// (minute) or 6-field (second) cron expressions and the @hourly-style macros
// via cron-parser, always in UTC as Pachyderm does, and "@every <duration>"
// (Go duration: "1s", "5m", "1h30m"), counted from the given moment. Pure.
import { CronExpressionParser } from 'cron-parser';

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration made of h, m, s and ms parts ("1h30m", "1.5s"), or undefined. */
export function parseEvery(text: string): number | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  let total = 0;
  let at = 0;
  while (at < s.length) {
    DURATION_PART.lastIndex = at;
    const m = DURATION_PART.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = DURATION_PART.lastIndex;
  }
  return Math.ceil(total);
}

/** Why `spec` is not a cron spec a trigger accepts, or undefined. */
export function cronProblem(spec: string): string | undefined {
  const s = spec.trim();
  if (s.startsWith('@every')) {
    const ms = parseEvery(s.slice('@every'.length));
    return ms !== undefined && ms > 0 ? undefined : 'needs a positive duration after "@every" (e.g. @every 1h, @every 90s)';
  }
  const fields = s.split(/\s+/).length;
  if (!MACROS.has(s) && fields !== 5 && fields !== 6) return 'is not a cron expression (use 5 fields like "0 * * * *", 6 with seconds, "@daily" or "@every 1h")';
  try {
    CronExpressionParser.parse(s, { tz: 'UTC' });
    return undefined;
  } catch (err) {
    return `is not a cron expression (${(err as Error).message})`;
  }
}

/** The first tick strictly after `after` ("@every D": `after` + D). The spec must be valid. */
export function nextTick(spec: string, after: Date): Date {
  const s = spec.trim();
  if (s.startsWith('@every')) return new Date(after.getTime() + parseEvery(s.slice('@every'.length))!);
  return CronExpressionParser.parse(s, { currentDate: after, tz: 'UTC' }).next().toDate();
}
