// MeteredStore: what it reports for objects written piece by piece (openWriter), which pack writers use on a local disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsStore } from './fs-store.js';
import { MemoryStore } from './memory-store.js';
import { MeteredStore, type StoreMeter } from './metered-store.js';
import { getBytes } from './object-store.js';

function recorder(): StoreMeter & { requests: [string, boolean][]; written: number; puts: number } {
  return {
    requests: [],
    written: 0,
    puts: 0,
    request(op, ok) { this.requests.push([op, ok]); },
    bytes(direction, n) { if (direction === 'written') this.written += n; },
    objects(op) { if (op === 'put') this.puts++; },
  };
}

describe('MeteredStore', () => {
  it('meters an object written piece by piece as one put of its bytes, and an aborted one as a failed put', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tusk-metered-'));
    try {
      const meter = recorder();
      const store = new MeteredStore(await FsStore.open(dir), meter);
      const writer = await store.openWriter!('a/b');
      await writer.write(Buffer.from('hello '));
      await writer.write(Buffer.from('world'));
      await writer.commit();
      expect(Buffer.from(await getBytes(store, 'a/b')).toString()).toBe('hello world');
      expect(meter).toMatchObject({ written: 11, puts: 1 });
      expect(meter.requests.filter(([op]) => op === 'put')).toEqual([['put', true]]);

      const dropped = await store.openWriter!('a/c');
      await dropped.write(Buffer.from('gone'));
      await dropped.abort();
      expect(await store.exists('a/c')).toBe(false);
      expect(meter).toMatchObject({ written: 15, puts: 1 });
      expect(meter.requests.filter(([op]) => op === 'put')).toEqual([['put', true], ['put', false]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('has no openWriter over a store without one', () => {
    expect(new MeteredStore(new MemoryStore(), recorder()).openWriter).toBeUndefined();
  });
});
