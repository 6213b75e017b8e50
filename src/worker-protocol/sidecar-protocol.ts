// The worker ↔ sidecar protocol, shared by both sides: request/response frames
// (newline-delimited JSON, framing.ts) over the unix socket at
// $TUSK_SIDECAR_SOCKET. The worker sends `{id, op, args}`; the sidecar answers
// `{id, result}` or `{id, error}` (a TuskError as JSON), in any order, so
// several requests can be in flight. The sidecar runs requests on one datum
// slot in the order they arrived, and requests that touch $TUSK_PFS itself
// (activate, clearOut, reset, and the first step of finish) one at a time, so
// the worker need not wait for `finish` before it activates the next datum.
//
// A datum's life on the sidecar: prepare(slot) fetches its inputs into a
// staging folder → activate(slot) moves them to $TUSK_PFS/<input> and gives an
// empty $TUSK_PFS/out → (user code runs; clearOut between tries) →
// finish(slot, datum) moves what the code wrote out of $TUSK_PFS/out (and the
// inputs back), uploads it as the output of `datum` (none without one: a
// failed datum) and frees the slot (after answering; a later request on the
// slot waits for that). With datum batching the worker switches datums
// itself (worker/datum-switch.ts): `prepare` answers the slot's folders, the
// worker renames the inputs in and the output out, and `finish` then carries
// `collected` (what it moved to the slot's out folder), so a datum costs the
// sidecar no request of its own on the code's path. Every request is checked on receipt
// (checkRequest): a frame that is not one of these operations is answered
// with an error, never handed on as something it is not.
import { type Server, type Socket, createConnection } from 'node:net';
import { BadWorkerMessage, TuskError, UnknownOperation, WorkerPeerUnavailable, toTuskError, type TuskErrorJSON } from '../errors/index.js';
import { checkDatumRef, type DatumRef } from './datum-ref.js';
import { FrameWriter, readFrames } from './framing.js';

/** One file of a datum input, as the coordinator listed it. */
export interface DatumFile {
  path: string;
  sizeBytes: number;
  hash: string;
  /** The file's bytes in base64 when the coordinator sent them inline (small files); else the sidecar fetches it. */
  data?: string;
}

/** One input of a datum: the matched path of input `name` and the files under it (a Task's TaskInput). */
export interface DatumInput {
  name: string;
  repo: string;
  branch: string;
  commit: string;
  path: string;
  files: DatumFile[];
  joinOn: string;
  groupBy: string;
  emptyFiles: boolean;
  lazy: boolean;
}

/** A prepared slot's folders: `in` holds its inputs (`in/<input name>`), `out` receives what the code wrote. */
export interface SlotDirs {
  in: string;
  out: string;
}

/** What an entry of a folder is. */
export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

/** The kind of a directory entry or stat result. */
export function kindOf(s: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : s.isSymbolicLink() ? 'symlink' : 'other';
}

/** One entry the code left in out/, as listed when it was collected. */
export interface CollectedEntry {
  name: string;
  kind: EntryKind;
}

/** Every operation: its arguments and its result. */
export interface SidecarOps {
  ping: { args: Record<string, never>; result: { pid: number; pfs: string } };
  /** Forget every slot, empty $TUSK_PFS (keeping the out folder itself). A starting worker calls it. */
  reset: { args: Record<string, never>; result: Record<string, never> };
  /** `dirs`: the slot's folders (host paths the worker shares), for a worker that switches datums itself. */
  prepare: { args: { slot: string; inputs: DatumInput[] }; result: { files: number; bytes: number; dirs?: SlotDirs } };
  activate: { args: { slot: string }; result: Record<string, never> };
  clearOut: { args: Record<string, never>; result: Record<string, never> };
  /** Without `datum` the output is dropped and `output` is ''. */
  /** A small output comes back `inline` (files in base64) with output '', for the worker to send with the result. */
  /**
   * `collected`: the worker moved the slot's inputs back and the output (these entries) to `dirs.out` itself. It lists
   * everything it moved there (the sidecar empties `dirs.out` from this listing); a worker whose collect failed part
   * way sends no `collected`.
   */
  finish: { args: { slot: string; datum?: DatumRef; collected?: CollectedEntry[] }; result: { output: string; files: number; bytes: number; inline?: { path: string; data: string }[] } };
  /** input.pfs.s3 / s3_out: serve those inputs (and `out`) as S3 buckets on a loopback endpoint; the same args answer the same endpoint. */
  serveS3: { args: { inputs: string[]; out: boolean }; result: { endpoint: string; accessKeyId: string; secretAccessKey: string } };
}

export type Op = keyof SidecarOps;
export type Handlers = { [K in Op]: (args: SidecarOps[K]['args']) => Promise<SidecarOps[K]['result']> };

interface RequestFrame {
  id: number;
  op: Op;
  args: unknown;
}
interface ResponseFrame {
  id: number;
  result?: unknown;
  error?: TuskErrorJSON;
}

/** Worker side: one connection to the sidecar with any number of requests in flight. */
export class SidecarClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private closed: TuskError | undefined;
  private readonly out: FrameWriter;
  /** Called once if the connection is lost. */
  onLost: ((err: TuskError) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    this.out = new FrameWriter(socket);
    readFrames(socket, (frame) => this.onFrame(frame as ResponseFrame));
    socket.on('error', () => {});
    socket.on('close', () => this.fail(new WorkerPeerUnavailable('sidecar', 'connection closed')));
  }

  /** Connects to the socket, retrying while the sidecar is still starting (up to `timeoutMs`). */
  static async connect(path: string, timeoutMs = 30_000): Promise<SidecarClient> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await connectOnce(path);
        return new SidecarClient(socket);
      } catch (err) {
        if (Date.now() > deadline) throw new WorkerPeerUnavailable('sidecar', `cannot connect to ${path}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  call<K extends Op>(op: K, args: SidecarOps[K]['args']): Promise<SidecarOps[K]['result']> {
    if (this.closed) return Promise.reject(this.closed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.out.write({ id, op, args } satisfies RequestFrame);
    });
  }

  /** Rejects with WorkerPeerUnavailable when the connection is lost. */
  get lost(): TuskError | undefined {
    return this.closed;
  }

  close(): void {
    this.onLost = undefined;
    this.socket.end();
    this.socket.destroy();
  }

  private onFrame(frame: ResponseFrame): void {
    const waiter = this.pending.get(frame.id);
    if (!waiter) return;
    this.pending.delete(frame.id);
    if (frame.error) waiter.reject(TuskError.fromJSON(frame.error));
    else waiter.resolve(frame.result ?? {});
  }

  private fail(err: TuskError): void {
    if (!this.closed) this.onLost?.(err);
    this.closed ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Sidecar side: answers requests on every connection to `server` with `handlers`. */
export function serveSidecar(server: Server, handlers: Handlers, onBadFrame: (line: string) => void = () => {}): void {
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    const out = new FrameWriter(socket);
    readFrames(
      socket,
      (raw) => {
        const id = typeof raw === 'object' && raw !== null && Number.isSafeInteger((raw as RequestFrame).id) ? (raw as RequestFrame).id : 0;
        let done: Promise<unknown>;
        try {
          const frame = checkRequest(raw);
          const handler = handlers[frame.op] as ((args: unknown) => Promise<unknown>) | undefined;
          done = handler ? handler(frame.args) : Promise.reject(new UnknownOperation(frame.op));
        } catch (err) {
          done = Promise.reject(err);
        }
        done.then(
          (result) => out.write({ id, result } satisfies ResponseFrame),
          (err) => out.write({ id, error: toTuskError(err).toJSON() } satisfies ResponseFrame),
        );
      },
      onBadFrame,
    );
  });
}

const OPS: readonly string[] = ['ping', 'reset', 'prepare', 'activate', 'clearOut', 'finish', 'serveS3'] satisfies Op[];

/** A request frame as it arrived, checked: a known op whose arguments have the fields its handler reads. */
export function checkRequest(raw: unknown): RequestFrame {
  const frame = object(raw, 'sidecar request');
  if (!Number.isSafeInteger(frame.id)) throw new BadWorkerMessage('sidecar request', 'no numeric id');
  if (typeof frame.op !== 'string') throw new BadWorkerMessage('sidecar request', 'no op');
  if (!OPS.includes(frame.op)) throw new UnknownOperation(frame.op);
  const args = object(frame.args ?? {}, `${frame.op} arguments`);
  if (frame.op === 'prepare' || frame.op === 'activate' || frame.op === 'finish') {
    if (typeof args.slot !== 'string' || args.slot === '') throw new BadWorkerMessage(`${frame.op} arguments`, 'no slot');
  }
  if (frame.op === 'prepare' && !Array.isArray(args.inputs)) throw new BadWorkerMessage('prepare arguments', 'inputs is not a list');
  if (frame.op === 'finish' && args.datum !== undefined) checkDatumRef(args.datum as DatumRef);
  if (frame.op === 'finish' && args.collected !== undefined && !isCollected(args.collected)) {
    throw new BadWorkerMessage('finish arguments', 'collected must be a list of {name, kind} entries, each a plain file name');
  }
  if (frame.op === 'serveS3' && (!Array.isArray(args.inputs) || !args.inputs.every((i) => typeof i === 'string') || typeof args.out !== 'boolean')) {
    throw new BadWorkerMessage('serveS3 arguments', 'inputs must be a list of names and out a boolean');
  }
  return { id: frame.id as number, op: frame.op as Op, args };
}

const KINDS: readonly string[] = ['file', 'dir', 'symlink', 'other'] satisfies EntryKind[];

function isCollected(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.every((e) => typeof e === 'object' && e !== null && typeof e.name === 'string' && e.name !== '' && e.name !== '.' && e.name !== '..' && !e.name.includes('/') && !e.name.includes('\0') && KINDS.includes(e.kind))
  );
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadWorkerMessage(what, 'not an object');
  return value as Record<string, unknown>;
}

