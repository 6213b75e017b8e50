// The one table that turns Tusk's error kinds into gRPC status codes, and the
// way a TuskError crosses the wire: the status carries the one-line message,
// the `tusk-error-bin` trailer carries the JSON (code, kind, data) so the client
// rebuilds the same typed error. Shared by src/server and src/client.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { TuskError, toTuskError, type ErrorKind, type TuskErrorJSON } from '../errors/index.js';

const KIND_TO_STATUS: Record<ErrorKind, status> = {
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  invalid_argument: status.INVALID_ARGUMENT,
  failed_precondition: status.FAILED_PRECONDITION,
  data_loss: status.DATA_LOSS,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  aborted: status.ABORTED,
  unauthenticated: status.UNAUTHENTICATED,
  permission_denied: status.PERMISSION_DENIED,
  internal: status.INTERNAL,
};

// A binary trailer: messages may hold any text (paths, '→'), and grpc-js throws on non-ASCII text metadata.
const TRAILER = 'tusk-error-bin';

/** Server side: any thrown value → a gRPC ServiceError with a status code and the typed error in a trailer. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const e = toTuskError(err);
  const metadata = new Metadata();
  metadata.set(TRAILER, Buffer.from(JSON.stringify(e.toJSON()), 'utf8'));
  return { code: KIND_TO_STATUS[e.kind], details: e.message, metadata };
}

/** Client side: a gRPC error → the TuskError the server threw (or one describing the transport failure). */
export function fromServiceError(err: unknown): TuskError {
  const se = err as Partial<ServiceError>;
  const raw = se.metadata?.get(TRAILER)?.[0];
  if (raw instanceof Uint8Array) {
    try {
      return TuskError.fromJSON(JSON.parse(Buffer.from(raw).toString('utf8')) as TuskErrorJSON);
    } catch {
      // fall through to the status code
    }
  }
  if (se.code === status.UNAVAILABLE) {
    return new TuskError('unavailable', 'DaemonUnavailable', `cannot reach tuskd: ${se.details || 'connection refused'} (is it running? try \`tusk up\`)`);
  }
  if (se.code === status.DEADLINE_EXCEEDED) return new TuskError('deadline_exceeded', 'DeadlineExceeded', se.details || 'deadline exceeded');
  if (se.code === status.CANCELLED) return new TuskError('aborted', 'Cancelled', se.details || 'cancelled');
  const kind = (Object.entries(KIND_TO_STATUS).find(([, s]) => s === se.code)?.[0] ?? 'internal') as ErrorKind;
  return new TuskError(kind, kind === 'internal' ? 'Internal' : 'RemoteError', se.details || se.message || 'request failed');
}
