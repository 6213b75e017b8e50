#!/usr/bin/env node
// `npm run build`'s last step: bundles the CLI (entry src/cli/main.ts, plus the
// `tusk next datum` fast path) into dist/bundle/cli/, which bin/tusk runs.
// One file instead of ~200 modules resolved and read one by one is most of a
// fast start; modules the code imports with `await import()` (gRPC, the AWS
// SDK, YAML, progress bars) become chunks loaded only by the commands that
// need them. Every output file sits at the same depth as dist/src/cli/, so
// paths the code builds from import.meta.url (bin/tuskd, package.json) hold.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 'next-datum-ask': 'src/cli/next-datum-ask.ts' },
  outdir: join(root, 'dist', 'bundle', 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies (grpc-js, cli-progress) call require() for Node's own modules.
  banner: { js: "import { createRequire as __tuskRequire } from 'node:module'; const require = __tuskRequire(import.meta.url);" },
  logLevel: 'warning',
});
