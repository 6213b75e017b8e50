// When a cron input ticks next: "@every <duration>", the @hourly-style macros,
// and 5- or 6-field cron expressions (via cron-parser), always in UTC as
// Pachyderm does. Pure: the current time is passed in.
import { CronExpressionParser } from 'cron-parser';
import { InvalidArgument } from '../errors/index.js';
import { parseDuration } from './duration.js';

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The first tick strictly after `after`. `start` anchors "@every" schedules (default: `after`). */
export function nextTick(spec: string, after: Date, start?: Date): Date {
  const s = spec.trim();
  if (s.startsWith('@every')) {
    const every = parseDuration(s.slice('@every'.length).trim());
    if (!every) throw new InvalidArgument('InvalidCron', `bad @every duration in ${JSON.stringify(spec)}`, { spec });
    const anchor = start?.getTime() ?? after.getTime();
    if (after.getTime() < anchor) return new Date(anchor);
    const n = Math.floor((after.getTime() - anchor) / every) + 1;
    return new Date(anchor + n * every);
  }
  const expr = CronExpressionParser.parse(MACROS[s] ?? s, { currentDate: after, tz: 'UTC' });
  return expr.next().toDate();
}

/** A tick's file name, as Pachyderm names it: RFC 3339 in UTC, whole seconds (`2026-12-06T05:39:00Z`). */
export function tickName(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The ticks a cron input missed: those after `last` (the newest tick committed, else just
 * before `start`) up to `now`, oldest first, at most the newest `max` of them (a start long
 * ago on a fast schedule would otherwise be millions).
 */
export function missedTicks(spec: string, start: Date, last: Date | undefined, now: Date, max: number): Date[] {
  const out: Date[] = [];
  let after = last && last.getTime() >= start.getTime() ? last : new Date(start.getTime() - 1);
  for (;;) {
    const next = nextTick(spec, after, start);
    if (next.getTime() > now.getTime()) return out;
    out.push(next);
    if (out.length > max) out.shift();
    after = next;
  }
}
