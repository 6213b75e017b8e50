// The CLI's own configuration file: $TUSK_CONFIG, else $TUSK_HOME/config.json
// (default ~/.tusk/config.json). It holds the token `tusk auth login` stored,
// so it is written with mode 0600; other keys in it are kept as they are.
// TUSK_AUTH_TOKEN, when set, is used instead of the stored token.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidArgument } from '../errors/index.js';
import { tuskHome } from './address.js';

export function configPath(env: NodeJS.ProcessEnv): string {
  return env.TUSK_CONFIG || join(tuskHome(env), 'config.json');
}

/** The whole config file as an object ({} when there is none); a file that is not a JSON object is an error naming it. */
export function readConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new InvalidArgument('BadConfig', `${path}: not a JSON object; fix or delete it`);
}

/** The token calls carry: TUSK_AUTH_TOKEN, else the one stored by `tusk auth login`. */
export function storedToken(env: NodeJS.ProcessEnv): string | undefined {
  if (env.TUSK_AUTH_TOKEN) return env.TUSK_AUTH_TOKEN;
  const token = readConfig(configPath(env)).token;
  return typeof token === 'string' && token ? token : undefined;
}

/** Stores the token (mode 0600, written whole then renamed into place). */
export function storeToken(env: NodeJS.ProcessEnv, token: string): string {
  return writeKeys(env, { token });
}

/** The active transaction (`tusk start transaction`), whose ops commands record instead of applying. */
export function activeTransaction(env: NodeJS.ProcessEnv): string | undefined {
  const id = readConfig(configPath(env)).transaction;
  return typeof id === 'string' && id ? id : undefined;
}

/** Sets (or with undefined, clears) the active transaction. */
export function storeTransaction(env: NodeJS.ProcessEnv, id: string | undefined): string {
  return writeKeys(env, { transaction: id });
}

/** Sets keys of the config file, keeping the others (undefined removes a key). */
export function writeKeys(env: NodeJS.ProcessEnv, keys: Record<string, unknown>): string {
  const path = configPath(env);
  const config: Record<string, unknown> = { ...readConfig(path), ...keys };
  for (const [k, v] of Object.entries(keys)) if (v === undefined) delete config[k];
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return path;
}
