// `npm run bench -- ingest [--mib 1024] [--runs 3]`
// `tusk put file` of one 1 GiB file of random bytes, end to end through the
// daemon (CLI start, read, gRPC, chunking, hashing, packs written and fsynced,
// tree, commit), against `cp` of the same file on the same disk, measured here
// in turns. Our put returns only once the data is durable (fsynced), so `cp`
// followed by `sync` of the copy is printed too; the headline ratio is against
// plain `cp`, as the issue asks. `tusk get file -o` of the same file is timed
// for information, with its output compared byte for byte in the first run.
// Each run uses a fresh daemon home (nothing deduplicated against an earlier
// run); the source file is in the page cache for every reader.
// CPU seconds per GiB (user + system of the daemon, all its threads, and of
// the CLI process; of `cp` and `sync` for the reference) are printed too: on a
// shared machine wall time depends on the load, CPU time much less.
// `--local false` runs the CLI with TUSK_LOCAL_TRANSFER=false (bytes over gRPC).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, cpuOf, cpuOfChildren, loadAverage, median, run, seconds, startDaemon, table, tusk, type BenchDaemon } from './_daemon.js';
import { makeRandomFile } from './_files.js';

const MIB = Number(arg('mib', '1024'));
const RUNS = Number(arg('runs', '3'));
const SIZE = MIB * 1024 * 1024;
const LOCAL = arg('local', 'true') !== 'false';

/** Wall seconds and CPU seconds (daemon + CLI) of one CLI command. */
async function measured(daemon: BenchDaemon, args: string[]): Promise<{ wall: number; cpu: number }> {
  const d0 = cpuOf(daemon.process.pid!);
  const c0 = cpuOfChildren();
  const wall = await seconds(() => tusk(daemon, args));
  return { wall, cpu: cpuOf(daemon.process.pid!) - d0 + cpuOfChildren() - c0 };
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-ingest-'));
try {
  const src = join(scratch, 'source.bin');
  const dst = join(scratch, 'copy.bin');
  const out = join(scratch, 'got.bin');
  console.log(`creating ${MIB} MiB of random data in ${src}`);
  await makeRandomFile(src, SIZE);
  await run('sh', ['-c', 'cat "$1" > /dev/null', 'sh', src]); // into the page cache
  const put: number[] = [];
  const get: number[] = [];
  const cp: number[] = [];
  const cpSync: number[] = [];
  const putCpu: number[] = [];
  const getCpu: number[] = [];
  const cpCpu: number[] = [];
  const loads: string[] = [loadAverage()];
  for (let r = 0; r < RUNS; r++) {
    const daemon = await startDaemon();
    if (!LOCAL) daemon.env.TUSK_LOCAL_TRANSFER = 'false';
    try {
      await tusk(daemon, ['create', 'repo', 'bench']);
      await run('sync', []);
      const p = await measured(daemon, ['put', 'file', 'bench@master:/big.bin', '-f', src]);
      const g = await measured(daemon, ['get', 'file', 'bench@master:/big.bin', '-o', out]);
      put.push(p.wall);
      putCpu.push(p.cpu);
      get.push(g.wall);
      getCpu.push(g.cpu);
      if ((await stat(out)).size !== SIZE) throw new Error(`get file wrote ${(await stat(out)).size} bytes, expected ${SIZE}`);
      if (r === 0) await run('cmp', [src, out]);
      await rm(out);
    } finally {
      await daemon.stop();
    }
    await run('sync', []);
    const c0 = cpuOfChildren();
    const c = await seconds(() => run('cp', [src, dst]));
    const s = await seconds(() => run('sync', [dst]));
    cpCpu.push(cpuOfChildren() - c0);
    loads.push(loadAverage());
    cp.push(c);
    cpSync.push(c + s);
    await rm(dst);
    console.log(`run ${r + 1}: put ${put[r]!.toFixed(2)} s, get ${get[r]!.toFixed(2)} s, cp ${c.toFixed(2)} s, cp + sync ${(c + s).toFixed(2)} s`);
  }
  const mbps = (s: number) => SIZE / 1e6 / s;
  const perGiB = (cpu: number[]) => ((median(cpu) * 1024 ** 3) / SIZE).toFixed(2);
  const rows: [string, number][] = [
    ['tusk put file (CLI + daemon, durable commit)', median(put)],
    ['cp (reference; data left in the page cache)', median(cp)],
    ['cp + sync of the copy', median(cpSync)],
    ['tusk get file -o (information)', median(get)],
  ];
  table(['what', 'seconds', 'MB/s'], rows.map(([w, s]) => [w, s.toFixed(2), mbps(s).toFixed(0)]));
  console.log(`CPU seconds per GiB: put ${perGiB(putCpu)}, get ${perGiB(getCpu)} (daemon + CLI); cp + sync ${perGiB(cpCpu)}. Load average (1 min) during the runs: ${loads.join(', ')}`);
  console.log(`CLI and daemon on this machine: ${LOCAL ? 'files handed over by path (the local fast path)' : 'bytes over gRPC (TUSK_LOCAL_TRANSFER=false)'}`);
  console.log(`runs: ${RUNS} (median shown); ratio = tusk put MB/s / cp MB/s (target >= 0.8); ratio_sync against cp + sync`);
  const t = mbps(median(put));
  console.log(
    `ingest: mib=${MIB} tusk_mbps=${t.toFixed(0)} cp_mbps=${mbps(median(cp)).toFixed(0)} cp_sync_mbps=${mbps(median(cpSync)).toFixed(0)} get_mbps=${mbps(median(get)).toFixed(0)} ratio=${(t / mbps(median(cp))).toFixed(2)} ratio_sync=${(t / mbps(median(cpSync))).toFixed(2)} get_ratio=${(mbps(median(get)) / mbps(median(cp))).toFixed(2)} put_cpu_s_per_gib=${perGiB(putCpu)} get_cpu_s_per_gib=${perGiB(getCpu)} cp_cpu_s_per_gib=${perGiB(cpCpu)} load=${loads[0]}`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
