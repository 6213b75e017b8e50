// A worker's datum starts over WorkerApi.StartedStream, between the real
// client (src/client/started-stream.ts) and the real handler
// (src/server/worker-service.ts) over a real gRPC connection. Only the
// coordinator behind the handler is a stand-in that records what it is told
// (or refuses a worker it does not know, as Pps.started does). Also: a daemon
// without StartedStream (an older one) still gets every start, as unary calls.
import { Server, ServerCredentials, type ServerDuplexStream, type sendUnaryData, type ServerUnaryCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { UnknownWorker, WorkerClient } from '../src/client/index.js';
import { WorkerApiService, type Empty, type StartedAck, type StartedRequest } from '../src/gen/tusk/pps.js';
import { silentLogger } from '../src/log/logger.js';
import type { Pps } from '../src/pps/index.js';
import type { SecretStore } from '../src/server/secret-store.js';
import { StartedStreams, workerService } from '../src/server/worker-service.js';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function serve(impl: UntypedServiceImplementation): Promise<WorkerClient> {
  return (await serveWith(impl)).client;
}

async function serveWith(impl: UntypedServiceImplementation): Promise<{ client: WorkerClient; server: Server }> {
  const server = new Server();
  server.addService(WorkerApiService, impl);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  const client = new WorkerClient(`127.0.0.1:${port}`);
  closers.push(() => {
    client.close();
    server.forceShutdown();
  });
  return { client, server };
}

/** The real WorkerApi handlers over a coordinator stand-in that records starts and refuses datum `refused`. */
async function daemonRecording(): Promise<{ client: WorkerClient; told: string[]; streams: () => number; unary: () => number }> {
  const told: string[] = [];
  const pps = {
    started(pipeline: string, worker: string, job: string, datum: string) {
      if (datum === 'refused') throw new UnknownWorker(pipeline, worker);
      told.push(`${pipeline}/${worker}/${job}/${datum}`);
    },
  } as unknown as Pps;
  const real = workerService(pps, silentLogger, {} as SecretStore);
  let streams = 0;
  let unary = 0;
  const client = await serve({
    ...real,
    startedStream: (call: ServerDuplexStream<StartedRequest, StartedAck>) => {
      streams++;
      real.startedStream(call);
    },
    started: (call: ServerUnaryCall<StartedRequest, Empty>, cb: sendUnaryData<Empty>) => {
      unary++;
      real.started(call, cb);
    },
  });
  return { client, told, streams: () => streams, unary: () => unary };
}

describe('StartedStream', () => {
  it('carries many starts on one stream, each resolved once the coordinator has recorded it, in order', async () => {
    const d = await daemonRecording();
    const starts = d.client.startedStream('p', 'w1');
    const datums = Array.from({ length: 40 }, (_, i) => `d${i}`);
    await Promise.all(datums.map((datum) => starts.started('j', datum)));
    expect(d.told).toEqual(datums.map((datum) => `p/w1/j/${datum}`));
    await starts.started('j', 'last');
    expect(d.told.at(-1)).toBe('p/w1/j/last');
    expect(d.streams()).toBe(1);
    expect(d.unary()).toBe(0);
    starts.close();
  });

  it('a refused start fails, with the starts sent after it on that stream; the next start opens a new stream', async () => {
    const d = await daemonRecording();
    const starts = d.client.startedStream('p', 'w1');
    const results = await Promise.allSettled(['a', 'refused', 'c'].map((datum) => starts.started('j', datum)));
    expect(results[0]!.status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'UnknownWorker' } });
    expect(results[2]!.status).toBe('rejected');
    await starts.started('j', 'd');
    expect(d.told).toEqual(['p/w1/j/a', 'p/w1/j/d']);
    expect(d.streams()).toBe(2);
    starts.close();
  });

  it('a stopping daemon ends the open streams, so they do not hold up its shutdown, and refuses new ones', async () => {
    const told: string[] = [];
    const pps = { started: (_p: string, _w: string, _j: string, datum: string) => void told.push(datum) } as unknown as Pps;
    const streams = new StartedStreams();
    const { client, server } = await serveWith(workerService(pps, silentLogger, {} as SecretStore, false, streams));
    const starts = client.startedStream('p', 'w1');
    await starts.started('j', 'a');
    streams.close();
    await expect(starts.started('j', 'b')).rejects.toMatchObject({ kind: 'unavailable' });
    // Without the streams ended, tryShutdown would wait for them until the test times out.
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    expect(told).toEqual(['a']);
  });

  it('a daemon without StartedStream gets every start as a unary Started call', async () => {
    const told: string[] = [];
    const client = await serve({
      started: (call: ServerUnaryCall<StartedRequest, Empty>, cb: sendUnaryData<Empty>) => {
        told.push(`${call.request.pipeline}/${call.request.worker}/${call.request.datum}`);
        cb(null, {});
      },
    });
    const starts = client.startedStream('p', 'w1');
    await Promise.all(['a', 'b'].map((datum) => starts.started('j', datum)));
    await starts.started('j', 'c');
    expect(told.sort()).toEqual(['p/w1/a', 'p/w1/b', 'p/w1/c']);
    starts.close();
  });
});
