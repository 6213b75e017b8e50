// An esbuild plugin for scripts/bundle-cli.mjs: two start-up costs of
// @grpc/grpc-js that every gRPC command of the CLI paid, cut from the bundled
// copy only (tuskd runs grpc-js unchanged).
// - Node's net.isIPv6 compiles a large regular expression at its first call:
//   5-6 ms of CPU. grpc-js calls it on every resolved address (pick-first's
//   family interleaving, subchannel address strings), so a CLI that talks to
//   127.0.0.1 paid it once per run. An IPv6 address always holds a ':', an
//   IPv4 address or a host name never does; the test `includes(':')` first
//   gives the same answer and runs the expression only for a real candidate.
// - zlib (message compression, which tusk never turns on) is loaded at its
//   first use instead of when grpc-js starts: ~0.6-1 ms.
// The build fails when a file this plugin expects to change no longer has the
// text it replaces, so a grpc-js upgrade cannot drop a trim silently.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const GRPC_JS_FILE = /[\\/]@grpc[\\/]grpc-js[\\/]build[\\/]src[\\/][^\\/]+\.js$/;

const CHEAP_IS_IP =
  '\nfunction tuskIsIPv6(host) { return String(host).includes(":") && net_1.isIPv6(host); }' +
  '\nfunction tuskIsIP(host) { return net_1.isIPv4(host) ? 4 : tuskIsIPv6(host) ? 6 : 0; }\n';

/** Files whose every net.isIPv6 / net.isIP call goes through the cheap test, and how many calls each has. */
const IS_IP_CALLS = { 'load-balancer-pick-first.js': 2, 'subchannel-address.js': 2, 'resolver-dns.js': 1, 'resolver-ip.js': 1, 'channelz.js': 2 };

/** Files whose require of a Node module is deferred to its first use. */
const LAZY_REQUIRES = {
  'compression-filter.js': 'const zlib = require("zlib");',
  'server-interceptors.js': 'const zlib = require("zlib");',
};

/** `const zlib = require("zlib");` as a proxy that requires the module at its first property read. */
function lazyRequire(statement) {
  const [, name, id] = /^const (\w+) = require\("(\w+)"\);$/.exec(statement);
  return `let ${name}Module; const ${name} = new Proxy({}, { get: (_, key) => (${name}Module ??= require("${id}"))[key] });`;
}

export const grpcJsTrims = {
  name: 'grpc-js-trims',
  setup(b) {
    const changed = new Set();
    b.onLoad({ filter: GRPC_JS_FILE }, async (args) => {
      const file = basename(args.path);
      let source = await readFile(args.path, 'utf8');
      if (file in IS_IP_CALLS) {
        const calls = source.match(/\(0, net_1\.isIP(v6)?\)\(/g) ?? [];
        if (calls.length !== IS_IP_CALLS[file]) throw new Error(`${args.path}: ${calls.length} calls of net.isIP/isIPv6, ${IS_IP_CALLS[file]} expected (grpc-js changed?)`);
        source = source.replaceAll('(0, net_1.isIPv6)(', '(0, tuskIsIPv6)(').replaceAll('(0, net_1.isIP)(', '(0, tuskIsIP)(') + CHEAP_IS_IP;
        changed.add(file);
      }
      if (file in LAZY_REQUIRES) {
        const statement = LAZY_REQUIRES[file];
        if (!source.includes(statement)) throw new Error(`${args.path}: no line "${statement}" to make lazy (grpc-js changed?)`);
        source = source.replace(statement, lazyRequire(statement));
        changed.add(file);
      }
      return changed.has(file) ? { contents: source, loader: 'js' } : undefined;
    });
    b.onEnd((result) => {
      if (result.errors.length > 0) return;
      const missing = [...Object.keys(IS_IP_CALLS), ...Object.keys(LAZY_REQUIRES)].filter((file) => !changed.has(file));
      if (missing.length > 0) throw new Error(`grpc-js-trims: ${missing.join(', ')} not bundled (grpc-js changed?)`);
    });
  },
};
