// Tokens: random bearer secrets of which only the SHA-256 is kept, and the
// pipeline tokens the daemon derives (an HMAC of the pipeline's name under a
// key in its home) so it can hand them to workers again after a restart
// without storing them. Pure given the random bytes and the key.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenRecord {
  subject: string;
  /** ISO time. */
  created: string;
  /** ISO time; absent: never expires. */
  expires?: string;
}

const PIPELINE_PREFIX = 'tuskp.';

export function newToken(random: (n: number) => Buffer): string {
  return `tusk_${random(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function pipelineToken(key: Buffer, pipeline: string): string {
  return `${PIPELINE_PREFIX}${pipeline}.${pipelineMac(key, pipeline)}`;
}

/** The pipeline a derived token speaks for, or undefined when it is not a valid pipeline token. */
export function verifyPipelineToken(key: Buffer, token: string): string | undefined {
  if (!token.startsWith(PIPELINE_PREFIX)) return undefined;
  const rest = token.slice(PIPELINE_PREFIX.length);
  const dot = rest.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const name = rest.slice(0, dot);
  const given = Buffer.from(rest.slice(dot + 1));
  const expected = Buffer.from(pipelineMac(key, name));
  return given.length === expected.length && timingSafeEqual(given, expected) ? name : undefined;
}

function pipelineMac(key: Buffer, pipeline: string): string {
  return createHmac('sha256', key).update(`pipeline-token\0${pipeline}`).digest('base64url');
}

/** Parses a duration such as 30d, 12h, 90m, 45s or 1h30m into milliseconds. */
export function parseTtl(text: string): number | undefined {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!m || text === '') return undefined;
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number];
  const ms = (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
  return ms > 0 ? ms : undefined;
}
