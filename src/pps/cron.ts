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
