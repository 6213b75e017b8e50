// The one table of access control: for every gRPC method and every S3
// operation, what its caller needs (src/auth/policy.ts Need), computed from
// the request. The gRPC interceptor (auth-interceptor.ts) and the S3
// gateway's dispatcher consult it before any handler runs, so no handler can
// forget; a method missing here is refused, and a test fails on it. `after`
// runs once a call succeeded: who creates a repo or pipeline owns its repo.
import type { Authority, Need, RepoRole } from '../auth/index.js';
import { parseRef } from '../pfs/index.js';
import type { S3OperationName } from './s3/router.js';
import { parseBucket } from './s3/bucket.js';
import { parseCopySource } from './s3/ops/copy-object.js';
import type { AccessLookups } from './access-lookups.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- each rule reads its own request message */
type Req = any;

export interface AfterSuccess {
  authority: Authority;
  caller: string;
}

export interface RpcRule {
  /** What the caller needs; for a client stream, called per message (undefined: nothing more to check). */
  need(req: Req, lookups: AccessLookups): Need | undefined | Promise<Need | undefined>;
  /** A client stream: need() sees every message, the first must yield a Need. */
  stream?: true;
  after?(req: Req, done: AfterSuccess, lookups: AccessLookups): Promise<void>;
  /** What a refusal says the caller tried (default: the method's name), when the request makes it another thing. */
  action?(req: Req): string;
}

const PUBLIC: Need = { kind: 'public' };
const ANYONE: Need = { kind: 'authenticated' };
const CLUSTER: Need = { kind: 'cluster' };
const on = (role: RepoRole, ...repos: string[]): Need => ({ kind: 'repo', role, repos });
const repoOf = (ref: string) => parseRef(ref).repo;
const rule = (need: RpcRule['need'], after?: RpcRule['after']): RpcRule => (after ? { need, after } : { need });

/** Who creates a repo owns it (unless someone already holds roles on that name). */
async function owns(repo: string, done: AfterSuccess): Promise<void> {
  if (done.authority.repoRoles(repo).length === 0) await done.authority.setRepoRole(repo, done.caller, 'repoOwner', done.caller);
}

/** Creating or updating a pipeline: writer on its output repo when it exists, reader on its inputs. */
async function pipelineNeed(specText: string, l: AccessLookups): Promise<Need> {
  const spec = l.specRepos(specText);
  if (!spec) return ANYONE; // the handler refuses the spec and says why
  if (await l.repoExists(spec.name)) return { kind: 'all', needs: [on('repoWriter', spec.name), on('repoReader', ...spec.inputs)] };
  return on('repoReader', ...spec.inputs);
}

function transactionOpNeed(op: Req, l: AccessLookups): Need | Promise<Need> {
  switch (op?.kind) {
    case 'create_branch':
    case 'start_commit':
      return on('repoWriter', repoOf(op.branch));
    case 'finish_commit':
      return on('repoWriter', repoOf(op.commit));
    case 'create_pipeline':
      return pipelineNeed(op.spec, l);
    default:
      return ANYONE; // the handler refuses the op and says why
  }
}

export const RPC_ACCESS: Record<string, RpcRule> = {
  // AdminApi
  '/tusk.admin.AdminApi/Version': rule(() => PUBLIC),
  '/tusk.admin.AdminApi/Gc': rule(() => CLUSTER), // removes what no commit reaches, in every repo

  // AuthApi (the handlers check the rest: a token revoked by value, the subject named)
  '/tusk.auth.AuthApi/Activate': rule(() => PUBLIC),
  '/tusk.auth.AuthApi/WhoAmI': rule(() => ANYONE),
  '/tusk.auth.AuthApi/Revoke': rule((r) => (r.token ? ANYONE : { kind: 'self', subject: r.subject })),
  '/tusk.auth.AuthApi/GetRobotToken': rule(() => CLUSTER),
  '/tusk.auth.AuthApi/SetRepoRole': rule((r) => on('repoOwner', r.repo)),
  '/tusk.auth.AuthApi/GetRepoRoles': rule((r) => on('repoReader', r.repo)),
  '/tusk.auth.AuthApi/SetClusterRole': rule(() => CLUSTER),
  '/tusk.auth.AuthApi/CreateS3Key': rule(() => ANYONE), // someone else's key: clusterAdmin, checked by the handler against the caller

  // PfsApi
  '/tusk.pfs.PfsApi/CreateRepo': {
    ...rule(
      async (r, l) => (r.update && (await l.repoExists(r.name)) ? on('repoWriter', r.name) : ANYONE),
      (r, done) => owns(r.name, done),
    ),
    // `tusk update repo` (pachctl's too) is CreateRepo with update set: a refusal names what the user typed.
    action: (r) => (r.update ? 'update repo' : 'CreateRepo'),
  },
  '/tusk.pfs.PfsApi/InspectRepo': rule((r) => on('repoReader', r.name)),
  '/tusk.pfs.PfsApi/ListRepo': rule(() => ANYONE),
  '/tusk.pfs.PfsApi/DeleteRepo': rule(
    (r) => on('repoOwner', r.name),
    (r, done) => done.authority.dropRepo(r.name, done.caller),
  ),
  '/tusk.pfs.PfsApi/StartCommit': rule((r) => on('repoWriter', repoOf(r.branch))),
  '/tusk.pfs.PfsApi/FinishCommit': rule((r) => on('repoWriter', repoOf(r.commit))),
  '/tusk.pfs.PfsApi/InspectCommit': rule((r) => on('repoReader', repoOf(r.commit))),
  '/tusk.pfs.PfsApi/ListCommit': rule((r) => on('repoReader', r.repo)),
  '/tusk.pfs.PfsApi/InspectCommitSet': rule(async (r, l) => on('repoReader', ...(await l.commitSetRepos(r.id)))),
  // Removing dependants (--recursive) or an output commit (--force) reaches into other repos: clusterAdmin.
  '/tusk.pfs.PfsApi/DeleteCommit': rule((r) => (r.recursive || r.force ? CLUSTER : on('repoWriter', repoOf(r.commit)))),
  '/tusk.pfs.PfsApi/SquashCommit': rule((r) => (r.recursive || r.force ? CLUSTER : on('repoWriter', repoOf(r.commit)))),
  '/tusk.pfs.PfsApi/Fsck': rule((r) => (r.scope ? on('repoReader', repoOf(r.scope)) : CLUSTER)),
  '/tusk.pfs.PfsApi/CreateBranch': rule((r) => on('repoWriter', repoOf(r.branch))),
  '/tusk.pfs.PfsApi/InspectBranch': rule((r) => on('repoReader', repoOf(r.branch))),
  '/tusk.pfs.PfsApi/ListBranch': rule((r) => on('repoReader', r.repo)),
  '/tusk.pfs.PfsApi/DeleteBranch': rule((r) => on('repoWriter', repoOf(r.branch))),
  '/tusk.pfs.PfsApi/ModifyFile': { stream: true, need: (m) => (m.open ? on('repoWriter', repoOf(m.open.target)) : undefined) },
  '/tusk.pfs.PfsApi/CopyFile': rule((r) => ({ kind: 'all', needs: [on('repoWriter', repoOf(r.dst)), on('repoReader', repoOf(r.src))] })),
  '/tusk.pfs.PfsApi/GetFile': rule((r) => on('repoReader', repoOf(r.file))),
  '/tusk.pfs.PfsApi/GetFiles': rule((r) => on('repoReader', repoOf(r.file))),
  '/tusk.pfs.PfsApi/InspectFile': rule((r) => on('repoReader', repoOf(r.file))),
  '/tusk.pfs.PfsApi/ListFile': rule((r) => on('repoReader', repoOf(r.dir))),
  '/tusk.pfs.PfsApi/GlobFile': rule((r) => on('repoReader', repoOf(r.commit))),
  '/tusk.pfs.PfsApi/DiffFile': rule((r) => on('repoReader', repoOf(r.newRef), ...(r.oldRef ? [repoOf(r.oldRef)] : []))),

  // PpsApi: a pipeline's jobs, datums and logs are read with its output repo; changing it needs that repo.
  '/tusk.pps.PpsApi/CreatePipeline': rule(
    (r, l) => pipelineNeed(r.spec, l),
    async (r, done, l) => {
      const spec = l.specRepos(r.spec);
      if (!spec) return;
      for (const repo of [spec.name, ...spec.cron]) await owns(repo, done);
    },
  ),
  '/tusk.pps.PpsApi/InspectPipeline': rule((r) => on('repoReader', r.name)),
  '/tusk.pps.PpsApi/PipelineSeries': rule((r) => on('repoReader', r.name)),
  '/tusk.pps.PpsApi/PipelineHistory': rule((r) => on('repoReader', r.name)),
  '/tusk.pps.PpsApi/ListPipeline': rule(() => ANYONE),
  '/tusk.pps.PpsApi/DeletePipeline': rule((r) => on('repoOwner', r.name)),
  '/tusk.pps.PpsApi/StopPipeline': rule((r) => on('repoWriter', r.name)),
  '/tusk.pps.PpsApi/StartPipeline': rule((r) => on('repoWriter', r.name)),
  '/tusk.pps.PpsApi/RunPipeline': rule((r) => on('repoWriter', r.name)),
  '/tusk.pps.PpsApi/ListJob': rule((r) => (r.pipeline ? on('repoReader', r.pipeline) : ANYONE)),
  '/tusk.pps.PpsApi/InspectJob': rule((r) => on('repoReader', r.pipeline)),
  '/tusk.pps.PpsApi/StopJob': rule((r) => on('repoWriter', r.pipeline)),
  '/tusk.pps.PpsApi/DeleteJob': rule((r) => on('repoWriter', r.pipeline)),
  '/tusk.pps.PpsApi/ListDatum': rule((r) => on('repoReader', r.pipeline)),
  '/tusk.pps.PpsApi/InspectDatum': rule((r) => on('repoReader', r.pipeline)),
  '/tusk.pps.PpsApi/RestartDatum': rule((r) => on('repoWriter', r.pipeline)),
  '/tusk.pps.PpsApi/GetLogs': rule((r) => on('repoReader', r.pipeline)),
  '/tusk.pps.PpsApi/Provenance': rule((r) => on('repoReader', repoOf(r.ref))),
  '/tusk.pps.PpsApi/Subvenance': rule((r) => on('repoReader', repoOf(r.ref))),
  '/tusk.pps.PpsApi/RunCron': rule((r) => on('repoWriter', r.name)),
  '/tusk.pps.PpsApi/ExperimentDiff': rule(async (r, l) => on('repoReader', ...(await l.reposWithBranch(r.branch)))),
  '/tusk.pps.PpsApi/PromoteExperiment': rule(async (r, l) => on('repoWriter', ...(await l.reposWithBranch(r.branch)))),
  '/tusk.pps.PpsApi/ListExperiments': rule(() => ANYONE),
  '/tusk.pps.PpsApi/DeleteExperiment': rule(async (r, l) => on('repoWriter', ...(await l.experimentRepos(r.branch)))),
  '/tusk.pps.PpsApi/Impact': rule((r, l) => (r.ref ? on('repoReader', repoOf(r.ref)) : on('repoReader', ...(l.specRepos(r.spec)?.inputs ?? [])))),
  // Secrets (transform.secrets) are admin-managed: only a clusterAdmin creates, lists, inspects or deletes them.
  '/tusk.pps.PpsApi/CreateSecret': rule(() => CLUSTER),
  '/tusk.pps.PpsApi/ListSecret': rule(() => CLUSTER),
  '/tusk.pps.PpsApi/InspectSecret': rule(() => CLUSTER),
  '/tusk.pps.PpsApi/DeleteSecret': rule(() => CLUSTER),

  // Transactions: recording an op needs what the op itself needs (so finishing applies only ops their recorders may do).
  '/tusk.pps.PpsApi/StartTransaction': rule(() => ANYONE),
  '/tusk.pps.PpsApi/AddTransactionOp': rule((r, l) => transactionOpNeed(r.op, l)),
  '/tusk.pps.PpsApi/FinishTransaction': rule(() => ANYONE),
  '/tusk.pps.PpsApi/DeleteTransaction': rule(() => ANYONE),
  '/tusk.pps.PpsApi/ListTransaction': rule(() => ANYONE),
  '/tusk.pps.PpsApi/InspectTransaction': rule(() => ANYONE),

  // WorkerApi: a pipeline's own workers and sidecars (or a clusterAdmin).
  '/tusk.pps.WorkerApi/Register': rule((r) => ({ kind: 'pipeline', pipeline: r.pipeline })),
  '/tusk.pps.WorkerApi/NextTasks': rule((r) => ({ kind: 'pipeline', pipeline: r.pipeline })),
  '/tusk.pps.WorkerApi/Report': rule((r) => ({ kind: 'pipeline', pipeline: r.pipeline })),
  '/tusk.pps.WorkerApi/Started': rule((r) => ({ kind: 'pipeline', pipeline: r.pipeline })),
  // The first message names the pipeline; a later one that names one is checked again.
  '/tusk.pps.WorkerApi/StartedStream': { stream: true, need: (m) => (m.pipeline ? { kind: 'pipeline', pipeline: m.pipeline } : undefined) },
  '/tusk.pps.WorkerApi/PutDatumOutput': { stream: true, need: (m) => (m.open ? { kind: 'pipeline', pipeline: m.open.pipeline } : undefined) },
};

export interface S3Call {
  bucket: string;
  key: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface S3Rule {
  need(r: S3Call, lookups: AccessLookups): Need | Promise<Need>;
  after?(r: S3Call, done: AfterSuccess): Promise<void>;
}

const s3 = (need: S3Rule['need'], after?: S3Rule['after']): S3Rule => (after ? { need, after } : { need });
const copy = (r: S3Call): Need => ({ kind: 'all', needs: [on('repoWriter', bucketRepo(r.bucket)), on('repoReader', copySourceRepo(r.headers))] });

const bucketRepo = (bucket: string) => parseBucket(bucket).repo;
const copySourceRepo = (headers: S3Call['headers']) => bucketRepo(parseCopySource(String(headers['x-amz-copy-source'])).bucket);

/** Every S3 operation (the names router.ts gives them) → what its caller needs. */
export const S3_ACCESS: Record<S3OperationName, S3Rule> = {
  ListBuckets: s3(() => ANYONE),
  CreateBucket: s3(
    async (r, l) => ((await l.repoExists(bucketRepo(r.bucket))) ? on('repoWriter', bucketRepo(r.bucket)) : ANYONE),
    (r, done) => owns(bucketRepo(r.bucket), done),
  ),
  DeleteBucket: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  HeadBucket: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  GetBucketLocation: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  GetBucketVersioning: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  ListObjects: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  ListObjectsV2: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  ListMultipartUploads: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  GetObject: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  HeadObject: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  ListParts: s3((r) => on('repoReader', bucketRepo(r.bucket))),
  PutObject: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  DeleteObject: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  DeleteObjects: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  CreateMultipartUpload: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  UploadPart: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  CompleteMultipartUpload: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  AbortMultipartUpload: s3((r) => on('repoWriter', bucketRepo(r.bucket))),
  CopyObject: s3(copy),
  UploadPartCopy: s3(copy),
};
