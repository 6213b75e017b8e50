// Contexts, as pachctl has them: named daemons (a laptop's, a cluster's) in
// $TUSK_HOME/config.json, one of them active, so one CLI talks to either
// without exporting TUSK_ADDRESS. The file may hold a token: it is written
// readable by its owner only, and tokens are never printed.
import { configPath, readConfig as readConfigFile, writeKeys } from './config-file.js';

export { configPath };

export interface ContextEntry {
  address: string;
  token?: string;
}

export interface CliConfig {
  active?: string;
  contexts: Record<string, ContextEntry>;
}

/** The contexts in the config file (the same file as the login token and the active transaction). */
export function readConfig(env: NodeJS.ProcessEnv): CliConfig {
  const value = readConfigFile(configPath(env)) as Partial<CliConfig>;
  return { active: typeof value.active === 'string' ? value.active : undefined, contexts: value.contexts && typeof value.contexts === 'object' ? value.contexts : {} };
}

/** Writes the contexts; the file's other keys (the stored token, the active transaction) stay as they are. */
export function writeConfig(env: NodeJS.ProcessEnv, config: CliConfig): void {
  writeKeys(env, { active: config.active, contexts: config.contexts });
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
