// Printing a file listing (`list file`, `glob file`) as it streams in, so the
// first line shows while the daemon is still reading the tree and a folder of
// a million files never sits in the CLI's memory: the table's column widths
// come from the first page (a later, longer name pushes its row out rather
// than holding every row back), `-o json` writes the same array `emit` would,
// one element at a time, and only `-o yaml` (one document) collects first.
// With --limit, a full page ends with a hint on stderr naming the
// --start-after that fetches the next one.
import { once } from 'node:events';
import type { FileInfo } from '../client/index.js';
import { oneLine as escapeControls } from '../errors/index.js';
import type { FilesContext } from './context.js';
import { printYaml, width as cellWidth, type Format } from './output.js';
import { fileJson, fileRow } from './views.js';

const HEADERS = ['NAME', 'TYPE', 'SIZE'] as const;
/**
 * Entries written per piece of `-o json` (~50 KB of text): a whole batch's text (~200 KB)
 * is a large object to V8, freed only by a full collection, and a million entries of
 * those grew the CLI by ~100 MB before one ran.
 */
const JSON_PIECE = 250;

/** Prints the batches as they arrive; returns the number of entries printed. */
export async function printListing(ctx: FilesContext, format: Format, batches: AsyncIterable<FileInfo[]>, limit?: number): Promise<number> {
  let count = 0;
  let last: FileInfo | undefined;
  if (format === 'yaml') {
    const all: ReturnType<typeof fileJson>[] = [];
    for await (const batch of batches) for (const f of batch) all.push(fileJson(f));
    printYaml(ctx.stdout, all);
    return all.length;
  }
  let widths: number[] | undefined;
  for await (const batch of batches) {
    if (batch.length === 0) continue;
    if (format === 'json') {
      for (let i = 0; i < batch.length; i += JSON_PIECE) {
        await write(ctx, (count + i === 0 ? '[\n' : ',\n') + jsonElements(batch.slice(i, i + JSON_PIECE)));
      }
    } else {
      let text = '';
      if (!widths) {
        widths = columnWidths(batch.map(fileCells));
        text = tableLine(HEADERS, widths);
      }
      for (const f of batch) text += rowLine(fileCells(f), widths);
      await write(ctx, text);
    }
    count += batch.length;
    last = batch[batch.length - 1];
  }
  if (format === 'json') await write(ctx, count === 0 ? '[]\n' : '\n]\n');
  else if (count === 0) await write(ctx, tableLine(HEADERS, columnWidths([])));
  if (limit !== undefined && count === limit && last && format === 'table') {
    ctx.stderr.write(`(${limit} shown; the next page: --start-after ${listingKey(last)})\n`);
  }
  return count;
}

/** Where an entry sits in listing order: a folder as `NAME/` (what --start-after takes). */
export function listingKey(f: FileInfo): string {
  return f.type === 'dir' && f.path !== '/' ? `${f.path}/` : f.path;
}

/**
 * The batch as elements of the JSON array `emit` would print: each element is
 * `JSON.stringify(fileJson(f), null, 2)` indented by two spaces, joined by
 * commas and newlines, which is the inside of the whole batch stringified as
 * one array (one call instead of one per entry and a re-indent: a million
 * entries spent most of their time there).
 */
export function jsonElements(batch: readonly FileInfo[]): string {
  return JSON.stringify(batch.map(fileJson), null, 2).slice('[\n'.length, -'\n]'.length);
}

/** A table row: the name and type with control characters escaped, so a file named "a\nb" keeps its row (as in formatTable). */
function fileCells(f: FileInfo): string[] {
  const [name, type, size] = fileRow(f);
  return [escapeControls(name!), type === 'file' || type === 'dir' ? type : escapeControls(type!), size!];
}

/** Widths of every column but the last (it is never padded), from the header and these rows. */
function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths = HEADERS.map((h) => h.length);
  for (const row of rows) for (let i = 0; i < widths.length - 1; i++) widths[i] = Math.max(widths[i]!, cellWidth(row[i] ?? ''));
  return widths;
}

function tableLine(row: readonly string[], widths: readonly number[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    const cell = row[i]!;
    line += i === row.length - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[i]! - cellWidth(cell))) + '  ';
  }
  return line.trimEnd() + '\n';
}

/**
 * tableLine for a file's cells, without building the line piece by piece: the
 * last cell (the size) is never empty and never ends in a space, so the line
 * has nothing to trim.
 */
function rowLine([name, type, size]: readonly string[], widths: readonly number[]): string {
  return name! + padding(widths[0]! - cellWidth(name!)) + '  ' + type! + padding(widths[1]! - cellWidth(type!)) + '  ' + size! + '\n';
}

const PADDING = Array.from({ length: 64 }, (_, n) => ' '.repeat(n));

function padding(n: number): string {
  return n <= 0 ? '' : (PADDING[n] ?? ' '.repeat(n));
}

async function write(ctx: FilesContext, text: string): Promise<void> {
  if (!ctx.stdout.write(text)) await once(ctx.stdout, 'drain');
}
