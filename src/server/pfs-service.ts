// The gRPC PfsApi: a thin translation between the wire and src/pfs. Each
// handler parses nothing itself beyond the message; refs are handed to PFS,
// ModifyFile streams to modify-file-stream.ts.
import type { ServerReadableStream, ServerWritableStream, sendUnaryData, ServiceError } from '@grpc/grpc-js';
import { InvalidArgument } from '../errors/index.js';
import type { Page, Pfs } from '../pfs/index.js';
import { parseRef, walksHistory } from '../pfs/index.js';
import { PfsApiService, type GlobFileRequest, type ListFileRequest, type RemoveCommitResponse, type ModifyFileRequest, type ModifyFileResponse, type PfsApiServer } from '../gen/tusk/pfs.js';
import { toServiceError } from '../rpc/errors.js';
import { decodeFileInfoBatch, encodeFileInfoBatch } from '../rpc/file-info-wire.js';
import { decodeModifyFileRequest, encodeGetFileResponse } from '../rpc/file-wire.js';
import { branchMsg, commitMsg, diffMsg, fileBatchMsg, fileMsg, repoMsg } from './convert.js';
import { batchStreamHandler, failStream, streamHandler, unaryHandler, write } from './handler.js';
import { openLocalFile, openLocalOutput, refuseLocalFile, writeLocalOutput } from './local-file.js';
import { MODIFY_FILE_WINDOW, openingMessage, readFileOps, type LocalFileOpener } from './modify-file-stream.js';
import type { Logger } from '../log/logger.js';
import type { RemovalResult } from '../pps/index.js';

/**
 * The PfsApi service definition, with file bytes decoded in no copy and encoded in one
 * (src/rpc/file-wire.ts), and listing batches written into one buffer (src/rpc/file-info-wire.ts); the
 * JSON gateway reads listing batches back with their commit filled into each entry.
 */
export const pfsServiceDefinition: typeof PfsApiService = {
  ...PfsApiService,
  modifyFile: { ...PfsApiService.modifyFile, requestDeserialize: decodeModifyFileRequest },
  getFile: { ...PfsApiService.getFile, responseSerialize: encodeGetFileResponse },
  listFile: { ...PfsApiService.listFile, responseSerialize: encodeFileInfoBatch, responseDeserialize: decodeFileInfoBatch },
  globFile: { ...PfsApiService.globFile, responseSerialize: encodeFileInfoBatch, responseDeserialize: decodeFileInfoBatch },
};

/** A listing request's paging fields (0 and '' mean none). */
function page(req: { limit: number; startAfter: string }): Page {
  if (req.limit < 0) throw new InvalidArgument('InvalidLimit', `limit ${req.limit}: a positive number, or 0 for all`);
  return { ...(req.limit > 0 ? { limit: req.limit } : {}), ...(req.startAfter ? { startAfter: req.startAfter } : {}) };
}

/** GetFile sends pieces of at least this size (many small chunk slices are gathered into one message). */
const GET_MESSAGE = 1024 * 1024;

/** `delete commit` / `squash commit` across the DAG (the pipeline system's CommitRemoval: it knows jobs and provenance). */
export interface CommitRemovalApi {
  remove(action: 'delete' | 'squash', ref: string, options: { recursive?: boolean; dryRun?: boolean; force?: boolean }): Promise<RemovalResult>;
}

export interface PfsServiceOptions {
  /** Read files a caller on this machine names (ModifyFile's local_file; see local-file.ts). Default true. */
  localFiles?: boolean;
}

export function pfsService(pfs: Pfs, log: Logger, removal: CommitRemovalApi, options: PfsServiceOptions = {}): PfsApiServer {
  const openLocal: LocalFileOpener =
    options.localFiles === false
      ? refuseLocalFile
      : async (req) => {
          const data = await openLocalFile(req);
          log.log('info', 'local_file_read', { source: req.source, path: req.path });
          return data;
        };
  const u = <Req, Res>(name: string, fn: (req: Req) => Promise<Res>) => unaryHandler<Req, Res>(log, name, fn);
  const branchRef = (text: string) => {
    const ref = parseRef(text);
    if (ref.isId || walksHistory(ref) || ref.path !== undefined) throw new InvalidArgument('InvalidRef', `"${text}" does not name a branch (use REPO@BRANCH)`);
    return ref;
  };
  return {
    createRepo: u('CreateRepo', async (req) => repoMsg(await pfs.repos.create(req.name, req.description, req.update))),
    inspectRepo: u('InspectRepo', async (req) => repoMsg(await pfs.repos.inspect(req.name), await pfs.gc.usage(req.name))),
    listRepo: u('ListRepo', async () => ({ repos: (await pfs.repos.list()).map((r) => repoMsg(r)) })),
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
    deleteCommit: u('DeleteCommit', async (req) => removedMsg(await removal.remove('delete', req.commit, { recursive: req.recursive, dryRun: req.dryRun, force: req.force }))),
    squashCommit: u('SquashCommit', async (req) => removedMsg(await removal.remove('squash', req.commit, { recursive: req.recursive, dryRun: req.dryRun, force: req.force }))),
    fsck: u('Fsck', async (req) => {
      const report = await pfs.fsck(req.scope);
      return { commits: report.commits, nodes: report.nodes, chunks: report.chunks, bytes: report.bytes, problems: report.problems };
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
      modifyFile(pfs, call, openLocal).then(
        (res) => callback(null, res),
        (err) => {
          if (!call.cancelled) log.log('debug', 'rpc_failed', { rpc: 'ModifyFile', code: (err as { code?: string }).code, message: (err as Error).message });
          callback(toServiceError(err) as ServiceError);
        },
      );
    },
    getFile: (call) => {
      (async () => {
        const local = call.request.localOutput;
        const range = call.request.length > 0 || call.request.offset > 0 ? { offset: call.request.offset, length: call.request.length > 0 ? call.request.length : Number.MAX_SAFE_INTEGER } : undefined;
        // Written to a local file, each piece is written before the next is read, or the writer tells the
        // store when it is (overlap): the store may reuse its buffers.
        const { entry, data } = await pfs.files.get(call.request.file, range, { reuse: Boolean(local?.path) });
        if (local?.path) {
          // The caller on this machine asked us to write the file ourselves (see local-file.ts): no data messages.
          const size = Math.max(0, Math.min(entry.content.size, (range?.offset ?? 0) + (range?.length ?? entry.content.size)) - (range?.offset ?? 0));
          const output = options.localFiles === false ? await refuseLocalFile() : await openLocalOutput(local, size);
          const bytes = await writeLocalOutput(output, data, { overlap: true });
          log.log('info', 'local_file_written', { path: local.path, bytes, direct: output.direct });
          call.end();
        } else if (await sendData(call, data, (bytes) => ({ data: bytes }))) call.end();
      })().catch((err) => failStream(call, err));
    },
    getFiles: (call) => {
      (async () => {
        const inlineMax = call.request.inlineMax;
        for await (const { entry, read } of pfs.files.getTree(call.request.file)) {
          if (call.cancelled) return;
          const head = { path: entry.path, size: entry.size };
          if (entry.size === 0 || (inlineMax > 0 && entry.size > inlineMax)) {
            await write(call, { ...head, data: EMPTY, skipped: entry.size > 0 });
            continue;
          }
          // The first message names the file; the rest carry its bytes only.
          let first = true;
          const message = (data: Buffer) => {
            const msg = first ? { ...head, data, skipped: false } : { path: '', size: 0, data, skipped: false };
            first = false;
            return msg;
          };
          if (!(await sendData(call, read(), message))) return;
        }
        call.end();
      })().catch((err) => failStream(call, err));
    },
    copyFile: u('CopyFile', async (req) => {
      const result = await pfs.copy(req.src, req.dst, req.description || undefined, req.force);
      return { commit: commitMsg(result.commit), filesWritten: result.filesWritten, bytesWritten: result.bytesWritten };
    }),
    inspectFile: u('InspectFile', async (req) => fileMsg(await pfs.files.inspect(req.file))),
    listFile: batchStreamHandler(log, 'ListFile', (req: ListFileRequest) => pfs.files.listBatches(req.dir, page(req)), (items, req) => fileBatchMsg(items, req.commitOnce)),
    globFile: streamHandler(log, 'GlobFile', (req: GlobFileRequest, signal) => pfs.files.glob(req.commit, req.pattern, signal, page(req)), (items, req) => fileBatchMsg(items, req.commitOnce)),
    diffFile: streamHandler(log, 'DiffFile', (req: { newRef: string; oldRef: string }) => pfs.files.diff(req.newRef, req.oldRef || undefined), (items) => ({ entries: items.map(diffMsg) })),
  };
}

const EMPTY = Buffer.alloc(0);

/**
 * Sends a file's bytes in messages of at least GET_MESSAGE bytes, each made by
 * `message`. Slices that lie back to back in one buffer (chunks read from a
 * pack with one ranged get) are joined as a view, without a copy. False if
 * the client went away.
 */
async function sendData<Msg>(call: ServerWritableStream<unknown, Msg>, data: AsyncIterable<Uint8Array>, message: (data: Buffer) => Msg): Promise<boolean> {
  let parts: Uint8Array[] = [];
  let bytes = 0;
  const send = async () => {
    const piece = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
    parts = [];
    bytes = 0;
    await write(call, message(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)));
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

/** ModifyFile: open names a branch or open commit; the files are applied as one commit once the stream ended after close. */
async function modifyFile(pfs: Pfs, call: ServerReadableStream<ModifyFileRequest, ModifyFileResponse>, openLocal: LocalFileOpener): Promise<ModifyFileResponse> {
  const messages = call[Symbol.asyncIterator]() as AsyncIterator<ModifyFileRequest>;
  const open = await openingMessage(messages, 'ModifyFile');
  const upload = await pfs.upload(open.target, open.description || undefined, open.force);
  let result;
  try {
    await readFileOps(messages, upload, () => call.cancelled, MODIFY_FILE_WINDOW, 'ModifyFile', openLocal);
    result = await upload.commit();
  } finally {
    upload.abandon(); // the client went away or sent bad input: what it stored becomes collectable
  }
  return { commit: commitMsg(result.commit), filesWritten: result.filesWritten, bytesWritten: result.bytesWritten };
}

function removedMsg(r: RemovalResult): RemoveCommitResponse {
  return { commits: r.commits, jobs: r.jobs, branches: r.branches.map((b) => ({ repo: b.repo, name: b.name, head: b.head, trigger: undefined })), dryRun: r.dryRun };
}
