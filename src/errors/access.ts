// Errors of access control: a call without a valid token (Unauthenticated), a
// caller whose roles do not cover what the call needs (PermissionDenied,
// naming the subject, the repo and the role), and auth calls made while
// access control is off.
import { FailedPrecondition } from './failed-precondition.js';
import { TuskError } from './tusk-error.js';

/** No token, or one that is unknown, expired or revoked. */
export class Unauthenticated extends TuskError {
  constructor(readonly reason: string) {
    super('unauthenticated', 'Unauthenticated', `not logged in: run tusk auth login (${reason})`, { reason });
  }
}

/** The subject lacks `role` (on `repo`, or cluster-wide when no repo is named). */
export class PermissionDenied extends TuskError {
  constructor(readonly subject: string, readonly role: string, readonly repo?: string, readonly action?: string) {
    const where = repo ? `on repo "${repo}"` : 'cluster-wide';
    super('permission_denied', 'PermissionDenied', `permission denied: ${subject} needs ${role} ${where}${action ? ` to ${action}` : ''}`, { subject, role, ...(repo ? { repo } : {}), ...(action ? { action } : {}) });
  }
}

export class AuthNotActive extends FailedPrecondition {
  constructor() {
    super('AuthNotActive', 'access control is not activated: run tusk auth activate');
  }
}
