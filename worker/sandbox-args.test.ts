import { describe, expect, test } from 'vitest';
import { bwrapArgs, visibleInSandbox, type RootEntry } from './sandbox-args.js';
import { mountScript } from './unshare-args.js';

const root: RootEntry[] = [
  { name: 'usr', kind: 'dir' },
  { name: 'bin', kind: 'symlink', target: 'usr/bin' },
  { name: 'etc', kind: 'dir' },
  { name: 'tmp', kind: 'dir' },
  { name: 'proc', kind: 'dir' },
  { name: 'run', kind: 'dir' },
  { name: 'work', kind: 'dir' },
  { name: 'root', kind: 'dir' },
  { name: 'home', kind: 'dir' },
  { name: 'srv', kind: 'dir' },
  { name: 'lib64', kind: 'symlink', target: 'usr/lib64' },
  { name: '.dockerenv', kind: 'other' },
];

describe('the bubblewrap command line', () => {
  test('binds host folders read-only, recreates symlinks, gives fresh /tmp and /run, and /pfs with a writable out', () => {
    const args = bwrapArgs({ root, pfs: '/w/pfs', socketDir: '/w/sock' }, ['/usr/bin/node', '/work/dist/worker/sandbox-runner.js']);
    const text = args.join(' ');
    expect(args.slice(0, 2)).toEqual(['--tmpfs', '/']);
    expect(text).toContain('--ro-bind /usr /usr');
    expect(text).toContain('--ro-bind /etc /etc');
    expect(text).toContain('--symlink usr/bin /bin');
    expect(text).not.toContain('--ro-bind /tmp');
    expect(text).not.toContain('--ro-bind /proc');
    expect(text).not.toContain('.dockerenv');
    expect(text).toContain('--dev /dev --proc /proc --tmpfs /tmp --tmpfs /run');
    expect(text).toContain('--ro-bind /w/pfs /pfs --bind /w/pfs/out /pfs/out');
    expect(text).toContain('--ro-bind /w/sock /run/tusk');
    expect(text).toContain('--die-with-parent');
    expect(args.slice(-3)).toEqual(['--', '/usr/bin/node', '/work/dist/worker/sandbox-runner.js']);
    // /pfs/out is bound after /pfs, or the read-only bind would hide it.
    expect(args.indexOf('/pfs/out')).toBeGreaterThan(args.indexOf('/pfs'));
  });

  test('binds only the folders programs need: never /root, /home or other host folders; /etc secrets are masked', () => {
    const args = bwrapArgs({ root, pfs: '/w/pfs', masked: [{ path: '/etc/shadow', kind: 'file' }, { path: '/etc/ssl/private', kind: 'dir' }] }, ['x']);
    const text = args.join(' ');
    for (const hidden of ['/root', '/home', '/work', '/srv']) expect(text).not.toContain(`--ro-bind ${hidden} `);
    expect(text).toContain('--symlink usr/lib64 /lib64');
    expect(text).toContain('--ro-bind /dev/null /etc/shadow');
    expect(text).toContain('--tmpfs /etc/ssl/private');
    expect(args.indexOf('/etc/shadow')).toBeGreaterThan(args.indexOf('/etc'));
    expect(text).not.toContain('--unshare-net');
    expect(bwrapArgs({ root, pfs: '/w/pfs', isolateNetwork: true }, ['x'])).toContain('--unshare-net');
  });

  test('a package under a folder the sandbox replaces is bound in explicitly', () => {
    expect(visibleInSandbox('/work/main', { root })).toBe(false);
    expect(visibleInSandbox('/bin/sh', { root })).toBe(true);
    expect(visibleInSandbox('/tmp/pkg', { root })).toBe(false);
    expect(visibleInSandbox('/tmp/pkg/bin', { root, extraReadOnly: ['/tmp/pkg'] })).toBe(true);
    const args = bwrapArgs({ root, pfs: '/w/pfs', extraReadOnly: ['/tmp/pkg'] }, ['x']);
    expect(args.join(' ')).toContain('--tmpfs /tmp --tmpfs /run --ro-bind /tmp/pkg /tmp/pkg');
  });
});

describe('transform.secrets and transform.user in the sandbox', () => {
  test('binds secret folders read-only at mount_path and keeps only CAP_SETUID/CAP_SETGID when switching users', () => {
    const args = bwrapArgs({ root, pfs: '/w/pfs', binds: [{ host: '/w/secrets/0', at: '/var/secrets/api' }], switchUser: true }, ['x']).join(' ');
    expect(args).toContain('--ro-bind /w/secrets/0 /var/secrets/api');
    expect(args).toContain('--cap-add CAP_SETUID --cap-add CAP_SETGID');
    expect(bwrapArgs({ root, pfs: '/w/pfs' }, ['x']).join(' ')).not.toContain('--cap-add');
  });

  test('the unshare script does the same with mounts and setpriv', () => {
    const script = mountScript({ root, pfs: '/w/pfs', binds: [{ host: '/w/secrets/0', at: '/var/secrets/api' }], switchUser: true }, '/w/root', ['x']);
    expect(script).toContain("mount --rbind '/w/secrets/0' '/w/root/var/secrets/api'");
    expect(script).toContain("mount -o remount,bind,ro '/w/root/var/secrets/api'");
    expect(script).toContain('setpriv --bounding-set -all,+setuid,+setgid');
    expect(mountScript({ root, pfs: '/w/pfs' }, '/w/root', ['x'])).toContain('setpriv --bounding-set -all --inh-caps');
  });
});
