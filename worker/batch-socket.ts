// The worker socket of datum batching ($TUSK_WORKER_SOCKET; /run/tusk/worker.sock
// in the sandbox): how a long-running user process asks for its next datum.
// Protocol (frames as in src/worker-protocol/framing.ts; any number per connection, answered
// in order): the code sends `{"op":"next"}` — meaning "the datum I was given
// before, if any, succeeded" — or `{"op":"next","error":"why"}` to fail it; the
// worker answers once the next datum's inputs are in place with
// `{"env":{"TUSK_DATUM_ID":"...",...}}` (the datum's variables, see env.ts), or
// `{"error":"message"}`. `tusk next datum` (src/cli/commands/next-datum.ts) is
// a client of this protocol; so is next-datum-client.ts, for Node code that
// wants to skip a process start per datum.
import { rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeFrame, readFrames } from '../src/worker-protocol/index.js';
import type { Env } from './env.js';

export const WORKER_SOCKET_NAME = 'worker.sock';

export interface NextRequest {
  op: 'next';
  error?: string;
}

export type NextReply = { env: Env } | { error: string };

export type NextHandler = (req: NextRequest) => Promise<Env>;

export async function listenWorkerSocket(path: string, handler: NextHandler): Promise<Server> {
  await rm(path, { force: true });
  const server = createServer((socket) => serve(socket, handler));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  return server;
}

function serve(socket: Socket, handler: NextHandler): void {
  socket.on('error', () => {});
  let chain = Promise.resolve();
  readFrames(
    socket,
    (frame) => {
      const req = frame as NextRequest;
      chain = chain.then(async () => {
        let reply: NextReply;
        if (req?.op !== 'next') reply = { error: `unknown request ${JSON.stringify(req?.op)}: send {"op":"next"}` };
        else {
          try {
            reply = { env: await handler(req) };
          } catch (err) {
            reply = { error: (err as Error).message };
          }
        }
        if (!socket.destroyed) socket.write(encodeFrame(reply));
      });
    },
    () => {
      if (!socket.destroyed) socket.write(encodeFrame({ error: 'malformed request: send {"op":"next"}' }));
    },
  );
}
