// Child-process entry of test/helpers/s3rver.ts: runs one s3rver on a free
// loopback port, prints {"port": N} on stdout, and exits on SIGTERM or when the
// parent goes away (its stdin closes). Run with --openssl-legacy-provider: that
// is why it is a separate process (see TOOLCHAIN.md).
import S3rver from 's3rver';

const directory = process.argv[2];
if (!directory) {
  process.stderr.write('usage: node --openssl-legacy-provider s3rver-main.mjs DIRECTORY\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  server.httpServer.closeAllConnections?.();
  await server.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
