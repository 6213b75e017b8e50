// HTTP/2 flow control of tuskd's gRPC server. grpc-js keeps Node's defaults
// on the server: a 64 KiB receive window per stream and per connection and
// 16 KiB frames, so an upload stalls every 64 KiB until the daemon's window
// update reaches the client. Measured with two processes (a 512 MiB
// ModifyFile, the server only counting bytes): ~300 MB/s with the defaults,
// ~570-620 MB/s with 4 to 32 MiB windows and 1 MiB frames, and less CPU on
// both sides. grpc-js has no server option for these settings (its
// `grpc-node.flow_control_window` is for clients), so this reaches the Node
// http2 servers behind it; should a grpc-js upgrade rename them, nothing but
// the speed changes (and src/server/http2-tuning.test.ts fails).
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

export interface FlowControl {
  /** Receive window of each stream; the connection's is twice this. */
  windowBytes: number;
  /** Largest DATA frame a client may send. */
  frameBytes: number;
}

export const FLOW_CONTROL: FlowControl = { windowBytes: 8 * 1024 * 1024, frameBytes: 1024 * 1024 };

/** Applies `flow` to every connection the server accepts from now on (call after bindAsync). False if the server's http2 servers were not found. */
export function widenFlowControl(server: Server, flow: FlowControl = FLOW_CONTROL): boolean {
  const servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) return false;
  for (const http2 of servers.keys()) {
    http2.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(2 * flow.windowBytes);
        session.settings({ initialWindowSize: flow.windowBytes, maxFrameSize: flow.frameBytes });
      } catch {
        // a session closed before its settings were sent: nothing to tune
      }
    });
  }
  return true;
}
