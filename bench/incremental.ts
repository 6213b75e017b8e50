// `npm run bench -- incremental [--datums 10000]`
// The datums benchmark's pipeline (glob /* over N tiny files, cmd copies the
// file) run in full, then again after one input file changed: the second job
// must run exactly one datum and reuse the rest, and its wall time is printed
// as a share of the full run's (target <= 5%).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PpsClient } from '../src/client/index.js';
import { arg, startDaemon, table, tusk } from './_daemon.js';
import { copySpec, finished, firstJob, jobMs, loadRepo, tinyFiles } from './_pipelines.js';

const N = Number(arg('datums', '10000'));
const files = await tinyFiles(N);
const daemon = await startDaemon();
const pps = new PpsClient(daemon.address);
try {
  await loadRepo(daemon, files.dir);
  const full = await firstJob(daemon, copySpec('copy'), 'copy');
  const changed = join(files.dir, files.names[N >> 1]!);
  await writeFile(changed, 'changed\n');
  const id = (await tusk(daemon, ['put', 'file', `files@master:/${files.names[N >> 1]}`, '-f', changed])).trim();
  const inc = await finished(pps, 'copy', id);
  if (inc.datums!.processed !== 1 || inc.datums!.skipped !== N - 1) throw new Error(`expected 1 datum run and ${N - 1} reused, got ${JSON.stringify(inc.datums)}`);
  const share = (100 * jobMs(inc)) / jobMs(full);
  table(
    ['job', 'datums run', 'datums reused', 'wall ms'],
    [
      ['full run', full.datums!.processed, full.datums!.skipped, jobMs(full)],
      ['after changing 1 file', inc.datums!.processed, inc.datums!.skipped, jobMs(inc)],
    ],
  );
  console.log(`incremental: datums=${N} full_ms=${jobMs(full)} incremental_ms=${jobMs(inc)} run=${inc.datums!.processed} reused=${inc.datums!.skipped} share_pct=${share.toFixed(2)}`);
} finally {
  pps.close();
  await daemon.stop();
  await files.cleanup();
}
