// The typed TypeScript client of tuskd: one method per API call, refs as
// strings in the ref grammar, streams as async iterables, errors as the same
// TuskErrors the daemon threw. The CLI, tests, the console and the S3 gateway
// all go through it.
import { status, type Metadata as GrpcMetadata } from '@grpc/grpc-js';
import { fromServiceError } from '../rpc/errors.js';
import { AdminApiClient, type GcResponse } from '../gen/tusk/admin.js';
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import {
  PfsApiClient,
  PfsApiService,
  type Branch,
  type Commit,
  type DiffEntry,
  type FileInfo,
  type GetFilesResponse,
  type ListBranchResponse,
  type ListCommitResponse,
  type ListRepoResponse,
  type ModifyFileResponse,
  type Repo,
  type FsckResponse,
  type RemoveCommitResponse,
  type Trigger,
} from '../gen/tusk/pfs.js';
import { CHANNEL_OPTIONS, connect, watchAnswer, defaultAddress, serverStream, unary, type ConnectOptions } from './connection.js';
import { FileWriter } from './file-writer.js';
import type { LocalProof } from './local-proof.js';
import { decodeFileInfoBatch } from '../rpc/file-info-wire.js';
import { decodeGetFileResponse, encodeModifyFileRequest } from '../rpc/file-wire.js';

/**
 * The PfsApi client, with file bytes encoded in one copy and decoded in none (src/rpc/file-wire.ts), and
 * listing batches decoded straight into entries, each with its commit (src/rpc/file-info-wire.ts).
 */
const FastPfsApiClient = makeGenericClientConstructor(
  {
    ...PfsApiService,
    modifyFile: { ...PfsApiService.modifyFile, requestSerialize: encodeModifyFileRequest },
    getFile: { ...PfsApiService.getFile, responseDeserialize: decodeGetFileResponse },
    listFile: { ...PfsApiService.listFile, responseDeserialize: decodeFileInfoBatch },
    globFile: { ...PfsApiService.globFile, responseDeserialize: decodeFileInfoBatch },
  },
  'tusk.pfs.PfsApi',
) as unknown as typeof PfsApiClient;

export type { Branch, Commit, DiffEntry, FileInfo, ModifyFileResponse, Repo, Trigger };

export class TuskClient {
  readonly pfs: PfsApiClient;
  /** The AdminApi client (version, gc), made at its first call: most commands never make one, and each channel costs set-up time at every CLI start. */
  private adminClient: AdminApiClient | undefined;
  private closed = false;

  constructor(
    readonly address: string = defaultAddress(),
    private readonly options: ConnectOptions = {},
  ) {
    // A wide receive window: with the 64 KiB default a download stalls every
    // 64 KiB until our window update reaches the daemon (measured, 512 MiB of
    // GetFile: ~300 MB/s, 420-710 MB/s with 16 MiB, less CPU on both sides).
    this.pfs = new FastPfsApiClient(...connect(address, { ...CHANNEL_OPTIONS, 'grpc-node.flow_control_window': 16 * 1024 * 1024 }, options));
    watchAnswer(this.pfs, options);
  }

  close(): void {
    this.closed = true;
    this.pfs.close();
    this.adminClient?.close();
  }

  private get admin(): AdminApiClient {
    if (!this.adminClient) {
      this.adminClient = new AdminApiClient(...connect(this.address, CHANNEL_OPTIONS, this.options));
      watchAnswer(this.adminClient, this.options);
      if (this.closed) this.adminClient.close(); // a call after close() fails as on a closed channel
    }
    return this.adminClient;
  }

  /** Waits until the PFS channel is connected (rejects like a call would when the daemon cannot be reached). */
  private ready(timeoutMs = 20_000): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pfs.waitForReady(Date.now() + timeoutMs, (err) => {
        if (!err) resolve();
        else reject(fromServiceError({ code: status.UNAVAILABLE, details: err.message }));
      });
    });
  }

  version() {
    return unary((cb) => this.admin.version({}, cb));
  }

  /** Garbage collection now (clusterAdmin); `dryRun` only reports what would be freed. */
  gc(dryRun = false): Promise<GcResponse> {
    return unary((cb) => this.admin.gc({ dryRun }, cb));
  }

  // Repos
  createRepo(name: string, options: { description?: string; update?: boolean } = {}): Promise<Repo> {
    return unary((cb) => this.pfs.createRepo({ name, description: options.description ?? '', update: options.update ?? false }, cb));
  }
  inspectRepo(name: string): Promise<Repo> {
    return unary((cb) => this.pfs.inspectRepo({ name }, cb));
  }
  async listRepos(): Promise<Repo[]> {
    return (await unary<ListRepoResponse>((cb) => this.pfs.listRepo({}, cb))).repos;
  }
  async deleteRepo(name: string, force = false): Promise<void> {
    await unary((cb) => this.pfs.deleteRepo({ name, force }, cb));
  }

  // History and integrity
  /** `delete commit`: see src/pps/commit-removal.ts for the rules; dryRun says what would go. */
  deleteCommit(commit: string, options: { recursive?: boolean; dryRun?: boolean; force?: boolean } = {}): Promise<RemoveCommitResponse> {
    return unary((cb) => this.pfs.deleteCommit({ commit, recursive: !!options.recursive, dryRun: !!options.dryRun, force: !!options.force }, cb));
  }
  /** `squash commit`: folds the commit into its children. */
  squashCommit(commit: string, options: { recursive?: boolean; dryRun?: boolean; force?: boolean } = {}): Promise<RemoveCommitResponse> {
    return unary((cb) => this.pfs.squashCommit({ commit, recursive: !!options.recursive, dryRun: !!options.dryRun, force: !!options.force }, cb));
  }
  /** `fsck`: '' every repo, REPO, or REPO@REF. */
  fsck(scope = ''): Promise<FsckResponse> {
    return unary((cb) => this.pfs.fsck({ scope }, cb));
  }

  // Commits
  startCommit(branch: string, options: { description?: string; parent?: string; force?: boolean } = {}): Promise<Commit> {
    return unary((cb) => this.pfs.startCommit({ branch, description: options.description ?? '', parent: options.parent ?? '', force: options.force ?? false }, cb));
  }
  finishCommit(commit: string, description?: string): Promise<Commit> {
    return unary((cb) => this.pfs.finishCommit({ commit, description: description ?? '', hasDescription: description !== undefined }, cb));
  }
  inspectCommit(commit: string, options: { wait?: boolean } = {}): Promise<Commit> {
    return unary((cb) => this.pfs.inspectCommit({ commit, wait: options.wait ?? false }, cb));
  }
  waitCommit(commit: string): Promise<Commit> {
    return this.inspectCommit(commit, { wait: true });
  }
  async listCommits(repo: string, branch = '', limit = 0): Promise<Commit[]> {
    return (await unary<ListCommitResponse>((cb) => this.pfs.listCommit({ repo, branch, limit }, cb))).commits;
  }
  async inspectCommitSet(id: string, wait = false): Promise<Commit[]> {
    return (await unary<ListCommitResponse>((cb) => this.pfs.inspectCommitSet({ id, wait }, cb))).commits;
  }

  // Branches
  /** Creates or moves a branch; `trigger` sets its trigger, `removeTrigger` drops the one it has. */
  createBranch(branch: string, head = '', trigger?: Trigger, removeTrigger = false): Promise<Branch> {
    return unary((cb) => this.pfs.createBranch({ branch, head, trigger, removeTrigger }, cb));
  }
  inspectBranch(branch: string): Promise<Branch> {
    return unary((cb) => this.pfs.inspectBranch({ branch }, cb));
  }
  async listBranches(repo: string): Promise<Branch[]> {
    return (await unary<ListBranchResponse>((cb) => this.pfs.listBranch({ repo }, cb))).branches;
  }
  async deleteBranch(branch: string, force = false): Promise<void> {
    await unary((cb) => this.pfs.deleteBranch({ branch, force }, cb));
  }

  // Files
  /** Opens a write to `repo@branch` or `repo@<open commit>`; nothing is visible until close(). */
  async modifyFile(target: string, options: { description?: string; onBytes?: (n: number) => void; force?: boolean } = {}): Promise<FileWriter> {
    // Connect first: until the channel is up, grpc-js accepts writes without
    // back-pressure and holds them all, so a caller that reads files without
    // yielding would read the whole folder into memory before sending a byte.
    await this.ready();
    let call!: ReturnType<PfsApiClient['modifyFile']>;
    const result = new Promise<ModifyFileResponse>((resolve, reject) => {
      call = this.pfs.modifyFile((err, res) => (err ? reject(err) : resolve(res!)));
    });
    const writer = new FileWriter(call, result, { onBytes: options.onBytes, batch: true, close: true });
    call.write({ open: { target, description: options.description ?? '', force: options.force ?? false } });
    return writer;
  }

  /** Puts one file from bytes or a stream in its own write (a commit unless one is open). */
  async putFile(target: string, path: string, data: Uint8Array | AsyncIterable<Uint8Array>, options: { append?: boolean; description?: string } = {}): Promise<ModifyFileResponse> {
    const writer = await this.modifyFile(target, { description: options.description });
    try {
      await writer.putFile(path, data, { append: options.append });
    } catch (err) {
      writer.abort();
      throw err;
    }
    return writer.close();
  }

  /**
   * A file's bytes (or a range of them). With `local` (a daemon on this
   * machine; see local-proof.ts), the daemon writes them into the existing
   * file `local.path` itself and yields none (a daemon that does not know
   * the request sends them as usual); it fails with LocalFileRefused if it may not.
   */
  async *getFile(file: string, range: { offset?: number; length?: number; local?: { path: string; proof: LocalProof } } = {}): AsyncIterable<Uint8Array> {
    const l = range.local;
    const localOutput = l ? { path: l.path, proof: l.proof.proof, nonce: l.proof.nonce } : undefined;
    const stream = this.pfs.getFile({ file, offset: range.offset ?? 0, length: range.length ?? 0, localOutput });
    for await (const msg of serverStream(stream)) yield msg.data;
  }

  /**
   * Every file under a folder (or the one file `file` names), in path order, over one call: a message
   * with a path starts a file of `size` bytes, which the `data` of it and of the messages after it
   * make up. A file larger than `inlineMax` (when above 0) comes `skipped`, without its bytes.
   */
  async *getFiles(file: string, inlineMax = 0): AsyncIterable<GetFilesResponse> {
    yield* serverStream(this.pfs.getFiles({ file, inlineMax }));
  }
  /** Copies a file or folder by reference (no bytes move); one commit, or into the destination's open commit. */
  copyFile(src: string, dst: string, description = '', force = false): Promise<ModifyFileResponse> {
    return unary((cb) => this.pfs.copyFile({ src, dst, description, force }, cb));
  }
  inspectFile(file: string): Promise<FileInfo> {
    return unary((cb) => this.pfs.inspectFile({ file }, cb));
  }
  /** A folder's entries in listing order (a folder sorts as `NAME/`), as the daemon sends them; `page` asks for one page. */
  async *listFileBatches(dir: string, page: FilePage = {}): AsyncIterable<FileInfo[]> {
    for await (const batch of serverStream(this.pfs.listFile({ dir, limit: page.limit ?? 0, startAfter: page.startAfter ?? '', commitOnce: true }))) yield batch.files;
  }
  async *listFile(dir: string, page: FilePage = {}): AsyncIterable<FileInfo> {
    for await (const batch of this.listFileBatches(dir, page)) yield* batch;
  }
  /** Matches in listing order, as the daemon sends them; `page` asks for one page. */
  async *globFileBatches(commit: string, pattern: string, page: FilePage = {}): AsyncIterable<FileInfo[]> {
    for await (const batch of serverStream(this.pfs.globFile({ commit, pattern, limit: page.limit ?? 0, startAfter: page.startAfter ?? '', commitOnce: true }))) yield batch.files;
  }
  async *globFile(commit: string, pattern: string, page: FilePage = {}): AsyncIterable<FileInfo> {
    for await (const batch of this.globFileBatches(commit, pattern, page)) yield* batch;
  }
  async *diffFile(newRef: string, oldRef = ''): AsyncIterable<DiffEntry> {
    for await (const batch of serverStream(this.pfs.diffFile({ newRef, oldRef }))) yield* batch.entries;
  }
}

/** One page of a listing: at most `limit` entries, those after the path `startAfter`. */
export interface FilePage {
  limit?: number;
  startAfter?: string;
}

export type { GrpcMetadata };
