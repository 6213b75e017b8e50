import { describe, expect, it } from 'vitest';
import { parseJobRef } from './refs.js';
import { isUsageError } from './usage.js';

describe('parseJobRef', () => {
  const id = '0123456789abcdef0123456789abcdef';

  it('splits PIPELINE@JOB_ID', () => {
    expect(parseJobRef(`edges@${id}`)).toEqual({ pipeline: 'edges', id });
  });

  it('refuses anything else as a usage error', () => {
    for (const bad of ['edges', `@${id}`, 'edges@master', `edges@${id.toUpperCase()}`, `edges@${id}0`, id]) {
      let err: unknown;
      try {
        parseJobRef(bad);
      } catch (e) {
        err = e;
      }
      expect(isUsageError(err), bad).toBe(true);
    }
  });
});
