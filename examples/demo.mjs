#!/usr/bin/env node
// `npm run demo`: the word-count DAG of examples/wordcount end to end on the
// embedded default (local object store, LevelDB, local worker processes), in a
// temporary TUSK_HOME so nothing of yours is touched. Prints each command and
// its real output, like a terminal session.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const home = mkdtempSync(join(tmpdir(), 'tusk-demo-'));
const env = { ...process.env, TUSK_HOME: home };
delete env.TUSK_ADDRESS;
const example = join(root, 'examples', 'wordcount');

function tusk(...args) {
  console.log(`\n$ tusk ${args.join(' ').replaceAll(root + '/', '')}`);
  const out = execFileSync(process.execPath, [join(root, 'bin', 'tusk'), ...args], { env, encoding: 'utf8' });
  process.stdout.write(out);
  return out.trim();
}

try {
  const up = tusk('up', '--port', '0', '--s3-port', '0', '--http-port', '0');
  const consoleUrl = /console: (\S+)/.exec(up)?.[1];
  tusk('create', 'repo', 'docs');
  tusk('create', 'pipeline', '-f', join(example, 'count.yaml'));
  tusk('create', 'pipeline', '-f', join(example, 'top.yaml'));
  const id = tusk('put', 'file', 'docs@master', '-f', join(example, 'docs'), '-r');
  tusk('wait', 'commit', `top@${id}`);
  tusk('list', 'job');
  tusk('get', 'file', 'top@master:/top.txt');
  tusk('provenance', `top@${id}`);

  console.log('\n# Change one document: one datum runs in each stage, the rest are reused.');
  const changed = join(home, 'crow.txt');
  writeFileSync(changed, 'The crow and the crow and the crow sang to the crow.\n');
  const id2 = tusk('put', 'file', 'docs@master:/crow.txt', '-f', changed);
  tusk('wait', 'commit', `top@${id2}`);
  tusk('list', 'datum', `counts@${id2}`);
  tusk('diff', 'file', 'counts@master');
  tusk('get', 'file', 'top@master:/top.txt');

  // On a terminal, keep the daemon up so the DAG can be looked at in the web console.
  if (consoleUrl && process.stdin.isTTY) {
    console.log(`\n# The web console shows this DAG at ${consoleUrl}\n# Press Enter (or Ctrl-C) to stop the daemon and remove the demo's home.`);
    await new Promise((resolve) => {
      process.stdin.once('data', resolve);
      process.once('SIGINT', resolve);
    });
    process.stdin.pause();
  } else if (consoleUrl) {
    console.log(`\n# The web console was at ${consoleUrl} (run the demo on a terminal to keep it up)`);
  }
} finally {
  try {
    execFileSync(process.execPath, [join(root, 'bin', 'tusk'), 'down'], { env, stdio: 'ignore' });
  } catch {
    // already stopped
  }
  rmSync(home, { recursive: true, force: true });
}
