import { describe, expect, it } from 'vitest';
import { fakeEntry } from './fake-entries.js';
import { compileGlob, globTree } from './glob.js';
import { compileGlobMachine } from './glob-machine.js';
import { MAX_GLOB_NESTING, parseGlobSyntax } from './glob-syntax.js';
import { buildSorted, sortEntries } from './mutate.js';
import { NodeMap } from './node-map.js';

const machine = (pattern: string) => {
  const { nodes, groups } = parseGlobSyntax(pattern);
  return compileGlobMachine(nodes, groups);
};
const PATHOLOGICAL = '/*?*?*?*?*?*?*?*?z'; // 41 s per 5,000-character name with a backtracking regex
const longName = (n: number) => '/' + 'r'.repeat(n);

describe('glob matching is linear in the path whatever the pattern', () => {
  it('answers the pathological pattern on a 5,000-character name at once (glob file and datum globs)', () => {
    expect(compileGlob(PATHOLOGICAL)(longName(5000))).toBe(false);
    expect(compileGlob('/' + '*?'.repeat(40) + 'z')(longName(5000))).toBe(false);
    expect(machine('/(' + '*?'.repeat(20) + ')z').exec(longName(5000))).toBeUndefined();
    expect(machine('/(' + '*?'.repeat(20) + ')r').exec(longName(5000))).toEqual([longName(5000), 'r'.repeat(4999)]);
  });

  it('takes steps proportional to the path length: double the name, at most double the steps', () => {
    for (const pattern of [PATHOLOGICAL, '/(*?*?*?*?*?*?)r', '/!(*?*?*?*?)z', '/**a**a**a**a**b', '/*(a|*(a|aa))b']) {
      const steps = (n: number, capture: boolean) => {
        const stats = { steps: 0 };
        const m = machine(pattern); // a fresh machine: no cached DFA states from an earlier run
        if (capture) m.exec(longName(n).replace(/r/g, 'a'), stats);
        else m.test(longName(n), stats);
        return stats.steps;
      };
      for (const capture of [false, true]) {
        const small = steps(2000, capture);
        const large = steps(4000, capture);
        expect(large, `${pattern} capture=${capture}`).toBeLessThanOrEqual(2.1 * small);
        expect(small, pattern).toBeLessThanOrEqual(2000 * 4 * pattern.length);
      }
    }
  });

  it('gives the event loop back during one long match', async () => {
    const m = machine('/(' + '*?'.repeat(40) + ')r');
    let pauses = 0;
    const captures = await m.execAsync(longName(20_000), async () => {
      pauses++;
    });
    expect(captures?.[1]).toBe('r'.repeat(19_999));
    expect(pauses).toBeGreaterThan(10);
  });

  it('refuses deep nesting with a reason instead of overflowing the stack', () => {
    const deep = '/' + '{a,'.repeat(5000) + 'a' + '}'.repeat(5000);
    expect(() => compileGlob(deep)).toThrow(expect.objectContaining({ code: 'InvalidGlob' }));
    const nested = (d: number) => '/' + '{a,'.repeat(d) + 'a' + '}'.repeat(d);
    expect(() => compileGlob(nested(MAX_GLOB_NESTING + 1))).toThrow(/nests groups and braces deeper than 32 levels/);
    expect(compileGlob(nested(MAX_GLOB_NESTING))('/a')).toBe(true);
    expect(() => compileGlob('/' + '('.repeat(200))).toThrow(/deeper than/);
  });
});

describe('a glob walk', () => {
  async function bigTree(n: number) {
    const entries = sortEntries(Array.from({ length: n }, (_, i) => fakeEntry(`/d${i % 10}/${'r'.repeat(300)}${i}`)));
    const store = new NodeMap();
    const { root } = await buildSorted(entries, store.load, store.sink);
    return { store, root };
  }

  it('lets timers run while it walks and stops when its caller aborts', async () => {
    const { store, root } = await bigTree(3000);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), 1); // fires only if the walk gives the event loop back
    let seen = 0;
    // '!(…)' keeps the matcher on its slower path: the walk takes far longer than one time slice
    const walk = (async () => {
      for await (const _ of globTree(store.load, root, '/*/!(' + '*?'.repeat(10) + ')z', { signal: abort.signal })) seen++;
    })();
    await expect(walk).rejects.toMatchObject({ name: 'AbortError' });
    clearTimeout(timer);
    expect(seen).toBe(0);
  });
});
