// The daemon reads a file a caller names only for a caller that proves it
// runs as the daemon's user; anything else is refused before a byte is read.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, mkdtemp, mkdir, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alignedBytes } from '../storage/aligned-memory.js';
import { writeDirect } from './direct-output.js';
import { checkProof, openLocalFile, openLocalOutput, writeLocalOutput } from './local-file.js';

let dir: string;
/** What the CLI makes (src/client/local-proof.ts): a nonce in a file only its owner may read. */
let proof: { proof: string; nonce: string };
let source: string;
/** Whether the temp directory's file system takes direct I/O (ext4 does; then large outputs must use it). */
let directIo: boolean;
const bytes = randomBytes(10 * 1024 * 1024 + 17); // more than two read buffers, not a multiple of them

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tusk-proof-')); // as the CLI makes it: private, directly in the temp directory
  proof = { proof: join(dir, 'proof'), nonce: randomBytes(24).toString('hex') };
  await writeFile(proof.proof, proof.nonce, { mode: 0o600 });
  source = join(dir, 'data.bin');
  await writeFile(source, bytes);
  directIo = await open(source, constants.O_RDONLY | constants.O_DIRECT).then(
    (fh) => fh.close().then(() => true),
    () => false,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(data: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of data) parts.push(Buffer.from(p)); // pieces are reused buffers: copy
  return Buffer.concat(parts);
}

const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const refused = (reason: RegExp) => expect.objectContaining({ code: 'LocalFileRefused', message: expect.stringMatching(reason) });

/** `bytes` in pieces of `sizes`, all in one buffer that is overwritten once the consumer asks for the next (as readReusing does). */
async function* reusing(sizes: number[]): AsyncGenerator<Uint8Array> {
  const reused = Buffer.alloc(Math.max(...sizes));
  let at = 0;
  for (const n of sizes) {
    reused.set(bytes.subarray(at, at + n));
    yield reused.subarray(0, n);
    reused.fill(0xee); // the next read lands here
    at += n;
  }
}

describe('the local file path', () => {
  it('reads the named file whole for a caller with a valid proof', async () => {
    const got = await readAll(await openLocalFile({ path: '/d.bin', append: false, source, proof: proof.proof, nonce: proof.nonce }));
    expect(got.equals(bytes)).toBe(true);
  });

  it('fills the content store\'s buffers with the named file, a full buffer per read until the end', async () => {
    const file = await openLocalFile({ path: '/d.bin', append: false, source, proof: proof.proof, nonce: proof.nonce });
    const got: Buffer[] = [];
    const target = new Uint8Array(3 * 1024 * 1024 + 17);
    for (;;) {
      const n = await file.fill(target);
      if (n === 0) break;
      if (got.length * target.length + n < bytes.length) expect(n).toBe(target.length);
      got.push(Buffer.from(target.subarray(0, n)));
    }
    await file.close();
    await file.close(); // twice is harmless
    expect(Buffer.concat(got).equals(bytes)).toBe(true);
  });

  it('refuses a missing proof, a wrong nonce and a proof of another user', async () => {
    await expect(checkProof(join(dir, 'nope'), proof.nonce)).rejects.toEqual(refused(/cannot open the proof/));
    await expect(checkProof(proof.proof, 'x'.repeat(proof.nonce.length))).rejects.toEqual(refused(/does not hold the nonce/));
    await expect(checkProof(proof.proof, proof.nonce, process.getuid!() + 1)).rejects.toEqual(refused(/owned by another user/));
  });

  it('refuses a proof others may read, a proof reached through a link, and a short nonce', async () => {
    const open = join(dir, 'open-proof');
    await writeFile(open, proof.nonce);
    await chmod(open, 0o644);
    await expect(checkProof(open, proof.nonce)).rejects.toEqual(refused(/readable by other users/));
    const link = join(dir, 'link-proof');
    await symlink(proof.proof, link);
    await expect(checkProof(link, proof.nonce)).rejects.toEqual(refused(/cannot open the proof/));
    await expect(checkProof(proof.proof, 'abc')).rejects.toEqual(refused(/too short/));
  });

  it('refuses a valid-looking proof outside a private tusk-proof- folder of the temp directory (as sandboxed code could write into /pfs/out)', async () => {
    await mkdir(join(dir, 'pfs', 'out'), { recursive: true, mode: 0o700 });
    const deep = join(dir, 'pfs', 'out', 'proof');
    await writeFile(deep, proof.nonce, { mode: 0o600 });
    await expect(checkProof(deep, proof.nonce)).rejects.toEqual(refused(/not in a tusk-proof- folder/));
    await expect(checkProof(proof.proof, proof.nonce, process.getuid!(), join(dir, 'elsewhere'))).rejects.toEqual(refused(/not in a tusk-proof- folder/));
    await chmod(dir, 0o755);
    try {
      await expect(checkProof(proof.proof, proof.nonce)).rejects.toEqual(refused(/folder is not private/));
    } finally {
      await chmod(dir, 0o700);
    }
    await expect(checkProof(proof.proof, proof.nonce)).resolves.toBeUndefined();
  });

  it('refuses a relative source, a folder and a named pipe without blocking', async () => {
    const req = (src: string) => ({ path: '/x', append: false, source: src, proof: proof.proof, nonce: proof.nonce });
    await expect(openLocalFile(req('data.bin'))).rejects.toEqual(refused(/not absolute/));
    await mkdir(join(dir, 'sub'));
    await expect(openLocalFile(req(join(dir, 'sub')))).rejects.toEqual(refused(/not a regular file/));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(openLocalFile(req(join(dir, 'fifo')))).rejects.toEqual(refused(/not a regular file/));
    await expect(openLocalFile(req(join(dir, 'missing')))).rejects.toEqual(refused(/ENOENT/));
  });

  it('writes a file into an existing output and refuses one reached through a link', async () => {
    const out = join(dir, 'out.bin');
    await writeFile(out, 'old content, longer than nothing');
    const n = await writeLocalOutput(await openLocalOutput({ path: out, proof: proof.proof, nonce: proof.nonce }), [bytes.subarray(0, 5), bytes.subarray(5)]);
    expect(n).toBe(bytes.length);
    expect((await readFile(out)).equals(bytes)).toBe(true);
    // A source that reuses one buffer for every piece (as the content store's readReusing does): each piece must be
    // written before the next is asked for. Small pieces (gathered) and large ones (written as they are), mixed.
    const sizes = [1, 70_000, 3 * 1024 * 1024, 10, 2 * 1024 * 1024 + 5, 900_000, 900_000, 4321];
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(await writeLocalOutput(await openLocalOutput({ path: out, proof: proof.proof, nonce: proof.nonce }), reusing(sizes))).toBe(total);
    expect((await readFile(out)).equals(bytes.subarray(0, total))).toBe(true);
    const link = join(dir, 'out-link');
    await symlink(out, link);
    await expect(openLocalOutput({ path: link, proof: proof.proof, nonce: proof.nonce })).rejects.toEqual(refused(/cannot open the output/));
    await expect(openLocalOutput({ path: out, proof: proof.proof, nonce: 'y'.repeat(48) })).rejects.toEqual(refused(/nonce/));
  });

  it('writes a large output with direct I/O (where the file system has it): the same bytes, the exact size, also for a whole number of stages', async () => {
    const req = { path: join(dir, 'direct.bin'), proof: proof.proof, nonce: proof.nonce };
    for (const sizes of [[1, 70_000, 3 * 1024 * 1024, 10, 5 * 1024 * 1024 + 5, 1_000_000], [8 * 1024 * 1024], [4 * 1024 * 1024, 4 * 1024 * 1024 + 4096]]) {
      const total = sizes.reduce((a, b) => a + b, 0);
      await writeFile(req.path, Buffer.alloc(total + 100_000, 1)); // longer than what comes: truncated
      const output = await openLocalOutput(req, total);
      expect(output.direct).toBe(directIo);
      expect(await writeLocalOutput(output, reusing(sizes))).toBe(total);
      const got = await readFile(req.path);
      expect(got.length).toBe(total);
      expect(got.equals(bytes.subarray(0, total))).toBe(true);
    }
    expect((await openLocalOutput(req, 1000).then(async (o) => (await o.fh.close(), o))).direct).toBe(false); // small: through the page cache
  });

  it('writes large pieces lying at their output offset in page-aligned memory from where they lie (no copy), all others through the stage', async () => {
    // As the content store lays out what it reads for a local output: `at` places a piece at its output offset
    // modulo 4096 in page-aligned memory; `off` one byte off that; `plain` in an ordinary Buffer.
    const pieces: [kind: 'at' | 'off' | 'plain', size: number][] = [
      ['at', 3 * 1024 * 1024 + 123],
      ['plain', 10],
      ['at', 2 * 1024 * 1024 + 7], // starts mid-block: its head completes the staged block
      ['off', 1_500_000],
      ['at', 1024 * 1024 + 5000],
      ['at', 4000], // too small to write on its own
      ['at', 1_200_000],
    ];
    const memory = alignedBytes(4 * 1024 * 1024 + 8192);
    const eligible: [from: number, to: number][] = []; // output ranges of the large `at` pieces' whole blocks
    async function* source(): AsyncGenerator<Uint8Array> {
      let at = 0;
      for (const [kind, size] of pieces) {
        const offset = (at % 4096) + (kind === 'off' ? 1 : 4096);
        memory.set(bytes.subarray(at, at + size), offset);
        if (kind === 'at' && size > 1024 * 1024 + 4096) eligible.push([Math.ceil(at / 4096) * 4096, at + size]);
        yield kind === 'plain' ? Buffer.from(bytes.subarray(at, at + size)) : memory.subarray(offset, offset + size);
        memory.fill(0xee); // the next read lands here
        at += size;
      }
    }
    const total = pieces.reduce((a, [, n]) => a + n, 0);
    const path = join(dir, 'in-place.bin');
    await writeFile(path, Buffer.alloc(total + 5000, 1));
    const fh = await open(path, constants.O_WRONLY | (directIo ? constants.O_DIRECT : 0));
    const inPlace: number[] = []; // file offsets of the writes straight from `memory`
    const joined: number[] = []; // file offsets of single writes of a joining block and the in-place bytes after it
    const watched = new Proxy(fh, {
      get: (target, name) =>
        name === 'write'
          ? (buf: Uint8Array, offset: number, length: number, position: number) => {
              if (buf.buffer === memory.buffer) inPlace.push(position);
              return target.write(buf, offset, length, position);
            }
          : name === 'writev'
            ? (buffers: Uint8Array[], position: number) => {
                let at = position;
                for (const buf of buffers) {
                  if (buf.buffer === memory.buffer) inPlace.push(at);
                  at += buf.length;
                }
                if (buffers.length === 2 && buffers[0]!.length === 4096 && buffers[1]!.buffer === memory.buffer) joined.push(position + 4096);
                return target.writev(buffers, position);
              }
            : Reflect.get(target, name, target),
    });
    try {
      expect(await writeDirect(watched, source())).toBe(total);
    } finally {
      await fh.close();
    }
    const got = await readFile(path);
    expect(got.length).toBe(total);
    expect(got.equals(bytes.subarray(0, total))).toBe(true);
    // The four large `at` pieces went out from memory (in parts), each from its first whole block; nothing else did.
    expect(eligible.length).toBe(4);
    for (const [from] of eligible) expect(inPlace).toContain(from);
    expect(inPlace.filter((p) => p % 4096 !== 0 || !eligible.some(([from, to]) => p >= from && p < to))).toEqual([]);
    // The second starts mid-block after small staged pieces: the block they complete goes in the same write as its whole blocks.
    expect(joined).toContain(eligible[1]![0]);
  });

  it('finishes a joining block and piece whose one write came back short (a full disk freed again) with the bytes left', async () => {
    const memory = alignedBytes(3 * 1024 * 1024);
    const sizes = [100, 2 * 1024 * 1024 + 300]; // the first is staged; the second completes its block and lies in place
    async function* source(): AsyncGenerator<Uint8Array> {
      let at = 0;
      for (const size of sizes) {
        const offset = (at % 4096) + 4096;
        memory.set(bytes.subarray(at, at + size), offset);
        yield memory.subarray(offset, offset + size);
        at += size;
      }
    }
    const total = sizes[0]! + sizes[1]!;
    const path = join(dir, 'short.bin');
    await writeFile(path, '');
    const fh = await open(path, constants.O_WRONLY | (directIo ? constants.O_DIRECT : 0));
    let shortened = 0;
    const watched = new Proxy(fh, {
      get: (target, name) =>
        name === 'writev'
          ? async (buffers: Uint8Array[], position: number) => {
              shortened++;
              // The joining block and the piece's first block only.
              const { bytesWritten } = await target.writev([buffers[0]!, buffers[1]!.subarray(0, 4096)], position);
              return { bytesWritten, buffers };
            }
          : Reflect.get(target, name, target),
    });
    try {
      expect(await writeDirect(watched, source(), { overlap: true })).toBe(total);
    } finally {
      await fh.close();
    }
    expect(shortened).toBe(1);
    expect((await readFile(path)).equals(bytes.subarray(0, total))).toBe(true);
  });

  it('with overlap, issues the writes of an in-place piece while those of the piece before are under way, and lets the source reuse a piece only once they are done', async () => {
    const sizes = [1024 * 1024 + 5000, 2 * 1024 * 1024 + 7, 1_500_000, 1024 * 1024 + 4099, 3000];
    const total = sizes.reduce((a, b) => a + b, 0);
    // Each piece in memory of its own, at its output offset modulo 4096; overwritten once the writer says it is done with it.
    const wrong: number[] = []; // pieces whose promise settled before a write of them did
    async function* source(): AsyncGenerator<Uint8Array, void, PromiseLike<unknown> | undefined> {
      let at = 0;
      for (const [i, size] of sizes.entries()) {
        const memory = alignedBytes(size + 8192);
        const piece = memory.subarray((at % 4096) + 4096, (at % 4096) + 4096 + size);
        piece.set(bytes.subarray(at, at + size));
        const inUse = yield piece;
        void Promise.resolve(inUse).then(() => {
          if (inFlight.some((w) => w.memory === memory.buffer)) wrong.push(i);
          memory.fill(0xee); // read into again
        });
        at += size;
      }
    }
    // Writes complete (in order) only once a later write is issued, or after some turns of the event loop.
    const pending: { memory: ArrayBufferLike; position: number; done: () => void }[] = [];
    // Every write from its call until it returns (the real write, then its wait in `pending`).
    const inFlight: { memory: ArrayBufferLike; position: number; length: number }[] = [];
    const overlapped: number[] = []; // positions of in-place writes issued while an earlier piece's were in flight
    const path = join(dir, 'overlap.bin');
    await writeFile(path, '');
    const fh = await open(path, constants.O_WRONLY | (directIo ? constants.O_DIRECT : 0));
    // Every write, and every writev (a joining block and the piece after it: one write of the piece's memory).
    const write = async <R>(memory: ArrayBufferLike, length: number, position: number, real: () => Promise<R>): Promise<R> => {
      // Seen as it is issued: under load the real write below can outlast an earlier write's wait.
      // In-place writes (the large ones) only: a small block joining two pieces is written beside the later one anyway.
      const inPlace = (w: { memory: ArrayBufferLike; position: number; length: number }) => w.length >= 512 * 1024 && w.memory !== memory && w.position < position;
      if (length >= 512 * 1024 && inFlight.some(inPlace)) overlapped.push(position);
      const self = { memory, position, length };
      inFlight.push(self);
      try {
        const result = await real();
        for (const w of pending.splice(0)) w.done();
        await new Promise<void>((done) => {
          pending.push({ memory, position, done });
          void ticks(30).then(done);
        });
        pending.splice(0, pending.length, ...pending.filter((w) => w.position !== position));
        return result;
      } finally {
        inFlight.splice(inFlight.indexOf(self), 1);
      }
    };
    const watched = new Proxy(fh, {
      get: (target, name) =>
        name === 'write'
          ? (buf: Uint8Array, offset: number, length: number, position: number) => write(buf.buffer, length, position, () => target.write(buf, offset, length, position))
          : name === 'writev'
            ? (buffers: Uint8Array[], position: number) => {
                const length = buffers.reduce((sum, b) => sum + b.length, 0);
                return write(buffers[buffers.length - 1]!.buffer, length, position, () => target.writev(buffers, position));
              }
            : Reflect.get(target, name, target),
    });
    try {
      expect(await writeDirect(watched, source(), { overlap: true })).toBe(total);
    } finally {
      await fh.close();
    }
    const got = await readFile(path);
    expect(got.length).toBe(total);
    expect(got.equals(bytes.subarray(0, total))).toBe(true);
    expect(wrong).toEqual([]);
    expect(overlapped.length).toBeGreaterThan(0);
  });
});
