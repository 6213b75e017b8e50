// The access table, end to end: every gRPC method (found in the generated
// code, so a new one without a sample here fails) and every S3 operation is
// called through one shared daemon with access control on, as each kind of
// caller, and must be refused exactly when the caller's role is below what
// the method needs. Requests are chosen so an allowed call fails harmlessly
// (not found, already exists, in use) or changes nothing that matters.
import { makeGenericClientConstructor, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, AbortMultipartUploadCommand, CompleteMultipartUploadCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetBucketLocationCommand, GetBucketVersioningCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand, ListMultipartUploadsCommand, ListObjectsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, S3Client, UploadPartCommand, UploadPartCopyCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthClient, PpsClient, TuskClient } from '../src/client/index.js';
import { S3_OPERATIONS, type S3OperationName } from '../src/server/s3/router.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { generatedServices } from './helpers/generated-services.js';

/** How much a caller holds on the repos the calls target (sales, report, ghost); -1: no valid token. */
const CALLERS = {
  'no token': -1,
  'expired token': -1,
  'revoked token': -1,
  'repoOwner of another repo': 0,
  repoReader: 1,
  repoWriter: 2,
  repoOwner: 3,
  clusterAdmin: 4,
} as const;
type Caller = keyof typeof CALLERS;
/** What a call needs: public, any valid token, a role on the target, or clusterAdmin (the pipeline's own identity also passes the worker calls). */
const LEVEL = { public: -2, anyone: 0, reader: 1, writer: 2, owner: 3, admin: 4 } as const;
type Level = keyof typeof LEVEL;

const SPEC = JSON.stringify({ pipeline: { name: 'report' }, input: { pfs: { repo: 'sales', glob: '/*' } }, transform: { cmd: ['true'] } });
const open = (target: string) => ({ open: { target, description: '' } });

let daemon: DaemonHandle;
const tokens = new Map<Caller, string | undefined>();
const s3keys = new Map<Caller, { id: string; secret: string }>();
let finishedCommit = '';
let exposedBefore = '';
let exposedAfter = '';

beforeAll(async () => {
  daemon = await startDaemon({ env: { TUSK_RUNTIME: 'none', TUSK_HOST: '0.0.0.0' } });
  exposedBefore = (await new TuskClient(daemon.address).version()).warning;
  const root = (await new AuthClient(daemon.address).activate()).rootToken;
  exposedAfter = (await new TuskClient(daemon.address).version()).warning;
  const as = (token: string) => ({ pfs: new TuskClient(daemon.address, { token }), pps: new PpsClient(daemon.address, { token }), auth: new AuthClient(daemon.address, { token }) });
  const admin = as(root);
  // The expired token first, so its second has passed by the time the calls run.
  const expired = await admin.auth.getRobotToken('robot:late', 1);
  await admin.pfs.createRepo('sales');
  const w = await admin.pfs.modifyFile('sales@master');
  await w.putFile('/a.txt', Buffer.from('a\n'));
  finishedCommit = (await w.close()).commit!.id;
  await admin.pps.createPipeline(SPEC);
  await admin.pfs.createRepo('ghost');
  await admin.pfs.createRepo('other');
  await admin.pfs.startCommit('sales@open');
  const roles: [Caller, string | undefined][] = [['repoReader', 'repoReader'], ['repoWriter', 'repoWriter'], ['repoOwner', 'repoOwner'], ['repoOwner of another repo', undefined], ['revoked token', 'repoOwner']];
  for (const [caller, role] of roles) {
    const subject = `user:${caller.replace(/ /g, '-')}`;
    tokens.set(caller, (await admin.auth.getRobotToken(subject)).token);
    for (const repo of ['sales', 'report', 'ghost']) if (role) await admin.auth.setRepoRole(repo, role, subject);
    const key = await admin.auth.createS3Key(subject);
    s3keys.set(caller, { id: key.accessKeyId, secret: key.secretAccessKey });
  }
  await admin.auth.setRepoRole('other', 'repoOwner', 'user:repoOwner-of-another-repo');
  const adminKey = await admin.auth.createS3Key();
  s3keys.set('clusterAdmin', { id: adminKey.accessKeyId, secret: adminKey.secretAccessKey });
  s3keys.set('no token', { id: 'TUSKNOSUCHKEY00', secret: 'x' });
  await admin.auth.revoke({ subject: 'user:revoked-token' });
  tokens.set('clusterAdmin', root);
  tokens.set('expired token', expired.token);
  tokens.set('no token', undefined);
  for (let i = 0; i < 100 && (await whoAmI(expired.token)) !== status.UNAUTHENTICATED; i++) await new Promise((r) => setTimeout(r, 100));
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
});

async function whoAmI(token: string): Promise<number> {
  return new AuthClient(daemon.address, { token }).whoAmI().then(
    () => status.OK,
    (err: { kind?: string }) => (err.kind === 'unauthenticated' ? status.UNAUTHENTICATED : status.UNKNOWN),
  );
}

/** gRPC path → the level it needs and a request (an array of messages for client streams). */
function samples(): Record<string, [Level, unknown]> {
  return {
    '/tusk.admin.AdminApi/Version': ['public', {}],
    '/tusk.admin.AdminApi/Gc': ['admin', { dryRun: true }],
    '/tusk.auth.AuthApi/Activate': ['public', {}],
    '/tusk.auth.AuthApi/WhoAmI': ['anyone', {}],
    '/tusk.auth.AuthApi/Revoke': ['anyone', { token: 'tusk_not-a-token' }],
    '/tusk.auth.AuthApi/GetRobotToken': ['admin', { subject: 'robot:matrix' }],
    '/tusk.auth.AuthApi/SetRepoRole': ['owner', { repo: 'ghost', role: 'repoReader', subject: 'user:zed' }],
    '/tusk.auth.AuthApi/GetRepoRoles': ['reader', { repo: 'sales' }],
    '/tusk.auth.AuthApi/SetClusterRole': ['admin', { role: 'repoReader', subject: 'user:zed' }],
    '/tusk.auth.AuthApi/CreateS3Key': ['anyone', {}],
    '/tusk.pfs.PfsApi/CreateRepo': ['anyone', { name: 'sales' }],
    '/tusk.pfs.PfsApi/InspectRepo': ['reader', { name: 'sales' }],
    '/tusk.pfs.PfsApi/ListRepo': ['anyone', {}],
    '/tusk.pfs.PfsApi/DeleteRepo': ['owner', { name: 'sales' }], // in use by the pipeline: refused after the check
    '/tusk.pfs.PfsApi/StartCommit': ['writer', { branch: 'sales@open' }], // already open
    '/tusk.pfs.PfsApi/FinishCommit': ['writer', { commit: 'sales@master' }],
    '/tusk.pfs.PfsApi/InspectCommit': ['reader', { commit: 'sales@master' }],
    '/tusk.pfs.PfsApi/ListCommit': ['reader', { repo: 'sales' }],
    '/tusk.pfs.PfsApi/InspectCommitSet': ['reader', { id: finishedCommit }],
    '/tusk.pfs.PfsApi/DeleteCommit': ['writer', { commit: 'sales@master', dryRun: true }],
    '/tusk.pfs.PfsApi/SquashCommit': ['writer', { commit: 'sales@master', dryRun: true }],
    '/tusk.pfs.PfsApi/Fsck': ['reader', { scope: 'sales' }],
    '/tusk.pfs.PfsApi/CreateBranch': ['writer', { branch: 'sales@side', head: 'sales@nosuchbranch' }],
    '/tusk.pfs.PfsApi/InspectBranch': ['reader', { branch: 'sales@master' }],
    '/tusk.pfs.PfsApi/ListBranch': ['reader', { repo: 'sales' }],
    '/tusk.pfs.PfsApi/DeleteBranch': ['writer', { branch: 'sales@nosuchbranch' }],
    '/tusk.pfs.PfsApi/ModifyFile': ['writer', [open(`sales@${finishedCommit}`), { deleteFile: { path: '/a.txt' } }]], // a finished commit
    '/tusk.pfs.PfsApi/CopyFile': ['writer', { src: 'sales@master:/a.txt', dst: `sales@${finishedCommit}:/b.txt` }], // into a finished commit
    '/tusk.pfs.PfsApi/GetFile': ['reader', { file: 'sales@master:/a.txt' }],
    '/tusk.pfs.PfsApi/GetFiles': ['reader', { file: 'sales@master:/' }],
    '/tusk.pfs.PfsApi/InspectFile': ['reader', { file: 'sales@master:/a.txt' }],
    '/tusk.pfs.PfsApi/ListFile': ['reader', { dir: 'sales@master:/' }],
    '/tusk.pfs.PfsApi/GlobFile': ['reader', { commit: 'sales@master', pattern: '/*' }],
    '/tusk.pfs.PfsApi/DiffFile': ['reader', { newRef: 'sales@master' }],
    '/tusk.pps.PpsApi/CreatePipeline': ['writer', { spec: SPEC }], // exists: writer on its output, reader on its input
    '/tusk.pps.PpsApi/InspectPipeline': ['reader', { name: 'report' }],
    '/tusk.pps.PpsApi/PipelineSeries': ['reader', { name: 'report' }],
    '/tusk.pps.PpsApi/PipelineHistory': ['reader', { name: 'report', history: -1 }],
    '/tusk.pps.PpsApi/ListPipeline': ['anyone', {}],
    '/tusk.pps.PpsApi/DeletePipeline': ['owner', { name: 'ghost' }], // a repo, not a pipeline
    '/tusk.pps.PpsApi/StopPipeline': ['writer', { name: 'ghost' }],
    '/tusk.pps.PpsApi/StartPipeline': ['writer', { name: 'ghost' }],
    '/tusk.pps.PpsApi/RunPipeline': ['writer', { name: 'ghost' }],
    '/tusk.pps.PpsApi/ListJob': ['reader', { pipeline: 'report' }],
    '/tusk.pps.PpsApi/InspectJob': ['reader', { pipeline: 'report', id: finishedCommit }],
    '/tusk.pps.PpsApi/StopJob': ['writer', { pipeline: 'report', id: finishedCommit }], // ended already
    '/tusk.pps.PpsApi/DeleteJob': ['writer', { pipeline: 'report', id: 'nope' }],
    '/tusk.pps.PpsApi/ListDatum': ['reader', { pipeline: 'report', job: finishedCommit }],
    '/tusk.pps.PpsApi/InspectDatum': ['reader', { pipeline: 'report', job: finishedCommit, datum: 'nope' }],
    '/tusk.pps.PpsApi/RestartDatum': ['writer', { pipeline: 'report', job: 'nope', datum: 'nope' }],
    '/tusk.pps.PpsApi/GetLogs': ['reader', { pipeline: 'report' }],
    '/tusk.pps.PpsApi/Provenance': ['reader', { ref: 'sales@master' }],
    '/tusk.pps.PpsApi/Subvenance': ['reader', { ref: 'sales@master' }],
    '/tusk.pps.PpsApi/RunCron': ['writer', { name: 'ghost' }],
    '/tusk.pps.PpsApi/ExperimentDiff': ['reader', { branch: 'open' }],
    '/tusk.pps.PpsApi/PromoteExperiment': ['anyone', { branch: 'nosuchbranch' }], // no repo has it: nothing to hold a role on
    '/tusk.pps.PpsApi/ListExperiments': ['anyone', {}],
    '/tusk.pps.PpsApi/DeleteExperiment': ['writer', { branch: 'open' }], // sales has it; no pipeline reads sales, so nothing is deleted
    '/tusk.pps.PpsApi/Impact': ['reader', { ref: 'sales@master' }],
    '/tusk.pps.PpsApi/CreateSecret': ['admin', { name: 'db' }], // no keys: refused after the check
    '/tusk.pps.PpsApi/ListSecret': ['admin', {}],
    '/tusk.pps.PpsApi/InspectSecret': ['admin', { name: 'nope' }],
    '/tusk.pps.PpsApi/DeleteSecret': ['admin', { name: 'nope' }],
    '/tusk.pps.PpsApi/StartTransaction': ['anyone', {}],
    '/tusk.pps.PpsApi/AddTransactionOp': ['writer', { id: 'nope', op: { kind: 'create_branch', branch: 'sales@side', head: 'sales@master' } }], // no such transaction
    '/tusk.pps.PpsApi/FinishTransaction': ['anyone', { id: 'nope' }],
    '/tusk.pps.PpsApi/DeleteTransaction': ['anyone', { id: 'nope' }],
    '/tusk.pps.PpsApi/ListTransaction': ['anyone', {}],
    '/tusk.pps.PpsApi/InspectTransaction': ['anyone', { id: 'nope' }],
    '/tusk.pps.WorkerApi/Register': ['admin', { pipeline: 'ghost', worker: 'w' }],
    '/tusk.pps.WorkerApi/NextTasks': ['admin', { pipeline: 'ghost', worker: 'w', max: 1, waitMs: 0 }],
    '/tusk.pps.WorkerApi/Report': ['admin', { pipeline: 'ghost', worker: 'w' }],
    '/tusk.pps.WorkerApi/Started': ['admin', { pipeline: 'ghost', worker: 'w', job: 'nope', datum: 'nope' }],
    '/tusk.pps.WorkerApi/StartedStream': ['admin', [{ pipeline: 'ghost', worker: 'w', job: 'nope', datum: 'nope' }, { job: 'nope', datum: 'nope2' }]],
    '/tusk.pps.WorkerApi/PutDatumOutput': ['admin', [{ open: { pipeline: 'ghost', job: 'nope', datum: 'nope' } }]],
  };
}

/** Calls one method as `token` and returns the status code. */
function invoke(client: Client, method: string, def: { requestStream: boolean; responseStream: boolean; requestDeserialize: (b: Buffer) => unknown }, request: unknown, token: string | undefined): Promise<number> {
  const md = new Metadata();
  if (token) md.set('authn-token', token);
  const full = (msg: unknown) => ({ ...(def.requestDeserialize(Buffer.alloc(0)) as object), ...(msg as object) });
  const fn = (client as unknown as Record<string, (...args: unknown[]) => any>)[method]!.bind(client);
  const deadline = { deadline: Date.now() + 10_000 };
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => resolve(err ? err.code : status.OK);
    if (def.requestStream && def.responseStream) {
      const call = fn(md, deadline);
      call.on('data', () => {});
      call.on('error', (err: ServiceError) => resolve(err.code));
      call.on('end', () => resolve(status.OK));
      for (const m of request as unknown[]) call.write(full(m));
      call.end();
    } else if (def.requestStream) {
      const call = fn(md, deadline, done);
      call.on('error', () => {});
      for (const m of request as unknown[]) call.write(full(m));
      call.end();
    } else if (def.responseStream) {
      const call = fn(full(request), md, deadline);
      call.on('data', () => {});
      call.on('error', (err: ServiceError) => resolve(err.code));
      call.on('end', () => resolve(status.OK));
    } else {
      fn(full(request), md, deadline, done);
    }
  });
}

describe('a daemon listening beyond loopback', () => {
  it('warns at start and in its version while access control is off, and stops warning once it is on', () => {
    expect(daemon.logs()).toMatch(/"event":"listening_without_auth".*"host":"0\.0\.0\.0"/);
    expect(exposedBefore).toMatch(/^tuskd listens on 0\.0\.0\.0, beyond loopback, with access control off/);
    expect(exposedAfter).toBe('');
  });
});

describe('every gRPC method, as every kind of caller', () => {
  it('is refused exactly when the caller holds less than the access table says it needs', async () => {
    const table = samples();
    const mismatches: string[] = [];
    for (const [serviceName, service] of generatedServices()) {
      const Ctor = makeGenericClientConstructor(service, serviceName);
      const client = new Ctor(daemon.address, (await import('@grpc/grpc-js')).credentials.createInsecure());
      for (const [method, def] of Object.entries(service)) {
        const sample = table[def.path];
        if (!sample) {
          mismatches.push(`${def.path}: no sample request in this test (add one with the level it needs)`);
          continue;
        }
        const [level, request] = sample;
        for (const [caller, has] of Object.entries(CALLERS) as [Caller, number][]) {
          const code = await invoke(client, method, def as never, request, tokens.get(caller));
          const allowed = has >= LEVEL[level];
          const expected = allowed ? 'allowed' : has < 0 ? 'Unauthenticated' : 'PermissionDenied';
          const got = code === status.UNAUTHENTICATED ? 'Unauthenticated' : code === status.PERMISSION_DENIED ? 'PermissionDenied' : 'allowed';
          if (got !== expected) mismatches.push(`${def.path} as ${caller}: expected ${expected}, got ${got} (${code})`);
        }
      }
      client.close();
    }
    expect(mismatches).toEqual([]);
  }, 120_000);
});

describe('every S3 operation, as every kind of key', () => {
  const KEYS: Record<string, Caller> = { 'unknown key': 'no token', 'key of a revoked user': 'revoked token', 'repoOwner of another repo': 'repoOwner of another repo', repoReader: 'repoReader', repoWriter: 'repoWriter', repoOwner: 'repoOwner', clusterAdmin: 'clusterAdmin' };
  const send: Record<S3OperationName, [Level, (s3: S3Client) => Promise<unknown>]> = {
    ListBuckets: ['anyone', (s3) => s3.send(new ListBucketsCommand({}))],
    CreateBucket: ['writer', (s3) => s3.send(new CreateBucketCommand({ Bucket: 'master.sales' }))],
    DeleteBucket: ['writer', (s3) => s3.send(new DeleteBucketCommand({ Bucket: 'nosuchbranch.sales' }))],
    HeadBucket: ['reader', (s3) => s3.send(new HeadBucketCommand({ Bucket: 'master.sales' }))],
    GetBucketLocation: ['reader', (s3) => s3.send(new GetBucketLocationCommand({ Bucket: 'master.sales' }))],
    GetBucketVersioning: ['reader', (s3) => s3.send(new GetBucketVersioningCommand({ Bucket: 'master.sales' }))],
    ListObjects: ['reader', (s3) => s3.send(new ListObjectsCommand({ Bucket: 'master.sales' }))],
    ListObjectsV2: ['reader', (s3) => s3.send(new ListObjectsV2Command({ Bucket: 'master.sales' }))],
    ListMultipartUploads: ['reader', (s3) => s3.send(new ListMultipartUploadsCommand({ Bucket: 'master.sales' }))],
    GetObject: ['reader', async (s3) => (await s3.send(new GetObjectCommand({ Bucket: 'master.sales', Key: 'a.txt' }))).Body?.transformToString()],
    HeadObject: ['reader', (s3) => s3.send(new HeadObjectCommand({ Bucket: 'master.sales', Key: 'a.txt' }))],
    ListParts: ['reader', (s3) => s3.send(new ListPartsCommand({ Bucket: 'master.sales', Key: 'a.txt', UploadId: 'nope' }))],
    PutObject: ['writer', (s3) => s3.send(new PutObjectCommand({ Bucket: 'master.sales', Key: 'matrix.txt', Body: 'x' }))],
    DeleteObject: ['writer', (s3) => s3.send(new DeleteObjectCommand({ Bucket: 'master.sales', Key: 'matrix.txt' }))],
    DeleteObjects: ['writer', (s3) => s3.send(new DeleteObjectsCommand({ Bucket: 'master.sales', Delete: { Objects: [{ Key: 'matrix.txt' }] } }))],
    CreateMultipartUpload: ['writer', (s3) => s3.send(new CreateMultipartUploadCommand({ Bucket: 'master.sales', Key: 'mp.txt' }))],
    UploadPart: ['writer', (s3) => s3.send(new UploadPartCommand({ Bucket: 'master.sales', Key: 'mp.txt', UploadId: 'nope', PartNumber: 1, Body: 'x' }))],
    CompleteMultipartUpload: ['writer', (s3) => s3.send(new CompleteMultipartUploadCommand({ Bucket: 'master.sales', Key: 'mp.txt', UploadId: 'nope', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } }))],
    AbortMultipartUpload: ['writer', (s3) => s3.send(new AbortMultipartUploadCommand({ Bucket: 'master.sales', Key: 'mp.txt', UploadId: 'nope' }))],
    CopyObject: ['writer', (s3) => s3.send(new CopyObjectCommand({ Bucket: 'master.sales', Key: 'copy.txt', CopySource: 'master.sales/a.txt' }))],
    UploadPartCopy: ['writer', (s3) => s3.send(new UploadPartCopyCommand({ Bucket: 'master.sales', Key: 'mp.txt', UploadId: 'nope', PartNumber: 1, CopySource: 'master.sales/a.txt' }))],
  };

  it('covers every operation the gateway routes', () => {
    expect(Object.keys(send).sort()).toEqual([...S3_OPERATIONS].sort());
  });

  it('is refused (AccessDenied, InvalidAccessKeyId) exactly when the key\'s subject holds less than the table needs', async () => {
    const mismatches: string[] = [];
    for (const [label, caller] of Object.entries(KEYS)) {
      const key = s3keys.get(caller)!;
      const s3 = new S3Client({ endpoint: `http://127.0.0.1:${daemon.s3Port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: key.secret }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 1 });
      for (const [op, [level, run]] of Object.entries(send)) {
        const outcome = await run(s3).then(
          () => 'allowed',
          (err: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => {
            if (err.name === 'InvalidAccessKeyId') return 'InvalidAccessKeyId';
            // HEAD answers carry no body: a 403 there is the refusal.
            if (err.name === 'AccessDenied' || (err.$metadata?.httpStatusCode === 403 && /^Head/.test(op))) return 'AccessDenied';
            return 'allowed';
          },
        );
        const has = CALLERS[caller];
        const expected = has >= LEVEL[level] ? 'allowed' : has < 0 ? 'InvalidAccessKeyId' : 'AccessDenied';
        if (outcome !== expected && !(expected === 'InvalidAccessKeyId' && outcome === 'AccessDenied' && /^Head/.test(op))) mismatches.push(`${op} as ${label}: expected ${expected}, got ${outcome}`);
      }
      s3.destroy();
    }
    expect(mismatches).toEqual([]);
  }, 120_000);

  it('refuses a request signed with a known key and the wrong secret (SignatureDoesNotMatch)', async () => {
    const key = s3keys.get('clusterAdmin')!;
    const s3 = new S3Client({ endpoint: `http://127.0.0.1:${daemon.s3Port}`, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: key.id, secretAccessKey: 'wrong' + key.secret }, maxAttempts: 1 });
    await expect(s3.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    s3.destroy();
  });
});
