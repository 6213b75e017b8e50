// `npm run bench -- worker [--datums 1000] [--cli-datums 20] [--runs 2]`
// Per-datum cost of the real worker and sidecar processes, in isolation from
// the daemon: a fakeCoordinator (test/helpers) serves N trivial datums (one
// tiny file each, cmd `sh -c 'cp "$in" /pfs/out/'`), timed from handing the
// tasks over until N results are reported — fetching inputs, the sandboxed run,
// uploading outputs and reporting included. Reference, same run: `xargs -n1 sh
// -c 'cp "$0" out/'` over the same N files. Also datum_batching: Node code
// looping on next-datum-client (the worker socket), and shell code looping on
// `eval "$(tusk next datum)"` (one CLI start per datum). The fakeCoordinator
// runs in this process, so its share of the work (serving GetFile,
// PutDatumOutput, Report, NextTasks) is in the figures, as the daemon's would be.
// Also the same datums through a worker pod of the kubernetes runtime's
// workload, run by the STAND-IN kubelet (test/kubernetes): the injected worker
// and the sidecar as a pod's containers, with the pod's volumes and env — what
// a real cluster adds (container runtime, overlay file systems, pod network)
// is not in it.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderWorkload } from '../src/runtime/kubernetes/workload.js';
import { FakeCoordinator, scriptSpec, scriptTask } from '../test/helpers/fake-coordinator.js';
import { bwrapUsable, startWorkerProcesses } from '../test/helpers/worker-processes.js';
import { StandInApiServer } from '../test/kubernetes/stand-in-api-server.js';
import { StandInKubelet } from '../test/kubernetes/stand-in-kubelet.js';
import { ROOT, arg, table } from './_daemon.js';

const DATUMS = Number(arg('datums', '1000'));
const CLI_DATUMS = Number(arg('cli-datums', '20'));
const RUNS = Number(arg('runs', '2'));
const bwrap = bwrapUsable();
const env: Record<string, string> = bwrap === true ? {} : { TUSK_SANDBOX: 'off' };
const OUT = bwrap === true ? '/pfs/out' : '"$TUSK_PFS/out"';
let batchNo = 0;

interface Workers {
  stop(): Promise<unknown>;
  logs(): string;
}

/** The worker of a one-pod workload (the kubernetes runtime's), run by the stand-in kubelet. */
async function podWorkers(address: string, transform: Record<string, unknown>): Promise<Workers> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-bench-pod-'));
  const api = new StandInApiServer();
  await api.start();
  const kubelet = new StandInKubelet({ api, root: dir, packageRoot: ROOT.replace(/\/$/, ''), tuskImage: 'tusk:bench', env });
  await kubelet.start();
  const rc = renderWorkload(scriptSpec({}, { stdin: [], ...transform }), 1, { tuskImage: 'tusk:bench', address, instance: 'bench', namespace: 'bench', replicas: 1 });
  const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/namespaces/bench/replicationcontrollers`, { method: 'POST', body: JSON.stringify(rc) });
  if (res.status !== 201) throw new Error(`stand-in API server: ${res.status}`);
  return {
    async stop() {
      await kubelet.stop();
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
    logs: () => '',
  };
}

/** ms per datum for `n` datums through a worker running `transform` (local processes, or a pod). */
async function throughWorker(transform: Record<string, unknown>, n: number, inPod = false): Promise<number> {
  const fake = await FakeCoordinator.start(scriptSpec({}, { stdin: [], ...transform }));
  const worker: Workers = inPod ? await podWorkers(fake.address, transform) : await startWorkerProcesses(fake.address, { env });
  try {
    const batch = (count: number) => Array.from({ length: count }, (_, i) => scriptTask(fake, `b${++batchNo}-${i}`, `${i}`));
    fake.addTasks(batch(10)); // warm-up: sandbox, connections, JIT
    await fake.waitForResults(10, 60_000);
    const tasks = batch(n);
    const start = performance.now();
    fake.addTasks(tasks);
    const results = await fake.waitForResults(10 + n, 600_000);
    const ms = performance.now() - start;
    const failed = results.filter((r) => !r.success);
    if (failed.length > 0) throw new Error(`${failed.length} datums failed: ${failed[0]!.reason}`);
    return ms / n;
  } catch (err) {
    process.stderr.write(worker.logs().split('\n').slice(-30).join('\n') + '\n');
    throw err;
  } finally {
    await worker.stop();
    await fake.stop();
  }
}

async function xargs(n: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'tusk-bench-xargs-'));
  try {
    await mkdir(join(dir, 'in'));
    await mkdir(join(dir, 'out'));
    const names = Array.from({ length: n }, (_, i) => `f${i}`);
    await Promise.all(names.map((f, i) => writeFile(join(dir, 'in', f), `${i}\n`)));
    const start = performance.now();
    execFileSync('xargs', ['-n1', 'sh', '-c', 'cp "in/$0" out/'], { cwd: dir, input: names.join('\n') });
    return (performance.now() - start) / n;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const plain: number[] = [];
const pod: number[] = [];
const ref: number[] = [];
for (let r = 0; r < RUNS; r++) {
  plain.push(await throughWorker({ cmd: ['sh', '-c', `cp "$in" ${OUT}/`] }, DATUMS));
  pod.push(await throughWorker({ cmd: ['sh', '-c', `cp "$in" ${OUT}/`] }, DATUMS, true));
  ref.push(await xargs(DATUMS));
}
const nodeLoop = `import('${join(ROOT, 'dist/worker/next-datum-client.js')}').then(async ({ NextDatumClient }) => {
  const fs = require('node:fs');
  const datums = await NextDatumClient.connect();
  for (;;) { const env = await datums.next(); fs.copyFileSync(env.in, process.env.TUSK_PFS + '/out/' + env.TUSK_DATUM_ID); }
})`;
const batched = await throughWorker({ cmd: ['node', '-e', nodeLoop], datum_batching: true }, DATUMS);
const cli = await throughWorker({ cmd: ['sh', '-c', `while true; do eval "$(tusk next datum)" || exit 1; cp "$in" ${OUT}/; done`], datum_batching: true }, CLI_DATUMS);

const w = median(plain);
const p = median(pod);
const x = median(ref);
table(
  ['run', 'datums', 'ms/datum'],
  [
    ['worker, one process per datum' + (bwrap === true ? ' (bwrap)' : ' (no sandbox)'), DATUMS, w.toFixed(2)],
    ['worker pod (stand-in kubelet), one process per datum', DATUMS, p.toFixed(2)],
    ['xargs -n1 sh -c cp', DATUMS, x.toFixed(2)],
    ['worker, datum_batching, Node loop on the worker socket', DATUMS, batched.toFixed(3)],
    ['worker, datum_batching, shell loop on `tusk next datum`', CLI_DATUMS, cli.toFixed(1)],
  ],
);
console.log(
  `worker: datums=${DATUMS} sandbox=${bwrap === true ? 'bwrap' : 'off'} worker_ms_per_datum=${w.toFixed(2)} pod_ms_per_datum=${p.toFixed(2)} xargs_ms_per_datum=${x.toFixed(2)} ratio=${(w / x).toFixed(2)} batching_ms_per_datum=${batched.toFixed(3)} cli_loop_ms_per_datum=${cli.toFixed(1)}`,
);
