// A grpc-js server interceptor that counts every call by method and status
// code and times it from the request to the status, for /metrics.
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Metrics } from './metrics.js';

export function grpcMetricsInterceptor(metrics: Metrics): ServerInterceptor {
  return (method, call) => {
    const start = process.hrtime.bigint();
    const name = method.path.replace(/^\//, '');
    return new ServerInterceptingCall(call, {
      sendStatus: (s, next) => {
        metrics.grpcCall(name, status[s.code] ?? String(s.code), Number(process.hrtime.bigint() - start) / 1e9);
        next(s);
      },
    });
  };
}
