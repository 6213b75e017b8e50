// Shared by the S3 gateway tests: a tuskd with an S3 key pair, SDK clients
// for it (the settings TOOLCHAIN.md gives, or the SDK's defaults), a SigV4
// signer independent of the gateway's own code (@smithy/signature-v4), and
// commit counting through the real CLI to prove that a refused request wrote
// nothing.
import { createHash, createHmac } from 'node:crypto';
import { request as httpRequestRaw } from 'node:http';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { TuskClient } from '../../src/client/index.js';
import { startDaemon, type DaemonHandle } from './daemon.js';
import { tusk } from './tusk-cli.js';

export const KEY_ID = 'AKIDTUSKGATEWAYTEST';
export const SECRET = 'tusk/gateway+secret-key';

export function startGatewayDaemon(env: Record<string, string> = {}): Promise<DaemonHandle> {
  return startDaemon({ env: { TUSK_S3_ACCESS_KEY_ID: KEY_ID, TUSK_S3_SECRET_ACCESS_KEY: SECRET, TUSK_RUNTIME: 'none', ...env } });
}

export function endpointOf(d: DaemonHandle): string {
  return `http://127.0.0.1:${d.s3Port}`;
}

/** An SDK client with TOOLCHAIN.md's settings (plain bodies), or with the SDK's defaults (aws-chunked + CRC trailer). */
export function sdkClient(d: DaemonHandle, options: { defaults?: boolean; secret?: string; keyId?: string } = {}): S3Client {
  return new S3Client({
    endpoint: endpointOf(d),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: options.keyId ?? KEY_ID, secretAccessKey: options.secret ?? SECRET },
    maxAttempts: 1,
    ...(options.defaults ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }),
  });
}

/** sha256 for @smithy/signature-v4 (its own hash packages are not installed). */
class NodeSha256 {
  private readonly h;
  constructor(secret?: unknown) {
    this.h = secret ? createHmac('sha256', Buffer.from(secret as Uint8Array)) : createHash('sha256');
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.h.digest();
  }
}

export function signer(secret = SECRET, keyId = KEY_ID): SignatureV4 {
  return new SignatureV4({ credentials: { accessKeyId: keyId, secretAccessKey: secret }, region: 'us-east-1', service: 's3', sha256: NodeSha256 as never, uriEscapePath: false });
}

export interface RawRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

function httpRequest(d: DaemonHandle, r: RawRequest) {
  return {
    method: r.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: d.s3Port,
    path: r.path,
    query: r.query ?? {},
    headers: { host: `127.0.0.1:${d.s3Port}`, ...(r.headers ?? {}) },
    body: r.body,
  };
}

function urlOf(d: DaemonHandle, path: string, query: Record<string, string | string[] | null>): string {
  const q = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v ?? ''))}`)
    .join('&');
  return `${endpointOf(d)}${path}${q ? `?${q}` : ''}`;
}

/**
 * Sends a request signed by @smithy/signature-v4 (optionally at another time,
 * or with a payload hash of our choosing), through node:http so that the path
 * goes out exactly as given (fetch would resolve `..` segments).
 */
export async function signedFetch(d: DaemonHandle, r: RawRequest, options: { signingDate?: Date; secret?: string } = {}): Promise<Response> {
  const signed = (await signer(options.secret).sign(httpRequest(d, r) as never, { signingDate: options.signingDate })) as unknown as { headers: Record<string, string>; query: Record<string, string> };
  const url = urlOf(d, r.path, signed.query);
  return new Promise((resolve, reject) => {
    const req = httpRequestRaw({ host: '127.0.0.1', port: d.s3Port, method: r.method, path: url.slice(endpointOf(d).length), headers: signed.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (b: Buffer) => parts.push(b));
      res.on('end', () => resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(parts), { status: res.statusCode, headers: res.headers as Record<string, string> })));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.body);
  });
}

/** A presigned URL made by @smithy/signature-v4. */
export async function presignedUrl(d: DaemonHandle, r: RawRequest, expiresIn: number, signingDate?: Date): Promise<string> {
  // As S3 presigners do: the payload is unsigned (the canonical request says UNSIGNED-PAYLOAD).
  const request = httpRequest(d, { ...r, headers: { ...r.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  const signed = await signer().presign(request as never, { expiresIn, signingDate });
  return urlOf(d, r.path, signed.query as never);
}

/** An S3 error response's code (from the XML body) and status. */
export async function s3Error(res: Response): Promise<{ status: number; code: string; message: string }> {
  const text = await res.text();
  return { status: res.status, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '', message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '' };
}

const clients = new Map<string, TuskClient>();

/** How many commits a repo has, through the daemon's gRPC API (the CLI's client). */
export async function commitCount(d: DaemonHandle, repo: string): Promise<number> {
  let client = clients.get(d.address);
  if (!client) clients.set(d.address, (client = new TuskClient(d.address)));
  return (await client.listCommits(repo)).length;
}

/** The newest commit ID of repo@branch. */
export async function headCommit(d: DaemonHandle, repo: string, branch = 'master'): Promise<string> {
  const run = await tusk(['list', 'commit', `${repo}@${branch}`, '-o', 'json'], { env: d.env });
  if (run.code !== 0) throw new Error(`tusk list commit ${repo}@${branch}: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { id: string }[])[0]!.id;
}

export function closeClients(): void {
  for (const c of clients.values()) c.close();
  clients.clear();
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}
