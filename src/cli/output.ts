// How the CLI prints: one JSON document for `-o json` (one YAML document for
// `-o yaml`, the same object), aligned tables and
// key/value blocks for people, human-readable sizes (`1.2 KiB`) and relative
// times (`3 minutes ago`). Every command prints through these helpers; the
// per-object views (what a commit looks like) are in views.ts.

import { createRequire } from 'node:module';
import { oneLine as escapeControls } from '../errors/index.js';

export type Format = 'table' | 'json' | 'yaml';
export const FORMATS: readonly Format[] = ['table', 'json', 'yaml'];

export interface Out {
  write(chunk: string): unknown;
}

export function printJson(out: Out, value: unknown): void {
  out.write(JSON.stringify(value, null, 2) + '\n');
}

/** The object `-o json` prints, as YAML (the parser is loaded only when asked for: most commands never need it). */
export function printYaml(out: Out, value: unknown): void {
  const { stringify } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  // Through JSON first, so YAML shows exactly what -o json shows (no undefined fields, dates as strings).
  out.write(stringify(JSON.parse(JSON.stringify(value ?? null)), { lineWidth: 0 }));
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 0 B, 512 B, 1 KiB, 1.2 KiB, 15.3 MiB, 120 GiB. */
export function humanSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = value >= 100 ? value.toFixed(0) : value.toFixed(1).replace(/\.0$/, '');
  // 999.5 to 1023.99 KiB would print four digits: show the next unit instead
  // ("1000 KiB" reads as 1 MiB at a glance, 0.98 MiB shown as "1 MiB").
  if (text.split('.')[0]!.length > 3 && unit < UNITS.length - 1) {
    const next = (value / 1024).toFixed(1).replace(/\.0$/, '');
    return `${next} ${UNITS[unit + 1]}`;
  }
  return `${text} ${UNITS[unit]}`;
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
}

/**
 * `just now`, `5 seconds ago`, `3 minutes ago`, `2 hours ago`, `4 days ago`; older than 30 days: the date. Empty: `-`.
 * `full` (pachctl's --full-timestamps): the time itself, as stored (ISO 8601, UTC).
 */
export function relativeTime(iso: string, now: Date, full = false): string {
  if (!iso) return '-';
  if (full) return iso;
  const then = new Date(iso);
  if (Number.isNaN(then.getTime())) return iso;
  const seconds = Math.floor((now.getTime() - then.getTime()) / 1000);
  if (seconds < 2) return 'just now';
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return plural(hours, 'hour');
  const days = Math.floor(hours / 24);
  if (days <= 30) return plural(days, 'day');
  return then.toISOString().slice(0, 10);
}

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  // a control character in a cell (a file named "a\nb") is shown escaped: it would break the row or drive the terminal
  const all = [headers, ...rows].map((row) => row.map(escapeControls));
  // a loop, not Math.max(...cells): a spread of a million cells overflows the call stack
  const widths = headers.map(() => 0);
  for (const row of all) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, width(row[i] ?? ''));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
        .join('  ')
        .trimEnd(),
    )
    .map((line) => line + '\n')
    .join('');
}

/** `Key: value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const w = Math.max(...fields.map(([k]) => k.length + 1));
  return fields.map(([k, v]) => `${(k + ':').padEnd(w)} ${escapeControls(v)}`.trimEnd() + '\n').join('');
}

/** The columns a cell takes on a terminal: East Asian wide characters and emoji take two, combining marks none. */
export function width(cell: string): number {
  for (let i = 0; i < cell.length; i++) {
    if (cell.charCodeAt(i) >= 0x300) return i + wideWidth(cell.slice(i)); // most cells are plain: no per-character regexps
  }
  return cell.length;
}

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufeff]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

function wideWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ZERO_WIDTH.test(ch)) continue;
    w += isWide(cp) || EMOJI.test(ch) ? 2 : 1;
  }
  return w;
}

/** Unicode's East Asian Wide and Fullwidth blocks (Hangul, CJK, kana, fullwidth forms...). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0x303e) || (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Error messages and table cells stay on one line: line breaks become a space, other control characters are shown escaped. */
export function oneLine(text: string): string {
  return escapeControls(text.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim());
}

/** `0 ms`, `850 ms`, `3.2 s`, `42 s`, `2m 5s`, `1h 2m`, `3d 4h`. Negative or not a number: `-`. */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.floor(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 10) return `${(Math.floor(seconds * 10) / 10).toFixed(1).replace(/\.0$/, '')} s`;
  if (seconds < 60) return `${Math.floor(seconds)} s`;
  const s = Math.floor(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** The time from `startIso` to `endIso` (or to `now` when it has not ended), for people; `-` if not started. */
export function elapsed(startIso: string, endIso: string, now: Date): string {
  if (!startIso) return '-';
  const start = new Date(startIso).getTime();
  const end = endIso ? new Date(endIso).getTime() : now.getTime();
  return humanDuration(end - start);
}
