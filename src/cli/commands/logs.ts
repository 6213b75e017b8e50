// tusk logs -p PIPELINE [-j ID] [--datum ID] [--since 10m] [--master|--worker] [-t N] [-f]
// Lines are printed as they arrive, so a long log never sits in memory and
// -f shows new lines live until interrupted (or until stdout goes away).
import type { Writable } from 'node:stream';
import { formatOf, outputOption, positiveInt, type CommandDef } from '../command.js';
import { parseDuration } from '../../pps/duration.js';
import { printYaml } from '../output.js';
import type { LogLine } from '../../client/index.js';
import { logJson } from '../pps-views.js';
import { usageError } from '../usage.js';

export const logs: CommandDef = {
  words: ['logs'],
  summary: 'Print the logs of a pipeline\'s user code (stdout and stderr) and of its workers, oldest first.',
  examples: ['tusk logs -p edges', 'tusk logs -p edges --job 0f1e2d3c4b5a69788796a5b4c3d2e1f0 --datum 5c1a...', 'tusk logs -p edges -f'],
  define(cmd, ctx) {
    cmd
      .requiredOption('-p, --pipeline <name>', 'the pipeline whose logs to print')
      .option('-j, --job <id>', 'only this job\'s lines')
      .option('--datum <id>', 'only this datum\'s lines')
      .option('--since <duration>', 'only lines logged in this last span of time (e.g. 30s, 10m, 1h30m)')
      .option('--master', 'only the pipeline\'s own lines (how each job ended, egress), as pachctl\'s master logs')
      .option('--worker', 'only the lines of the user code and its workers (each datum\'s output and failed tries)')
      .option('-t, --tail <n>', 'only the last N lines', positiveInt)
      .option('-f, --follow', 'keep printing new lines as they are logged, until interrupted')
      .addOption(outputOption())
      .addHelpText(
        'after',
        '\nOutput: one log message per line. With -o json, one JSON array of {time, pipeline, job, datum, stream, message};\n' +
          'with -o json and -f (a stream that never ends), one JSON object per line (newline-delimited JSON) instead.\n' +
          'With -o yaml, one YAML document per line (separated by ---).',
      )
      .action(async (opts) => {
        const format = formatOf(opts);
        const json = format === 'json';
        const follow = !!opts.follow;
        if (opts.master && opts.worker) throw usageError('--master and --worker exclude each other: give one');
        if (opts.tail !== undefined && follow) throw usageError('--tail prints the last lines of what is logged so far: give it without -f');
        let since = '';
        if (opts.since !== undefined) {
          const ms = parseDuration(opts.since);
          if (ms === undefined) throw usageError(`--since ${opts.since}: not a duration (e.g. 30s, 10m, 1h30m)`);
          since = new Date(ctx.now().getTime() - ms).toISOString();
        }
        const out = ctx.stdout;
        const wanted = (line: LogLine) => (!since || line.time >= since) && (!opts.master || isMasterLine(line)) && (!opts.worker || !isMasterLine(line));
        const all = ctx.pps().logs({ pipeline: opts.pipeline, job: opts.job, datum: opts.datum, follow });
        const lines = opts.tail === undefined ? all : await lastLines(all, wanted, opts.tail);
        let first = true;
        if (json && !follow) await write(out, '[');
        for await (const line of lines) {
          if (!wanted(line)) continue;
          let text: string;
          if (format === 'yaml') {
            const doc: string[] = [];
            printYaml({ write: (s: string) => doc.push(s) }, logJson(line));
            text = `---\n${doc.join('')}`;
          } else if (!json) text = line.message.endsWith('\n') ? line.message : line.message + '\n';
          else if (follow) text = JSON.stringify(logJson(line)) + '\n';
          else text = `${first ? '\n' : ',\n'}${JSON.stringify(logJson(line))}`;
          first = false;
          if (!(await write(out, text))) return; // the reader went away (`| head`)
        }
        if (json && !follow) await write(out, first ? ']\n' : '\n]\n');
      });
  },
};

/** A line of the pipeline itself (a job's end, egress), not of a datum's code or its worker. */
function isMasterLine(line: LogLine): boolean {
  return line.stream === 'system' && !line.datum;
}

/** The last `n` wanted lines of a finite log, holding no more than `n` at a time. */
async function lastLines(lines: AsyncIterable<LogLine>, wanted: (line: LogLine) => boolean, n: number): Promise<LogLine[]> {
  const ring: LogLine[] = [];
  for await (const line of lines) {
    if (!wanted(line)) continue;
    ring.push(line);
    if (ring.length > n) ring.shift();
  }
  return ring;
}

/** Writes with backpressure; false once the stream is closed or broken. */
async function write(out: Writable, text: string): Promise<boolean> {
  if (out.destroyed || out.writableEnded) return false;
  if (out.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.once('drain', done);
    out.once('close', done);
    out.once('error', done);
  });
  return !out.destroyed;
}
