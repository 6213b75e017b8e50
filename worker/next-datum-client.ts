// A client of the worker socket for Node user code with datum_batching: one
// connection for the whole process, so asking for the next datum costs a
// round trip over a local socket instead of starting `tusk next datum`.
//
//   import { NextDatumClient } from '<tusk package>/dist/worker/next-datum-client.js';
//   const datums = await NextDatumClient.connect();
//   for (;;) { const env = await datums.next(); /* read env.images, write /pfs/out/... */ }
//
// next() also copies the datum's variables into process.env.
import { createConnection, type Socket } from 'node:net';
import { encodeFrame, readFrames } from '../src/worker-protocol/framing.js';

export class NextDatumClient {
  private readonly waiting: { resolve: (env: Record<string, string>) => void; reject: (err: Error) => void }[] = [];

  private constructor(private readonly socket: Socket) {
    readFrames(socket, (frame) => {
      const reply = frame as { env?: Record<string, string>; error?: string };
      const w = this.waiting.shift();
      if (!w) return;
      if (reply.env) w.resolve(reply.env);
      else w.reject(new Error(reply.error ?? 'bad reply from the worker'));
    });
    socket.on('close', () => {
      for (const w of this.waiting.splice(0)) w.reject(new Error('the worker closed the connection'));
    });
    socket.on('error', () => {});
  }

  static connect(path = process.env.TUSK_WORKER_SOCKET): Promise<NextDatumClient> {
    if (!path) return Promise.reject(new Error('TUSK_WORKER_SOCKET is not set: not running in a pipeline with datum_batching'));
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new NextDatumClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Reports the previous datum (success, or failure with `error`) and waits for the next one's variables. */
  async next(options: { error?: string } = {}): Promise<Record<string, string>> {
    const env = await new Promise<Record<string, string>>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(encodeFrame(options.error !== undefined ? { op: 'next', error: options.error } : { op: 'next' }));
    });
    Object.assign(process.env, env);
    return env;
  }

  close(): void {
    this.socket.destroy();
  }
}
