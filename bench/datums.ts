// `npm run bench -- datums [--datums 10000]`
// A job of N trivial datums through the real daemon, workers and sidecars:
// glob /* over N tiny files, each datum's cmd copies its file to /pfs/out
// (run in the worker's bubblewrap sandbox). Its wall time per datum (from the
// job's creation to its output commit being finished: planning, fetching
// inputs, the runs, uploads, reports and the output merge) against
// `xargs -n1 sh -c 'cp ...'` spawning the same command N times in the same
// run. Then the same job with transform.datum_batching: one Node process loops
// over the datums on the worker socket (Pachyderm's `pachctl next datum`).
import { join } from 'node:path';
import { ROOT, arg, startDaemon, table } from './_daemon.js';
import { copySpec, firstJob, jobMs, loadRepo, tinyFiles, xargsPerDatum } from './_pipelines.js';

const N = Number(arg('datums', '10000'));
const files = await tinyFiles(N);
const daemon = await startDaemon();
try {
  await loadRepo(daemon, files.dir);
  const plain = await firstJob(daemon, copySpec('copy'), 'copy');
  if (plain.datums!.processed !== N) throw new Error(`expected ${N} datums processed, got ${JSON.stringify(plain.datums)}`);
  const xargs = await xargsPerDatum(files.dir, files.names);
  const loop = `import('${join(ROOT, 'dist/worker/next-datum-client.js')}').then(async ({ NextDatumClient }) => {
    const fs = require('node:fs');
    const datums = await NextDatumClient.connect();
    for (;;) { const env = await datums.next(); fs.copyFileSync(env.files, '/pfs/out/' + env.files.split('/').pop()); }
  })`;
  const batched = await firstJob(daemon, copySpec('copyb', { cmd: ['node', '-e', loop], datum_batching: true }), 'copyb');
  const perDatum = jobMs(plain) / N;
  const perBatched = jobMs(batched) / N;
  table(
    ['run', 'datums', 'total s', 'ms/datum'],
    [
      ['tusk job, one process per datum (sandboxed)', N, (jobMs(plain) / 1000).toFixed(1), perDatum.toFixed(2)],
      ['xargs -n1 sh -c cp (reference)', N, ((xargs * N) / 1000).toFixed(1), xargs.toFixed(2)],
      ['tusk job, datum_batching (Node loop)', N, (jobMs(batched) / 1000).toFixed(1), perBatched.toFixed(3)],
    ],
  );
  console.log('ratio = tusk ms/datum ÷ xargs ms/datum (target <= 1.5); batching target <= 0.3 ms/datum');
  console.log(`datums: datums=${N} tusk_ms_per_datum=${perDatum.toFixed(2)} xargs_ms_per_datum=${xargs.toFixed(2)} ratio=${(perDatum / xargs).toFixed(2)} batching_ms_per_datum=${perBatched.toFixed(3)}`);
} finally {
  await daemon.stop();
  await files.cleanup();
}
