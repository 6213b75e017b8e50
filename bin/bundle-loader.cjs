// Loads the CLI bundle (dist/bundle/cli, CommonJS, see scripts/bundle-cli.mjs)
// with a V8 code cache, for bin/tusk and bin/sandbox/pachctl. Node 20 has no
// compile cache (module.enableCompileCache is Node 22), so this is the
// v8-compile-cache approach: each bundle file is compiled as a vm.Script with
// the cachedData stored beside it, and V8 skips parsing and compiling what
// the cache holds. Caches are named by the file's sha256 (from bundle.json,
// written by the build) and the Node version and architecture, so a rebuilt
// bundle or another Node never meets a stale cache. A missing cache, or one
// V8 refused (other V8 flags, a damaged file), is written when the process
// exits; the build writes those of each verb's first command's help, `tusk
// --help` and `tusk next datum --help`. The build writes the entry and the
// chunks it needs at start as one file, a pack: one read and one cache
// instead of ten; for `tusk VERB`, bin/tusk asks for the pack of main and that
// verb's commands only. A bundle folder that cannot be written (a read-only
// install, a sandbox) just runs without. Caches live only beside the code: a cache is code, so whoever can
// write it could already change the bundle.
'use strict';
const { readFileSync, writeFileSync, renameSync, unlinkSync } = require('node:fs');
const { join, dirname } = require('node:path');
const { Script } = require('node:vm');

const BUNDLE = join(__dirname, '..', 'dist', 'bundle', 'cli');
const MANIFEST = join(BUNDLE, 'bundle.json');
const CACHE_DIR = join(BUNDLE, 'v8-cache');
/** How every file the build writes begins (scripts/bundle-cli.mjs): Node's CommonJS function wrapper... */
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';
/** ...or, for a pack (the entry and the chunks it needs at start, in one file), an object of those wrappers by name. */
const PACK = '({';
/** Bundle files loaded so far, by absolute path: their module objects. */
const loaded = new Map();
/** The wrappers of the files packs held, by absolute path: run when the file is first required. */
const packed = new Map();
/** Scripts compiled without a usable cache, to write theirs at exit. */
const uncached = [];
let manifest;

/**
 * The exports of a bundle file, e.g. load('main.cjs'); read from the pack `from` when it is not loaded yet and the
 * build wrote that pack (bin/tusk: main-VERB.cjs, main with one verb's commands), else from its own file.
 */
function load(name, from) {
  const file = join(BUNDLE, name);
  if (from !== undefined && !loaded.has(file) && !packed.has(file) && listed(from)) compile(join(BUNDLE, from));
  return requireBundled(file);
}

/** Whether bundle.json lists the file `name` (any other name, `main-../x.cjs` say, is not one of the build's files). */
function listed(name) {
  manifest ??= readManifest();
  return Object.hasOwn(manifest, name);
}

function requireBundled(file) {
  const known = loaded.get(file);
  if (known) return known.exports;
  const wrapper = packed.get(file) ?? compile(file);
  const module = { exports: {}, filename: file, id: file, loaded: false };
  loaded.set(file, module);
  // The bundle requires its own files ('./chunk-X.cjs') and Node's modules (node:fs); only a path the CLI
  // never takes requires a package (@grpc/proto-loader, see scripts/bundle-cli.mjs).
  const bundledRequire = (id) => (id.startsWith('./') ? requireBundled(join(BUNDLE, id.slice(2))) : require(id));
  wrapper.call(module.exports, module.exports, bundledRequire, module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

/** The CommonJS wrapper function of a bundle file, compiled with its cache; a pack's files are kept in `packed`. */
function compile(file) {
  const source = readFileSync(file, 'utf8');
  const cacheFile = cachePath(file, source);
  let cachedData;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // no cache yet
    }
  }
  // The build writes each file inside the CommonJS function wrapper, so it is compiled as read (joining the
  // wrapper and the text here made V8 copy the whole text once more); a file without it is wrapped here.
  const asRead = source.startsWith(WRAPPER) || source.startsWith(PACK);
  const script = new Script(asRead ? source : require('node:module').wrap(source), { filename: file, cachedData });
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) uncached.push({ script, cacheFile });
  const value = script.runInThisContext();
  if (typeof value === 'function') return value;
  // A file loaded alone before (a chunk that `tusk next datum` needs too) keeps its module: each runs once.
  for (const [name, wrapper] of Object.entries(value)) {
    const path = join(BUNDLE, name);
    if (!loaded.has(path)) packed.set(path, wrapper);
  }
  return packed.get(file);
}

/** Where the cache for this source lives, or undefined when the build listed no such file (then none is used). */
function cachePath(file, source) {
  manifest ??= readManifest();
  const entry = manifest[file.slice(BUNDLE.length + 1)];
  if (!entry || entry.length !== source.length) return undefined;
  return join(CACHE_DIR, `${entry.sha256}-${process.version}-${process.arch}.bin`);
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(MANIFEST, 'utf8')).files;
  } catch {
    return {};
  }
}

/** Writes the caches this process compiled without one; each by a private name, then renamed into place. */
function writeCaches() {
  for (const { script, cacheFile } of uncached) {
    const temporary = `${cacheFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    try {
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      try {
        unlinkSync(temporary);
      } catch {
        // nothing was written
      }
    }
  }
}

process.once('exit', writeCaches);

module.exports = { load };
