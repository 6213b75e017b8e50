// `npm run bench -- gc [--files N] [--mib N]`: garbage collection over a local
// object store. A repo `keep` holds N small files (default 100,000 of 1 KiB, in
// 10 commits); a repo `doomed` holds M MiB (default 100) of its own data plus a
// copy of 1,000 of keep's files. The figures: a full collection's time with
// nothing to free (mark over every tree node and chunk, list and read every
// pack index) and its rate in objects checked per second, beside `du -sb` and
// a plain listing of the same store in the same run; then `doomed` is deleted
// and one collection must free its unique bytes (expected: what `inspect repo`
// reports as held only by it) at once.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomFillSync } from 'node:crypto';
import { Pfs } from '../src/pfs/index.js';
import { Collector } from '../src/storage/collector.js';
import { ContentStore } from '../src/storage/content-store.js';
import { FsStore } from '../src/storage/fs-store.js';
import { MemoryMetadataStore } from '../src/storage/memory-metadata-store.js';
import { listAll } from '../src/storage/object-store.js';
import { FileTree } from '../src/tree/index.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100000' }, mib: { type: 'string', default: '100' } } });
const files = Number(values.files);
const mib = Number(values.mib);
const dir = mkdtempSync(join(tmpdir(), 'tusk-bench-gc-'));
const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
const du = () => Number(execFileSync('du', ['-sb', join(dir, 'objects')]).toString().split('\t')[0]);

try {
  const objects = new FsStore(join(dir, 'objects'));
  const content = await ContentStore.open(objects);
  const tree = new FileTree(content.blobs);
  let n = 0;
  const pfs = await Pfs.open({ meta: new MemoryMetadataStore(), content, tree, clock: () => new Date(), random: (b) => Buffer.from(String(++n).padStart(b, '0')).subarray(0, b) });
  const collector = new Collector({ objects, index: content.index, journal: content.journal });
  const gc = (dryRun = false) => collector.run(() => pfs.gc.mark(), { dryRun });

  let t = Date.now();
  await pfs.repos.create('keep');
  const small = (i: number) => Buffer.from(`file ${i} `.padEnd(1024, String.fromCharCode(97 + (i % 26))) + i);
  const perCommit = Math.ceil(files / 10);
  for (let c = 0; c < files; c += perCommit) {
    const up = await pfs.upload('keep@master');
    for (let i = c; i < Math.min(files, c + perCommit); i++) void up.putFile(`/dir${i % 100}/file${i}`, small(i));
    await up.commit();
  }
  await pfs.repos.create('doomed');
  const up = await pfs.upload('doomed@master');
  const block = Buffer.allocUnsafe(1024 * 1024);
  for (let m = 0; m < mib; m++) {
    randomFillSync(block);
    await up.putFile(`/big/part${m}`, Buffer.from(block));
  }
  for (let i = 0; i < Math.min(1000, files); i++) void up.putFile(`/shared/file${i}`, small(i));
  await up.commit();
  await content.blobs.flush();
  const fillSeconds = (Date.now() - t) / 1000;

  const keepUsage = await pfs.gc.usage('keep');
  const doomedUsage = await pfs.gc.usage('doomed');
  const storeBefore = du();

  // Reference walks of the same store, same run.
  t = Date.now();
  du();
  const duMs = Date.now() - t;
  t = Date.now();
  let keys = 0;
  for await (const _ of listAll(objects, '')) keys++;
  const listMs = Date.now() - t;

  // A full collection with nothing to free: mark + list + every pack index.
  const full = await gc();
  const marked = full.entriesScanned;
  const rate = (marked / full.durationMs) * 1000;
  const filesRate = (files / full.durationMs) * 1000; // file entries walked in the mark (each names its chunks)

  await pfs.repos.delete('doomed');
  const dry = await gc(true);
  const freed = await gc();
  const storeAfter = du();
  const shrank = storeBefore - storeAfter;

  console.log('');
  console.log(`store: ${keys} objects, ${mb(storeBefore)} MB (filled in ${fillSeconds.toFixed(1)} s); keep: ${files} files, ${mb(keepUsage.storedBytes)} MB stored; doomed: ${mb(doomedUsage.storedBytes)} MB stored, ${mb(doomedUsage.uniqueBytes)} MB held only by it`);
  console.log(`${''.padEnd(44)} ${'ms'.padStart(8)} ${'objects/s'.padStart(12)}`);
  console.log(`${'tusk gc (nothing to free: mark + sweep plan)'.padEnd(44)} ${String(full.durationMs).padStart(8)} ${rate.toFixed(0).padStart(12)}   (${marked} stored chunks and tree nodes in ${full.packsScanned} packs; ${filesRate.toFixed(0)} file entries/s walked)`);
  console.log(`${'du -sb objects/ (reference)'.padEnd(44)} ${String(duMs).padStart(8)}`);
  console.log(`${'list every object key (reference)'.padEnd(44)} ${String(listMs).padStart(8)}`);
  console.log('');
  console.log(`delete repo doomed, gc --dry-run: would free ${mb(dry.bytesFreed)} MB; gc: freed ${mb(freed.bytesFreed)} MB in ${freed.durationMs} ms (${freed.packsRemoved} packs removed, ${freed.packsRewritten} rewritten); store shrank ${mb(shrank)} MB`);
  console.log(`expected (doomed's unique bytes): ${mb(doomedUsage.uniqueBytes)} MB; freed/expected = ${(shrank / doomedUsage.uniqueBytes).toFixed(3)}`);
  console.log(
    `gc: files=${files} gc_ms=${full.durationMs} objects_per_s=${rate.toFixed(0)} files_per_s=${filesRate.toFixed(0)} du_ms=${duMs} list_ms=${listMs} expected_mb=${mb(doomedUsage.uniqueBytes)} freed_mb=${mb(shrank)} freed_ratio=${(shrank / doomedUsage.uniqueBytes).toFixed(3)}`,
  );
  await content.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
