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
// the caches of what each verb's first command's help, `tusk --help` and
// `tusk next datum --help` load.
// Each first word's commands are a chunk of their own (verbChunks), and the
// entry with the chunks a first word needs at start is one file (a pack, see
// pack()), main-VERB.cjs: one read and one cache instead of ten or more, and
// `tusk version --help` reads and runs main and `version` only (~1.2 ms of
// CPU less than the whole tree). main.cjs, the whole tree in a build of its
// own (wholeTree) and packed the same way, serves the rest (`tusk --help`,
// `help`, completion, a typo's suggestion).
// Each file is written already inside Node's CommonJS function wrapper, so
// the loader compiles the text as read: wrapping it at each start joined two
// strings that V8 then copied whole into a third (~1.5 ms of CPU for the
// client chunk, on every command that talks to tuskd).
// The bundle is minified (whitespace and syntax, names kept): V8 parses
// every byte of it at each start, comments included. Commander's top-level
// require of node:child_process (only for executable subcommands, which tusk
// has none of) is made lazy: that module alone costs ~8 ms of every start.
// scripts/grpc-js-trims.mjs cuts two start-up costs of grpc-js's bundled copy.
// `npm run build -- --outdir DIR` is for trying changes without touching dist/.
import { build, transform } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
/** The entry written as a pack of itself and the chunks it requires at start: main with the whole command tree. */
const PACKED_ENTRY = 'main.cjs';
/** main of the verbs' build, written in each verb's pack (main-VERB.cjs) with that verb's chunk. */
const VERB_ENTRY = 'verb-main.cjs';

const MINIFY = { minifyWhitespace: true, minifySyntax: true, legalComments: 'none' };

/**
 * Each first word (verb) that reachableCommands (src/cli/program.ts) answers with its own commands, and those
 * commands in the tree's order: module, export name and words, e.g. version -> [{ module: 'version.ts', name: 'version',
 * words: ['version'] }]. Read from
 * tsc's output of the same sources (`npm run build` runs tsc first), so the table is the code's own answer.
 */
async function verbTable() {
  const commandsDir = join(root, 'src', 'cli', 'commands');
  const builtDir = join(root, 'dist', 'src', 'cli', 'commands');
  const sources = (await readdir(commandsDir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'reachable.ts');
  const where = new Map();
  for (const source of sources) {
    const built = join(builtDir, source.replace(/\.ts$/, '.js'));
    const [sourceStat, builtStat] = await Promise.all([stat(join(commandsDir, source)), stat(built).catch(() => undefined)]);
    if (!builtStat || builtStat.mtimeMs < sourceStat.mtimeMs) throw new Error(`${built} is missing or older than its source: run tsc -p tsconfig.json first (npm run build does)`);
    for (const [name, value] of Object.entries(await import(pathToFileURL(built).href))) if (!where.has(value)) where.set(value, [source, name]);
  }
  const { COMMANDS } = await import(pathToFileURL(join(builtDir, 'index.js')).href);
  const { reachableCommands } = await import(pathToFileURL(join(root, 'dist', 'src', 'cli', 'program.js')).href);
  const table = new Map();
  for (const verb of new Set(COMMANDS.map((def) => def.words[0]))) {
    const defs = reachableCommands([verb], COMMANDS);
    if (defs === COMMANDS) continue; // a word that needs the whole tree (help, completion)
    table.set(verb, defs.map((def) => {
      const [module, name] = where.get(def) ?? fail(`no module exports the command ${def.words.join(' ')}`);
      return { module, name, words: def.words };
    }));
  }
  return table;
}

function fail(message) {
  throw new Error(message);
}

const VERBS = await verbTable();
const REACHABLE = join(root, 'src', 'cli', 'commands', 'reachable.ts');

/**
 * src/cli/commands/reachable.ts becomes a table: each verb's commands are a module of their own (`tusk-verb:NAME`,
 * imported when the verb is the first word, so esbuild makes it a chunk); any other command line imports the whole
 * tree, as the source does.
 */
const verbChunks = {
  name: 'tusk-verb-chunks',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands[\\/]reachable\.ts$/ }, () => ({
      contents:
        "import { reachableCommands } from '../program.js';\n" +
        `const VERBS = new Map([${[...VERBS.keys()].map((verb) => `[${JSON.stringify(verb)}, () => import(${JSON.stringify(`tusk-verb:${verb}`)})]`).join(', ')}]);\n` +
        'export async function loadReachableCommands(argv) {\n' +
        '  const verb = VERBS.get(argv[0]);\n' +
        '  if (verb) return (await verb()).COMMANDS;\n' +
        "  const { COMMANDS } = await import('./index.js');\n" +
        '  return reachableCommands(argv, COMMANDS);\n' +
        '}\n',
      loader: 'js',
      resolveDir: dirname(REACHABLE),
    }));
    b.onResolve({ filter: /^tusk-verb:/ }, (args) => ({ path: args.path.slice('tusk-verb:'.length), namespace: 'tusk-verb' }));
    b.onLoad({ filter: /.*/, namespace: 'tusk-verb' }, (args) => {
      const defs = VERBS.get(args.path);
      const modules = [...new Set(defs.map((def) => def.module))];
      return {
        contents:
          modules.map((module) => `import { ${defs.filter((def) => def.module === module).map((def) => def.name).join(', ')} } from './${module.replace(/\.ts$/, '.js')}';\n`).join('') +
          `export const COMMANDS = [${defs.map((def) => def.name).join(', ')}];\n`,
        loader: 'js',
        resolveDir: dirname(REACHABLE),
      };
    });
  },
};

/**
 * src/cli/commands/reachable.ts importing the whole tree at start, as main did before the verbs had chunks: the build
 * of main.cjs, which only command lines that need the whole tree run. Made of its own esbuild build, its command
 * modules sit with the code they use (the verbs' build splits each into a chunk of its own, whose every use of a
 * shared helper then goes through the chunks' export getters: `tusk --help` cost ~3 ms more CPU).
 */
const wholeTree = {
  name: 'tusk-whole-tree',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]cli[\\/]commands[\\/]reachable\.ts$/ }, () => ({
      contents:
        "import { reachableCommands } from '../program.js';\nimport { COMMANDS } from './index.js';\n" +
        'export async function loadReachableCommands(argv) {\n  return reachableCommands(argv, COMMANDS);\n}\n',
      loader: 'js',
      resolveDir: dirname(REACHABLE),
    }));
  },
};

/** One esbuild build of the CLI, ES modules split into chunks (turned into CommonJS below). */
function bundle(entryPoints, plugin, chunkNames) {
  return build({
    absWorkingDir: root,
    entryPoints,
    outdir,
    outExtension: { '.js': '.cjs' },
    chunkNames,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    ...MINIFY,
    plugins: [lazyChildProcess, grpcJsTrims, plugin],
    // grpc-js requires @grpc/proto-loader (and with it protobufjs, long, lodash.camelcase: ~190 KB, a
    // fifth of the client chunk) only inside the functions that serve channelz and ORCA, which the CLI
    // never calls. Left out of the bundle, they are not read at each gRPC command's start; were they
    // ever needed, Node would load them from node_modules, where npm installed them with grpc-js.
    external: ['@grpc/proto-loader'],
    write: false,
    metafile: true,
    logLevel: 'warning',
  });
}

// Two builds whose files never meet in one process: the verbs' (verb-main.cjs, each verb's chunk, next-datum-ask.cjs),
// which bin/tusk runs for a command line whose first word is a verb, and the whole tree's (main.cjs, its chunks
// named tree-*), for the others. Each has its own copy of the shared code, so neither requires the other's files.
const builds = [
  await bundle({ 'verb-main': 'src/cli/main.ts', 'next-datum-ask': 'src/cli/next-datum-ask.ts' }, verbChunks, '[name]-[hash]'),
  await bundle({ main: 'src/cli/main.ts' }, wholeTree, 'tree-[name]-[hash]'),
];
const outputFiles = builds.flatMap((b) => b.outputFiles);
const outputs = builds.flatMap((b) => Object.entries(b.metafile.outputs));
const treeFiles = Object.keys(builds[1].metafile.outputs).map((path) => basename(path));
if (treeFiles.some((name) => name !== PACKED_ENTRY && !name.startsWith('tree-'))) throw new Error(`the whole tree's build wrote ${treeFiles.join(', ')}: all but main.cjs should be tree-*`);
if (new Set(outputFiles.map((f) => basename(f.path))).size !== outputFiles.length) throw new Error('the two builds wrote files of the same name');

await rm(outdir, { recursive: true, force: true });
await mkdir(join(outdir, 'v8-cache'), { recursive: true });
const files = {};
const wrapped = new Map();
for (const output of outputFiles) {
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
  const body = lazyBuiltins(cjs);
  if (/\bimport\(/.test(body)) throw new Error(`${output.path}: an import() is left in the CommonJS bundle`);
  wrapped.set(basename(output.path), `${WRAPPER_HEAD}${body}${WRAPPER_TAIL}`);
}
const byName = new Map(outputs.map(([path, output]) => [basename(path), output]));
/** The file esbuild made of a module imported with import(), e.g. 'tusk-verb:version' or src/cli/commands/index.ts. */
function chunkOf(entryPoint) {
  const names = [...byName].filter(([, output]) => output.entryPoint === entryPoint).map(([name]) => name);
  if (names.length !== 1) throw new Error(`esbuild made ${names.length} files of ${entryPoint}`);
  return names[0];
}
// The packs: main.cjs holds the whole command tree (`tusk --help`, `tusk help`, completion, a typo's suggestion);
// main-VERB.cjs holds main and VERB's commands only (verb-main.cjs and its chunk), what bin/tusk loads for `tusk VERB`.
const packs = new Map([[PACKED_ENTRY, pack([PACKED_ENTRY])]]);
for (const verb of VERBS.keys()) packs.set(`main-${verb}.cjs`, pack([VERB_ENTRY, chunkOf(`tusk-verb:${verb}`)]));
for (const [name, code] of [...[...wrapped].filter(([name]) => !packs.has(name)).map(([name, text]) => [name, `${text};`]), ...packs]) {
  await writeFile(join(outdir, name), code);
  files[name] = { sha256: createHash('sha256').update(code).digest('hex'), length: code.length };
}
/**
 * The files `starts` name and every chunk they require when they start (their static imports, transitively), as one
 * file: one read and one code cache instead of one of each per file (the CLI's entry and a verb need ten or more).
 * The chunks are also written alone, for the chunks loaded later and the other entry, which require them by name;
 * the loader runs each once.
 */
function pack(starts) {
  const names = [...starts];
  for (let i = 0; i < names.length; i++) {
    for (const imported of byName.get(names[i]).imports) {
      const chunk = basename(imported.path);
      if (imported.kind === 'import-statement' && !imported.external && wrapped.has(chunk) && !names.includes(chunk)) names.push(chunk);
    }
  }
  return `${PACK_HEAD}\n${names.map((n) => `${JSON.stringify(n)}:${wrapped.get(n)}`).join(',\n')}})`;
}

// One file a line: the loader (bin/tusk) parses only the line of the file it loads.
await writeFile(join(outdir, 'bundle.json'), `{"files":{\n${Object.entries(files).map(([name, entry]) => `${JSON.stringify(name)}:${JSON.stringify(entry)}`).join(',\n')}\n}}\n`);

// The code caches of what every command runs first (loading, one command's definition, parsing, printing): each
// verb's pack trained on its first command's help (`tusk create repo --help`: the cache of all commands'
// definitions and the whole help cost every start ~0.8 ms more to read and run), the whole tree's on `tusk --help`,
// and `tusk next datum`'s fast path (user code in a sandbox, where the bundle folder may be read-only, runs it once
// per datum).
if (outdirArg < 0) {
  const training = [['--help'], ...[...VERBS.values()].map(([first]) => [...first.words, '--help']), ['next', 'datum', '--help']];
  for (const args of training) {
    const help = spawnSync(process.execPath, [join(root, 'bin', 'tusk'), ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (help.status !== 0) throw new Error(`bin/tusk ${args.join(' ')} exited ${help.status} after bundling`);
  }
}
