// Errors for input that can never be right: malformed names, paths, refs, specs, globs.
import { TuskError } from './tusk-error.js';

export class InvalidArgument extends TuskError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super('invalid_argument', code, message, data);
  }
}

export class InvalidPath extends InvalidArgument {
  constructor(readonly path: string, readonly reason: string) {
    super('InvalidPath', `invalid path ${JSON.stringify(path)}: ${reason}`, { path, reason });
  }
}

export class InvalidGlob extends InvalidArgument {
  constructor(readonly glob: string, readonly reason: string) {
    super('InvalidGlob', `invalid glob ${JSON.stringify(glob)}: ${reason}`, { glob, reason });
  }
}

export class InvalidStorageUrl extends InvalidArgument {
  constructor(readonly url: string, readonly reason: string) {
    super('InvalidStorageUrl', `invalid storage URL ${JSON.stringify(url)}: ${reason}`, { url, reason });
  }
}

export class InvalidName extends InvalidArgument {
  constructor(readonly kindOfName: string, readonly value: string, readonly rule: string) {
    super('InvalidName', `invalid ${kindOfName} name ${JSON.stringify(value)}: ${rule}`, { kindOfName, name: value, rule });
  }
}

export class InvalidRef extends InvalidArgument {
  constructor(readonly ref: string, readonly reason: string) {
    super('InvalidRef', `invalid reference ${JSON.stringify(ref)}: ${reason}`, { ref, reason });
  }
}

/** An object-store key that no backend may accept: empty, absolute, with '.', '..' or empty segments, NUL, or too long. */
export class InvalidObjectKey extends InvalidArgument {
  constructor(readonly key: string, readonly reason: string) {
    super('InvalidObjectKey', `invalid object key ${JSON.stringify(key)}: ${reason}`, { key, reason });
  }
}

/** A file entry whose size, hash or content descriptor is malformed or inconsistent (before it enters a tree). */
export class InvalidFileEntry extends InvalidArgument {
  constructor(readonly path: string, readonly reason: string) {
    super('InvalidFileEntry', `invalid file entry for ${JSON.stringify(path)}: ${reason}`, { path, reason });
  }
}

/** One thing wrong in a pipeline spec: the field path as the user wrote it (`input.cross[1].pfs.glob`) and the problem. */
export interface SpecProblem {
  path: string;
  problem: string;
}

/** A pipeline spec that cannot be accepted; lists every problem found, each naming its field path. */
export class InvalidSpec extends InvalidArgument {
  readonly problems: readonly SpecProblem[];
  constructor(problems: SpecProblem[]) {
    const text = problems.map((p) => (p.path ? `${p.path}: ${p.problem}` : p.problem)).join('; ');
    super('InvalidSpec', text || 'invalid pipeline spec', { problems });
    this.problems = problems;
  }
}
