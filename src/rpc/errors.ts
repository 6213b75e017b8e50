// The one table that turns Tusk's error kinds into gRPC status codes, and the
// way a TuskError crosses the wire: the status carries the one-line message,
// the `tusk-error-bin` trailer carries the JSON (code, kind, data) so the client
// rebuilds the same typed error. Shared by src/server and src/client.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { DaemonUntrusted, TuskError, toTuskError, type ErrorKind, type TuskErrorJSON } from '../errors/index.js';

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

/**
 * The most characters of a message, or of a text in its data, sent over the
 * wire. A response's headers and trailers share HTTP/2's header list limit
 * (64 KiB): an error naming a 20,000-character ref (the message names it
 * twice, the trailer again in its data) went over it, and the client's call
 * then never ended. 4096 characters (at most 6 bytes each once encoded) keep
 * both well under it.
 */
export const MAX_WIRE_TEXT = 4096;
/** The most characters of data JSON sent: bigger data goes with each text clipped, or not at all. */
const MAX_WIRE_DATA = 8192;

/** Server side: any thrown value → a gRPC ServiceError with a status code and the typed error in a trailer. */
export function toServiceError(err: unknown): Partial<ServiceError> {
  const json = toTuskError(err).toJSON();
  const message = clip(json.message, MAX_WIRE_TEXT);
  const metadata = new Metadata();
  metadata.set(TRAILER, Buffer.from(JSON.stringify({ ...json, message, data: wireData(json.data) }), 'utf8'));
  return { code: KIND_TO_STATUS[json.kind], details: message, metadata };
}

/** A text cut to `max` characters (never inside a surrogate pair), saying how much was cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\ud800-\udbff]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

function wireData(data: Record<string, unknown>): Record<string, unknown> {
  if (JSON.stringify(data).length <= MAX_WIRE_DATA) return data;
  const clipped = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? clip(v, 1024) : v]));
  return JSON.stringify(clipped).length <= MAX_WIRE_DATA ? clipped : {};
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
    // Node's TLS verification errors, as grpc-js reports a connection it could not establish.
    const untrusted = /Last error: Error: (self[- ]signed certificate[^.]*|unable to (?:verify|get) [^.]*|certificate (?:has expired|is not yet valid)|Hostname\/IP does not match certificate's altnames[^.]*)/i.exec(se.details ?? '');
    if (untrusted) return new DaemonUntrusted(untrusted[1]!);
    // Something accepted the connection but does not speak HTTP/2 (an HTTP/1 server, an SSH banner): not tuskd's API port.
    if (/Last error: Protocol error/.test(se.details ?? '')) return new TuskError('unavailable', 'NotTuskd', 'something answers there, but not tuskd\'s gRPC API (is it the console or the S3 port?)');
    return new TuskError('unavailable', 'DaemonUnavailable', `cannot reach tuskd: ${se.details || 'connection refused'} (is it running? try \`tusk up\`)`);
  }
  if (se.code === status.DEADLINE_EXCEEDED) return new TuskError('deadline_exceeded', 'DeadlineExceeded', se.details || 'deadline exceeded');
  if (se.code === status.CANCELLED) return new TuskError('aborted', 'Cancelled', se.details || 'cancelled');
  const kind = (Object.entries(KIND_TO_STATUS).find(([, s]) => s === se.code)?.[0] ?? 'internal') as ErrorKind;
  return new TuskError(kind, kind === 'internal' ? 'Internal' : 'RemoteError', se.details || se.message || 'request failed');
}
