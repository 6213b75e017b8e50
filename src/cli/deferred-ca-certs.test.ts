import { describe, expect, it } from 'vitest';
import { takeDeferredCaCerts } from './deferred-ca-certs.js';

describe('takeDeferredCaCerts', () => {
  it('restores NODE_EXTRA_CA_CERTS from the hand-over variable and removes that one', () => {
    const env: NodeJS.ProcessEnv = { TUSK_DEFERRED_CA_CERTS: '/ca.pem', PATH: '/bin' };
    expect(takeDeferredCaCerts(env)).toBe('/ca.pem');
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/ca.pem', PATH: '/bin' });
  });

  it('defers nothing when Node read the variable itself (`node bin/tusk`), or nothing was handed over', () => {
    const read: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/own.pem', TUSK_DEFERRED_CA_CERTS: '/ca.pem' };
    expect(takeDeferredCaCerts(read)).toBeUndefined();
    expect(read).toEqual({ NODE_EXTRA_CA_CERTS: '/own.pem' });
    const none: NodeJS.ProcessEnv = { PATH: '/bin' };
    expect(takeDeferredCaCerts(none)).toBeUndefined();
    expect(none).toEqual({ PATH: '/bin' });
  });
});
