import { describe, expect, it } from 'vitest';
import { parsePipelineSpec } from './spec-parse.js';
import { specDocument } from './spec-document.js';

const SPECS = [
  'pipeline: {name: edges}\ninput: {pfs: {repo: images, glob: "/*"}}\ntransform: {cmd: [python3, /edges.py], image: pachyderm/opencv}\n',
  JSON.stringify({
    pipeline: { name: 'joined' },
    description: 'a join',
    input: { join: [{ pfs: { repo: 'a', glob: '/(*).txt', joinOn: '$1', outerJoin: true } }, { pfs: { repo: 'b', branch: 'dev', glob: '/(*).csv', join_on: '$1', name: 'bee' } }] },
    transform: { cmd: ['sh'], stdin: ['echo hi'], env: { A: '1' }, acceptReturnCode: [3], errCmd: ['true'] },
    parallelismSpec: { constant: 4 },
    datum_tries: 5,
    datumTimeout: '1m30s',
    job_timeout: '1h',
    resource_limits: { memory: '1G', cpu: 2 },
    reprocess_spec: 'every_job',
    salt: 's',
  }),
  'pipeline: {name: ticks}\ninput: {cross: [{cron: {name: tick, spec: "@every 1m", overwrite: true}}, {pfs: {repo: r, glob: "/", lazy: true}}]}\ntransform: {cmd: [ls]}\n',
];

describe('specDocument', () => {
  it.each(SPECS)('writes a spec that parses back to the same spec: %#', (text) => {
    const spec = parsePipelineSpec(text);
    const doc = specDocument(spec);
    expect(parsePipelineSpec(JSON.stringify(doc))).toEqual(spec);
    expect(doc).toHaveProperty('pipeline.name', spec.name);
  });
});
