// tuskd's entry point: read the configuration, start the daemon in the
// foreground, stop cleanly on SIGTERM/SIGINT. Exit 1 with one JSON log line
// when it cannot start (port taken, home in use, bad storage URL).
import { isTuskError } from '../errors/index.js';
import { resolveConfig, USAGE } from './config.js';
import { Daemon } from './daemon.js';
import { jsonLogger } from '../log/logger.js';

const log = jsonLogger();

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`tuskd: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const daemon = await Daemon.start(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log('info', 'signal', { signal });
    await daemon.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  log.log('error', 'daemon_failed', { code: isTuskError(err) ? err.code : 'Internal', message: (err as Error).message });
  process.exit(1);
});
