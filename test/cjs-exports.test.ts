// scripts/cjs-exports.mjs: a CommonJS file of the CLI bundle, its exports
// rewritten as one object of getters, exports what esbuild's own output does:
// the same names and values, enumerable, `__esModule` hidden, and bindings
// read live (a later assignment shows). A module is turned into
// CommonJS as the CLI build does it (ESM first, then esbuild's transform to
// CommonJS, minified) and run with and without the rewrite.
import { build, transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a build script without type declarations
import { cheapExports } from '../scripts/cjs-exports.mjs';

const rewrite = cheapExports as (code: string) => string;

const MODULE = `
  export class Base extends Error {}
  export class Child extends Base { constructor(readonly what: string) { super(what); } }
  export function make(what: string) { return new Child(what); }
  export let counter = 0;
  export function bump() { counter += 1; }
  export const table = { a: 1 };
  export { table as 'odd-name' };
  export default 'the default';
`;

/** `MODULE` as the CLI build writes a file: ESM output of a bundle, then CommonJS, minified. */
async function commonJs(source: string): Promise<string> {
  const esm = await build({ stdin: { contents: source, loader: 'ts' }, bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'error' });
  const minify = { minifyWhitespace: true, minifySyntax: true };
  return (await transform(esm.outputFiles[0]!.text, { format: 'cjs', target: 'node20', ...minify, logLevel: 'error' })).code;
}

/** Runs CommonJS `code` as a module and returns its exports. */
function run(code: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function('exports', 'require', 'module', code)(module.exports, () => ({}), module);
  return module.exports;
}

describe("a bundle file's exports as one object of getters", () => {
  it("export the same names and values as esbuild's own", async () => {
    const code = await commonJs(MODULE);
    expect(code).toContain('module.exports=__toCommonJS(');
    const rewritten = rewrite(code);
    expect(rewritten).not.toContain('module.exports=__toCommonJS(');
    const before = run(code);
    const after = run(rewritten);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect(Object.keys(after).sort()).toEqual(['Base', 'Child', 'bump', 'counter', 'default', 'make', 'odd-name', 'table']);
    expect(Object.getOwnPropertyDescriptor(after, '__esModule')).toMatchObject({ value: true, enumerable: false });
    for (const key of Object.keys(before)) expect(Object.getOwnPropertyDescriptor(after, key)).toMatchObject({ enumerable: true, get: expect.any(Function) });
    expect(after).toMatchObject({ default: 'the default', 'odd-name': { a: 1 }, table: { a: 1 } });
    expect(after['odd-name']).toBe(after.table);
    const made = (after.make as (w: string) => Error)('x');
    expect(made).toBeInstanceOf(after.Child as typeof Error);
    expect(made).toBeInstanceOf(after.Base as typeof Error);
  });

  it('read the bindings live, as esbuild\'s getters do', async () => {
    const after = run(rewrite(await commonJs(MODULE)));
    expect(after.counter).toBe(0);
    (after.bump as () => void)();
    expect(after.counter).toBe(1);
  });

  it('leave a file without exports as it is, and refuse an export map of a shape they do not know', async () => {
    const none = await commonJs('console.log(1);');
    expect(rewrite(none)).toBe(none);
    const odd = 'var x_exports={};__export(x_exports,{a:()=>f()});module.exports=__toCommonJS(x_exports);';
    expect(() => rewrite(odd)).toThrow(/unknown shape/);
    const other = 'var x_exports={};__export(x_exports,{a:()=>a}),module.exports=__toCommonJS(x_exports);';
    expect(() => rewrite(other)).toThrow(/is left in a bundle file/);
  });
});
