import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { InlineHasher, WorkerHasher, type Hasher, type HashOp } from './hasher.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.each([
  ['inline', () => new InlineHasher()],
  ['worker thread', () => new WorkerHasher()],
])('%s hasher', (_name, make: () => Hasher) => {
  const hasher = make();
  afterAll(() => hasher.close());

  function buffer(n: number): Uint8Array {
    const buf = new Uint8Array(new SharedArrayBuffer(n));
    buf.set(randomBytes(n));
    return buf;
  }

  it('hashes chunks and streams fed across batches, results in order', async () => {
    const a = buffer(100_000);
    const b = buffer(50_000);
    const s1 = hasher.newStream();
    const s2 = hasher.newStream();
    const first: HashOp[] = [
      { kind: 'update', stream: s1, offset: 0, length: 60_000 },
      { kind: 'chunk', offset: 10, length: 1000 },
      { kind: 'update', stream: s1, offset: 60_000, length: 40_000 },
      { kind: 'digest', stream: s2 },
    ];
    const second: HashOp[] = [
      { kind: 'update', stream: s1, offset: 0, length: 50_000 },
      { kind: 'digest', stream: s1 },
      { kind: 'chunk', offset: 0, length: 0 },
    ];
    const [r1, r2] = await Promise.all([hasher.run(a, first), hasher.run(b, second)]);
    expect(r1).toEqual([sha(a.subarray(10, 1010)), sha(new Uint8Array(0))]);
    expect(r2).toEqual([sha(Buffer.concat([a, b])), sha(new Uint8Array(0))]);
  });

  it('gives chunk and file results back interleaved as asked, over many batches at once', async () => {
    // s1 is a large file (its hash on a thread of its own in the worker hasher), s2 a small one.
    const buf = buffer(3_000_000);
    const batches = Array.from({ length: 6 }, (_, b) => {
      const s1 = hasher.newStream();
      const s2 = hasher.newStream();
      const at = b * 200_000;
      const ops: HashOp[] = [
        { kind: 'chunk', offset: at, length: 70_000 },
        { kind: 'update', stream: s1, offset: at, length: 1_500_000 },
        { kind: 'digest', stream: s1 },
        { kind: 'chunk', offset: at + 1, length: 3 },
        { kind: 'update', stream: s2, offset: at + 2, length: 90_000 },
        { kind: 'chunk', offset: at + 5, length: 100_000 },
        { kind: 'digest', stream: s2 },
      ];
      const want = [sha(buf.subarray(at, at + 70_000)), sha(buf.subarray(at, at + 1_500_000)), sha(buf.subarray(at + 1, at + 4)), sha(buf.subarray(at + 5, at + 100_005)), sha(buf.subarray(at + 2, at + 90_002))];
      return { ops, want };
    });
    const got = await Promise.all(batches.map(({ ops }) => hasher.run(buf, ops)));
    expect(got).toEqual(batches.map(({ want }) => want));
    // A large file fed across batches: its hash stays on the thread it started on.
    const big = hasher.newStream();
    const parts = [hasher.run(buf, [{ kind: 'update', stream: big, offset: 0, length: 1_200_000 }, { kind: 'chunk', offset: 9, length: 9 }])];
    parts.push(hasher.run(buf, [{ kind: 'update', stream: big, offset: 1_200_000, length: 1_800_000 }, { kind: 'digest', stream: big }]));
    expect(await Promise.all(parts)).toEqual([[sha(buf.subarray(9, 18))], [sha(buf)]]);
  });

  it('hashes md5 streams beside sha256 ones: small, large across batches, and never fed', async () => {
    const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
    const buf = buffer(3_000_000);
    const small = hasher.newStream();
    const big = hasher.newStream();
    const bigSha = hasher.newStream();
    const empty = hasher.newStream();
    const first = hasher.run(buf, [
      { kind: 'update', stream: small, offset: 3, length: 5000, algo: 'md5' },
      { kind: 'digest', stream: small, algo: 'md5' },
      { kind: 'update', stream: bigSha, offset: 0, length: 1_500_000 },
      { kind: 'update', stream: big, offset: 0, length: 1_500_000, algo: 'md5' },
      { kind: 'chunk', offset: 1, length: 100 },
      { kind: 'digest', stream: empty, algo: 'md5' },
    ]);
    const second = hasher.run(buf, [
      { kind: 'update', stream: big, offset: 1_500_000, length: 1_500_000, algo: 'md5' },
      { kind: 'update', stream: bigSha, offset: 1_500_000, length: 1_500_000 },
      { kind: 'digest', stream: bigSha },
      { kind: 'digest', stream: big, algo: 'md5' },
    ]);
    expect(await Promise.all([first, second])).toEqual([
      [md5(buf.subarray(3, 5003)), sha(buf.subarray(1, 101)), 'd41d8cd98f00b204e9800998ecf8427e'],
      [sha(buf), md5(buf)],
    ]);
  });

  it('verifies spans, results in order: small and large batches, many at once, also beside a large file on the threads', async () => {
    const buf = buffer(6_000_000);
    // Spans of uneven sizes, back to back with gaps and overlaps, as a read's groups of chunks.
    const spans = (at: number, sizes: number[]) => sizes.map((length, i) => ({ offset: at + i * 1000 + sizes.slice(0, i).reduce((a, b) => a + b, 0) / 2, length }));
    const batches = [spans(0, [1_000_000, 700_000, 1_300_000, 900_000]), spans(10, [5]), spans(3, [2_500_000, 1]), spans(7, [1, 2_400_000]), spans(0, [])];
    const want = batches.map((b) => b.map(({ offset, length }) => sha(buf.subarray(offset, offset + length))));
    expect(await Promise.all(batches.map((b) => hasher.verify(buf, b)))).toEqual(want);
    expect(await Promise.all(batches.map((b) => hasher.verify(buf, b)))).toEqual(want); // the second thread is up by now, or soon
    const big = hasher.newStream();
    const fed = hasher.run(buf, [{ kind: 'update', stream: big, offset: 0, length: 2_000_000 }]);
    const during = Promise.all(batches.map((b) => hasher.verify(buf, b)));
    const digest = hasher.run(buf, [{ kind: 'update', stream: big, offset: 2_000_000, length: 4_000_000 }, { kind: 'digest', stream: big }]);
    expect(await Promise.all([fed, during, digest])).toEqual([[], want, [sha(buf)]]);
  });
});

describe('worker hasher', () => {
  it('hashes small self-contained batches inline without disturbing streams on the worker', async () => {
    const hasher = new WorkerHasher();
    const buf = new Uint8Array(new SharedArrayBuffer(300_000));
    buf.set(randomBytes(buf.length));
    const big = hasher.newStream();
    const small = hasher.newStream();
    const results = await Promise.all([
      hasher.run(buf, [{ kind: 'update', stream: big, offset: 0, length: 200_000 }]),
      hasher.run(buf, [{ kind: 'update', stream: small, offset: 5, length: 1000 }, { kind: 'digest', stream: small }, { kind: 'chunk', offset: 7, length: 10 }]),
      hasher.run(buf, [{ kind: 'update', stream: big, offset: 200_000, length: 10 }, { kind: 'digest', stream: big }]),
    ]);
    expect(results).toEqual([[], [sha(buf.subarray(5, 1005)), sha(buf.subarray(7, 17))], [sha(buf.subarray(0, 200_010))]]);
    await hasher.close();
  });


  it('refuses memory it cannot share', async () => {
    const hasher = new WorkerHasher();
    await expect(hasher.run(new Uint8Array(4), [{ kind: 'chunk', offset: 0, length: 4 }])).rejects.toThrow(TypeError);
    await hasher.close();
  });
});
