// Usage errors the CLI finds itself (after commander has parsed the words):
// a folder without -r, `-f -` without a path, ... They exit with status 2 like
// commander's own usage errors, where daemon errors exit with 1.
import { InvalidArgument, isTuskError } from '../errors/index.js';

export const USAGE_CODE = 'CliUsage';

export function usageError(message: string): InvalidArgument {
  return new InvalidArgument(USAGE_CODE, message);
}

export function isUsageError(err: unknown): boolean {
  return isTuskError(err) && err.code === USAGE_CODE;
}
