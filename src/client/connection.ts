// Where and how the client reaches tuskd: the address (TUSK_ADDRESS, default
// localhost:1650), channel options (message sizes, keepalive), and the helper
// that turns a unary callback call into a promise with typed errors.
import { credentials, type ChannelOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from '../rpc/errors.js';

export { DEFAULT_ADDRESS, defaultAddress } from './default-address.js';

export const CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': 64 * 1024 * 1024,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
};

export const insecure = () => credentials.createInsecure();

type Callback<T> = (err: ServiceError | null, value?: T) => void;

/** Runs a generated unary call (`(cb) => client.method(request, cb)`), resolving with its response or rejecting with a TuskError. */
export function unary<Res>(fn: (cb: Callback<Res>) => ClientUnaryCall): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    fn((err, value) => (err ? reject(fromServiceError(err)) : resolve(value as Res)));
  });
}

/** Iterates a server stream, rejecting with a TuskError. */
export async function* serverStream<T>(stream: AsyncIterable<T> & { cancel(): void }): AsyncIterable<T> {
  try {
    for await (const item of stream) yield item;
  } catch (err) {
    throw fromServiceError(err);
  } finally {
    stream.cancel();
  }
}
