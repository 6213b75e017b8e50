// Subjects: who a token or key speaks for. `user:NAME` (people; the root token
// is user:root), `robot:NAME` (scripts and services) and `pipeline:NAME` (a
// pipeline's workers and sidecars, which read its inputs and write its output).
import { InvalidArgument } from '../errors/index.js';

export type SubjectKind = 'user' | 'robot' | 'pipeline';
export const ROOT_SUBJECT = 'user:root';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;

/** `kind:name`, checked; a bare name gets `bareKind` (or is refused when none is given). */
export function parseSubject(text: string, bareKind?: SubjectKind): string {
  const i = text.indexOf(':');
  const kind = i < 0 ? bareKind : text.slice(0, i);
  const name = i < 0 ? text : text.slice(i + 1);
  if (kind !== 'user' && kind !== 'robot' && kind !== 'pipeline') {
    throw new InvalidArgument('InvalidSubject', `"${text}" is not a subject (use user:NAME, robot:NAME or pipeline:NAME)`);
  }
  if (!NAME.test(name)) throw new InvalidArgument('InvalidSubject', `"${text}": a subject's name is 1-128 letters, digits, "_", ".", "@" or "-"`);
  return `${kind}:${name}`;
}

export function subjectKind(subject: string): SubjectKind {
  return subject.slice(0, subject.indexOf(':')) as SubjectKind;
}

/** The pipeline a `pipeline:NAME` subject speaks for, else undefined. */
export function pipelineOf(subject: string): string | undefined {
  return subject.startsWith('pipeline:') ? subject.slice('pipeline:'.length) : undefined;
}
