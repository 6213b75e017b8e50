// Errors for a backend that cannot be reached or keeps failing after retries.
import { TuskError } from './tusk-error.js';

export class StorageUnavailable extends TuskError {
  constructor(readonly operation: string, readonly reason: string, options?: { cause?: unknown }) {
    super('unavailable', 'StorageUnavailable', `object store unavailable during ${operation}: ${reason}`, { operation, reason }, options);
  }
}
