// `npm run bench -- ingest [--mib 1024] [--runs 3]`
// `tusk put file` of one 1 GiB file of random bytes, end to end through the
// daemon (CLI start, read, gRPC, chunking, hashing, packs written and fsynced,
// tree, commit), against `cp` of the same file on the same disk, measured here
// in turns. Our put returns only once the data is durable (fsynced), so `cp`
// followed by `sync` of the copy is printed too; the headline ratio is against
// plain `cp`, as the issue asks. `tusk get file -o` of the same file is timed
// too, with its output compared byte for byte in the first run; its output is
// fsynced before it is renamed into place, so get_ratio_sync (against `cp` +
// `sync`) compares like with like.
// Each run uses a fresh daemon home (nothing deduplicated against an earlier
// run); the source file is in the page cache for every reader.
// CPU seconds per GiB (user + system of the daemon, all its threads, and of
// the CLI process; of `cp` and `sync` for the reference) are printed too: on a
// shared machine wall time depends on the load, CPU time much less.
// `--local false` runs the CLI with TUSK_LOCAL_TRANSFER=false (bytes over gRPC).
// `--packs cold` drops the daemon's packs from the page cache before `get`
// (GNU dd's `iflag=nocache count=0`, unmeasured), so get reads them from the
// disk, as after a reboot or a put whose pack writes bypass the page cache;
// by default they are still cached from the put.
//
// Equal conditions for every writer: each measured step (`put`, `get -o`, and
// `cp` + `sync` of the reference) starts right after a file of the same size
// was copied and removed (`sync` first, then `cp` and `rm`, none of it
// measured). Why: this VM's balloon device has free page reporting on
// (virtio_balloon feature bit 5), so memory the guest freed more than a few
// seconds ago has been handed back to the host, and touching it again costs
// about 2-3 CPU-seconds per GiB of system time (the page cache of a file being
// written lands in it). Until this was added, the reference ran within a
// second of the `rm` of get's output and the daemon's exit, in memory just
// freed, while put and get wrote into memory returned long before. Measured
// for one daemon's `get -o` of 512 MiB (system CPU-s/GiB): 0.5-0.8 right
// after an `rm`, 2.7-3.2 after the same `rm` and a 4 s wait. The reference
// itself runs exactly as before (the same `cp`, then `sync` of the copy).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, cpuOf, cpuOfChildren, loadAverage, median, run, seconds, startDaemon, table, tusk, TUSK, type BenchDaemon } from './_daemon.js';
import { makeRandomFile } from './_files.js';

const MIB = Number(arg('mib', '1024'));
const RUNS = Number(arg('runs', '3'));
const SIZE = MIB * 1024 * 1024;
const LOCAL = arg('local', 'true') !== 'false';
const COLD_PACKS = arg('packs', 'cached') === 'cold';

/** Drops the daemon's stored files (its packs) from the page cache; they are fsynced, so all of them go. */
async function dropCached(home: string): Promise<void> {
  await run('sh', ['-c', 'find "$1" -type f -path "*pack*" -exec dd iflag=nocache count=0 status=none if={} \\;', 'sh', home]);
}

/**
 * Syncs, then copies `src` to `ballast` and removes it (none of it measured):
 * the next step finds SIZE bytes of memory just freed, as every measured step
 * does (see the head comment).
 */
async function freePages(src: string, ballast: string): Promise<void> {
  await run('sync', []);
  await run('cp', [src, ballast]);
  await rm(ballast);
}

/**
 * Wall seconds and CPU seconds (daemon + CLI) of one CLI command, run as a user runs it: bin/tusk as a program
 * (its shell lines start Node without NODE_EXTRA_CA_CERTS, see bin/tusk), not `node bin/tusk`, which skips
 * them and so parses that CA file at start-up when the environment names one (40-60 ms of CPU and wall time
 * before the command starts; a plaintext daemon never needs it).
 */
async function measured(daemon: BenchDaemon, args: string[]): Promise<{ wall: number; cpu: number }> {
  const d0 = cpuOf(daemon.process.pid!);
  const c0 = cpuOfChildren();
  const wall = await seconds(() => run(TUSK, args, { env: daemon.env }));
  return { wall, cpu: cpuOf(daemon.process.pid!) - d0 + cpuOfChildren() - c0 };
}

const scratch = await mkdtemp(join(tmpdir(), 'tusk-bench-ingest-'));
try {
  const src = join(scratch, 'source.bin');
  const dst = join(scratch, 'copy.bin');
  const out = join(scratch, 'got.bin');
  const ballast = join(scratch, 'ballast.bin');
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
      await freePages(src, ballast);
      const p = await measured(daemon, ['put', 'file', 'bench@master:/big.bin', '-f', src]);
      await freePages(src, ballast);
      if (COLD_PACKS) await dropCached(daemon.home);
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
    await freePages(src, ballast);
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
    ['tusk get file -o (output durable)', median(get)],
  ];
  table(['what', 'seconds', 'MB/s'], rows.map(([w, s]) => [w, s.toFixed(2), mbps(s).toFixed(0)]));
  console.log(`CPU seconds per GiB: put ${perGiB(putCpu)}, get ${perGiB(getCpu)} (daemon + CLI); cp + sync ${perGiB(cpCpu)}. Load average (1 min) during the runs: ${loads.join(', ')}`);
  console.log('each of put, get and cp + sync started right after a copy of the same size was removed (equal page-cache conditions; see bench/ingest.ts)');
  console.log(`CLI and daemon on this machine: ${LOCAL ? 'files handed over by path (the local fast path)' : 'bytes over gRPC (TUSK_LOCAL_TRANSFER=false)'}`);
  console.log(`packs read by get: ${COLD_PACKS ? 'from the disk (dropped from the page cache first: --packs cold)' : 'still in the page cache from the put'}`);
  console.log(`runs: ${RUNS} (median shown); ratio = tusk MB/s / cp MB/s, ratio_sync = tusk MB/s / cp + sync MB/s (targets: put ratio_sync >= 0.6, get ratio_sync >= 0.8)`);
  const t = mbps(median(put));
  console.log(
    `ingest: mib=${MIB} tusk_mbps=${t.toFixed(0)} cp_mbps=${mbps(median(cp)).toFixed(0)} cp_sync_mbps=${mbps(median(cpSync)).toFixed(0)} get_mbps=${mbps(median(get)).toFixed(0)} ratio=${(t / mbps(median(cp))).toFixed(2)} ratio_sync=${(t / mbps(median(cpSync))).toFixed(2)} get_ratio=${(mbps(median(get)) / mbps(median(cp))).toFixed(2)} get_ratio_sync=${(mbps(median(get)) / mbps(median(cpSync))).toFixed(2)} put_cpu_s_per_gib=${perGiB(putCpu)} get_cpu_s_per_gib=${perGiB(getCpu)} cp_cpu_s_per_gib=${perGiB(cpCpu)} load=${loads[0]}`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
