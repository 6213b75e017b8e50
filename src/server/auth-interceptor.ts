// The gRPC server interceptor of access control: every call of every service
// passes here before its handler. It takes the caller's token from metadata
// `authn-token` (removing it, so no handler or log sees it), looks up what the
// call needs in the access table (access-table.ts) from the request message
// (for client streams: from each message that names a target), and lets the
// message through or ends the call with Unauthenticated / PermissionDenied.
// Handlers learn the verified caller from metadata `tusk-auth-subject`, which
// only this interceptor sets. After a call succeeds, the table's `after` runs
// (who creates a repo owns it).
import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, status, type ServerInterceptingCallInterface, type ServerInterceptor, type ServiceError } from '@grpc/grpc-js';
import type { Authenticated } from '../auth/index.js';
import { TuskError } from '../errors/index.js';
import { toServiceError } from '../rpc/errors.js';
import type { AccessGate } from './access-gate.js';
import { RPC_ACCESS, type RpcRule } from './access-table.js';

export const TOKEN_HEADER = 'authn-token';
export const SUBJECT_HEADER = 'tusk-auth-subject';
export const EXPIRES_HEADER = 'tusk-auth-expires';

export function authInterceptor(gate: AccessGate): ServerInterceptor {
  return (method, call) => {
    const path = method.path;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const rule = RPC_ACCESS[path];
    let caller: Authenticated = { reason: 'no token' };
    let first: unknown;
    let checked = false;
    let refused = false;
    const refuse = (err: unknown) => {
      refused = true;
      const e = toServiceError(err) as ServiceError;
      call.sendStatus({ code: e.code, details: e.details, metadata: e.metadata });
    };
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const token = metadata.get(TOKEN_HEADER)[0];
        metadata.remove(TOKEN_HEADER);
        metadata.remove(SUBJECT_HEADER);
        metadata.remove(EXPIRES_HEADER);
        if (gate.active) {
          caller = gate.authenticate(typeof token === 'string' ? token : undefined);
          if (caller.subject !== undefined) metadata.set(SUBJECT_HEADER, caller.subject);
          if (caller.subject !== undefined && caller.expires) metadata.set(EXPIRES_HEADER, caller.expires);
        }
        next(metadata);
      })
      .withOnReceiveMessage((message, next) => {
        if (refused) return;
        if (!gate.active || (checked && !rule?.stream)) return next(message);
        if (!rule) return refuse(new TuskError('internal', 'NoAccessRule', `${path} has no entry in the access table; refused`));
        first ??= message;
        let need: ReturnType<RpcRule['need']>;
        try {
          need = rule.need(message, gate.lookups);
        } catch (err) {
          return refuse(err);
        }
        // A stream's later messages (file data) name no target: through at once, in order.
        if (need === undefined && checked) return next(message);
        (async () => {
          const wanted = await need;
          if (wanted === undefined) {
            if (!checked) throw new TuskError('invalid_argument', 'BadStream', `${name}: the first message must name its target`);
            return;
          }
          await gate.check(name, caller, wanted, rule.action?.(message));
          checked = true;
        })().then(
          () => next(message),
          (err) => refuse(err),
        );
      })
      .build();
    const responder = new ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((st, next) => {
        if (st.code !== status.OK || !rule?.after || !gate.active || caller.subject === undefined) return next(st);
        rule.after(first, { authority: gate.authority, caller: caller.subject }, gate.lookups).then(
          () => next(st),
          (err) => {
            gate.audit('after_failed', { call: name, subject: caller.subject, message: (err as Error).message });
            next(st);
          },
        );
      })
      .build();
    return new ServerInterceptingCall(call as ServerInterceptingCallInterface, responder);
  };
}
