// scripts/grpc-js-trims.mjs: the CLI bundle's copy of grpc-js answers "is this
// an IP address, and which family" exactly as grpc-js itself does, for the
// addresses it formats (subchannel keys, `[::1]:port`) and parses. grpc-js is
// bundled here with and without the trims, as the CLI build does, and the two
// copies are compared on fixed addresses and on random strings.
import { build, type Plugin } from 'esbuild';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script without type declarations
import { grpcJsTrims } from '../scripts/grpc-js-trims.mjs';

const ROOT = join(import.meta.dirname, '..');
const ENTRY = "module.exports = { grpc: require('@grpc/grpc-js'), address: require('@grpc/grpc-js/build/src/subchannel-address.js') };";

interface SubchannelAddressModule {
  subchannelAddressToString(address: { host: string; port: number }): string;
  stringToSubchannelAddress(address: string, port?: number): { host?: string; port?: number; path?: string };
}

let dir: string;
let trimmed: SubchannelAddressModule;
let plain: SubchannelAddressModule;

async function bundle(name: string, plugins: Plugin[]): Promise<SubchannelAddressModule> {
  const out = await build({ stdin: { contents: ENTRY, resolveDir: ROOT, loader: 'js' }, bundle: true, platform: 'node', format: 'cjs', external: ['@grpc/proto-loader'], plugins, write: false, logLevel: 'error' });
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, out.outputFiles[0].text);
  return (createRequire(file)(file) as { address: SubchannelAddressModule }).address;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tusk-grpc-trims-'));
  trimmed = await bundle('trimmed', [grpcJsTrims as Plugin]);
  plain = await bundle('plain', []);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ADDRESSES = ['127.0.0.1', '10.1.2.3', '::1', '::', '2001:db8::8a2e:370:7334', '::ffff:127.0.0.1', 'fe80::1%eth0', 'localhost', 'tuskd.example.com', '', ':', '1:2', '[::1]', '256.1.1.1', '1.2.3'];

describe("the CLI bundle's grpc-js address checks", () => {
  it('format an address as grpc-js does: IPv6 in brackets, IPv4 and names without', () => {
    expect(trimmed.subchannelAddressToString({ host: '::1', port: 1650 })).toBe('[::1]:1650');
    expect(trimmed.subchannelAddressToString({ host: '127.0.0.1', port: 1650 })).toBe('127.0.0.1:1650');
    for (const host of ADDRESSES) {
      expect(trimmed.subchannelAddressToString({ host, port: 5 }), host).toBe(plain.subchannelAddressToString({ host, port: 5 }));
      expect(trimmed.stringToSubchannelAddress(host, 5), host).toEqual(plain.stringToSubchannelAddress(host, 5));
    }
  });

  it('agree with grpc-js on any string, colons and hex digits included', () => {
    const host = fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-f:.%]{0,40}$/), fc.ipV6(), fc.ipV4());
    fc.assert(
      fc.property(host, (h) => {
        expect(trimmed.subchannelAddressToString({ host: h, port: 1 })).toBe(plain.subchannelAddressToString({ host: h, port: 1 }));
        expect(trimmed.stringToSubchannelAddress(h)).toEqual(plain.stringToSubchannelAddress(h));
      }),
      { numRuns: 500 },
    );
  });
});
