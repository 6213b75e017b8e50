import { describe, expect, it } from 'vitest';
import { resolveUser, switchBlocker } from './run-as.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';

describe('resolveUser', () => {
  it('looks names up in /etc/passwd and takes UID[:GID] as given', () => {
    expect(resolveUser('nobody', PASSWD)).toEqual({ uid: 65534, gid: 65534 });
    expect(resolveUser('1000', PASSWD)).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveUser('1000:50', PASSWD)).toEqual({ uid: 1000, gid: 50 });
  });
  it('says which user it cannot find', () => {
    expect(resolveUser('ghost', PASSWD)).toMatch(/transform.user "ghost": no such user/);
  });
  it('needs root to switch', () => {
    expect(switchBlocker(0)).toBeUndefined();
    expect(switchBlocker(1000)).toMatch(/uid 1000, not root/);
  });
});
