// tuskd's configuration: command-line flags over environment variables over
// defaults, as DESIGN.md lists them (TUSK_HOME, TUSK_STORAGE, ports).
import { availableParallelism, homedir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgument } from '../errors/index.js';
import { DEFAULT_RETENTION, defaultWorkerLimits, parseDuration, type RetentionRule, type WorkerLimits } from '../pps/index.js';
import { DEFAULT_PACK_THRESHOLD } from '../storage/collector.js';

export interface DaemonConfig {
  home: string;
  port: number;
  s3Port: number;
  httpPort: number;
  /** TUSK_STORAGE: file:///abs/path or s3://bucket/prefix?endpoint=...; default file://$home/objects */
  storage: string;
  /** Bytes of local disk for the read cache in front of a remote object store. */
  cacheBytes: number;
  host: string;
  /** --runtime / TUSK_RUNTIME: `local` (worker processes on this machine), `kubernetes` (worker pods) or `none` (no workers: tests drive the worker API themselves). */
  runtime: 'local' | 'kubernetes' | 'none';
  /** TUSK_S3_ACCESS_KEY_ID / TUSK_S3_SECRET_ACCESS_KEY: the key pair the S3 gateway accepts (none: only anonymous, if allowed). */
  s3Key?: { accessKeyId: string; secretAccessKey: string };
  /** TUSK_S3_ANONYMOUS=true: the S3 gateway accepts unsigned requests. */
  s3Anonymous: boolean;
  /** --tls-cert / --tls-key (TUSK_TLS_CERT / TUSK_TLS_KEY): PEM files; gRPC, S3 and HTTP are then served over TLS. */
  tls?: { certFile: string; keyFile: string };
  /** --max-workers / --max-workers-per-pipeline (TUSK_MAX_WORKERS, TUSK_MAX_WORKERS_PER_PIPELINE); defaults from cores and memory. */
  workerLimits: WorkerLimits;
  /** --isolate-network (TUSK_ISOLATE_NETWORK=true): every pipeline's code runs without network (loopback only). */
  isolateNetwork: boolean;
  /** --gc-interval (TUSK_GC_INTERVAL): how often the daemon collects garbage, in ms (default 1h; 0 turns it off). */
  gcIntervalMs: number;
  /** --gc-pack-threshold (TUSK_GC_PACK_THRESHOLD): dead share of a pack at which it is rewritten (0..1, default 0.5). */
  gcPackThreshold: number;
  /** TUSK_LOCAL_FILES=false: never read a file a local caller names (put file then always streams its bytes). */
  localFiles: boolean;
  /** TUSK_DATUM_KEEP_JOBS / TUSK_DATUM_KEEP_AGE: datum results stay reusable while one of the newest N jobs of a pipeline branch used them, or while younger than the age (src/pps/datum-retention.ts). */
  retention: RetentionRule;
  /** TUSK_DATUM_PRUNE_INTERVAL: how often results outside the retention rule are pruned (default 1h). */
  retentionIntervalMs: number;
}

export const DEFAULT_PORTS = { port: 1650, s3Port: 1600, httpPort: 1680 };

export const USAGE = 'usage: tuskd [--home DIR] [--port N] [--s3-port N] [--http-port N] [--storage URL] [--host ADDR] [--runtime local|kubernetes] [--tls-cert PEM --tls-key PEM] [--max-workers N] [--max-workers-per-pipeline N] [--isolate-network] [--gc-interval DURATION] [--gc-pack-threshold 0..1]';

export function resolveConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      port: { type: 'string' },
      's3-port': { type: 'string' },
      'http-port': { type: 'string' },
      storage: { type: 'string' },
      host: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'max-workers': { type: 'string' },
      'max-workers-per-pipeline': { type: 'string' },
      'isolate-network': { type: 'boolean' },
      'gc-interval': { type: 'string' },
      'gc-pack-threshold': { type: 'string' },
      runtime: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const home = resolve(values.home ?? env.TUSK_HOME ?? join(homedir(), '.tusk'));
  return {
    home,
    port: port('--port', values.port ?? env.TUSK_PORT, DEFAULT_PORTS.port),
    s3Port: port('--s3-port', values['s3-port'] ?? env.TUSK_S3_PORT, DEFAULT_PORTS.s3Port),
    httpPort: port('--http-port', values['http-port'] ?? env.TUSK_HTTP_PORT, DEFAULT_PORTS.httpPort),
    storage: values.storage ?? env.TUSK_STORAGE ?? `file://${join(home, 'objects')}`,
    cacheBytes: env.TUSK_CACHE_BYTES ? Number(env.TUSK_CACHE_BYTES) : 1024 ** 3,
    host: values.host ?? env.TUSK_HOST ?? '127.0.0.1',
    runtime: runtimeOf(values.runtime ?? env.TUSK_RUNTIME),
    s3Key: s3KeyOf(env),
    s3Anonymous: booleanOf('TUSK_S3_ANONYMOUS', env.TUSK_S3_ANONYMOUS),
    workerLimits: workerLimitsOf(values['max-workers'] ?? env.TUSK_MAX_WORKERS, values['max-workers-per-pipeline'] ?? env.TUSK_MAX_WORKERS_PER_PIPELINE),
    isolateNetwork: values['isolate-network'] ?? booleanOf('TUSK_ISOLATE_NETWORK', env.TUSK_ISOLATE_NETWORK),
    localFiles: env.TUSK_LOCAL_FILES === undefined ? true : booleanOf('TUSK_LOCAL_FILES', env.TUSK_LOCAL_FILES),
    tls: tlsOf(values['tls-cert'] ?? env.TUSK_TLS_CERT, values['tls-key'] ?? env.TUSK_TLS_KEY),
    gcIntervalMs: gcIntervalOf(values['gc-interval'] ?? env.TUSK_GC_INTERVAL),
    gcPackThreshold: shareOf('--gc-pack-threshold', values['gc-pack-threshold'] ?? env.TUSK_GC_PACK_THRESHOLD, DEFAULT_PACK_THRESHOLD),
    retention: {
      keepJobs: count('TUSK_DATUM_KEEP_JOBS', env.TUSK_DATUM_KEEP_JOBS) ?? DEFAULT_RETENTION.keepJobs,
      keepAgeMs: durationOf('TUSK_DATUM_KEEP_AGE', env.TUSK_DATUM_KEEP_AGE) ?? DEFAULT_RETENTION.keepAgeMs,
    },
    retentionIntervalMs: durationOf('TUSK_DATUM_PRUNE_INTERVAL', env.TUSK_DATUM_PRUNE_INTERVAL) ?? 60 * 60 * 1000,
  };
}

function gcIntervalOf(text: string | undefined): number {
  if (text === undefined) return 3_600_000;
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgument('InvalidDuration', `--gc-interval / TUSK_GC_INTERVAL: "${text}" is not a duration (use e.g. 30m, 1h, or 0 to turn it off)`);
  return ms;
}

function shareOf(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgument('InvalidShare', `${flag}: "${text}" is not a number from 0 to 1`);
  return n;
}

/** The worker limits: given ones over the machine's defaults; a per-pipeline limit never exceeds the total. */
function workerLimitsOf(total: string | undefined, perPipeline: string | undefined): WorkerLimits {
  const defaults = defaultWorkerLimits(availableParallelism(), totalmem());
  const t = count('--max-workers', total) ?? defaults.total;
  const p = count('--max-workers-per-pipeline', perPipeline) ?? defaults.perPipeline;
  return { total: t, perPipeline: Math.min(p, t) };
}

function count(flag: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgument('InvalidCount', `${flag}: "${text}" is not a whole number of at least 1`);
  return n;
}

/** A Go-style duration (`24h`, `90m`) in ms, or undefined when not set. */
function durationOf(name: string, text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgument('InvalidDuration', `${name}: "${text}" is not a duration (such as 24h, 90m, 30s)`);
  return ms;
}

function tlsOf(cert: string | undefined, key: string | undefined): DaemonConfig['tls'] {
  if (!cert && !key) return undefined;
  if (!cert || !key) throw new InvalidArgument('InvalidTls', 'give both --tls-cert and --tls-key (or TUSK_TLS_CERT and TUSK_TLS_KEY), or neither');
  return { certFile: resolve(cert), keyFile: resolve(key) };
}

function s3KeyOf(env: NodeJS.ProcessEnv): DaemonConfig['s3Key'] {
  const id = env.TUSK_S3_ACCESS_KEY_ID ?? '';
  const secret = env.TUSK_S3_SECRET_ACCESS_KEY ?? '';
  if (!id && !secret) return undefined;
  if (!id || !secret) throw new InvalidArgument('InvalidS3Key', 'set both TUSK_S3_ACCESS_KEY_ID and TUSK_S3_SECRET_ACCESS_KEY, or neither');
  return { accessKeyId: id, secretAccessKey: secret };
}

function booleanOf(name: string, text: string | undefined): boolean {
  if (!text || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new InvalidArgument('InvalidBoolean', `${name}: "${text}" is not true or false`);
}

function port(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgument('InvalidPort', `${flag}: "${text}" is not a port number (0-65535)`);
  return n;
}

function runtimeOf(text: string | undefined): 'local' | 'kubernetes' | 'none' {
  if (!text || text === 'local') return 'local';
  if (text === 'none' || text === 'kubernetes') return text;
  throw new InvalidArgument('InvalidRuntime', `--runtime / TUSK_RUNTIME: "${text}" is not a runtime (use local, kubernetes or none)`);
}
