import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TuskError } from '../errors/index.js';
import type { Pipeline } from '../client/index.js';
import { readSpecText, sendSpecs, specName, splitSpecs } from './spec-files.js';

describe('splitSpecs', () => {
  it('sends a single spec as written, so the daemon\'s line numbers stay right', () => {
    const text = 'pipeline:\n  name: a\n';
    expect(splitSpecs(text)).toEqual([text]);
    expect(splitSpecs('{"pipeline": {"name": "a"}}')).toEqual(['{"pipeline": {"name": "a"}}']);
  });

  it('cuts YAML documents and concatenated JSON objects into one spec each', () => {
    const yaml = 'pipeline:\n  name: a\n---\npipeline:\n  name: b\n';
    expect(splitSpecs(yaml).map((t) => JSON.parse(t).pipeline.name)).toEqual(['a', 'b']);
    const json = '{"pipeline": {"name": "a"}}\n{"pipeline": {"name": "b"}}\n';
    expect(splitSpecs(json).map((t) => JSON.parse(t).pipeline.name)).toEqual(['a', 'b']);
  });

  it('leaves text that does not parse to the daemon', () => {
    const broken = 'pipeline: [\n';
    expect(splitSpecs(broken)).toEqual([broken]);
  });

  it('finds a spec\'s pipeline name for messages', () => {
    expect(specName('pipeline:\n  name: edges\n')).toBe('edges');
    expect(specName('transform: {}\n')).toBe('');
  });
});

describe('readSpecText', () => {
  it('reads standard input for -', async () => {
    expect(await readSpecText('-', Readable.from([Buffer.from('pipeline:\n'), Buffer.from('  name: a\n')]))).toBe('pipeline:\n  name: a\n');
  });

  it('names an empty file or standard input', async () => {
    await expect(readSpecText('-', Readable.from([Buffer.from(' \n\n')]))).rejects.toThrow(/^standard input: the spec is empty$/);
  });

  it('names the file it cannot read', async () => {
    await expect(readSpecText('/nonexistent/spec.yaml', Readable.from([]))).rejects.toThrow(/^\/nonexistent\/spec\.yaml: no such file or directory$/);
  });
});

describe('sendSpecs', () => {
  const ok = (text: string) => Promise.resolve({ name: JSON.parse(text).pipeline.name } as Pipeline);

  it('creates in order and names the spec that failed, keeping the error\'s code', async () => {
    const sent: string[] = [];
    const texts = splitSpecs('{"pipeline": {"name": "a"}}{"pipeline": {"name": "b"}}');
    const err = await sendSpecs(texts, async (t) => {
      const p = await ok(t);
      sent.push(p.name);
      if (p.name === 'b') throw new TuskError('invalid_argument', 'InvalidSpec', 'transform.cmd: required');
      return p;
    }).catch((e: unknown) => e);
    expect(sent).toEqual(['a', 'b']);
    expect(err).toMatchObject({ code: 'InvalidSpec', kind: 'invalid_argument', message: 'spec 2 of 2 (b): transform.cmd: required' });
  });

  it('passes a single spec\'s error through unchanged', async () => {
    const original = new TuskError('not_found', 'RepoNotFound', 'repo "x" not found');
    await expect(sendSpecs(['{}'], () => Promise.reject(original))).rejects.toBe(original);
  });
});
