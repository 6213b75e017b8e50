// Jsonnet templates: arguments checked, jsonnet's errors cut to one line, and
// (when the jsonnet command is installed) a real evaluation.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateTemplate, jsonnetProblem, templateArgs } from './jsonnet.js';

const hasJsonnet = (() => {
  try {
    execFileSync('jsonnet', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('template arguments', () => {
  it('takes NAME=VALUE pairs, the value may hold =, and refuses anything else naming the pair', () => {
    expect(templateArgs(['suffix=1', 'src=a=b', 'empty='])).toEqual([['suffix', '1'], ['src', 'a=b'], ['empty', '']]);
    expect(() => templateArgs(['novalue'])).toThrow(/--arg "novalue": expected NAME=VALUE/);
    expect(() => templateArgs(['9x=1'])).toThrow(/--arg "9x=1"/);
  });
});

describe("jsonnet's error output", () => {
  it('is one line: the message without its ERROR prefix, and where, with standard input named as the user gave it', () => {
    const runtime = 'RUNTIME ERROR: boom\n\t<stdin>:1:5-17\tobject <anonymous>\n\tDuring manifestation\t\n';
    expect(jsonnetProblem(runtime, { text: '', name: 'https://example.com/t.jsonnet' })).toBe('boom (at https://example.com/t.jsonnet:1:5-17)');
    expect(jsonnetProblem('STATIC ERROR: t.jsonnet:1:5: Unknown variable: b\n', { path: 't.jsonnet' })).toBe('t.jsonnet:1:5: Unknown variable: b');
    expect(jsonnetProblem('', { path: 't.jsonnet' })).toBe('the template failed to evaluate');
  });
});

describe('without the jsonnet command', () => {
  it('says which command is missing and how to install it', async () => {
    const err = await evaluateTemplate({ text: '{a: 1}', name: 'x' }, [], { maxBytes: 1 << 20, env: { PATH: tmpdir() } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'JsonnetMissing', message: expect.stringMatching(/jsonnet command, which is not on PATH \(Debian\/Ubuntu: apt-get install jsonnet/) });
  });
});

describe.skipIf(!hasJsonnet)('evaluating with the jsonnet command', () => {
  it('gives one spec per item, passes --arg as top-level strings, and names the template on an error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-jsonnet-'));
    try {
      const path = join(dir, 'edges.jsonnet');
      await writeFile(path, 'function(suffix, src) [{ pipeline: { name: "edges-" + suffix }, input: { pfs: { repo: src, glob: "/*" } } }, { pipeline: { name: "montage-" + suffix } }]\n');
      const specs = await evaluateTemplate({ path }, [['suffix', '1'], ['src', 'images']], { maxBytes: 1 << 20 });
      expect(specs.map((s) => JSON.parse(s))).toEqual([{ pipeline: { name: 'edges-1' }, input: { pfs: { repo: 'images', glob: '/*' } } }, { pipeline: { name: 'montage-1' } }]);
      await expect(evaluateTemplate({ path }, [['suffix', '1']], { maxBytes: 1 << 20 })).rejects.toThrow(`${path}: function parameter src not bound in call.`);
      await expect(evaluateTemplate({ text: '{ a: 1 }', name: 'standard input' }, [], { maxBytes: 4 })).rejects.toThrow(/standard input: the template gives more than 4 bytes/);
      await expect(evaluateTemplate({ text: '"just a string"', name: 'standard input' }, [], { maxBytes: 1 << 20 })).rejects.toThrow(/standard input: the template is not a pipeline spec/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
