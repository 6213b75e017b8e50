// `npm run bench -- small-files [--files 100000] [--size 1024] [--runs 3]`
// 100,000 files of 1 KiB (random bytes, 1,000 per folder) put in one commit by
// the real CLI, `tusk put file REPO@master -f DIR -r`, end to end (CLI start,
// reading, the daemon storing chunks, packs, tree and commit, fsyncs
// included), against `git add -A && git commit` of the same folder, measured
// here in turns (tusk, git, tusk, git, ...). Every run starts from nothing: a
// fresh daemon home (so no chunk is deduplicated against an earlier run) and a
// fresh git directory. Both read the folder from the page cache.
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TuskClient } from '../src/client/index.js';
import { arg, median, run, seconds, startDaemon, table, tusk } from './_daemon.js';

const FILES = Number(arg('files', '100000'));
const SIZE = Number(arg('size', '1024'));
const RUNS = Number(arg('runs', '3'));
const PER_DIR = 1000;

async function makeFolder(dir: string): Promise<void> {
  const buf = Buffer.allocUnsafe(SIZE);
  for (let d = 0; d * PER_DIR < FILES; d++) {
    const sub = join(dir, `d${String(d).padStart(4, '0')}`);
    await mkdir(sub, { recursive: true });
    const writes: Promise<void>[] = [];
    for (let i = d * PER_DIR; i < Math.min(FILES, (d + 1) * PER_DIR); i++) {
      randomFillSync(buf);
      writes.push(writeFile(join(sub, `f${String(i).padStart(7, '0')}.bin`), Buffer.from(buf)));
    }
    await Promise.all(writes);
  }
}

async function tuskRun(data: string): Promise<number> {
  const daemon = await startDaemon();
  try {
    await tusk(daemon, ['create', 'repo', 'bench']);
    const s = await seconds(() => tusk(daemon, ['put', 'file', 'bench@master', '-f', data, '-r']));
    const client = new TuskClient(daemon.address);
    try {
      const commit = await client.inspectCommit('bench@master');
      if (commit.fileCount !== FILES || commit.sizeBytes !== FILES * SIZE) {
        throw new Error(`the commit holds ${commit.fileCount} files, ${commit.sizeBytes} bytes; expected ${FILES}, ${FILES * SIZE}`);
      }
    } finally {
      client.close();
    }
    return s;
  } finally {
    await daemon.stop();
  }
}

async function gitRun(data: string, scratch: string, r: number): Promise<number> {
  const gitDir = join(scratch, `git-${r}`);
  // gc.auto=0: no `git gc --auto` detached after the commit (it would still be writing when the directory is removed).
  const env = {
    ...process.env,
    GIT_DIR: gitDir,
    GIT_WORK_TREE: data,
    GIT_AUTHOR_NAME: 'bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'gc.auto',
    GIT_CONFIG_VALUE_0: '0',
  };
  await run('git', ['init', '-q'], { env });
  try {
    return await seconds(() => run('sh', ['-c', 'git add -A && git commit -q -m bench'], { env, cwd: data }));
  } finally {
    await rm(gitDir, { recursive: true, force: true, maxRetries: 5 });
  }
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-small-'));
try {
  const data = join(scratch, 'data');
  console.log(`creating ${FILES} files of ${SIZE} bytes in ${data}`);
  await makeFolder(data);
  const ours: number[] = [];
  const git: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    ours.push(await tuskRun(data));
    git.push(await gitRun(data, scratch, r));
    console.log(`run ${r + 1}: tusk ${ours[r]!.toFixed(2)} s, git ${git[r]!.toFixed(2)} s`);
  }
  const t = median(ours);
  const g = median(git);
  table(
    ['what', 'seconds', 'files/s'],
    [
      ['tusk put file -r (CLI + daemon, one commit)', t.toFixed(2), Math.round(FILES / t)],
      ['git add -A && git commit (reference)', g.toFixed(2), Math.round(FILES / g)],
    ],
  );
  console.log(`runs: ${RUNS} (median shown); ratio = git seconds / tusk seconds (how many times faster tusk is; target >= 3, as issue 19 sets it)`);
  console.log(`small-files: files=${FILES} size=${SIZE} tusk_s=${t.toFixed(2)} git_s=${g.toFixed(2)} ratio=${(g / t).toFixed(2)}`);
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
