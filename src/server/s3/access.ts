// The S3 gateway's side of access control. Off: the configured key pair
// (TUSK_S3_ACCESS_KEY_ID) or anonymous access, as before. On: only keys issued
// by `tusk auth create-s3-key` sign requests (their secrets unsealed from the
// daemon's home), the key's subject is the caller, and each operation is
// checked against the access table (access-table.ts) before it runs.
import type { Authenticated } from '../../auth/index.js';
import { S3Denied, isTuskError } from '../../errors/index.js';
import { S3_ACCESS, type S3Call } from '../access-table.js';
import type { Identity, S3Credentials } from './auth.js';
import type { GatewayDeps } from './context.js';
import type { S3OperationName } from './router.js';

/** What an unsigned request or an unknown key hears once access control is on (TUSK_S3_ACCESS_KEY_ID no longer applies). */
const ACTIVE_HINT = 'access control is on: sign requests with a key from `tusk auth create-s3-key` (TUSK_S3_ACCESS_KEY_ID and anonymous access no longer apply)';

/** The keys that may sign requests now. */
export function credentialsOf(deps: GatewayDeps): S3Credentials {
  const gate = deps.gate;
  if (!gate?.active) return deps.credentials;
  return { keys: { get: (id) => gate.authority.s3Key(id)?.secret }, anonymous: false, hint: ACTIVE_HINT };
}

/** Throws AccessDenied unless the key's subject may run this operation; returns the subject (undefined when off). */
export async function authorize(deps: GatewayDeps, op: S3OperationName, call: S3Call, identity: Identity): Promise<string | undefined> {
  const gate = deps.gate;
  if (!gate?.active) return undefined;
  const subject = identity.accessKey ? gate.authority.s3Key(identity.accessKey)?.subject : undefined;
  const caller: Authenticated = subject ? { subject } : { reason: 'unsigned request' };
  try {
    await gate.check(op, caller, await S3_ACCESS[op].need(call, gate.lookups));
  } catch (err) {
    if (isTuskError(err) && (err.kind === 'permission_denied' || err.kind === 'unauthenticated')) throw new S3Denied('AccessDenied', err.message, { ...err.data });
    throw err;
  }
  return subject;
}

/** After a successful operation: the table's follow-up (who creates a bucket's repo owns it). */
export async function afterSuccess(deps: GatewayDeps, op: S3OperationName, call: S3Call, subject: string | undefined): Promise<void> {
  const after = S3_ACCESS[op].after;
  if (!after || !deps.gate?.active || !subject) return;
  await after(call, { authority: deps.gate.authority, caller: subject });
}

/** One audit line for a request refused for its credentials (unknown key, bad signature): the key ID, never the secret. */
export function auditRefusal(deps: GatewayDeps, op: string, code: string, accessKey: unknown): void {
  if (!deps.gate?.active || (code !== 'InvalidAccessKeyId' && code !== 'SignatureDoesNotMatch')) return;
  deps.gate.audit('denied', { call: op, reason: code, ...(typeof accessKey === 'string' ? { accessKey } : {}) });
}
