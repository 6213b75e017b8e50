// The sandbox without bubblewrap: the same layout as bwrapArgs (sandbox-args.ts)
// built with util-linux alone, which every Linux has. `unshare` gives the
// runner a private mount and PID namespace (and a user namespace when not
// root, a network namespace with `isolateNetwork`); a shell script in it
// mounts a tmpfs root, binds the system folders read-only, masks /etc's
// secrets, makes fresh /dev, /proc, /tmp and /run, binds the datum area at
// /pfs (its out/ writable), pivots into that root and drops every capability
// (setpriv) before starting the runner. The runner is PID 1 of its namespace:
// when it exits (its stdin closed: the worker is gone) everything it started
// goes with it. Pure.
import { posix } from 'node:path';
import { SANDBOX_PFS, SANDBOX_SOCKET_DIR, SYSTEM_FOLDERS, type SandboxLayout } from './sandbox-args.js';

export interface UnshareOptions {
  /** Not root: a user namespace maps this user to root inside, so that it may mount. */
  userNamespace: boolean;
  /** A folder of the host (empty or missing) the new root is mounted on. */
  rootDir: string;
}

/** Device nodes bound from the host into the fresh /dev. */
const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** `unshare …` argv (program first) that runs `command` at the root of the sandbox. */
export function unshareArgs(layout: SandboxLayout, o: UnshareOptions, command: readonly string[]): string[] {
  const flags = [...(o.userNamespace ? ['--user', '--map-root-user'] : []), '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child'];
  if (layout.isolateNetwork) flags.push('--net');
  return ['unshare', ...flags, '--', 'sh', '-c', mountScript(layout, o.rootDir, command), 'tusk-sandbox'];
}

/** The script that builds the root and starts `command` in it. */
export function mountScript(layout: SandboxLayout, rootDir: string, command: readonly string[]): string {
  const r = (p: string) => q(posix.join(rootDir, p));
  const lines = ['set -e', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH', `mkdir -p ${q(rootDir)}`, `mount -t tmpfs -o mode=755 tusk-root ${q(rootDir)}`];
  const roBind = (host: string, at: string, file = false) => {
    lines.push(file ? `mkdir -p ${q(posix.dirname(posix.join(rootDir, at)))} && touch ${r(at)}` : `mkdir -p ${r(at)}`);
    lines.push(`mount --rbind ${q(host)} ${r(at)}`, `mount -o remount,bind,ro ${r(at)}`);
  };
  for (const e of [...layout.root].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!SYSTEM_FOLDERS.has(e.name)) continue;
    if (e.kind === 'dir') roBind(`/${e.name}`, `/${e.name}`);
    else if (e.kind === 'symlink' && e.target) lines.push(`ln -s ${q(e.target)} ${r(`/${e.name}`)}`);
  }
  for (const m of layout.masked ?? []) {
    lines.push(m.kind === 'dir' ? `mount -t tmpfs -o mode=700 tusk-mask ${r(m.path)}` : `mount --bind /dev/null ${r(m.path)}`);
  }
  lines.push(`mkdir -p ${r('/dev')} ${r('/proc')} ${r('/tmp')} ${r('/run')}`);
  lines.push(`mount -t tmpfs -o mode=755 tusk-dev ${r('/dev')}`);
  for (const d of DEVICES) lines.push(`if [ -e /dev/${d} ]; then touch ${r(`/dev/${d}`)} && mount --bind /dev/${d} ${r(`/dev/${d}`)}; fi`);
  lines.push(`ln -s /proc/self/fd ${r('/dev/fd')}`, `ln -s /proc/self/fd/0 ${r('/dev/stdin')}`, `ln -s /proc/self/fd/1 ${r('/dev/stdout')}`, `ln -s /proc/self/fd/2 ${r('/dev/stderr')}`);
  lines.push(`mkdir -p ${r('/dev/shm')} && mount -t tmpfs tusk-shm ${r('/dev/shm')}`);
  lines.push(`mount -t proc proc ${r('/proc')}`, `mount -t tmpfs -o mode=1777 tusk-tmp ${r('/tmp')}`, `mount -t tmpfs -o mode=755 tusk-run ${r('/run')}`);
  if (layout.resolvConf) lines.push(`if [ -e ${q(layout.resolvConf)} ]; then mkdir -p ${q(posix.dirname(posix.join(rootDir, layout.resolvConf)))} && touch ${r(layout.resolvConf)} && mount --bind ${q(layout.resolvConf)} ${r(layout.resolvConf)}; fi`);
  for (const p of layout.extraReadOnly ?? []) lines.push(`if [ -d ${q(p)} ]; then mkdir -p ${r(p)}; else mkdir -p ${q(posix.dirname(posix.join(rootDir, p)))} && touch ${r(p)}; fi`, `mount --rbind ${q(p)} ${r(p)}`, `mount -o remount,bind,ro ${r(p)}`);
  roBind(layout.pfs, SANDBOX_PFS);
  lines.push(`mount --bind ${q(posix.join(layout.pfs, 'out'))} ${r(posix.join(SANDBOX_PFS, 'out'))}`);
  if (layout.socketDir) roBind(layout.socketDir, SANDBOX_SOCKET_DIR);
  for (const b of layout.binds ?? []) roBind(b.host, b.at);
  if (layout.isolateNetwork) lines.push('ip link set lo up 2>/dev/null || true'); // loopback, as bwrap gives it (needs iproute2)
  lines.push(`cd ${q(rootDir)}`, 'mkdir .old-root', 'pivot_root . .old-root', 'cd /', 'umount -l /.old-root', 'rmdir /.old-root');
  const run = command.map(q).join(' ');
  const bounding = layout.switchUser ? '-all,+setuid,+setgid' : '-all'; // transform.user: the runner may start code as another user
  lines.push(`if command -v setpriv >/dev/null 2>&1; then exec setpriv --bounding-set ${bounding} --inh-caps -all ${run}; else exec ${run}; fi`);
  return lines.join('\n');
}

/** Quotes a word for sh. */
function q(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
