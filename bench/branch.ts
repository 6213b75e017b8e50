// `npm run bench -- branch [--sizes 1000,100000,1000000] [--tries 21]`
// `create branch` on repos of 1k, 100k and 1M small files (1,000 a folder):
// the daemon's own time for the call (its `tusk-server-ms` trailer) and the
// gRPC round trip from a client in this process, median of --tries branches
// per repo, each created at master's head. The reference: `git branch NAME
// master` as a process on a git repository of the same files (made with git
// fast-import), measured here too. A branch is a pointer in both, so both
// should be flat in the number of files; our figure includes the synced
// LevelDB write that makes the branch durable.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TuskClient } from '../src/client/index.js';
import { arg, median, run, seconds, startDaemon, table } from './_daemon.js';
import { fillRepo, gitRepo, timeUnary } from './_repos.js';

const SIZES = arg('sizes', '1000,100000,1000000').split(',').map(Number);
const TRIES = Number(arg('tries', '21'));

const label = (n: number) => (n >= 1e6 ? `${n / 1e6}m` : n >= 1e3 ? `${n / 1e3}k` : String(n));

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-branch-'));
const daemon = await startDaemon();
const client = new TuskClient(daemon.address);
try {
  const rows: (string | number)[][] = [];
  const line: string[] = [];
  const results: { n: number; server: number; rtt: number; git: number }[] = [];
  for (const n of SIZES) {
    const repo = `r${label(n)}`;
    await client.createRepo(repo);
    const fill = await seconds(() => fillRepo(client, `${repo}@master`, n));
    const gitDir = join(scratch, repo);
    const gitFill = await seconds(() => gitRepo(gitDir, n));
    console.log(`${label(n)} files: tusk filled in ${fill.toFixed(1)} s, git fast-import in ${gitFill.toFixed(1)} s`);
    const server: number[] = [];
    const rtt: number[] = [];
    const git: number[] = [];
    for (let k = 0; k < TRIES; k++) {
      const t = await timeUnary((cb) => client.pfs.createBranch({ branch: `${repo}@b${k}`, head: `${repo}@master`, trigger: undefined, removeTrigger: false }, cb));
      server.push(t.serverMs);
      rtt.push(t.roundTripMs);
      git.push((await seconds(() => run('git', ['branch', `b${k}`, 'master'], { cwd: gitDir }))) * 1000);
    }
    const heads = new Set((await client.listBranches(repo)).map((b) => b.head));
    if (heads.size !== 1) throw new Error(`branches of ${repo} point at ${heads.size} different commits`);
    await rm(gitDir, { recursive: true, force: true, maxRetries: 5 });
    results.push({ n, server: median(server), rtt: median(rtt), git: median(git) });
    rows.push([label(n), median(server).toFixed(2), median(rtt).toFixed(2), median(git).toFixed(2)]);
  }
  table(['files', 'tusk in daemon ms', 'tusk round trip ms', 'git branch ms (process)'], rows);
  console.log(`medians of ${TRIES} branches per repo; flat = largest repo's daemon time / smallest's; ratio = git ms / tusk round trip ms at the largest repo`);
  for (const r of results) line.push(`daemon_ms_${label(r.n)}=${r.server.toFixed(2)} rtt_ms_${label(r.n)}=${r.rtt.toFixed(2)} git_ms_${label(r.n)}=${r.git.toFixed(2)}`);
  const first = results[0]!;
  const last = results[results.length - 1]!;
  console.log(`branch: ${line.join(' ')} flat=${(last.server / first.server).toFixed(2)} ratio=${(last.git / last.rtt).toFixed(2)}`);
} finally {
  client.close();
  await daemon.stop();
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
