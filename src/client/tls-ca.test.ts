// tlsCa: which CAs a grpcs:// address is checked against, from TUSK_TLS_CA or
// the NODE_EXTRA_CA_CERTS file bin/tusk started Node without.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tlsCa } from './connection.js';

const dir = mkdtempSync(join(tmpdir(), 'tusk-tls-ca-'));
const own = join(dir, 'own.pem');
const extra = join(dir, 'extra.pem');
writeFileSync(own, rootCertificates[1]);
writeFileSync(extra, rootCertificates[2]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tlsCa', () => {
  it("is Node's default (undefined) when nothing is named or deferred", () => {
    expect(tlsCa({})).toBeUndefined();
  });

  it('is the TUSK_TLS_CA file alone, deferred CAs or not', () => {
    expect(tlsCa({ TUSK_TLS_CA: own }, extra)?.toString()).toBe(rootCertificates[1]);
  });

  it("is Node's roots plus the deferred file's CAs", () => {
    const pem = tlsCa({}, extra)!.toString();
    for (const root of rootCertificates) expect(pem).toContain(root);
    expect(pem.endsWith(rootCertificates[2])).toBe(true);
  });

  it("leaves grpc-js's own roots file alone (it replaces Node's store, the deferred CAs with it)", () => {
    expect(tlsCa({ GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: own }, extra)).toBeUndefined();
  });

  it('warns as Node does and trusts the default roots when the deferred file cannot be read', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(tlsCa({}, join(dir, 'missing.pem'))).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^Ignoring extra certs from `.*missing\.pem`, load failed: /));
    } finally {
      warn.mockRestore();
    }
  });
});
