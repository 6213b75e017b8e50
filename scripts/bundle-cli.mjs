#!/usr/bin/env node
// `npm run build`'s last step: bundles the CLI (entry src/cli/main.ts, plus the
// `tusk next datum` fast path) into dist/bundle/cli/, which bin/tusk runs
// through the loader in bin/tusk. One file instead of ~200 modules resolved and
// read one by one is most of a fast start; modules the code imports with
// `await import()` (gRPC, the AWS SDK, YAML, progress bars) become chunks
// loaded only by the commands that need them. Every output file sits at the
// same depth as dist/src/cli/, so paths the code builds from import.meta.url
// (bin/tuskd, package.json) hold.
// The files are CommonJS (.cjs): esbuild splits chunks only for ES modules, so
// each split output is then turned into CommonJS (imports become require,
// import() a require when it runs). Node starts a CommonJS file with less work
// than an ES module (no async loader), and only a script, not a module, can
// use a V8 code cache on Node 20 (see bin/tusk); bundle.json
// lists each file's sha256 and length, which name its cache. The build writes
// the caches of what `tusk create repo --help` and `tusk next datum --help` load.
// The entry and the chunks it needs at start are one file (a pack, see
// pack()): one read and one cache instead of ten.
// Each file is written already inside Node's CommonJS function wrapper, so
// the loader compiles the text as read: wrapping it at each start joined two
// strings that V8 then copied whole into a third (~1.5 ms of CPU for the
// client chunk, on every command that talks to tuskd).
// The bundle is minified (whitespace and syntax, names kept): V8 parses
// every byte of it at each start, comments included. Commander's top-level
// require of node:child_process (only for executable subcommands, which tusk
// has none of) is made lazy: that module alone costs ~8 ms of every start.
// scripts/grpc-js-trims.mjs cuts two start-up costs of grpc-js's bundled copy;
// scripts/cjs-exports.mjs makes each file's exports one object of getters.
// `npm run build -- --outdir DIR` is for trying changes without touching dist/.
import { build, transform } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cheapExports } from './cjs-exports.mjs';
import { grpcJsTrims } from './grpc-js-trims.mjs';

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

// Node modules a command may never use: each is loaded at its first use, not
// when the bundle starts (node:crypto alone loads 13 internal modules). The
// CommonJS output reaches an import only as `import_x.name` at the time of
// use, so a proxy that requires the module on its first property read is
// the module itself to the code.
const LAZY_BUILTINS = ['node:crypto', 'node:stream', 'node:module', 'node:fs/promises', 'node:os', 'node:stream/promises', 'node:net', 'node:readline', 'node:child_process', 'node:http', 'node:https', 'node:http2', 'node:zlib', 'node:dns', 'node:tls', 'node:worker_threads'];
const LAZY_REQUIRE = /\b(import_[\w$]+)=require\("(node:[\w/]+)"\)/g;
const LAZY_HELPER = 'var __tuskLazy=(id)=>{let m;return new Proxy({},{get:(_,k)=>(m??=require(id))[k]})};';

/** The CommonJS code with the imports of LAZY_BUILTINS made lazy. */
function lazyBuiltins(code) {
  let used = false;
  const lazy = code.replace(LAZY_REQUIRE, (whole, name, id) => {
    if (!LAZY_BUILTINS.includes(id)) return whole;
    used = true;
    return `${name}=__tuskLazy(${JSON.stringify(id)})`;
  });
  return used ? LAZY_HELPER + lazy : lazy;
}

/** The CommonJS function wrapper (Node's own) each file is written in; the loader in bin/tusk knows its head. */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAPPER_TAIL = '\n})';
/** How a pack begins (the loader in bin/tusk knows it): an object of wrapped files by name, the entry first. */
const PACK_HEAD = '({';
/** The entry written as a pack of itself and the chunks it requires at start. */
const PACKED_ENTRY = 'main.cjs';

const MINIFY = { minifyWhitespace: true, minifySyntax: true, legalComments: 'none' };

const bundled = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/cli/main.ts', 'next-datum-ask': 'src/cli/next-datum-ask.ts' },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  ...MINIFY,
  plugins: [lazyChildProcess, grpcJsTrims],
  // grpc-js requires @grpc/proto-loader (and with it protobufjs, long, lodash.camelcase: ~190 KB, a
  // fifth of the client chunk) only inside the functions that serve channelz and ORCA, which the CLI
  // never calls. Left out of the bundle, they are not read at each gRPC command's start; were they
  // ever needed, Node would load them from node_modules, where npm installed them with grpc-js.
  external: ['@grpc/proto-loader'],
  write: false,
  metafile: true,
  logLevel: 'warning',
});

await rm(outdir, { recursive: true, force: true });
await mkdir(join(outdir, 'v8-cache'), { recursive: true });
const files = {};
const wrapped = new Map();
for (const output of bundled.outputFiles) {
  const { code: cjs } = await transform(output.text, {
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false }, // import('./chunk.cjs') and import('node:x') become require() when they run
    define: { 'import.meta.url': '__tuskMeta.url' }, // made when read: most starts never read it
    banner: output.text.includes('import.meta.url') ? "var __tuskMeta={get url(){return require('node:url').pathToFileURL(__filename).href}};" : '',
    ...MINIFY,
    sourcefile: basename(output.path),
    logLevel: 'warning',
  });
  const body = cheapExports(lazyBuiltins(cjs));
  if (/\bimport\(/.test(body)) throw new Error(`${output.path}: an import() is left in the CommonJS bundle`);
  // esbuild writes strings and names ASCII-only (escaped), but copies a regular expression as written: one
  // character outside ASCII in it makes Node read the file as a two-byte string, at twice the bytes, on every
  // start (~0.1 ms of main's 226 KB). Write such a character as \uXXXX in the source instead.
  const nonAscii = /[^\x00-\x7f]/.exec(body);
  if (nonAscii) throw new Error(`${output.path}: a character outside ASCII (${JSON.stringify(body.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 20))}); write it as \\u${nonAscii[0].charCodeAt(0).toString(16).padStart(4, '0')} in the source`);
  wrapped.set(basename(output.path), `${WRAPPER_HEAD}${body}${WRAPPER_TAIL}`);
}
for (const [name, text] of wrapped) {
  const code = name === PACKED_ENTRY ? pack(name) : `${text};`;
  await writeFile(join(outdir, name), code);
  files[name] = { sha256: createHash('sha256').update(code).digest('hex'), length: code.length };
}
/**
 * `name` and every chunk it requires when it starts (its static imports, transitively), as one file: one read and
 * one code cache instead of one of each per file (the CLI's entry needs ten). The chunks are also written alone,
 * for the chunks loaded later and the other entry, which require them by name; the loader runs each once.
 */
function pack(name) {
  const byName = new Map(Object.keys(bundled.metafile.outputs).map((path) => [basename(path), bundled.metafile.outputs[path]]));
  const names = [name];
  for (let i = 0; i < names.length; i++) {
    for (const imported of byName.get(names[i]).imports) {
      const chunk = basename(imported.path);
      if (imported.kind === 'import-statement' && !imported.external && wrapped.has(chunk) && !names.includes(chunk)) names.push(chunk);
    }
  }
  return `${PACK_HEAD}\n${names.map((n) => `${JSON.stringify(n)}:${wrapped.get(n)}`).join(',\n')}})`;
}

await writeFile(join(outdir, 'bundle.json'), JSON.stringify({ files }, null, 1) + '\n');

// The code caches of what every command runs first (loading, one command's definition, parsing, printing;
// one command's help: the cache of all commands' definitions and the whole help that `tusk --help` wrote
// cost every start ~0.8 ms more to read and run), and of `tusk next datum`'s fast path (user code in a
// sandbox, where the bundle folder may be read-only, runs it once per datum).
if (outdirArg < 0) {
  for (const args of [['create', 'repo', '--help'], ['next', 'datum', '--help']]) {
    const help = spawnSync(process.execPath, [join(root, 'bin', 'tusk'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (help.status !== 0) throw new Error(`bin/tusk ${args.join(' ')} exited ${help.status} after bundling`);
  }
}
