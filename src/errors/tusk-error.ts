// The root of Tusk's error family: every error a user can see carries a literal
// `code` (what went wrong, stable across versions), a `kind` (the family that
// decides the gRPC/S3/CLI mapping) and a one-line message a person understands.
// Callers branch on `code` or `kind`, never on message text.

export type ErrorKind =
  | 'not_found'
  | 'already_exists'
  | 'invalid_argument'
  | 'failed_precondition'
  | 'data_loss'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'aborted'
  | 'unauthenticated'
  | 'permission_denied'
  | 'internal';

export interface TuskErrorJSON {
  code: string;
  kind: ErrorKind;
  message: string;
  data: Record<string, unknown>;
}

export class TuskError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly data: Readonly<Record<string, unknown>>;

  constructor(kind: ErrorKind, code: string, message: string, data: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = code;
    this.kind = kind;
    this.code = code;
    this.data = data;
  }

  toJSON(): TuskErrorJSON {
    return { code: this.code, kind: this.kind, message: this.message, data: { ...this.data } };
  }

  /**
   * Rebuilds an error that crossed a process boundary as the class it was
   * thrown as (`instanceof RepoNotFound`, its context fields), or, for a code
   * no class owns, as the class of its kind (`instanceof NotFound`).
   */
  static fromJSON(json: TuskErrorJSON): TuskError {
    const cls = knownErrors.byCode.get(json.code) ?? knownErrors.byKind.get(json.kind) ?? TuskError;
    // Runs TuskError's constructor for an object of `cls`: subclass constructors take other arguments.
    const err = Reflect.construct(TuskError, [json.kind, json.code, json.message, json.data], cls) as TuskError;
    for (const [key, value] of Object.entries(json.data ?? {})) if (!(key in err)) Object.defineProperty(err, key, { value, enumerable: true });
    return err;
  }
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A message as one line: control characters (a newline in a file path the
 * message names, say) are shown escaped, as JSON writes them, so a message
 * never spans lines in a terminal, a log or a gRPC status. C1 controls and the
 * bidirectional overrides (U+202E in a repo name would show the rest of the
 * line reversed) are escaped too, so the line reads as it is.
 */
export function oneLine(message: string): string {
  return message.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A class of the error family, as fromJSON restores it. */
export type TuskErrorClass = abstract new (...args: never[]) => TuskError;

/** The classes fromJSON restores, by code and, for codes no class owns, by kind (filled by known-errors.ts). */
export const knownErrors = {
  byCode: new Map<string, TuskErrorClass>(),
  byKind: new Map<ErrorKind, TuskErrorClass>(),
};

/** True for any TuskError, also one created by another copy of this module (duplicate bundles). */
export function isTuskError(err: unknown): err is TuskError {
  return err instanceof TuskError || (typeof err === 'object' && err !== null && typeof (err as TuskError).code === 'string' && typeof (err as TuskError).kind === 'string' && 'data' in err);
}

/** Wraps anything thrown into a TuskError, keeping TuskErrors as they are. */
export function toTuskError(err: unknown): TuskError {
  if (isTuskError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TuskError('internal', 'Internal', message.split('\n')[0] ?? 'internal error', {}, { cause: err });
}
