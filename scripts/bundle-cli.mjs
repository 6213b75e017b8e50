#!/usr/bin/env node
// `npm run build`'s last step: bundles the CLI (entry src/cli/main.ts, plus the
// `tusk next datum` fast path) into dist/bundle/cli/, which bin/tusk runs.
// One file instead of ~200 modules resolved and read one by one is most of a
// fast start; modules the code imports with `await import()` (gRPC, the AWS
// SDK, YAML, progress bars) become chunks loaded only by the commands that
// need them. Every output file sits at the same depth as dist/src/cli/, so
// paths the code builds from import.meta.url (bin/tuskd, package.json) hold.
// The bundle is minified (whitespace and syntax, names kept): V8 parses
// every byte of it at each start, comments included. Commander's top-level
// require of node:child_process (only for executable subcommands, which tusk
// has none of) is made lazy: that module alone costs ~8 ms of every start.
// `npm run build -- --outdir DIR` is for trying changes without touching dist/.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdirArg = process.argv.indexOf('--outdir');
const outdir = outdirArg > 0 ? process.argv[outdirArg + 1] : join(root, 'dist', 'bundle', 'cli');

const EAGER_CHILD_PROCESS = "const childProcess = require('node:child_process');";
const LAZY_CHILD_PROCESS =
  "let childProcessModule; const childProcess = { get spawn() { return (childProcessModule ??= require('node:child_process')).spawn; } };";

/** Commander's `require('node:child_process')` deferred to its one use (spawn). */
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(EAGER_CHILD_PROCESS)) throw new Error(`${args.path}: no line "${EAGER_CHILD_PROCESS}" to make lazy (commander changed?)`);
      if ((source.match(/childProcess\.(\w+)/g) ?? []).some((use) => use !== 'childProcess.spawn')) throw new Error(`${args.path}: uses more of child_process than spawn`);
      return { contents: source.replace(EAGER_CHILD_PROCESS, LAZY_CHILD_PROCESS), loader: 'js' };
    });
  },
};

await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 'next-datum-ask': 'src/cli/next-datum-ask.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  plugins: [lazyChildProcess],
  // CommonJS dependencies (grpc-js, cli-progress) call require() for Node's own modules.
  banner: { js: "import { createRequire as __tuskRequire } from 'node:module'; const require = __tuskRequire(import.meta.url);" },
  logLevel: 'warning',
});
