import { describe, expect, it } from 'vitest';
import { GcJournal } from './gc-journal.js';
import { emptyMark, planSweep, type PackSummary } from './gc-plan.js';
import type { PackEntry } from './pack-format.js';

const h = (n: number) => n.toString(16).padStart(64, '0');
function entry(pack: string, n: number, size: number, kind: 'chunk' | 'blob' = 'chunk'): PackEntry {
  return { kind, key: kind === 'chunk' ? h(n) : `blob${n}`, ref: { hash: h(n), pack, offset: 0, size } };
}
function pack(id: string, entries: PackEntry[]): PackSummary {
  return { pack: id, bytes: entries.reduce((n, e) => n + e.ref.size, 0) + 100, entries };
}

describe('planSweep', () => {
  it('removes dead packs, rewrites mostly dead ones, keeps the rest and every protected one', () => {
    const mark = emptyMark();
    mark.chunks.add(h(2)).add(h(3)).add(h(5));
    mark.blobs.add('blob7');
    const packs = [
      pack('dead', [entry('dead', 1, 500), entry('dead', 9, 10, 'blob')]),
      pack('mostlyDead', [entry('mostlyDead', 2, 100), entry('mostlyDead', 4, 900)]),
      pack('mostlyLive', [entry('mostlyLive', 3, 900), entry('mostlyLive', 6, 100)]),
      pack('protectedDead', [entry('protectedDead', 8, 300)]),
      pack('liveBlob', [entry('liveBlob', 7, 50, 'blob')]),
    ];
    const plan = planSweep(packs, mark, new Set(['protectedDead']), 0.5);
    expect(plan.remove.map((p) => p.pack)).toEqual(['dead']);
    expect(plan.rewrite.map((p) => p.pack)).toEqual(['mostlyDead']);
    expect(plan.copy.map((e) => e.key)).toEqual([h(2)]);
    expect(plan.kept).toBe(3);
    expect(plan.protectedKept).toBe(1);
    expect(plan.bytesRemoved).toBe(packs[0]!.bytes + packs[1]!.bytes);
    expect(plan.bytesCopied).toBe(100);
  });

  it('copies a live entry a kept pack also holds only once, and not at all when kept elsewhere', () => {
    const mark = emptyMark();
    mark.chunks.add(h(1)).add(h(2));
    const packs = [
      pack('a', [entry('a', 1, 10), entry('a', 9, 990)]),
      pack('b', [entry('b', 1, 10), entry('b', 2, 10), entry('b', 8, 980)]),
      pack('kept', [entry('kept', 2, 10)]),
    ];
    const plan = planSweep(packs, mark, new Set(), 0.5);
    expect(plan.rewrite.map((p) => p.pack)).toEqual(['a', 'b']);
    expect(plan.copy.map((e) => e.key)).toEqual([h(1)]);
    expect(plan.reindex.map((e) => `${e.ref.pack}:${e.key}`)).toEqual([`kept:${h(2)}`]);
  });

  it('threshold 1 never rewrites; threshold 0 rewrites every pack with a dead byte', () => {
    const mark = emptyMark();
    mark.chunks.add(h(1));
    const packs = [pack('p', [entry('p', 1, 999), entry('p', 2, 1)])];
    expect(planSweep(packs, mark, new Set(), 1).rewrite).toHaveLength(0);
    expect(planSweep(packs, mark, new Set(), 0).rewrite).toHaveLength(1);
    expect(planSweep([pack('q', [entry('q', 1, 5)])], mark, new Set(), 0).rewrite).toHaveLength(0);
  });
});

describe('GcJournal', () => {
  it('protects what was touched during the collection, and nothing older when no lease is held', () => {
    const j = new GcJournal();
    j.touch('old');
    const gc = j.begin();
    expect(j.protectedPacks(gc)).toEqual(new Set());
    j.touch('during');
    expect(j.protectedPacks(gc)).toEqual(new Set(['during']));
    expect(j.isProtected('old', gc)).toBe(false);
  });

  it('protects everything touched since the oldest lease in flight began, until it is released', () => {
    const j = new GcJournal();
    j.touch('before');
    const lease = j.lease('upload to a@master');
    j.touch('written');
    j.begin();
    j.touch('meanwhile');
    const gc2 = j.begin();
    expect(j.active()).toEqual(['upload to a@master']);
    expect(j.protectedPacks(gc2)).toEqual(new Set(['before', 'written', 'meanwhile']));
    lease.release();
    lease.release();
    expect(j.active()).toEqual([]);
    const gc3 = j.begin();
    expect(j.protectedPacks(gc3)).toEqual(new Set());
  });

  it('still protects what a lease held when the collection began, after the lease is released mid-run', () => {
    const j = new GcJournal();
    const lease = j.lease('upload to a@master');
    j.touch('written');
    const gc = j.begin();
    lease.release(); // the commit became visible after this collection's mark read the roots
    expect(j.isProtected('written', gc)).toBe(true);
    const next = j.begin();
    expect(j.isProtected('written', next)).toBe(false);
  });
});
