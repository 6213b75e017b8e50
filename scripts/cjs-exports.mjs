// For scripts/bundle-cli.mjs: a cheaper `module.exports` for each CommonJS
// file of the CLI bundle. esbuild's ESM-to-CommonJS output builds a file's
// exports in two steps: `__export(x_exports, {A: () => A, ...})` defines one
// getter at a time on an empty object (Object.defineProperty per export), then
// `module.exports = __toCommonJS(x_exports)` copies every getter once more onto
// a second object (another defineProperty each, and a getter that calls the
// first). For the errors chunk's 67 exports that was ~0.4 ms of every start.
// Here the same getters are written as one object literal, which is the
// module's exports: the same live bindings (a getter reads the binding each
// time, so a later assignment and a not-yet-initialized class behave as
// before), enumerable as before, and `__esModule` defined as esbuild did (not
// enumerable), for `__toESM` in the files that import it. The one difference
// is that each export is configurable; nothing deletes or redefines them.
// The build fails when a file still has esbuild's form after the rewrite, so
// a change in esbuild's output cannot drop the rewrite silently.

const EXPORTS = /var ([\w$]+)=\{\};__export\(\1,\{([^}]*)\}\);module\.exports=__toCommonJS\(\1\);/g;
/** One entry of esbuild's export map: `name:()=>local` or `"odd name":()=>import_x.name`. */
const ENTRY = /^([\w$]+|"[^"\\]*"):\(\)=>([\w$]+(?:\.[\w$]+)?)$/;

/** The minified CommonJS `code` with esbuild's exports (`__export` + `__toCommonJS`) as one object of getters. */
export function cheapExports(code) {
  const rewritten = code.replace(EXPORTS, (whole, object, entries) => {
    const getters = (entries === '' ? [] : entries.split(',')).map((entry) => {
      const parts = ENTRY.exec(entry);
      if (!parts) throw new Error(`cheapExports: an export entry of an unknown shape: ${entry}`);
      return `get ${parts[1]}(){return ${parts[2]}}`;
    });
    return `var ${object}={${getters.join(',')}};__defProp(${object},"__esModule",{value:!0});module.exports=${object};`;
  });
  if (/module\.exports=__toCommonJS\(/.test(rewritten)) throw new Error('cheapExports: esbuild\'s `module.exports=__toCommonJS(...)` is left in a bundle file (esbuild\'s output changed?)');
  return rewritten;
}
