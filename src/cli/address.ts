// Where the CLI finds things: TUSK_HOME (default ~/.tusk), the daemon record
// tuskd writes there when it is ready ($TUSK_HOME/tuskd.json), and the gRPC
// address commands talk to: TUSK_ADDRESS first, else the active context's
// address (`tusk config use context NAME`, contexts.ts), else the port recorded
// in $TUSK_HOME/tuskd.json (so `tusk up --port N` is found by later commands),
// else localhost:1650.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_ADDRESS } from '../client/default-address.js';
import { activeContext } from './contexts.js';

/** What tuskd records in $TUSK_HOME/tuskd.json once it answers. */
export interface DaemonRecord {
  pid: number;
  port: number;
  httpPort?: number;
  s3Port?: number;
  home?: string;
  storage?: string;
  /** When the daemon's process started (clock ticks after boot, Linux), to tell it from a later process given its pid. */
  startTicks?: string;
  /** host:port, when the daemon writes it; otherwise derived from `port`. */
  address?: string;
}

export function tuskHome(env: NodeJS.ProcessEnv, override?: string): string {
  return resolve(override ?? (env.TUSK_HOME || join(homedir(), '.tusk')));
}

/** The daemon record in `home`, or undefined when there is none or it is unreadable. */
export function readDaemonRecord(home: string): DaemonRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(home, 'tuskd.json'), 'utf8');
  } catch {
    return undefined;
  }
  return parseDaemonRecord(text);
}

export function parseDaemonRecord(text: string): DaemonRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<DaemonRecord>;
    if (typeof value.pid !== 'number' || typeof value.port !== 'number') return undefined;
    return value as DaemonRecord;
  } catch {
    return undefined;
  }
}

/** The gRPC address of a recorded daemon. */
export function recordAddress(record: DaemonRecord): string {
  return record.address || `127.0.0.1:${record.port}`;
}

export function resolveAddress(
  env: NodeJS.ProcessEnv,
  readRecord: (home: string) => DaemonRecord | undefined = readDaemonRecord,
  context: (env: NodeJS.ProcessEnv) => { address: string } | undefined = activeContext,
): string {
  if (env.TUSK_ADDRESS) return env.TUSK_ADDRESS;
  const active = context(env);
  if (active?.address) return active.address;
  const record = readRecord(tuskHome(env));
  return record ? recordAddress(record) : DEFAULT_ADDRESS;
}
