// The sidecar's request handlers: the protocol operations mapped onto the
// datum area, ordered as protocol.ts promises — operations on one slot run in
// arrival order, and those that touch $TUSK_PFS itself run one at a time.
// Work no code waits on (fetching a datum ahead, uploading and freeing a
// finished one) starts one event-loop turn later: the worker sends `finish`,
// `activate` and `prepare` in one frame when a datum ends, and the reply to
// `activate`, which the next datum's code waits for, is written first. The
// replies of the deferred work then go out together, in one write: a slot's
// folder is freed (unlinks through the thread pool) after `finish` is answered.
import type { DatumArea } from './datum-area.js';
import type { Handlers, Logger } from '../src/worker-protocol/index.js';
import { KeyedSerial } from './serial.js';
import { startS3Endpoint, type S3Endpoint } from './s3-endpoint.js';

const PFS = '\0pfs';

export function sidecarHandlers(area: DatumArea, log: Logger): Handlers {
  const serial = new KeyedSerial();
  let s3: { key: string; endpoint: Promise<S3Endpoint> } | undefined;
  const slot = (name: string) => `slot:${name}`;
  // One turn of the event loop, shared by everything deferred in the same turn: replies queued meanwhile
  // (FrameWriter writes them on the next tick) go out first, and the deferred work's replies go out together.
  let turn: Promise<void> | undefined;
  const afterReplies = (): Promise<void> =>
    (turn ??= new Promise((resolve) =>
      setImmediate(() => {
        turn = undefined;
        resolve();
      }),
    ));
  const timed = async <T>(op: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      log.log('debug', 'sidecar_op_failed', { op, ...fields, message: (err as Error).message });
      throw err;
    }
  };
  return {
    ping: async () => ({ pid: process.pid, pfs: area.pfs }),
    reset: () => serial.run([PFS], async () => {
      await area.reset();
      return {};
    }),
    prepare: ({ slot: s, inputs }) =>
      serial.run([slot(s)], async () => {
        await afterReplies();
        return timed('prepare', { slot: s }, () => area.prepare(s, inputs));
      }),
    activate: ({ slot: s }) =>
      serial.run([slot(s), PFS], async () => {
        await timed('activate', { slot: s }, () => area.activate(s));
        return {};
      }),
    clearOut: () =>
      serial.run([PFS], async () => {
        await area.clearOut();
        return {};
      }),
    serveS3: async ({ inputs, out }) => {
      const key = JSON.stringify({ inputs: [...inputs].sort(), out });
      if (s3?.key !== key) {
        if (s3) void s3.endpoint.then((e) => e.close(), () => {});
        s3 = { key, endpoint: startS3Endpoint({ pfs: area.pfs, inputs, out, log }) };
      }
      const { endpoint, accessKeyId, secretAccessKey } = await s3.endpoint;
      return { endpoint, accessKeyId, secretAccessKey };
    },
    finish: ({ slot: s, datum, collected: listed }) => {
      // Collecting touches $TUSK_PFS; uploading and freeing the slot do not, so the next datum can start meanwhile.
      // A worker that collected the slot itself (datum batching) sends the listing: nothing here touches $TUSK_PFS.
      // (then one task on the slot does both: the listing is taken and the output stored)
      const collected = listed ? undefined : serial.run([slot(s), PFS], () => area.collect(s));
      const stored = serial.run([slot(s)], async () => {
        if (listed) area.collected(s, listed);
        else await collected;
        await afterReplies();
        if (!datum) return { output: '', files: 0, bytes: 0 };
        return timed('upload', { slot: s, job: datum.job, datum: datum.datum }, () => area.upload(s, datum));
      });
      // Freeing the slot folder (unlinks through the thread pool) follows the answer; a later request on the slot waits for it.
      void serial.run([slot(s)], () => area.release(s)).catch((err: Error) => log.log('warn', 'slot_release_failed', { slot: s, message: err.message }));
      return stored;
    },
  };
}
