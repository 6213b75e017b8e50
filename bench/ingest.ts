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
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, median, run, seconds, startDaemon, table, tusk } from './_daemon.js';
import { makeRandomFile } from './_files.js';

const MIB = Number(arg('mib', '1024'));
const RUNS = Number(arg('runs', '3'));
const SIZE = MIB * 1024 * 1024;

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
  for (let r = 0; r < RUNS; r++) {
    const daemon = await startDaemon();
    try {
      await tusk(daemon, ['create', 'repo', 'bench']);
      await run('sync', []);
      put.push(await seconds(() => tusk(daemon, ['put', 'file', 'bench@master:/big.bin', '-f', src])));
      get.push(await seconds(() => tusk(daemon, ['get', 'file', 'bench@master:/big.bin', '-o', out])));
      if ((await stat(out)).size !== SIZE) throw new Error(`get file wrote ${(await stat(out)).size} bytes, expected ${SIZE}`);
      if (r === 0) await run('cmp', [src, out]);
      await rm(out);
    } finally {
      await daemon.stop();
    }
    await run('sync', []);
    const c = await seconds(() => run('cp', [src, dst]));
    const s = await seconds(() => run('sync', [dst]));
    cp.push(c);
    cpSync.push(c + s);
    await rm(dst);
    console.log(`run ${r + 1}: put ${put[r]!.toFixed(2)} s, get ${get[r]!.toFixed(2)} s, cp ${c.toFixed(2)} s, cp + sync ${(c + s).toFixed(2)} s`);
  }
  const mbps = (s: number) => SIZE / 1e6 / s;
  const rows: [string, number][] = [
    ['tusk put file (CLI + daemon, durable commit)', median(put)],
    ['cp (reference; data left in the page cache)', median(cp)],
    ['cp + sync of the copy', median(cpSync)],
    ['tusk get file -o (information)', median(get)],
  ];
  table(['what', 'seconds', 'MB/s'], rows.map(([w, s]) => [w, s.toFixed(2), mbps(s).toFixed(0)]));
  console.log(`runs: ${RUNS} (median shown); ratio = tusk put MB/s / cp MB/s (target >= 0.8); ratio_sync against cp + sync`);
  const t = mbps(median(put));
  console.log(
    `ingest: mib=${MIB} tusk_mbps=${t.toFixed(0)} cp_mbps=${mbps(median(cp)).toFixed(0)} cp_sync_mbps=${mbps(median(cpSync)).toFixed(0)} get_mbps=${mbps(median(get)).toFixed(0)} ratio=${(t / mbps(median(cp))).toFixed(2)} ratio_sync=${(t / mbps(median(cpSync))).toFixed(2)}`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
}
