// `npm run bench -- chunking [--mib N] [--runs N]`: write throughput of the
// content store (chunk + hash + pack + store into an FsStore on /tmp) against
// `cp` of the same file on the same disk, both measured here.
//
// Fairness: the source file is read from the page cache by both. Our store
// fsyncs every pack before a session's close() returns (that is its durability
// contract), so the reference is `cp` followed by an fsync of the copy
// (`sync FILE`); plain `cp`, which leaves the data in the page cache, is
// printed for information. Every run starts with `sync` so earlier runs' dirty
// pages do not land on the next one. Each figure is the median of the runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ContentStore } from '../src/storage/content-store.js';
import { FsStore } from '../src/storage/fs-store.js';
import { makeRandomFile, readFile } from './_files.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, runs: { type: 'string', default: '3' } } });
const size = Number(values.mib) * 1024 * 1024;
const runs = Number(values.runs);

function seconds(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** The 1-minute load average: on a shared machine it says how much CPU the runs competed for. */
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbps = (s: number) => size / 1e6 / s;

const dir = mkdtempSync(join(tmpdir(), 'tusk-bench-chunking-'));
try {
  const src = join(dir, 'source.bin');
  const dst = join(dir, 'copy.bin');
  console.log(`creating ${values.mib} MiB of random data in ${dir}`);
  const loadBefore = load();
  await makeRandomFile(src, size);

  const cpPlain: number[] = [];
  const cpSync: number[] = [];
  for (let r = 0; r < runs; r++) {
    rmSync(dst, { force: true });
    execFileSync('sync');
    const copy = seconds(() => execFileSync('cp', [src, dst]));
    const flush = seconds(() => execFileSync('sync', [dst]));
    cpPlain.push(copy);
    cpSync.push(copy + flush);
  }
  rmSync(dst, { force: true });

  const ours: number[] = [];
  const oursCpu: number[] = [];
  let stats: ReturnType<ReturnType<ContentStore['writer']>['stats']> | undefined;
  for (let r = 0; r < runs; r++) {
    const root = join(dir, `store-${r}`);
    if (r > 0) rmSync(join(dir, `store-${r - 1}`), { recursive: true, force: true });
    execFileSync('sync');
    const t = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    const store = await ContentStore.open(new FsStore(root));
    const session = store.writer();
    const content = await session.writeFile(readFile(src));
    await session.close();
    ours.push(Number(process.hrtime.bigint() - t) / 1e9);
    const used = process.cpuUsage(cpu);
    oursCpu.push((used.user + used.system) / 1e6);
    stats = session.stats();
    await store.close();
    if (content.size !== size) throw new Error(`wrote ${content.size} bytes, expected ${size}`);
  }

  const rows: [string, number][] = [
    ['cp (no fsync: data left in the page cache)', median(cpPlain)],
    ['cp + fsync of the copy (reference)', median(cpSync)],
    ['tusk: chunk + sha256 x2 + pack + FsStore (fsync per pack)', median(ours)],
  ];
  console.log('');
  console.log(`${'what'.padEnd(62)} ${'seconds'.padStart(8)} ${'MB/s'.padStart(8)}`);
  for (const [what, s] of rows) console.log(`${what.padEnd(62)} ${s.toFixed(2).padStart(8)} ${mbps(s).toFixed(0).padStart(8)}`);
  console.log('');
  console.log(`runs: ${runs} (median shown); all runs, seconds: cp ${cpPlain.map((s) => s.toFixed(2)).join(' ')}; cp+fsync ${cpSync.map((s) => s.toFixed(2)).join(' ')}; tusk ${ours.map((s) => s.toFixed(2)).join(' ')}`);
  console.log(`tusk CPU time (all threads, user + system) per run: ${oursCpu.map((s) => s.toFixed(1)).join(' ')} s; 1-minute load average before/after: ${loadBefore} / ${load()} on ${cpus().length} cores`);
  if (stats) {
    const chunks = stats.chunksNew + stats.chunksDeduped;
    console.log(`tusk wrote ${chunks} chunks (mean ${(size / chunks / 1024).toFixed(1)} KiB) into ${stats.packs} packs, ${stats.objects} objects, ${(stats.bytesWritten / 1e6).toFixed(1)} MB`);
  }
  const tusk = mbps(median(ours));
  const cp = mbps(median(cpSync));
  console.log(`chunking: tusk_mbps=${tusk.toFixed(0)} cp_mbps=${cp.toFixed(0)} cp_nosync_mbps=${mbps(median(cpPlain)).toFixed(0)} ratio=${(tusk / cp).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
