// bin/tusk run as a program: its shell lines start Node without
// NODE_EXTRA_CA_CERTS (whose file Node would parse at every start), keeping
// the value in TUSK_DEFERRED_CA_CERTS, except for a command naming a URL or
// NODE_OPTIONS choosing a CA store; the CLI puts the variable back for the
// processes it starts. The shell lines are checked with a stand-in `node`
// first on PATH that prints what it was given; the restoring with the real
// CLI and the tuskd that `tusk up` starts. (A grpcs:// daemon trusted through
// the deferred variable: test/tls.test.ts.)
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUSK } from './helpers/tusk-cli.js';

let work: string;
let fakeBin: string;
let caFile: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tusk-launcher-'));
  fakeBin = join(work, 'bin');
  execFileSync('mkdir', [fakeBin]);
  const fakeNode = join(fakeBin, 'node');
  writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s|%s|%s\\n" "${NODE_EXTRA_CA_CERTS-unset}" "${TUSK_DEFERRED_CA_CERTS-unset}" "$*"\n');
  chmodSync(fakeNode, 0o755);
  caFile = join(work, 'extra-ca.pem');
  writeFileSync(caFile, rootCertificates[0]);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What the stand-in node saw: [NODE_EXTRA_CA_CERTS, TUSK_DEFERRED_CA_CERTS, its arguments]. */
function launched(args: string[], env: NodeJS.ProcessEnv): string[] {
  const clean = { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` };
  delete clean.NODE_EXTRA_CA_CERTS;
  delete clean.TUSK_DEFERRED_CA_CERTS;
  delete clean.NODE_OPTIONS;
  return execFileSync(TUSK, args, { env: { ...clean, ...env }, encoding: 'utf8' }).trim().split('|');
}

describe('bin/tusk as a program', () => {
  it('starts Node without NODE_EXTRA_CA_CERTS, its value handed over, and the arguments as given', () => {
    expect(launched(['list', 'file', 'a b@master:/'], { NODE_EXTRA_CA_CERTS: '/x/ca.pem' })).toEqual(['unset', '/x/ca.pem', `${TUSK} list file a b@master:/`]);
  });

  it('keeps the variable for a command naming a URL, or with NODE_OPTIONS choosing a CA store', () => {
    expect(launched(['put', 'file', 'r@master', '--url', 'https://example.com/a'], { NODE_EXTRA_CA_CERTS: '/x/ca.pem' }).slice(0, 2)).toEqual(['/x/ca.pem', 'unset']);
    expect(launched(['put', 'file', 'r@master', '-f', 's3://bucket/a'], { NODE_EXTRA_CA_CERTS: '/x/ca.pem' }).slice(0, 2)).toEqual(['/x/ca.pem', 'unset']);
    expect(launched(['list', 'repo'], { NODE_EXTRA_CA_CERTS: '/x/ca.pem', NODE_OPTIONS: '--use-openssl-ca' }).slice(0, 2)).toEqual(['/x/ca.pem', 'unset']);
  });

  it('hands nothing over when the variable is unset or empty, whatever it inherited', () => {
    expect(launched(['list', 'repo'], { TUSK_DEFERRED_CA_CERTS: '/stale.pem' }).slice(0, 2)).toEqual(['unset', 'unset']);
    expect(launched(['list', 'repo'], { NODE_EXTRA_CA_CERTS: '', TUSK_DEFERRED_CA_CERTS: '/stale.pem' }).slice(0, 2)).toEqual(['', 'unset']);
  });

  it('gives the variable back to the tuskd that `tusk up` starts, and not the hand-over one', () => {
    const home = join(work, 'home');
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: caFile, TUSK_HOME: home };
    delete env.TUSK_ADDRESS;
    execFileSync(TUSK, ['up', '--home', home, '--port', '0', '--s3-port', '0', '--http-port', '0'], { env, encoding: 'utf8' });
    try {
      const { pid } = JSON.parse(readFileSync(join(home, 'tuskd.json'), 'utf8')) as { pid: number };
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environ).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
      expect(environ.filter((e) => e.startsWith('TUSK_DEFERRED_CA_CERTS='))).toEqual([]);
    } finally {
      execFileSync(TUSK, ['down', '--home', home], { env, encoding: 'utf8' });
    }
  }, 60_000);
});
