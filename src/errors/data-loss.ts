// Errors for stored data that fails its own checks: a chunk or tree node whose bytes do not match their hash.
import { TuskError } from './tusk-error.js';

export class CorruptObject extends TuskError {
  constructor(readonly key: string, readonly reason: string) {
    super('data_loss', 'CorruptObject', `stored object "${key}" is corrupt: ${reason}`, { key, reason });
  }
}

/** A file whose stored bytes are missing or damaged: names the file, and the object at fault. */
export class FileDataLoss extends TuskError {
  constructor(readonly file: string, readonly object: string, readonly reason: string) {
    super('data_loss', 'DataLoss', `file ${file} cannot be read: its data is lost or damaged (${object}: ${reason}); \`tusk fsck\` lists every file affected`, { file, object, reason });
  }
}
