// A real S3 server for tests: s3rver in a child process on a free loopback
// port, storing into a temp directory. A child because s3rver's ListObjectsV2
// pagination needs node's --openssl-legacy-provider, which cannot be switched
// on inside a running test process. The child exits when stop() is called or
// when this process goes away.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { makeS3Client, type S3Credentials } from '../../src/storage/s3-client.js';

export interface S3rverHandle {
  /** e.g. "http://127.0.0.1:40123" */
  endpoint: string;
  port: number;
  region: string;
  /** s3rver's fixed key pair (it checks the key ID only, not signatures). */
  credentials: S3Credentials;
  /** AWS_* variables for code that reads credentials from the environment (child processes, openObjectStore). */
  env: Record<string, string>;
  /** Where s3rver keeps its buckets. */
  directory: string;
  /** A client set up for this server (path-style, no streaming checksums). */
  client: S3Client;
  /** Creates a bucket (a fresh random name if none is given) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the server and deletes its directory (unless it was passed in). */
  stop(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./s3rver-main.mjs', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export async function startS3rver(options: { directory?: string } = {}): Promise<S3rverHandle> {
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'tusk-s3rver-')));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, directory], { stdio: ['pipe', 'pipe', 'pipe'] });
  let port: number;
  try {
    port = await readPort(child);
  } catch (err) {
    child.kill('SIGKILL');
    if (!options.directory) await rm(directory, { recursive: true, force: true });
    throw err;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = makeS3Client({ endpoint, region, credentials });
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  return {
    endpoint,
    port,
    region,
    credentials,
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_REGION: region, AWS_EC2_METADATA_DISABLED: 'true' },
    directory,
    client,
    async createBucket(name = `b-${randomBytes(6).toString('hex')}`) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      client.destroy();
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error(`s3rver did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    function fail(err: Error): void {
      clearTimeout(timer);
      lines.close();
      reject(err);
    }
    lines.once('line', (line) => {
      clearTimeout(timer);
      lines.close();
      try {
        const { port } = JSON.parse(line) as { port: number };
        resolve(port);
      } catch {
        reject(new Error(`s3rver printed ${JSON.stringify(line)} instead of its port`));
      }
    });
    child.once('exit', (code) => fail(new Error(`s3rver exited with code ${code} before it was ready: ${stderr.trim()}`)));
    child.once('error', (err) => fail(err));
  });
}
