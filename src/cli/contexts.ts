// Contexts, as pachctl has them: named daemons (a laptop's, a cluster's) in
// $TUSK_HOME/config.json, one of them active, so one CLI talks to either
// without exporting TUSK_ADDRESS. The file may hold a token: it is written
// readable by its owner only, and tokens are never printed.
import { chmodSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TuskError } from '../errors/index.js';
import { tuskHome } from './address.js';

export interface ContextEntry {
  address: string;
  token?: string;
}

export interface CliConfig {
  active?: string;
  contexts: Record<string, ContextEntry>;
}

export function configPath(env: NodeJS.ProcessEnv): string {
  return join(tuskHome(env), 'config.json');
}

/** The config file, or an empty config when there is none; a file that is not a config is an error naming it. */
export function readConfig(env: NodeJS.ProcessEnv): CliConfig {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { contexts: {} };
  }
  try {
    const value = JSON.parse(text) as Partial<CliConfig>;
    return { active: typeof value.active === 'string' ? value.active : undefined, contexts: value.contexts && typeof value.contexts === 'object' ? value.contexts : {} };
  } catch (err) {
    throw new TuskError('failed_precondition', 'BadConfig', `${path}: not a tusk config (${(err as Error).message})`, { path });
  }
}

export function writeConfig(env: NodeJS.ProcessEnv, config: CliConfig): void {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** The active context, if one is set and exists. */
export function activeContext(env: NodeJS.ProcessEnv): (ContextEntry & { name: string }) | undefined {
  let config: CliConfig;
  try {
    config = readConfig(env);
  } catch {
    return undefined;
  }
  const entry = config.active ? config.contexts[config.active] : undefined;
  return entry && config.active ? { name: config.active, ...entry } : undefined;
}
