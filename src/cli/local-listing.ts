// `list file` and `glob file` from the daemon on this machine over its HTTP
// API (see local-gateway.ts) instead of gRPC: loading and starting grpc-js and
// Node's http2 is ~30 ms of CPU at every such command, several times the
// daemon's own work for a page of entries. The first page (FIRST_PAGE entries)
// comes as JSON, message by message as the daemon sends it; a listing longer
// than that goes on over gRPC from the page's last entry, since JSON costs the
// daemon ~3x the CPU of a gRPC listing (a million entries: ~3.2 s against
// ~1.2 s). Both calls list the same commit: every entry names the commit it
// was read from (for a branch, its last finished commit), and the rest is
// asked of that commit, so a branch that moves in between does not mix two
// states. The daemon answers errors as the same typed errors, and anywhere the
// HTTP API does not apply (another daemon, TLS, nothing listening at its
// port), the whole listing goes over gRPC as before.
import type { FileInfo } from '../client/index.js';
import type { FilesContext } from './context.js';
import { gatewayStream, localGateway } from './local-gateway.js';
import { listingKey } from './file-listing.js';
import { isGlobalId, splitRepoRef } from './refs.js';

/** Entries asked for over the HTTP API; the rest of a longer listing comes over gRPC. */
export const FIRST_PAGE = 1000;

/** A listing: the entries of folder `path` of `ref` (`list`), or those matching the glob `path` (`glob`). */
export interface ListingQuery {
  kind: 'list' | 'glob';
  /** REPO@REF */
  ref: string;
  /** The folder, or the glob pattern. */
  path: string;
  limit?: number;
  startAfter?: string;
}

/** The listing's batches as they arrive, over the local HTTP API where it applies (see the head comment). */
export async function* listingBatches(ctx: FilesContext, query: ListingQuery): AsyncIterable<FileInfo[]> {
  const gateway = localGateway(ctx);
  const limit = Math.min(query.limit ?? FIRST_PAGE, FIRST_PAGE);
  const answer = gateway ? await gatewayStream(ctx, gateway, query.kind === 'list' ? 'tusk.pfs.PfsApi/ListFile' : 'tusk.pfs.PfsApi/GlobFile', request({ ...query, limit })) : undefined;
  if (!answer) return yield* overGrpc(ctx, query);
  let count = 0;
  let last: FileInfo | undefined;
  for await (const message of answer.messages) {
    const batch = message as { files: FileInfo[]; commit?: string };
    for (const f of batch.files) f.commit ||= batch.commit ?? '';
    if (batch.files.length === 0) continue;
    count += batch.files.length;
    last = batch.files[batch.files.length - 1];
    yield batch.files;
  }
  // Whole and shorter than asked: that was all. Otherwise the rest (or the reason the answer was cut short) over gRPC,
  // from the commit the entries were read from (a bare repo too: its master may move meanwhile; a global commit ID
  // names the same commits anyway).
  if (answer.complete() && (count < limit || count === query.limit)) return;
  const ref = last?.commit && !isGlobalId(query.ref) ? `${splitRepoRef(query.ref).repo}@${last.commit}` : query.ref;
  yield* overGrpc(ctx, { ...query, ref, limit: query.limit === undefined ? undefined : query.limit - count, startAfter: last ? listingKey(last) : query.startAfter });
}

async function* overGrpc(ctx: FilesContext, query: ListingQuery): AsyncIterable<FileInfo[]> {
  await ctx.loadClient();
  const page = { limit: query.limit, startAfter: query.startAfter };
  yield* query.kind === 'list' ? ctx.client().listFileBatches(`${query.ref}:${query.path}`, page) : ctx.client().globFileBatches(query.ref, query.path, page);
}

/** The request message of the HTTP call (field names as in the .proto, camelCase). */
function request(query: ListingQuery & { limit: number }): object {
  const page = { limit: query.limit, startAfter: query.startAfter ?? '', commitOnce: true };
  return query.kind === 'list' ? { dir: `${query.ref}:${query.path}`, ...page } : { commit: query.ref, pattern: query.path, ...page };
}

