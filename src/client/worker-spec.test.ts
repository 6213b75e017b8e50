import { describe, expect, test } from 'vitest';
import { BadWorkerMessage } from '../errors/index.js';
import type { WorkerSpec } from '../gen/tusk/pps.js';
import { checkWorkerSpec } from './worker-spec.js';

const spec: WorkerSpec = { cmd: ['sh'], stdin: [], env: {}, errCmd: [], errStdin: [], acceptReturnCode: [], workingDir: '', datumBatching: false, datumTries: 3, datumTimeoutMs: 0 };

describe('a worker spec on receipt', () => {
  test('is taken as it is when a worker can run by it', () => {
    expect(checkWorkerSpec(spec)).toBe(spec);
  });

  test('is refused, naming the field, when it is missing or a worker could not run by it', () => {
    expect(() => checkWorkerSpec(undefined)).toThrow(BadWorkerMessage);
    expect(() => checkWorkerSpec({ ...spec, cmd: [] })).toThrow('bad worker spec: no cmd');
    expect(() => checkWorkerSpec({ ...spec, datumTries: 0 })).toThrow(/datum_tries 0/);
    expect(() => checkWorkerSpec({ ...spec, datumTimeoutMs: -1 })).toThrow(/datum_timeout_ms -1/);
  });
});
