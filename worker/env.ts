// The environment user code sees, as Pachyderm code expects it. Per worker:
// an allow-list of the worker's own variables (the system basics: PATH, LANG,
// LC_*, TZ, TERM, USER, ...; never the daemon's address, home, storage or
// keys), HOME (/tmp in the sandbox: the host's homes are not there), with
// the package's bin folder first on PATH, then its sandbox folder holding a
// `pachctl` for Pachyderm code (so `tusk next datum` and `pachctl next datum` are found, also
// inside the sandbox, where host folders are bound read-only at the same
// paths), transform.env, TUSK_PFS and, with datum batching,
// TUSK_WORKER_SOCKET. Per datum: TUSK_JOB_ID, TUSK_DATUM_ID,
// TUSK_OUTPUT_COMMIT_ID, one variable per input named after it holding the
// matched path (`images=/pfs/images/a.png`), `<name>_COMMIT`, and for joins and
// groups TUSK_DATUM_<name>_JOIN_ON / _GROUP_BY. Every TUSK_ variable is also
// set under Pachyderm's PACH_ name. Pure functions of their arguments.
import { posix } from 'node:path';
import type { DatumInput } from '../src/worker-protocol/index.js';

export type Env = Record<string, string>;

/** The worker's variables user code gets: what programs need to run, nothing of the daemon's. */
const PASSED = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'USER', 'LOGNAME', 'SHELL']);

const SYSTEM_PATH = ['/usr/local/bin', '/usr/bin', '/bin'];

/** True for a variable of the worker's own environment that user code may see. */
export function passedToCode(name: string): boolean {
  return PASSED.has(name) || name.startsWith('LC_');
}

export interface WorkerEnvOptions {
  pipeline: string;
  /** Where the code finds the datum area: '/pfs' in the sandbox, the host path without one. */
  pfs: string;
  /** HOME for the code (the sandbox has no host homes); default: the worker's. */
  home?: string;
  /** Prepended to PATH: the folder holding the `tusk` command. */
  binDir: string;
  /** Appended to PATH when missing: the folder of the node binary (`tusk` is a node script). */
  nodeDir: string;
  transformEnv: Readonly<Record<string, string>>;
  /** The worker socket, as the code sees it (datum batching only). */
  workerSocket?: string;
}

/** The variables every datum of this worker shares. */
export function workerEnv(processEnv: Readonly<Record<string, string | undefined>>, o: WorkerEnvOptions): Env {
  const env: Env = {};
  for (const [k, v] of Object.entries(processEnv)) if (v !== undefined && passedToCode(k)) env[k] = v;
  if (o.home) env.HOME = o.home;
  const path = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter((p) => p !== '' && p !== o.binDir);
  if (!path.includes(o.nodeDir)) path.push(o.nodeDir);
  // The system's programs, wherever the worker's own PATH pointed (its folders may not exist in the sandbox).
  for (const dir of SYSTEM_PATH) if (!path.includes(dir)) path.push(dir);
  // bin/sandbox holds the `pachctl` that maps Pachyderm code's calls to tusk (bin/sandbox/pachctl).
  const sandboxBin = posix.join(o.binDir, 'sandbox');
  env.PATH = [o.binDir, sandboxBin, ...path.filter((p) => p !== sandboxBin)].join(':');
  Object.assign(env, o.transformEnv);
  env.TUSK_PFS = o.pfs;
  env.TUSK_PIPELINE_NAME = o.pipeline;
  env.PPS_PIPELINE_NAME = o.pipeline;
  if (o.workerSocket) env.TUSK_WORKER_SOCKET = o.workerSocket;
  else delete env.TUSK_WORKER_SOCKET;
  return withPachNames(env);
}

export interface DatumEnvOptions {
  job: string;
  datum: string;
  outputCommit: string;
  inputs: readonly Pick<DatumInput, 'name' | 'path' | 'commit' | 'joinOn' | 'groupBy'>[];
  pfs: string;
}

/** The variables of one datum. */
export function datumEnv(d: DatumEnvOptions): Env {
  const env: Env = {
    TUSK_JOB_ID: d.job,
    TUSK_DATUM_ID: d.datum,
    TUSK_OUTPUT_COMMIT_ID: d.outputCommit,
  };
  for (const input of d.inputs) {
    env[input.name] = posix.join(d.pfs, input.name, input.path || '/').replace(/(.)\/$/, '$1');
    env[`${input.name}_COMMIT`] = input.commit;
    if (input.joinOn) env[`TUSK_DATUM_${input.name}_JOIN_ON`] = input.joinOn;
    if (input.groupBy) env[`TUSK_DATUM_${input.name}_GROUP_BY`] = input.groupBy;
  }
  return withPachNames(env);
}

/** Adds PACH_<rest> for every TUSK_<rest> (the TUSK_ value wins over an existing PACH_ one). */
export function withPachNames(env: Env): Env {
  for (const [k, v] of Object.entries(env)) if (k.startsWith('TUSK_')) env['PACH_' + k.slice(5)] = v;
  return env;
}
