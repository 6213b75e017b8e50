// A broken invariant inside Tusk itself: code called in a way it never should
// be. Not the user's fault; reported as an internal error.
import { TuskError } from './tusk-error.js';

export class InternalError extends TuskError {
  constructor(message: string) {
    super('internal', 'Internal', message);
  }
}
