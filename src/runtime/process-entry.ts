// Which file the local runtime starts for a worker or a sidecar: its bundle
// (scripts/bundle-workers.mjs: one file, a faster start) when that bundle was
// built from the modules as they are now, else the module itself. A bundle
// older than its entry module was left by an earlier build (a `tsc` run alone
// rewrites every module but not the bundles): starting it would run old code.
import { statSync } from 'node:fs';

/** `bundle` if it exists and is not older than `module`, else `module`. */
export function processEntry(bundle: string, module: string): string {
  const built = statSync(bundle, { throwIfNoEntry: false });
  const source = statSync(module, { throwIfNoEntry: false });
  return built && (!source || built.mtimeMs >= source.mtimeMs) ? bundle : module;
}
