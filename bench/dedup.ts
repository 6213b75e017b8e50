// `npm run bench -- dedup [--mib N] [--inserts N]`: how much new data a
// slightly changed file costs. N MiB of random data are stored, then a copy
// with 1% of new bytes inserted at 100 random places; the figure is the growth
// of the store on the second write as a share of the first. restic (average
// chunk 1 MiB) backs up the same two files in the same run for reference.
// Also prints object counts: small chunks must not mean many small objects.
import { execFileSync } from 'node:child_process';
import { randomFillSync, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ContentStore } from '../src/storage/content-store.js';
import { FsStore } from '../src/storage/fs-store.js';
import { listAll, type ObjectStore } from '../src/storage/object-store.js';
import { readFile } from './_files.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, inserts: { type: 'string', default: '100' } } });
const size = Number(values.mib) * 1024 * 1024;
const inserts = Number(values.inserts);
const insertSize = Math.round((size * 0.01) / inserts);

/** Writes `original`, then the same bytes with `inserts` random blocks inserted at random places, as `changed`. */
async function makeFiles(original: string, changed: string): Promise<void> {
  const positions = Array.from({ length: inserts }, () => randomInt(0, size + 1)).sort((a, b) => a - b);
  const a = await open(original, 'w');
  const b = await open(changed, 'w');
  const block = Buffer.allocUnsafe(16 << 20);
  const extra = Buffer.allocUnsafe(insertSize);
  let next = 0;
  for (let at = 0; at < size; at += block.length) {
    const n = Math.min(block.length, size - at);
    randomFillSync(block, 0, n);
    await a.write(block, 0, n);
    let from = 0;
    while (next < positions.length && positions[next]! < at + n) {
      const cut = positions[next++]! - at;
      await b.write(block, from, cut - from);
      randomFillSync(extra);
      await b.write(extra);
      from = cut;
    }
    await b.write(block, from, n - from);
  }
  for (; next < positions.length; next++) {
    randomFillSync(extra);
    await b.write(extra);
  }
  await Promise.all([a.sync(), b.sync()]);
  await Promise.all([a.close(), b.close()]);
}

async function objectStats(store: ObjectStore): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const key of listAll(store, '')) {
    objects++;
    bytes += (await store.size(key)) ?? 0;
  }
  return { objects, bytes };
}

function du(path: string): number {
  return Number(execFileSync('du', ['-sb', path], { encoding: 'utf8' }).split('\t')[0]);
}

function countFiles(path: string): number {
  return Number(execFileSync('sh', ['-c', `find "${path}" -type f | wc -l`], { encoding: 'utf8' }).trim());
}

const mb = (n: number) => (n / 1e6).toFixed(1);
const dir = mkdtempSync(join(tmpdir(), 'tusk-bench-dedup-'));
try {
  const original = join(dir, 'original.bin');
  const changed = join(dir, 'changed.bin');
  console.log(`creating ${values.mib} MiB of random data and a copy with ${inserts} inserts of ${insertSize} bytes in ${dir}`);
  await makeFiles(original, changed);

  // Tusk: two write sessions into one FsStore.
  const objects = new FsStore(join(dir, 'tusk'));
  const store = await ContentStore.open(objects);
  let t = Date.now();
  const first = store.writer();
  await first.writeFile(readFile(original));
  await first.close();
  const tuskFirstSeconds = (Date.now() - t) / 1000;
  const afterFirst = await objectStats(objects);
  t = Date.now();
  const second = store.writer();
  await second.writeFile(readFile(changed));
  await second.close();
  const tuskSecondSeconds = (Date.now() - t) / 1000;
  const afterSecond = await objectStats(objects);
  await store.close();
  const tuskNew = afterSecond.bytes - afterFirst.bytes;
  const tuskPct = (100 * tuskNew) / afterFirst.bytes;

  // restic: the same two files backed up under the same path.
  const repo = join(dir, 'restic');
  const data = join(dir, 'data');
  mkdirSync(data);
  const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(dir, 'restic-cache') };
  const restic = (...args: string[]) => execFileSync('restic', ['--repo', repo, '--quiet', ...args], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  restic('init');
  const r0 = du(repo);
  renameSync(original, join(data, 'file.bin'));
  t = Date.now();
  restic('backup', data);
  const resticFirstSeconds = (Date.now() - t) / 1000;
  const r1 = du(repo);
  const resticFirstObjects = countFiles(join(repo, 'data'));
  rmSync(join(data, 'file.bin'));
  renameSync(changed, join(data, 'file.bin'));
  t = Date.now();
  restic('backup', data);
  const resticSecondSeconds = (Date.now() - t) / 1000;
  const r2 = du(repo);
  const resticSecondObjects = countFiles(join(repo, 'data'));
  const resticNew = r2 - r1;
  const resticPct = (100 * resticNew) / (r1 - r0);

  console.log('');
  console.log(`${''.padEnd(34)} ${'first MB'.padStart(10)} ${'new MB'.padStart(10)} ${'new %'.padStart(8)} ${'objects'.padStart(16)} ${'seconds'.padStart(12)}`);
  console.log(
    `${'tusk (64 KiB avg chunks, packs)'.padEnd(34)} ${mb(afterFirst.bytes).padStart(10)} ${mb(tuskNew).padStart(10)} ${tuskPct.toFixed(2).padStart(8)} ` +
      `${`${afterFirst.objects} -> ${afterSecond.objects}`.padStart(16)} ${`${tuskFirstSeconds.toFixed(1)} / ${tuskSecondSeconds.toFixed(1)}`.padStart(12)}`,
  );
  console.log(
    `${'restic 0.14 (1 MiB avg chunks)'.padEnd(34)} ${mb(r1 - r0).padStart(10)} ${mb(resticNew).padStart(10)} ${resticPct.toFixed(2).padStart(8)} ` +
      `${`${resticFirstObjects} -> ${resticSecondObjects}`.padStart(16)} ${`${resticFirstSeconds.toFixed(1)} / ${resticSecondSeconds.toFixed(1)}`.padStart(12)}`,
  );
  console.log('');
  console.log(`inserted: ${mb(inserts * insertSize)} MB (${((100 * inserts * insertSize) / size).toFixed(2)}% of the file); tusk chunks new/deduped on the second write: ${second.stats().chunksNew}/${second.stats().chunksDeduped}`);
  console.log('objects: tusk counts every object (packs + pack indexes); restic counts its data pack files. ratio = tusk new % / restic new % (lower is better, target < 1)');
  console.log(`dedup: tusk_new_pct=${tuskPct.toFixed(2)} restic_new_pct=${resticPct.toFixed(2)} ratio=${(tuskPct / resticPct).toFixed(3)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
