// transform.user on the local runtime: which uid/gid the code runs as. A name
// is looked up in /etc/passwd (the sandbox binds the host's /etc, so the
// same table); `UID[:GID]` is taken as given (GID defaults to UID), as a
// container's `USER` is. Switching needs a worker running as root (the
// sandbox then keeps CAP_SETUID/CAP_SETGID for its runner alone); otherwise
// the code runs as the worker's user and the datum's log says why. Pure but
// for the caller's reading of /etc/passwd.

export interface RunAs {
  uid: number;
  gid: number;
}

/** The uid/gid of `user` ("nobody", "1000", "1000:1000"), or why it cannot be found. */
export function resolveUser(user: string, passwd: string): RunAs | string {
  const numeric = /^(\d+)(?::(\d+))?$/.exec(user);
  if (numeric) return { uid: Number(numeric[1]), gid: Number(numeric[2] ?? numeric[1]) };
  const [name, group] = user.split(':');
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length >= 4) {
      const gid = group !== undefined && /^\d+$/.test(group) ? Number(group) : Number(f[3]);
      return { uid: Number(f[2]), gid };
    }
  }
  return `transform.user "${user}": no such user in /etc/passwd (give a name it lists, or UID[:GID])`;
}

/** Why this worker cannot switch users (undefined when it can). */
export function switchBlocker(uid: number | undefined): string | undefined {
  if (uid === 0) return undefined;
  return `tuskd runs as uid ${uid ?? 'unknown'}, not root, so it cannot start processes as another user`;
}
