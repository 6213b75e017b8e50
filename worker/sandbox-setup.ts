// What a pipeline version asks of its worker's sandbox beyond the datum area:
// transform.secrets with mount_path (each secret's keys written as files, mode
// 0400, to a folder of the worker's own that the sandbox binds read-only at
// mount_path) and transform.user (the uid/gid code runs as, when the worker
// may switch users; otherwise the note saying why not, for each job's log).
// `key` changes exactly when the sandbox must be started again.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerSpec } from '../src/client/index.js';
import { resolveUser, switchBlocker, type RunAs } from './run-as.js';

export interface SandboxSetup {
  /** Changes when the sandbox has to be made again (network, user switching, secret files). */
  key: string;
  binds: { host: string; at: string }[];
  switchUser: boolean;
  runAs?: RunAs;
  /** What of the spec is not applied, and why (for each job's first datum log). */
  notes: string[];
}

/** The sandbox's needs for `spec`, writing the secret files under `dir` (emptied first). */
export async function sandboxSetup(spec: WorkerSpec, dir: string, o: { uid: number | undefined; sandboxed: boolean; isolateNetwork: boolean }): Promise<SandboxSetup> {
  let runAs: RunAs | undefined;
  const notes: string[] = [];
  if (spec.user) {
    const blocker = switchBlocker(o.uid);
    const found = blocker ? blocker : resolveUser(spec.user, readPasswd());
    if (typeof found === 'string') notes.push(`transform.user "${spec.user}" is not applied: ${found}; the code runs as uid ${o.uid ?? 'unknown'}`);
    else runAs = found;
  }
  await rm(dir, { recursive: true, force: true });
  const binds: { host: string; at: string }[] = [];
  for (const [i, m] of spec.secretMounts.entries()) {
    const host = join(dir, String(i));
    await mkdir(host, { recursive: true, mode: 0o700 });
    for (const f of m.files) {
      await writeFile(join(host, f.key), f.data, { mode: 0o400 });
      if (runAs) await chown(join(host, f.key), runAs.uid, runAs.gid);
    }
    if (runAs) await chown(host, runAs.uid, runAs.gid);
    await chmod(host, 0o500);
    binds.push({ host, at: m.path });
  }
  if (binds.length > 0 && !o.sandboxed) notes.push(`transform.secrets: without a sandbox (TUSK_SANDBOX=off) nothing can be mounted at ${binds.map((b) => b.at).join(', ')}; the files are at ${binds.map((b) => b.host).join(', ')}`);
  return { key: setupKey(spec, o.isolateNetwork, o.uid), binds, switchUser: Boolean(runAs), ...(runAs ? { runAs } : {}), notes };
}

/** The sandbox key of a spec: what sandboxSetup would make, without writing anything. */
export function setupKey(spec: WorkerSpec, isolateNetwork: boolean, uid: number | undefined): string {
  const hash = createHash('sha256');
  for (const m of spec.secretMounts) for (const f of m.files) hash.update(m.path).update('\0').update(f.key).update('\0').update(f.data);
  return JSON.stringify({ net: isolateNetwork, user: spec.user, root: uid === 0, secrets: hash.digest('hex'), paths: spec.secretMounts.map((m) => m.path) });
}

function readPasswd(): string {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return '';
  }
}
