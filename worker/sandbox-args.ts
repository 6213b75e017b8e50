// The bubblewrap command line of a worker's sandbox, from a description of the
// host's top-level folders. The sandbox's root is a tmpfs; only the top-level
// host folders programs need to run (/usr, /etc, /lib*, /bin, /sbin, /opt) are
// bound read-only at their own path (symlinks such as /bin → usr/bin are
// re-created) — never /root, /home or the daemon's folders — with the secrets
// of /etc (shadow, sudoers, private keys) masked; /dev, /proc, /tmp and /run
// are fresh, the package's runnable parts (dist, bin, node_modules) and the
// node binary's folder are bound read-only where they are, the datum area
// is bound read-only at /pfs with its out/ folder writable at /pfs/out, and the
// worker socket's folder is bound at /run/tusk. So code finds its inputs at
// /pfs/<input>, writes to /pfs/out and /tmp, and gets "Read-only file system"
// anywhere else. --die-with-parent ties the sandbox to the worker; with
// `isolateNetwork` the code gets a network namespace of its own (loopback
// only). transform.secrets' mount_path folders are bound read-only where the
// spec says; with `switchUser` the runner keeps CAP_SETUID/CAP_SETGID to start
// code as transform.user. Pure.
import { posix } from 'node:path';

export interface RootEntry {
  name: string;
  kind: 'dir' | 'symlink' | 'other';
  /** A symlink's target. */
  target?: string;
}

export interface SandboxLayout {
  /** The host's top-level entries (readdir of '/'). */
  root: readonly RootEntry[];
  /** Host path of the datum area ($TUSK_PFS); its out/ folder must exist. */
  pfs: string;
  /** Host folder holding the worker socket, bound at /run/tusk. */
  socketDir?: string;
  /** Host paths to bind read-only at the same path even though their top-level folder is not bound (e.g. the package under /tmp). */
  extraReadOnly?: readonly string[];
  /** /etc/resolv.conf's real path when it lives under /run (DNS inside the sandbox). */
  resolvConf?: string;
  /** Secret paths under the bound folders, hidden: files behind /dev/null, folders behind an empty tmpfs. */
  masked?: readonly { path: string; kind: 'file' | 'dir' }[];
  /** A network namespace of its own: no network but loopback. */
  isolateNetwork?: boolean;
  /** Host folders bound read-only at other paths (transform.secrets' mount_path). */
  binds?: readonly { host: string; at: string }[];
  /** The runner keeps CAP_SETUID and CAP_SETGID (transform.user); every other capability is dropped. */
  switchUser?: boolean;
}

export const SANDBOX_PFS = '/pfs';
export const SANDBOX_SOCKET_DIR = '/run/tusk';

/** Top-level folders the sandbox makes its own instead of binding the host's. */
const OWN = new Set(['dev', 'proc', 'tmp', 'run', 'pfs']);

/** The only top-level host folders (or symlinks) bound in: what programs need to run. */
export const SYSTEM_FOLDERS: ReadonlySet<string> = new Set(['usr', 'etc', 'lib', 'lib32', 'lib64', 'libx32', 'bin', 'sbin', 'opt']);

/** Secrets under /etc that code never needs (candidates: the layout keeps those that exist). */
export const ETC_SECRETS: readonly string[] = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers', '/etc/sudoers.d', '/etc/ssl/private'];

export function bwrapArgs(layout: SandboxLayout, command: readonly string[]): string[] {
  const args = ['--tmpfs', '/'];
  const entries = [...layout.root].sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (OWN.has(e.name) || !SYSTEM_FOLDERS.has(e.name)) continue;
    if (e.kind === 'dir') args.push('--ro-bind', `/${e.name}`, `/${e.name}`);
    else if (e.kind === 'symlink' && e.target) args.push('--symlink', e.target, `/${e.name}`);
  }
  args.push('--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--tmpfs', '/run');
  if (layout.resolvConf) args.push('--ro-bind-try', layout.resolvConf, layout.resolvConf);
  for (const m of layout.masked ?? []) args.push(...(m.kind === 'dir' ? ['--tmpfs', m.path] : ['--ro-bind', '/dev/null', m.path]));
  for (const p of layout.extraReadOnly ?? []) args.push('--ro-bind', p, p);
  args.push('--ro-bind', layout.pfs, SANDBOX_PFS, '--bind', posix.join(layout.pfs, 'out'), posix.join(SANDBOX_PFS, 'out'));
  if (layout.socketDir) args.push('--ro-bind', layout.socketDir, SANDBOX_SOCKET_DIR);
  for (const b of layout.binds ?? []) args.push('--ro-bind', b.host, b.at);
  if (layout.switchUser) args.push('--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID');
  args.push('--unshare-pid', ...(layout.isolateNetwork ? ['--unshare-net'] : []), '--die-with-parent', '--chdir', '/', '--', ...command);
  return args;
}

/** True when host path `p` is visible at the same path inside the sandbox. */
export function visibleInSandbox(p: string, layout: Pick<SandboxLayout, 'root' | 'extraReadOnly'>, depth = 0): boolean {
  if (depth > 8) return false;
  const top = p.split('/').filter(Boolean)[0];
  if (top === undefined) return false;
  if ((layout.extraReadOnly ?? []).some((e) => p === e || p.startsWith(e.endsWith('/') ? e : e + '/'))) return true;
  const entry = layout.root.find((e) => e.name === top);
  if (!entry || OWN.has(top) || !SYSTEM_FOLDERS.has(top)) return false;
  if (entry.kind === 'dir') return true;
  return entry.kind === 'symlink' && !!entry.target && visibleInSandbox(posix.resolve('/', entry.target, ...p.split('/').filter(Boolean).slice(1)), layout, depth + 1);
}
