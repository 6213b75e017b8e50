// Pipeline egress end to end: a real tuskd with real workers, a pipeline whose
// spec has egress.URL = s3://bucket/prefix on an s3rver the test starts (the
// daemon finds it through AWS_ENDPOINT_URL and the AWS key variables). The
// job's output files appear under the prefix with the right bytes before the
// job succeeds; running again leaves exactly one object per file; a bucket
// that does not exist or an endpoint that does not answer fails the job with
// S3's error in its reason.
import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpsClient, TuskClient, type Job } from '../src/client/index.js';
import { startDaemon, type DaemonHandle } from './helpers/daemon.js';
import { startS3rver, type S3rverHandle } from './helpers/s3rver.js';

let s3: S3rverHandle;
let daemon: DaemonHandle;
let pfs: TuskClient;
let pps: PpsClient;
let bucket: string;

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.createBucket();
  daemon = await startDaemon({ env: { ...s3.env, AWS_ENDPOINT_URL: s3.endpoint } });
  pfs = new TuskClient(daemon.address);
  pps = new PpsClient(daemon.address);
});

afterAll(async () => {
  pfs?.close();
  pps?.close();
  await daemon?.stop();
  await s3?.stop();
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function objects(prefix: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let token: string | undefined;
  do {
    const page = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      const got = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
      out[o.Key!] = sha(await got.Body!.transformToByteArray());
    }
    token = page.NextContinuationToken;
  } while (token);
  return out;
}

function spec(name: string, url: string): string {
  return JSON.stringify({
    pipeline: { name },
    input: { pfs: { repo: 'raw', glob: '/*' } },
    // Each datum copies its file and writes an upper-cased copy below /sub.
    transform: { cmd: ['sh', '-c', 'f=$(basename "$raw"); cp "$raw" /pfs/out/"$f"; mkdir -p /pfs/out/sub; tr a-z A-Z < "$raw" > /pfs/out/sub/"$f".up'] },
    egress: { URL: url },
  });
}

async function lastJob(pipeline: string): Promise<Job> {
  const [job] = await pps.listJobs(pipeline);
  return pps.inspectJob(pipeline, job!.id, true);
}

async function logText(pipeline: string, job: string): Promise<string> {
  const lines: string[] = [];
  for await (const l of pps.logs({ pipeline, job })) lines.push(l.message);
  return lines.join('\n');
}

const big = randomBytes(9 * 1024 * 1024 + 7); // more than one 8 MiB part: a multipart upload
const upper = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/[a-z]/g, (c) => c.toUpperCase()), 'latin1');

describe('egress to S3', () => {
  it('writes every output file under the prefix, with its bytes, before the job succeeds', async () => {
    await pfs.createRepo('raw');
    const w = await pfs.modifyFile('raw@master');
    await w.putFile('/a.txt', Buffer.from('alpha\n'));
    await w.putFile('/b.txt', Buffer.from('bravo\n'));
    await w.putFile('/big.bin', big);
    await w.close();
    await pps.createPipeline(spec('exported', `s3://${bucket}/out/v1`));
    const job = await lastJob('exported');
    expect(job.state, job.reason).toBe('success');
    expect(await objects('out/')).toEqual({
      'out/v1/a.txt': sha(Buffer.from('alpha\n')),
      'out/v1/b.txt': sha(Buffer.from('bravo\n')),
      'out/v1/big.bin': sha(big),
      'out/v1/sub/a.txt.up': sha(Buffer.from('ALPHA\n')),
      'out/v1/sub/b.txt.up': sha(Buffer.from('BRAVO\n')),
      'out/v1/sub/big.bin.up': sha(upper(big)),
    });
    expect(await logText('exported', job.id)).toMatch(/egress: wrote 6 file\(s\), \d+ bytes, to s3:\/\//);
  });

  it('leaves exactly one object per file when the pipeline runs again, and keeps objects of files that went away', async () => {
    const before = await objects('out/');
    const again = await pps.runPipeline('exported');
    expect((await pps.inspectJob('exported', again.id, true)).state).toBe('success');
    expect(await objects('out/')).toEqual(before);

    // A new output without b.txt: egress writes, it never deletes, so b.txt's objects stay.
    const del = await pfs.modifyFile('raw@master');
    await del.deleteFile('/b.txt');
    await del.close();
    const [job] = await pps.listJobs('exported');
    expect((await pps.inspectJob('exported', job!.id, true)).state).toBe('success');
    expect(await objects('out/')).toEqual(before);
  });

  it('fails the job with S3\'s error for a bucket that does not exist or an endpoint that does not answer', async () => {
    await pps.createPipeline(spec('exported', 's3://no-such-bucket-here/x'), { update: true });
    let job = await lastJob('exported');
    expect(job.state).toBe('failure');
    expect(job.reason).toMatch(/^egress to s3:\/\/no-such-bucket-here\/x failed: .*NoSuchBucket/);

    const dead = 'http://127.0.0.1:1'; // privileged and outside the ephemeral range: nothing listens there
    await pps.createPipeline(spec('exported', `s3://${bucket}/y?endpoint=${encodeURIComponent(dead)}`), { update: true });
    job = await lastJob('exported');
    expect(job.state).toBe('failure');
    expect(job.reason).toMatch(/^egress to s3:\/\/.*failed: .*ECONNREFUSED.*gave up after \d+ tries/);
    // The failed jobs' output commits keep the last good output; nothing was written under y/.
    expect(await objects('y/')).toEqual({});
    const files: string[] = [];
    for await (const f of pfs.globFile('exported@master', '/**')) if (f.type === 'file') files.push(f.path);
    expect(files).toEqual(['/a.txt', '/big.bin', '/sub/a.txt.up', '/sub/big.bin.up']);
  });
});
