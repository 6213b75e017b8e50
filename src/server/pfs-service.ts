// The gRPC PfsApi: a thin translation between the wire and src/pfs. Each
// handler parses nothing itself beyond the message; refs are handed to PFS.
import type { ServerReadableStream, ServerWritableStream, sendUnaryData, ServiceError } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';
import type { Pfs } from '../pfs/index.js';
import { parseRef } from '../pfs/index.js';
import { PfsApiService, type GetFileResponse, type ModifyFileRequest, type ModifyFileResponse, type PfsApiServer } from '../gen/tusk/pfs.js';
import { toServiceError } from '../rpc/errors.js';
import { decodeModifyFileRequest, encodeGetFileResponse } from '../rpc/file-wire.js';
import { branchMsg, commitMsg, diffMsg, fileMsg, repoMsg } from './convert.js';
import { failStream, streamHandler, unaryHandler, write } from './handler.js';
import type { Logger } from './log.js';

/** The PfsApi service definition, with file bytes decoded in no copy and encoded in one (src/rpc/file-wire.ts). */
export const pfsServiceDefinition: typeof PfsApiService = {
  ...PfsApiService,
  modifyFile: { ...PfsApiService.modifyFile, requestDeserialize: decodeModifyFileRequest },
  getFile: { ...PfsApiService.getFile, responseSerialize: encodeGetFileResponse },
};

/** GetFile sends pieces of at least this size (many small chunk slices are gathered into one message). */
const GET_MESSAGE = 1024 * 1024;

export function pfsService(pfs: Pfs, log: Logger): PfsApiServer {
  const u = <Req, Res>(name: string, fn: (req: Req) => Promise<Res>) => unaryHandler<Req, Res>(log, name, fn);
  const branchRef = (text: string) => {
    const ref = parseRef(text);
    if (ref.isId || ref.ancestors > 0 || ref.path !== undefined) throw new InvalidArgument('InvalidRef', `"${text}" does not name a branch (use REPO@BRANCH)`);
    return ref;
  };
  return {
    createRepo: u('CreateRepo', async (req) => repoMsg(await pfs.repos.create(req.name, req.description, req.update))),
    inspectRepo: u('InspectRepo', async (req) => repoMsg(await pfs.repos.inspect(req.name))),
    listRepo: u('ListRepo', async () => ({ repos: (await pfs.repos.list()).map(repoMsg) })),
    deleteRepo: u('DeleteRepo', async (req) => (await pfs.repos.delete(req.name, req.force), {})),

    startCommit: u('StartCommit', async (req) => {
      const ref = branchRef(req.branch);
      return commitMsg(await pfs.commits.start(ref.repo, ref.name, { description: req.description, force: req.force }));
    }),
    finishCommit: u('FinishCommit', async (req) => commitMsg(await pfs.commits.finish(req.commit, req.hasDescription ? req.description : undefined))),
    inspectCommit: u('InspectCommit', async (req) => commitMsg(req.wait ? await pfs.commits.wait(req.commit) : await pfs.commits.resolve(req.commit, 'head'))),
    listCommit: u('ListCommit', async (req) => ({ commits: (await pfs.commits.list(req.repo, req.branch || undefined, req.limit)).map(commitMsg) })),
    inspectCommitSet: u('InspectCommitSet', async (req) => {
      let commits = await pfs.commits.set(req.id);
      if (req.wait) commits = await Promise.all(commits.map((c) => pfs.commits.waitFor(c.repo, c.id)));
      return { commits: commits.map(commitMsg) };
    }),
    deleteCommit: u('DeleteCommit', async () => {
      throw new InvalidArgument('Unimplemented', 'delete commit is not supported yet');
    }),

    createBranch: u('CreateBranch', async (req) => {
      const ref = branchRef(req.branch);
      const t = req.trigger;
      // Any trigger field set makes a trigger (PFS then insists on its branch); none set: no trigger.
      const trigger = t && (t.branch || t.all || t.cronSpec || t.size || t.commits) ? { branch: t.branch, all: t.all, cronSpec: t.cronSpec, size: t.size, commits: Number(t.commits) } : undefined;
      return branchMsg(await pfs.branches.create(ref.repo, ref.name, req.head || undefined, trigger, req.removeTrigger));
    }),
    inspectBranch: u('InspectBranch', async (req) => {
      const ref = branchRef(req.branch);
      return branchMsg(await pfs.branches.inspect(ref.repo, ref.name));
    }),
    listBranch: u('ListBranch', async (req) => ({ branches: (await pfs.branches.list(req.repo)).map(branchMsg) })),
    deleteBranch: u('DeleteBranch', async (req) => {
      const ref = branchRef(req.branch);
      await pfs.branches.delete(ref.repo, ref.name, req.force);
      return {};
    }),

    modifyFile: (call: ServerReadableStream<ModifyFileRequest, ModifyFileResponse>, callback: sendUnaryData<ModifyFileResponse>) => {
      modifyFile(pfs, call).then(
        (res) => callback(null, res),
        (err) => {
          if (!call.cancelled) log.log('debug', 'rpc_failed', { rpc: 'ModifyFile', code: (err as { code?: string }).code, message: (err as Error).message });
          callback(toServiceError(err) as ServiceError);
        },
      );
    },
    getFile: (call) => {
      (async () => {
        const { data } = await pfs.files.get(call.request.file, call.request.length > 0 || call.request.offset > 0 ? { offset: call.request.offset, length: call.request.length > 0 ? call.request.length : Number.MAX_SAFE_INTEGER } : undefined);
        if (await sendData(call, data)) call.end();
      })().catch((err) => failStream(call, err));
    },
    copyFile: u('CopyFile', async (req) => {
      const result = await pfs.copy(req.src, req.dst, req.description || undefined, req.force);
      return { commit: commitMsg(result.commit), filesWritten: result.filesWritten, bytesWritten: result.bytesWritten };
    }),
    inspectFile: u('InspectFile', async (req) => fileMsg(await pfs.files.inspect(req.file))),
    listFile: streamHandler(log, 'ListFile', (req: { dir: string }) => pfs.files.list(req.dir), (items) => ({ files: items.map(fileMsg) })),
    globFile: streamHandler(log, 'GlobFile', (req: { commit: string; pattern: string }) => pfs.files.glob(req.commit, req.pattern), (items) => ({ files: items.map(fileMsg) })),
    diffFile: streamHandler(log, 'DiffFile', (req: { newRef: string; oldRef: string }) => pfs.files.diff(req.newRef, req.oldRef || undefined), (items) => ({ entries: items.map(diffMsg) })),
  };
}

/**
 * Sends a file's bytes in messages of at least GET_MESSAGE bytes. Slices that
 * lie back to back in one buffer (chunks read from a pack with one ranged
 * get) are joined as a view, without a copy. False if the client went away.
 */
async function sendData(call: ServerWritableStream<unknown, GetFileResponse>, data: AsyncIterable<Uint8Array>): Promise<boolean> {
  let parts: Uint8Array[] = [];
  let bytes = 0;
  const send = async () => {
    const piece = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
    parts = [];
    bytes = 0;
    await write(call, { data: Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength) });
  };
  for await (const chunk of data) {
    if (call.cancelled) return false;
    const last = parts[parts.length - 1];
    if (last && last.buffer === chunk.buffer && last.byteOffset + last.byteLength === chunk.byteOffset) {
      parts[parts.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.byteLength + chunk.byteLength);
    } else parts.push(chunk);
    bytes += chunk.length;
    if (bytes >= GET_MESSAGE) await send();
  }
  if (bytes > 0) await send();
  return true;
}

/** A file whose data ends within this many bytes is gathered whole and queued without waiting for it to be stored. */
const SMALL_FILE = 1024 * 1024;
/** How much queued small-file data may wait for the content store before reading pauses. */
const QUEUE_BYTES = 32 * 1024 * 1024;
const QUEUE_FILES = 16 * 1024;

/**
 * Reads a ModifyFile stream: open, then puts (header, data…, end; or many
 * whole files in one `files` message) and deletes, then close; applies them
 * when the stream ends after close. Small files are queued without waiting for each to be
 * stored (the next message is read meanwhile, and many share a hash batch);
 * a larger file streams through, the reader waiting for it.
 */
async function modifyFile(pfs: Pfs, call: ServerReadableStream<ModifyFileRequest, ModifyFileResponse>): Promise<ModifyFileResponse> {
  const messages = call[Symbol.asyncIterator]() as AsyncIterator<ModifyFileRequest>;
  const first = await messages.next();
  if (first.done || !first.value.open) throw new InvalidArgument('BadStream', 'a ModifyFile stream must start with an open message naming its target');
  const upload = await pfs.upload(first.value.open.target, first.value.open.description || undefined, first.value.open.force);
  const queue = new WriteWindow(QUEUE_BYTES, QUEUE_FILES);
  let closed = false;
  for (;;) {
    const next = await messages.next();
    if (next.done) break;
    const msg = next.value;
    if (closed) throw new InvalidArgument('BadStream', 'a message after close in a ModifyFile stream');
    if (msg.close) {
      closed = true;
    } else if (msg.putFile) {
      const { path, append } = msg.putFile;
      const pieces: Uint8Array[] = [];
      let bytes = 0;
      let ended = false;
      const part = async (): Promise<Uint8Array | undefined> => {
        const m = await messages.next();
        if (m.done) return undefined;
        if (m.value.endFile) {
          ended = true;
          return undefined;
        }
        if (!m.value.data) throw new InvalidArgument('BadStream', 'expected file data or end_file after put_file');
        return m.value.data;
      };
      for (let data = await part(); data; data = bytes > SMALL_FILE ? undefined : await part()) {
        pieces.push(data);
        bytes += data.length;
      }
      if (ended) {
        await queue.room(bytes);
        queue.add(upload.putFile(path, pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces), append), bytes);
        continue;
      }
      if (bytes > SMALL_FILE) {
        const rest = async function* () {
          yield* pieces;
          pieces.length = 0;
          for (let data = await part(); data; data = await part()) yield data;
        };
        await upload.putFile(path, rest(), append);
      }
      if (!ended) throw new InvalidArgument('BadStream', `the stream ended in the middle of ${path}`);
    } else if (msg.files) {
      for (const f of msg.files.files) {
        await queue.room(f.data.length);
        queue.add(upload.putFile(f.path, f.data, f.append), f.data.length);
      }
    } else if (msg.deleteFile) {
      upload.deleteFile(msg.deleteFile.path);
    } else {
      throw new InvalidArgument('BadStream', 'unexpected message in a ModifyFile stream');
    }
  }
  // Only a stream that ended after `close` is applied: a client that cancels
  // (or whose connection dies) also ends the stream, before grpc-js says it
  // was cancelled, and applying then would keep the whole files it had sent.
  if (!closed || call.cancelled) throw new InvalidArgument('Cancelled', 'the stream ended without close: the client went away or cancelled; nothing was written');
  const result = await upload.commit();
  return { commit: commitMsg(result.commit), filesWritten: result.filesWritten, bytesWritten: result.bytesWritten };
}

/** Bounds the writes queued but not yet stored; the first failure is thrown by the next room(). */
class WriteWindow {
  private bytes = 0;
  private files = 0;
  private failure: unknown;
  private wake?: () => void;

  constructor(private readonly maxBytes: number, private readonly maxFiles: number) {}

  add(write: Promise<unknown>, bytes: number): void {
    this.bytes += bytes;
    this.files++;
    const settle = () => {
      this.bytes -= bytes;
      this.files--;
      this.wake?.();
    };
    write.then(settle, (err) => {
      this.failure ??= err;
      settle();
    });
  }

  /** Waits until `bytes` more fit (always lets one write through when nothing is queued). */
  async room(bytes: number): Promise<void> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (this.files === 0 || (this.bytes + bytes <= this.maxBytes && this.files < this.maxFiles)) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}
