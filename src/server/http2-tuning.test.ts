import { connect, type ClientHttp2Session, type Settings } from 'node:http2';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { FLOW_CONTROL, widenFlowControl } from './http2-tuning.js';

let server: Server | undefined;
let session: ClientHttp2Session | undefined;
afterEach(() => {
  session?.destroy();
  server?.forceShutdown();
});

async function listen(): Promise<{ server: Server; port: number }> {
  const s = new Server();
  const port = await new Promise<number>((resolve, reject) => s.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return { server: s, port };
}

/**
 * What a client connecting to the server is told: its settings and the connection window, once a
 * ping has gone to the server and back (frames the server sent before its answer have arrived by
 * then) and, when `wanted` is given, once they satisfy it (the server's own settings follow its first ones).
 */
async function peerView(port: number, wanted?: (v: PeerView) => boolean): Promise<PeerView> {
  session = connect(`http://127.0.0.1:${port}`);
  await new Promise<Settings>((resolve) => session!.once('remoteSettings', resolve));
  const view = (): PeerView => ({ settings: session!.remoteSettings, connectionWindow: session!.state.remoteWindowSize ?? 0 });
  const deadline = Date.now() + 10_000;
  for (;;) {
    await new Promise<void>((resolve, reject) => session!.ping((err) => (err ? reject(err) : resolve())));
    if (!wanted || wanted(view()) || Date.now() > deadline) return view();
  }
}

interface PeerView {
  settings: Settings;
  connectionWindow: number;
}

describe('widenFlowControl', () => {
  it('raises the stream and connection windows and the frame size clients see', async () => {
    const l = await listen();
    server = l.server;
    expect(widenFlowControl(server)).toBe(true);
    const view = await peerView(l.port, (v) => v.settings.initialWindowSize === FLOW_CONTROL.windowBytes && v.connectionWindow === 2 * FLOW_CONTROL.windowBytes);
    expect(view.settings.initialWindowSize).toBe(FLOW_CONTROL.windowBytes);
    expect(view.settings.maxFrameSize).toBe(FLOW_CONTROL.frameBytes);
    expect(view.connectionWindow).toBe(2 * FLOW_CONTROL.windowBytes);
  });

  it('leaves the defaults alone otherwise (what the test above would see without it)', async () => {
    const l = await listen();
    server = l.server;
    const view = await peerView(l.port);
    expect(view.settings.initialWindowSize).toBe(65535);
    expect(view.connectionWindow).toBe(65535);
  });
});
