import { describe, expect, test } from 'vitest';
import * as errors from './index.js';
import { ERROR_CLASSES_BY_CODE, ERROR_CLASSES_BY_KIND } from './known-errors.js';

type AnyClass = new (...args: unknown[]) => errors.TuskError;

/** An instance of an error class, made with placeholder arguments of the shapes the constructors take. */
function sample(cls: AnyClass): errors.TuskError {
  for (const args of [['a', 'b', 'c'], ['a', ['b', 'c']], [[{ path: 'p', problem: 'q' }]]]) {
    try {
      return new cls(...args);
    } catch {
      // another shape
    }
  }
  throw new Error(`cannot make a ${cls.name}`);
}

/** Classes whose code is an S3 error code chosen per call; they never leave the S3 gateway. */
const S3_CODED = new Set<unknown>([errors.S3Denied, errors.S3Invalid, errors.S3Unsupported]);

describe('errors that cross a process boundary', () => {
  test('come back as the class they were thrown as, with their code, message and context', () => {
    const thrown = new errors.BranchNotFound('images', 'dev');
    const back = errors.TuskError.fromJSON(JSON.parse(JSON.stringify(thrown.toJSON())));
    expect(back).toBeInstanceOf(errors.BranchNotFound);
    expect(back).toBeInstanceOf(errors.NotFound);
    expect(back).toMatchObject({ code: 'BranchNotFound', kind: 'not_found', message: thrown.message, repo: 'images', branch: 'dev' });
  });

  test('with a code no class owns, come back as the class of their kind', () => {
    const back = errors.TuskError.fromJSON(new errors.FailedPrecondition('NothingToRun', 'pipeline p has no job to run').toJSON());
    expect(back).toBeInstanceOf(errors.FailedPrecondition);
    expect(back.code).toBe('NothingToRun');
  });

  test('every error class is restored: each one with a literal code is listed under the code it throws with', () => {
    const classes = Object.values(errors).filter((v): v is AnyClass => typeof v === 'function' && v.prototype instanceof errors.TuskError);
    const families = new Set(Object.values(ERROR_CLASSES_BY_KIND));
    for (const cls of classes) {
      if (families.has(cls) || S3_CODED.has(cls)) continue;
      const code = sample(cls).code;
      expect([cls.name, ERROR_CLASSES_BY_CODE[code]]).toEqual([cls.name, cls]);
    }
  });
});
