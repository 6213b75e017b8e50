import { describe, expect, it } from 'vitest';
import { lastWords, OutputTail, StartFailures } from './crash-loop.js';

describe('StartFailures', () => {
  it('counts a crash loop only after starts in a row that each ended before coming up', () => {
    const f = new StartFailures({ earlyExitMs: 10_000, inARow: 3 });
    expect(f.ended(400)).toBe(false);
    expect(f.ended(9_999)).toBe(false);
    expect(f.ended(300)).toBe(true);
    expect(f.ended(300)).toBe(true); // still looping
    expect(f.inARow).toBe(4);
  });

  it('forgets earlier failed starts once a start stays up, or a process dies late (a worker lost mid-work)', () => {
    const f = new StartFailures({ earlyExitMs: 10_000, inARow: 3 });
    f.ended(100);
    f.ended(100);
    f.cameUp();
    expect(f.ended(100)).toBe(false);
    f.ended(100);
    expect(f.ended(60_000)).toBe(false);
    expect(f.inARow).toBe(0);
    expect(f.ended(100)).toBe(false);
  });
});

describe('lastWords', () => {
  it("picks the error line of Node's report of a module that does not parse", () => {
    const out = [
      'file:///opt/tusk/dist/worker/main.bundle.mjs:4711',
      'this is not javascript(',
      '     ^^',
      '',
      "SyntaxError: Unexpected identifier 'is'",
      '    at ModuleLoader.moduleStrategy (node:internal/modules/esm/translators:168:18)',
      '    at async ModuleJob._link (node:internal/modules/esm/module_job:148:19)',
      '',
      'Node.js v20.20.2',
      '',
    ].join('\n');
    expect(lastWords(out)).toBe("SyntaxError: Unexpected identifier 'is'");
  });

  it('prefers the message of the last JSON error log line, with its event', () => {
    const out = [
      '{"level":"info","event":"worker_starting"}',
      '{"time":"t","level":"error","event":"worker_failed","message":"connect ECONNREFUSED 127.0.0.1:1650","stack":"Error: connect ECONNREFUSED\\n    at x"}',
    ].join('\n');
    expect(lastWords(out)).toBe('worker_failed: connect ECONNREFUSED 127.0.0.1:1650');
  });

  it('falls back to the last plain line, clipped to one short line, and says nothing for silence', () => {
    expect(lastWords('starting\ncannot open /var/x: permission denied\n')).toBe('cannot open /var/x: permission denied');
    const long = lastWords(`Error: ${'x'.repeat(1000)}`);
    expect(long.length).toBe(300);
    expect(long.endsWith('…')).toBe(true);
    expect(lastWords('\n\n')).toBe('');
  });
});

describe('OutputTail', () => {
  it('keeps only the last bytes of a long output', () => {
    const tail = new OutputTail(10);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n`));
    expect(tail.toString()).toBe('8\nline 99\n');
    expect(tail.toString().length).toBe(10);
  });
});
