// Fuzzing the glob automaton (issue 18, points 1 and 10): on random patterns
// and paths it agrees with a backtracking reference (captures included) for
// datum globs and with picomatch for `glob file`, and its work grows linearly
// with the path whatever the pattern. Pure: no daemon.
import fc from 'fast-check';
import picomatch from 'picomatch';
import { afterAll, describe, expect, it } from 'vitest';
import { compileDatumGlob, normalizeGlob } from '../../src/pps/glob.js';
import { compileGlob } from '../../src/tree/glob.js';
import { budget, FuzzStats } from './budget.js';
import { referenceGlob, tameForReference } from './reference-glob.js';

const correctness = new FuzzStats('glob matcher vs reference');
const timing = new FuzzStats('glob matcher time (in process)');
afterAll(() => {
  correctness.report();
  timing.report();
});

/** Glob pieces, built so that every pattern parses; `ext` nests them. */
const piece: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { maxDepth: 2, withCrossShrink: true }, // deeper nesting makes the backtracking reference exponential
    fc.constantFrom('a', 'b', 'ab', '/', '*', '?', '**', '[ab]', '[!a]', '[a-c]', '.', '\\*', 'é'),
    fc.tuple(fc.constantFrom('@(', '?(', '*(', '+(', '!(', '('), fc.array(tie('p'), { minLength: 1, maxLength: 2 }), fc.array(tie('p'), { maxLength: 2 })).map(([open, a, b]) => `${open}${a.join('')}${b.length ? '|' + b.join('') : ''})`),
    fc.tuple(fc.array(tie('p'), { maxLength: 2 }), fc.array(tie('p'), { maxLength: 2 })).map(([a, b]) => `{${a.join('')},${b.join('')}}`),
  ),
})).p;
const pattern = fc.array(piece, { minLength: 1, maxLength: 4 }).map((ps) => '/' + ps.join(''));
const path = fc.array(fc.constantFrom('a', 'b', 'c', '/', '.', '*', 'é'), { minLength: 0, maxLength: 6 }).map((cs) => '/' + cs.join('')); // short: the reference backtracks

describe('glob automaton against references', () => {
  const b = budget(0.35);
  it('datum globs: the same matches and captures as the backtracking RegExp', () => {
    fc.assert(
      fc.property(pattern.filter((p) => tameForReference(normalizeGlob(p))), fc.array(path, { minLength: 1, maxLength: 8 }), (p, paths) => {
        const ref = referenceGlob(normalizeGlob(p));
        const g = compileDatumGlob(p);
        for (const x of paths) {
          correctness.tried++;
          const want = ref.exec(x);
          const got = g.match(x);
          // captures too, except where a repeated group can match nothing (see referenceGlob)
          const same = ref.emptyLoop ? (got === undefined) === (want === undefined) : JSON.stringify(got) === JSON.stringify(want);
          if (!same) correctness.crashes++;
          if (ref.emptyLoop) expect(got !== undefined, `${p} on ${x}`).toBe(want !== undefined);
          else expect(got, `${p} on ${x}`).toEqual(want);
        }
      }),
      b.params,
    );
  }, b.timeout);

  const simpleSeg = fc.array(fc.constantFrom('a', 'b', '*', '?', '[ab]', '[!b]', '.'), { minLength: 1, maxLength: 3 }).map((s) => s.join('')).filter((s) => !s.includes('**')); // picomatch's '**' inside a segment has rules of its own (braces too: the datum reference covers those)
  // '**' only as the last segment: picomatch has quirks of its own with '**' elsewhere ('/**/[ab]/*' misses '/b/c')
  const treePattern = fc.tuple(fc.array(simpleSeg, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([s, tail]) => '/' + s.join('/') + (tail && !/[*?[]/.test(s[s.length - 1]!) ? '/**' : '')); // picomatch: 'dir/**' matches 'dir' only for a literal dir
  const segment = fc.array(fc.constantFrom('a', 'b', '.', 'c'), { minLength: 1, maxLength: 3 }).map((s) => s.join('')).filter((s) => !s.startsWith('.')); // picomatch has rules of its own for leading dots; Tusk treats dotfiles like any name
  const treePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/'));
  const b2 = budget(0.25);
  it('glob file: the same matches as picomatch on the syntax they share', () => {
    fc.assert(
      fc.property(treePattern, fc.array(treePath, { minLength: 1, maxLength: 8 }), (p, paths) => {
        const mine = compileGlob(p);
        const theirs = picomatch(p, { dot: true, posix: true, nonegate: true, strictBrackets: true });
        for (const x of paths) {
          correctness.tried++;
          const want = theirs(x);
          if (mine(x) !== want) correctness.crashes++;
          expect(mine(x), `${p} on ${x}`).toBe(want);
        }
      }),
      b2.params,
    );
  }, b2.timeout);
});

describe('glob automaton time', () => {
  const bigPattern = fc.array(fc.oneof(piece, fc.constantFrom('*?', '*?*?', '**', '(*)', '!(*?)')), { minLength: 1, maxLength: 40 }).map((ps) => '/' + ps.join(''));
  const b = budget(0.4);
  it('work grows linearly with the path, whatever the pattern', async () => {
    await fc.assert(
      fc.asyncProperty(bigPattern, fc.constantFrom('a', 'ab', 'a/b', 'r'), fc.integer({ min: 500, max: 3000 }), async (p, unit, n) => {
        const text = (k: number) => '/' + unit.repeat(k); // k whole units: both lengths end alike
        const run = (k: number) => {
          const stats = { steps: 0 };
          const matched = compileDatumGlob(p).match(text(k), stats) !== undefined;
          return { steps: stats.steps, matched };
        };
        timing.tried++;
        const start = performance.now();
        const small = run(n);
        const large = run(2 * n);
        timing.saw(performance.now() - start, p);
        // O(path × pattern): each character costs at most a few steps per instruction, per look-ahead
        const looks = p.split('!(').length;
        expect(large.steps, p).toBeLessThanOrEqual((2 * n + 2) * (looks + 1) * 12 * p.length);
        // and with the same outcome, twice the path is at most about twice the work
        if (small.matched === large.matched) expect(large.steps, p).toBeLessThanOrEqual(2.2 * small.steps + 40 * p.length + 1000);
        // and one match never holds the event loop for long: it yields between chunks
        let longest = 0;
        let last = performance.now();
        await compileDatumGlob(p).matchAsync(text(2 * n), async () => {
          longest = Math.max(longest, performance.now() - last);
          await new Promise((r) => setImmediate(r));
          last = performance.now();
        });
        expect(longest, p).toBeLessThan(1000); // a chunk is ~20,000 steps: milliseconds, even on a loaded machine
      }),
      b.params,
    );
  }, b.timeout);
});
