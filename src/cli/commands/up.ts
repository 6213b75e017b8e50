// tusk up [--home DIR] [--port N] [--s3-port N] [--http-port N] [--storage URL]
import { InvalidArgumentError } from 'commander';
import { tuskHome } from '../address.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';

export const up: CommandDef = {
  words: ['up'],
  summary: 'Start tuskd in the background and wait until it answers (does nothing if it already runs).',
  examples: ['tusk up', 'tusk up --home /data/tusk --port 1650', 'tusk up --storage "s3://bucket/tusk?endpoint=http://127.0.0.1:9000&region=us-east-1"'],
  define(cmd, ctx) {
    cmd
      .option('--home <dir>', 'where tuskd keeps metadata, objects, logs (default: $TUSK_HOME or ~/.tusk)')
      .option('--port <n>', 'gRPC API port (default 1650)', portNumber)
      .option('--s3-port <n>', 'S3 gateway port (default 1600)', portNumber)
      .option('--http-port <n>', 'health, metrics and console port (default 1680)', portNumber)
      .option('--storage <url>', 'object store: file:///abs/path or s3://bucket/prefix?endpoint=... (default: $TUSK_HOME/objects)')
      .addOption(outputOption())
      .action(async (opts) => {
        const home = tuskHome(ctx.env, opts.home);
        const { daemonUp } = await import('../daemon-control.js'); // node:child_process only for up and down
        const result = await daemonUp({ home, port: opts.port, s3Port: opts.s3Port, httpPort: opts.httpPort, storage: opts.storage, env: ctx.env, deferredCaCerts: ctx.deferredCaCerts });
        const r = result.record;
        const web = result.address.startsWith('grpcs://') ? 'https' : 'http'; // the HTTP and S3 ports serve TLS when gRPC does
        emit(
          ctx,
          formatOf(opts),
          () => ({ alreadyRunning: result.alreadyRunning, pid: r.pid, address: result.address, port: r.port, httpPort: r.httpPort ?? null, console: r.httpPort ? `${web}://127.0.0.1:${r.httpPort}/` : null, s3Port: r.s3Port ?? null, home, storage: r.storage ?? null, version: result.version, log: result.log }),
          () =>
            `${result.alreadyRunning ? 'tuskd is already running' : 'tuskd is running'} (pid ${r.pid}, version ${result.version})\n` +
            `  API:     ${result.address}\n` +
            (r.httpPort ? `  console: ${web}://127.0.0.1:${r.httpPort}/\n  health:  ${web}://127.0.0.1:${r.httpPort}/healthz\n` : '') +
            (r.s3Port ? `  S3:      ${web}://127.0.0.1:${r.s3Port} (buckets BRANCH.REPO)\n` : '') +
            `  home:    ${home}\n` +
            (r.storage ? `  storage: ${r.storage}\n` : '') +
            `  log:     ${result.log}`,
        );
      });
  },
};

function portNumber(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}
