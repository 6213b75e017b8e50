// Errors for stored data that fails its own checks: a chunk or tree node whose bytes do not match their hash.
import { TuskError } from './tusk-error.js';

export class CorruptObject extends TuskError {
  constructor(readonly key: string, readonly reason: string) {
    super('data_loss', 'CorruptObject', `stored object "${key}" is corrupt: ${reason}`, { key, reason });
  }
}
