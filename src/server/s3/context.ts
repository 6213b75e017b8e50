// What every S3 operation is handed: the daemon's PFS and the layers under it,
// the multipart upload records, a clock, and the request itself already parsed
// (bucket, key, query, who signed it). Operations are functions of this.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pfs } from '../../pfs/index.js';
import type { ContentStore } from '../../storage/content-store.js';
import type { FileTree } from '../../tree/index.js';
import type { Logger } from '../../log/logger.js';
import type { Identity, S3Credentials } from './auth.js';
import type { MultipartStore } from './multipart-store.js';
import type { WriteSlots } from './write-slots.js';
import type { YoungCollector } from './young-collector.js';
import type { AccessGate } from '../access-gate.js';

export interface GatewayDeps {
  pfs: Pfs;
  tree: FileTree;
  content: ContentStore;
  uploads: MultipartStore;
  credentials: S3Credentials;
  /** Access control: once active, only keys it issued are accepted and each operation is checked against the access table. */
  gate?: AccessGate;
  clock: () => Date;
  log: Logger;
  /** Told of every answered request: its S3 operation (`GetObject`, `ListObjectsV2`, ...; `Unknown`), HTTP status and seconds. */
  observe?: (operation: string, status: number, seconds: number) => void;
}

export interface S3Request {
  req: IncomingMessage;
  res: ServerResponse;
  /** The bucket named in the path ('' for the service: ListBuckets). */
  bucket: string;
  /** The object key, decoded ('' when none). */
  key: string;
  query: URLSearchParams;
  identity: Identity;
  requestId: string;
  /** Taken around a streamed write (UploadPart, a large PutObject): see write-slots.ts. */
  writeSlots: WriteSlots;
  /** Told of the body bytes a streamed write reads (see young-collector.ts). */
  young: YoungCollector;
}

export type Operation = (deps: GatewayDeps, r: S3Request) => Promise<void>;
