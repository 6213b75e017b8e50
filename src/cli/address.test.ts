import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDaemonRecord, resolveAddress, tuskHome } from './address.js';

describe('resolveAddress', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const home = (record?: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tusk-addr-'));
    dirs.push(dir);
    if (record !== undefined) writeFileSync(join(dir, 'tuskd.json'), record);
    return dir;
  };

  it('prefers TUSK_ADDRESS over the recorded daemon', () => {
    const h = home(JSON.stringify({ pid: 1, port: 4242 }));
    expect(resolveAddress({ TUSK_ADDRESS: 'db:99', TUSK_HOME: h })).toBe('db:99');
  });

  it('uses the port tuskd recorded in TUSK_HOME', () => {
    const h = home(JSON.stringify({ pid: 1, port: 4242, httpPort: 1, s3Port: 2 }));
    expect(resolveAddress({ TUSK_HOME: h })).toBe('127.0.0.1:4242');
  });

  it('falls back to localhost:1650 without a record or with a broken one', () => {
    expect(resolveAddress({ TUSK_HOME: home() })).toBe('localhost:1650');
    expect(resolveAddress({ TUSK_HOME: home('{not json') })).toBe('localhost:1650');
  });

  it('defaults TUSK_HOME to ~/.tusk and resolves relative homes', () => {
    expect(tuskHome({})).toMatch(/\.tusk$/);
    expect(tuskHome({ TUSK_HOME: 'rel' })).toBe(join(process.cwd(), 'rel'));
    expect(tuskHome({ TUSK_HOME: '/a' }, '/b')).toBe('/b');
  });

  it('rejects records without a pid and port', () => {
    expect(parseDaemonRecord(JSON.stringify({ port: 1 }))).toBeUndefined();
    expect(parseDaemonRecord(JSON.stringify({ pid: 3, port: 1 }))).toEqual({ pid: 3, port: 1 });
  });
});
