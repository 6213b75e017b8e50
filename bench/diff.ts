// `npm run bench -- diff [--files 1000000] [--changes 10] [--tries 11]`
// `diff file` between two commits of 1M small files (1,000 a folder) that
// differ in 10 files (5 modified, 3 added, 2 deleted, spread over the tree):
// the daemon's own time for the call (its `tusk-server-ms` trailer, from the
// request to the last diff entry sent) and the gRPC round trip from a client
// in this process, reading every entry. Warm: the daemon that wrote the
// commits (median of --tries); cold: the first diff after restarting the
// daemon on the same home (tree nodes read back from the object store), and
// the same after one unrelated call (a warm process, cold tree nodes).
// The reference: `git diff-tree -r --name-status master~1 master` as a
// process on a git repository of the same files and change (made with git
// fast-import), measured here too.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TuskClient } from '../src/client/index.js';
import type { DiffFileBatch } from '../src/gen/tusk/pfs.js';
import { arg, median, run, seconds, startDaemon, table } from './_daemon.js';
import { changeRepo, changes, fillRepo, gitRepo, timeStream, type CallTime } from './_repos.js';

const FILES = Number(arg('files', '1000000'));
const CHANGES = Number(arg('changes', '10'));
const TRIES = Number(arg('tries', '11'));

function diffOnce(client: TuskClient): Promise<CallTime> {
  return timeStream<DiffFileBatch>(() => client.pfs.diffFile({ newRef: 'bench@master', oldRef: 'bench@master^' })).then((t) => {
    const entries = t.items.reduce((n, b) => n + b.entries.length, 0);
    if (entries !== CHANGES) throw new Error(`diff file found ${entries} changes, expected ${CHANGES}`);
    return t;
  });
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-diff-'));
const home = join(scratch, 'home');
let daemon = await startDaemon({ home });
let client = new TuskClient(daemon.address);
try {
  const c = changes(FILES, CHANGES);
  await client.createRepo('bench');
  const fill = await seconds(async () => {
    await fillRepo(client, 'bench@master', FILES);
    await changeRepo(client, 'bench@master', c);
  });
  const gitDir = join(scratch, 'git');
  const gitFill = await seconds(() => gitRepo(gitDir, FILES, c));
  console.log(`${FILES} files + ${CHANGES} changes: tusk filled in ${fill.toFixed(1)} s, git fast-import in ${gitFill.toFixed(1)} s`);

  const warm: CallTime[] = [];
  const git: number[] = [];
  for (let k = 0; k < TRIES; k++) {
    warm.push(await diffOnce(client));
    git.push((await seconds(() => run('git', ['diff-tree', '-r', '--name-status', 'master~1', 'master'], { cwd: gitDir }))) * 1000);
  }
  client.close();
  await daemon.stop({ keepHome: true });
  daemon = await startDaemon({ home });
  client = new TuskClient(daemon.address);
  const cold = await diffOnce(client);
  // Again on a fresh daemon, after one unrelated call: the process is warm (code compiled, commit records read), the tree nodes are not.
  client.close();
  await daemon.stop({ keepHome: true });
  daemon = await startDaemon({ home });
  client = new TuskClient(daemon.address);
  await client.inspectCommit('bench@master^');
  await client.inspectCommit('bench@master');
  const coldTree = await diffOnce(client);

  const ms = (xs: number[]) => median(xs).toFixed(2);
  const warmServer = warm.map((t) => t.serverMs);
  const warmRtt = warm.map((t) => t.roundTripMs);
  table(
    ['what', 'ms'],
    [
      ['tusk diff, in the daemon, warm', ms(warmServer)],
      ['tusk diff, round trip, warm', ms(warmRtt)],
      ['tusk diff, in the daemon, cold (first after restart)', cold.serverMs.toFixed(2)],
      ['tusk diff, round trip, cold', cold.roundTripMs.toFixed(2)],
      ['tusk diff, in the daemon, cold tree nodes only (after another call)', coldTree.serverMs.toFixed(2)],
      ['git diff-tree -r master~1 master (process)', ms(git)],
    ],
  );
  console.log(`warm: medians of ${TRIES}; ratio = git ms / tusk warm round trip ms`);
  console.log(
    `diff: files=${FILES} changes=${CHANGES} daemon_ms=${ms(warmServer)} rtt_ms=${ms(warmRtt)} cold_daemon_ms=${cold.serverMs.toFixed(2)} cold_rtt_ms=${cold.roundTripMs.toFixed(2)} cold_tree_daemon_ms=${coldTree.serverMs.toFixed(2)} git_ms=${ms(git)} ratio=${(median(git) / median(warmRtt)).toFixed(2)}`,
  );
} finally {
  client.close();
  await daemon.stop();
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
