// `npm run bench -- experiment [--datums 10000] [--changed-pct 1]`
// A two-stage DAG (files → copy → recopy, glob /* over N tiny files) run in
// full on master; then an experiment: `create branch files@exp --head master`
// and one commit on exp changing 1% of the files. The experiment runs the whole
// DAG on exp and must recompute exactly the changed datums at each stage,
// reusing every other result from master's runs; its wall time (from the put
// to the last stage's output commit) is printed beside the full run's
// (target: <= 3% of it plus a fixed overhead).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PpsClient, TuskClient } from '../src/client/index.js';
import { arg, startDaemon, table, tusk } from './_daemon.js';
import { copySpec, finished, firstJob, jobMs, loadRepo, tinyFiles } from './_pipelines.js';

const N = Number(arg('datums', '10000'));
const PCT = Number(arg('changed-pct', '1'));
const changedCount = Math.max(1, Math.round((N * PCT) / 100));
const files = await tinyFiles(N);
const changedDir = await mkdtemp(join(tmpdir(), 'tusk-bench-exp-'));
const daemon = await startDaemon();
const pps = new PpsClient(daemon.address);
const pfs = new TuskClient(daemon.address);
try {
  await loadRepo(daemon, files.dir);
  const stage1 = await firstJob(daemon, copySpec('copy'), 'copy');
  const recopy = JSON.stringify({ pipeline: { name: 'recopy' }, input: { pfs: { repo: 'copy', glob: '/*' } }, transform: { cmd: ['sh', '-c', 'cp "$copy" /pfs/out/'] } });
  const stage2 = await firstJob(daemon, recopy, 'recopy');
  const fullMs = jobMs(stage1) + jobMs(stage2);

  // Every (N / changed)-th file gets new content, spread over the whole repo.
  const step = Math.floor(N / changedCount);
  const changed = Array.from({ length: changedCount }, (_, i) => files.names[i * step]!);
  for (const name of changed) await writeFile(join(changedDir, name), `changed ${name}\n`);

  const branchStart = performance.now();
  await tusk(daemon, ['create', 'branch', 'files@exp', '--head', 'master']);
  const branchMs = performance.now() - branchStart;
  const start = performance.now();
  const id = (await tusk(daemon, ['put', 'file', 'files@exp:/', '-f', changedDir, '-r'])).trim();
  await pfs.waitCommit(`recopy@${id}`);
  const experimentMs = performance.now() - start;
  const exp1 = await finished(pps, 'copy', id);
  const exp2 = await finished(pps, 'recopy', id);
  for (const [stage, job] of [['copy', exp1], ['recopy', exp2]] as const) {
    if (job.datums!.processed !== changedCount || job.datums!.skipped !== N - changedCount) {
      throw new Error(`${stage} on exp: expected ${changedCount} datums run and ${N - changedCount} reused, got ${JSON.stringify(job.datums)}`);
    }
  }
  const master = await pfs.inspectCommit('recopy@master');
  if (master.id === id) throw new Error('the experiment moved master');
  const share = (100 * experimentMs) / fullMs;
  table(
    ['run', 'datums run (stage 1 + 2)', 'datums reused', 'wall ms'],
    [
      ['full run on master', stage1.datums!.processed + stage2.datums!.processed, stage1.datums!.skipped + stage2.datums!.skipped, fullMs],
      [`experiment on exp (${changedCount} files changed)`, exp1.datums!.processed + exp2.datums!.processed, exp1.datums!.skipped + exp2.datums!.skipped, Math.round(experimentMs)],
      ['  of which: create branch (CLI)', '', '', Math.round(branchMs)],
      ['  of which: jobs copy + recopy', '', '', jobMs(exp1) + jobMs(exp2)],
    ],
  );
  console.log(
    `experiment: datums=${N} changed=${changedCount} full_ms=${fullMs} experiment_ms=${Math.round(experimentMs)} jobs_ms=${jobMs(exp1) + jobMs(exp2)} ` +
      `run_stage1=${exp1.datums!.processed} run_stage2=${exp2.datums!.processed} reused=${exp1.datums!.skipped + exp2.datums!.skipped} ` +
      `branch_ms=${Math.round(branchMs)} share_pct=${share.toFixed(2)} target_pct=${PCT * 3}`,
  );
} finally {
  pps.close();
  pfs.close();
  await daemon.stop();
  await files.cleanup();
  await rm(changedDir, { recursive: true, force: true });
}
