// Reads a file's bytes back from its FileContent, streaming. Slices whose
// chunks lie back to back in one pack (the common case for a big file) are
// fetched with one ranged get of up to `maxGroupBytes`, a few groups ahead of
// the consumer; every chunk is verified against its sha256 before any of its
// bytes are yielded. Recently read chunks of small reads are kept in an LRU,
// so reading many small files that share a chunk fetches it once.
//
// readReusing is the same stream for a consumer that is done with each piece
// before it asks for the next (the daemon writing a local file): groups are
// read into reused buffers and verified on the hash threads, so reading,
// verifying and the consumer's writes run side by side on both cores, and no
// fresh memory is touched per read. A consumer may instead pass a promise to
// next() (still writing the piece): the piece then stays valid until that
// settles, so its writes can overlap those of the next piece (ReusedPieces).
import { CorruptObject, InvalidArgument, isTuskError } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { ByteLru } from './byte-lru.js';
import type { ChunkRef, DataRef, FileContent } from './content.js';
import type { Hasher } from './hasher.js';
import { readRangeInto, type ObjectStore } from './object-store.js';
import { packKey } from './pack-format.js';
import { checkEntry, readEntries, verifyEntry } from './pack-reader.js';
import type { ReadBufferPool } from './read-buffers.js';
import { decodeRefs } from './ref-codec.js';

/** readMany reads single-chunk files of one pack together in spans of at most this many bytes… */
const SPAN_BYTES = 1024 * 1024;
/** …with at most this many unused bytes between two of them. */
const SPAN_GAP_BYTES = 64 * 1024;

export interface ReadRange {
  offset: number;
  length: number;
}

export interface FileReaderOptions {
  /** Bytes of recently read chunks kept in memory (default 32 MiB). */
  cacheBytes?: number;
  /** Ranged gets running ahead of the consumer (default 4). */
  readAhead?: number;
  /** Largest single ranged get (default 8 MiB). */
  maxGroupBytes?: number;
  /**
   * readReusing's first group is at most this large, each next one twice the one before, up to maxGroupBytes
   * (default: maxGroupBytes from the start). A small first group is read and verified sooner, so its consumer
   * starts sooner.
   */
  firstGroupBytes?: number;
  /** Where a chunk is stored now, by its hash: asked when a reference's pack is gone (the collector rewrote it). */
  locate?: (hash: string) => Promise<ChunkRef | undefined>;
}

/** What readReusing reads into and verifies with. */
export interface ReuseOptions {
  /** Buffers to read groups into; readReusing holds at most `readAhead` of them at once. */
  pool: ReadBufferPool;
  /** Verifies the chunks (on its thread, for a WorkerHasher). */
  hasher: Hasher;
}

/**
 * Pieces in reused memory (readReusing). A piece is valid until the consumer
 * asks for the next, or, when it passes a promise to that next() call (it is
 * still writing the piece), until that promise settles. The reader holds at
 * most one group's buffer for such promises: before it hands out the first
 * piece of a group, it waits for those of the group before the previous one.
 * A promise passed must settle without waiting for further pieces.
 */
export type ReusedPieces = AsyncGenerator<Uint8Array, void, PromiseLike<unknown> | undefined>;

/** A group's chunks, verified; `buf` is the pool buffer they are views of, if any. */
interface Filled {
  chunks: Uint8Array[];
  buf?: Uint8Array;
}

/** Chunks fetched together, and the slices of them to yield in order. */
interface Group {
  chunks: ChunkRef[];
  slices: { chunk: number; from: number; to: number }[];
  bytes: number;
  /** Where the first slice goes in the output (bytes after the start of the range). */
  at: number;
}

export class FileReader {
  private readonly cache: ByteLru;
  private readonly readAhead: number;
  private readonly maxGroupBytes: number;
  private readonly firstGroupBytes: number;
  private readonly locate?: (hash: string) => Promise<ChunkRef | undefined>;

  constructor(private readonly objects: ObjectStore, private readonly blobs: BlobStore, options: FileReaderOptions = {}) {
    this.locate = options.locate;
    this.cache = new ByteLru(options.cacheBytes ?? 32 * 1024 * 1024);
    this.readAhead = options.readAhead ?? 4;
    this.maxGroupBytes = options.maxGroupBytes ?? 8 * 1024 * 1024;
    this.firstGroupBytes = Math.min(options.firstGroupBytes ?? this.maxGroupBytes, this.maxGroupBytes);
  }

  /**
   * The file's bytes, or those of `range` (clamped to the file). Throws
   * CorruptObject for damaged or truncated data (before yielding any of it),
   * ObjectNotFound for a missing pack, InvalidArgument for a negative range.
   */
  async *read(content: FileContent, range?: ReadRange): AsyncGenerator<Uint8Array> {
    const [start, end] = bounds(content, range);
    if (start >= end) return;
    const groups = this.groups(content, start, end)[Symbol.asyncIterator]();
    const queue: { group: Group; chunks: Promise<Uint8Array[]> }[] = [];
    let exhausted = false;
    for (;;) {
      while (!exhausted && queue.length < this.readAhead) {
        const next = await groups.next();
        if (next.done) exhausted = true;
        else {
          const chunks = this.fetch(next.value);
          chunks.catch(() => undefined); // observed when its turn comes
          queue.push({ group: next.value, chunks });
        }
      }
      const head = queue.shift();
      if (!head) return;
      const chunks = await head.chunks;
      for (const s of head.group.slices) yield chunks[s.chunk]!.subarray(s.from, s.to);
    }
  }

  /**
   * As read(), but every piece is a view of a reused buffer, valid only until
   * the next piece is asked for: the consumer must be done with a piece (have
   * written it) before it calls next(), or pass next() a promise that settles
   * once it is (see ReusedPieces), and must not keep it. Slices that lie
   * back to back are yielded as one piece (a whole group, for a big file).
   * Groups are read into `reuse.pool`'s buffers up to `readAhead` ahead (one
   * more per group handed out, from one at the start) and
   * verified by `reuse.hasher` while the consumer works on the piece before;
   * with an aligned pool, a group's first piece lies at the same offset modulo
   * `pool.align` in its buffer as in the output (where the range starts at 0);
   * a buffer goes back to the pool only once no read into it is under way and
   * the consumer has moved past it and settled the promises it passed for it,
   * also when it stops early or a read fails.
   * Throws as read(), before yielding any bytes of a damaged chunk.
   */
  async *readReusing(content: FileContent, range: ReadRange | undefined, reuse: ReuseOptions): ReusedPieces {
    const [start, end] = bounds(content, range);
    if (start >= end) return;
    const groups = this.groups(content, start, end, this.firstGroupBytes)[Symbol.asyncIterator]();
    const queue: { group: Group; filled: Promise<Filled> }[] = [];
    const release = (f: Filled | undefined) => f?.buf && reuse.pool.give(f.buf);
    let exhausted = false;
    let handed = 0; // groups handed to the consumer so far
    let held: Filled | undefined;
    let uses: PromiseLike<unknown>[] = []; // the consumer still writes pieces of `held` until these settle
    let lagging: { filled: Filled; uses: PromiseLike<unknown>[] } | undefined; // the group before, likewise
    const settle = async (filled: Filled | undefined, pending: PromiseLike<unknown>[]) => {
      if (pending.length > 0) await Promise.allSettled(pending);
      release(filled);
    };
    try {
      for (;;) {
        // One group more ahead per group handed out, up to readAhead: the first is read (into memory that may be
        // fresh: a daemon's first get faults it in page by page) and verified alone, and the consumer starts sooner.
        while (!exhausted && queue.length < Math.min(this.readAhead, handed + 1)) {
          const next = await groups.next();
          if (next.done) exhausted = true;
          else {
            const filled = this.fill(next.value, reuse);
            filled.catch(() => undefined); // observed when its turn comes
            queue.push({ group: next.value, filled });
          }
        }
        const head = queue.shift();
        if (!head) return;
        held = await head.filled;
        handed++;
        for (const piece of joinedSlices(head.group, held.chunks)) {
          const inUse = yield piece;
          if (inUse) uses.push(inUse);
        }
        // Past this group: the one before must be done with now, before its buffer is read into again.
        if (lagging) await settle(lagging.filled, lagging.uses);
        lagging = undefined;
        if (uses.length > 0) lagging = { filled: held, uses };
        else release(held);
        held = undefined;
        uses = [];
      }
    } finally {
      if (lagging) await settle(lagging.filled, lagging.uses);
      await settle(held, uses);
      for (const { filled } of queue.splice(0)) release(await filled.catch(() => undefined));
    }
  }

  /**
   * Many small files, each whole (one promise per file, which settles as read() of that file would end:
   * its bytes, not to be written to, or its error). Files that are one slice of one chunk (small files
   * written together share chunks) are read by chunk: each chunk once, those near each other in a pack
   * with one ranged get per span of at most SPAN_BYTES, and each verified before any file's promise
   * resolves with its bytes. Any other file is read as read() reads it.
   */
  readMany(contents: readonly FileContent[]): Promise<Uint8Array>[] {
    const out: Promise<Uint8Array>[] = new Array(contents.length);
    const chunks = new Map<string, { ref: ChunkRef; files: number[] }>(); // by pack and offset
    contents.forEach((content, i) => {
      const ref = content.refs?.length === 1 ? content.refs[0]! : undefined;
      if (!ref || ref.length !== content.size || ref.chunk.size > SPAN_BYTES) {
        out[i] = this.readWhole(content);
        return;
      }
      const cached = this.cache.get(ref.chunk.hash);
      if (cached) {
        out[i] = Promise.resolve(cached).then((bytes) => sliceOf(bytes, ref, ref.chunk));
        return;
      }
      const key = `${ref.chunk.pack}/${ref.chunk.offset}`;
      const same = chunks.get(key);
      if (same && same.ref.hash === ref.chunk.hash && same.ref.size === ref.chunk.size) same.files.push(i);
      else if (same) out[i] = this.readWhole(content); // two refs disagree on the chunk there: let read() sort it out
      else chunks.set(key, { ref: ref.chunk, files: [i] });
    });
    const byPack = new Map<string, { ref: ChunkRef; files: number[] }[]>();
    for (const c of chunks.values()) {
      const same = byPack.get(c.ref.pack);
      if (same) same.push(c);
      else byPack.set(c.ref.pack, [c]);
    }
    for (const [pack, list] of byPack) {
      list.sort((a, b) => a.ref.offset - b.ref.offset);
      let from = 0;
      for (let k = 1; k <= list.length; k++) {
        const c = list[k]?.ref;
        const before = list[k - 1]!.ref;
        if (c && c.offset + c.size - list[from]!.ref.offset <= SPAN_BYTES && c.offset - (before.offset + before.size) <= SPAN_GAP_BYTES) continue;
        this.readSpan(pack, list.slice(from, k), contents, out);
        from = k;
      }
    }
    return out;
  }

  /** One ranged get for `list` (chunks of `pack`, in offset order, none overlapping a later one's start); each chunk verified on its own; a pack gone is read per file (readMoved). */
  private readSpan(pack: string, list: { ref: ChunkRef; files: number[] }[], contents: readonly FileContent[], out: Promise<Uint8Array>[]): void {
    const start = list[0]!.ref.offset;
    const end = Math.max(...list.map((c) => c.ref.offset + c.ref.size));
    const span = this.objects.getRange(packKey(pack), start, end - start);
    span.catch(() => undefined); // observed by each file's promise
    for (const { ref, files } of list) {
      const chunk = span.then((bytes) => {
        const at = ref.offset - start;
        const entry = bytes.subarray(Math.min(at, bytes.length), Math.min(at + ref.size, bytes.length));
        verifyEntry(ref, entry);
        this.cache.set(ref.hash, list.length === 1 ? entry : entry.slice()); // alone: the whole buffer; else a copy, so the cache holds no other bytes
        return entry;
      });
      chunk.catch(() => undefined); // observed by each file's promise
      for (const i of files) {
        const slice = contents[i]!.refs![0]!;
        out[i] = chunk.then(
          (entry) => sliceOf(entry, slice, ref),
          (err: unknown) => {
            if (isTuskError(err) && err.code === 'ObjectNotFound') return this.readWhole(contents[i]!);
            throw err;
          },
        );
      }
    }
  }

  /** A file's bytes in one piece (read()). */
  private async readWhole(content: FileContent): Promise<Uint8Array> {
    const pieces: Uint8Array[] = [];
    for await (const p of this.read(content)) pieces.push(p);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  /** Reads a group's chunks into a pool buffer (one ranged read) and verifies them on the hasher. */
  private async fill(group: Group, { pool, hasher }: ReuseOptions): Promise<Filled> {
    const cached = group.chunks.length === 1 ? this.cache.get(group.chunks[0]!.hash) : undefined;
    if (cached) return { chunks: [cached] };
    const first = group.chunks[0]!;
    // Where in the buffer the group goes: so that its first piece lies at its output offset modulo pool.align.
    let lead = mod(group.at - group.slices[0]!.from, pool.align);
    if (lead + group.bytes > pool.size) lead = 0;
    // A group is at most maxGroupBytes, unless one chunk alone is larger: that one gets memory of its own.
    const buf = group.bytes <= pool.size ? pool.take() : new Uint8Array(new SharedArrayBuffer(group.bytes));
    try {
      const got = await readRangeInto(this.objects, packKey(first.pack), first.offset, buf.subarray(lead, lead + group.bytes));
      const starts: number[] = [];
      let at = lead;
      for (const c of group.chunks) {
        starts.push(at);
        at += c.size;
      }
      const whole = group.chunks.filter((c, i) => starts[i]! - lead + c.size <= got).length; // chunks read in full (the rest: a truncated pack)
      const hashes = await hasher.verify(buf, group.chunks.slice(0, whole).map((c, i) => ({ offset: starts[i]!, length: c.size })));
      group.chunks.forEach((c, i) => checkEntry(c, Math.max(0, Math.min(c.size, got - (starts[i]! - lead))), () => hashes[i]!));
      return { chunks: group.chunks.map((c, i) => buf.subarray(starts[i]!, starts[i]! + c.size)), buf };
    } catch (err) {
      pool.give(buf); // nothing reads into it or hashes it any more
      if (isTuskError(err) && err.code === 'ObjectNotFound') return { chunks: await this.readMoved(group.chunks) };
      throw err;
    }
  }

  private async fetch(group: Group): Promise<Uint8Array[]> {
    if (group.chunks.length === 1) {
      const ref = group.chunks[0]!;
      const cached = this.cache.get(ref.hash);
      if (cached) return [cached];
      const [bytes] = await this.readMoved(group.chunks);
      this.cache.set(ref.hash, bytes!);
      return [bytes!];
    }
    return this.readMoved(group.chunks);
  }

  /** Reads entries of one pack; if that pack is gone, each chunk from where the index says it lives now. */
  private async readMoved(refs: ChunkRef[]): Promise<Uint8Array[]> {
    try {
      return await readEntries(this.objects, refs);
    } catch (err) {
      if (!this.locate || !isTuskError(err) || err.code !== 'ObjectNotFound') throw err;
      const out: Uint8Array[] = [];
      for (const ref of refs) {
        const moved = await this.locate(ref.hash);
        if (!moved || moved.pack === ref.pack) throw err;
        out.push(...(await readEntries(this.objects, [moved])));
      }
      return out;
    }
  }

  /** Groups the slices covering file bytes [start, end): the first of up to `first` bytes, each next up to twice the one before's limit, up to maxGroupBytes. */
  private async *groups(content: FileContent, start: number, end: number, first = this.maxGroupBytes): AsyncGenerator<Group> {
    let limit = first;
    let group: Group | undefined;
    let at = 0;
    let out = 0; // output bytes of the slices so far
    for await (const ref of this.refs(content)) {
      const refEnd = at + ref.length;
      if (refEnd > start && at < end) {
        const from = ref.start + Math.max(0, start - at);
        const to = ref.start + Math.min(ref.length, end - at);
        const c = ref.chunk;
        const last = group?.chunks[group.chunks.length - 1];
        if (group && last && last.pack === c.pack && last.offset === c.offset && last.size === c.size) {
          group.slices.push({ chunk: group.chunks.length - 1, from, to });
        } else if (group && last && last.pack === c.pack && last.offset + last.size === c.offset && group.bytes + c.size <= limit) {
          group.chunks.push(c);
          group.bytes += c.size;
          group.slices.push({ chunk: group.chunks.length - 1, from, to });
        } else {
          if (group) {
            yield group;
            limit = Math.min(this.maxGroupBytes, limit * 2);
          }
          group = { chunks: [c], slices: [{ chunk: 0, from, to }], bytes: c.size, at: out };
        }
        out += to - from;
      }
      at = refEnd;
      if (at >= end) break;
    }
    if (group) yield group;
    if (at < end) throw new CorruptObject(`content:${content.hash}`, `its data references cover ${at} of ${content.size} bytes`);
  }

  private async *refs(content: FileContent): AsyncGenerator<DataRef> {
    if (content.refs) {
      yield* content.refs;
      return;
    }
    for (const id of content.indirect ?? []) yield* decodeRefs(await this.blobs.get(id), `blob:${id}`);
  }
}

/** A group's slices, those lying back to back in memory joined into one view. */
function* joinedSlices(group: Group, chunks: Uint8Array[]): Generator<Uint8Array> {
  let piece: Uint8Array | undefined;
  for (const s of group.slices) {
    const view = chunks[s.chunk]!.subarray(s.from, s.to);
    if (piece && piece.buffer === view.buffer && piece.byteOffset + piece.byteLength === view.byteOffset) {
      piece = new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength + view.byteLength);
    } else {
      if (piece) yield piece;
      piece = view;
    }
  }
  if (piece) yield piece;
}

/** The bytes of `ref` within its chunk's bytes `chunk`; CorruptObject when the chunk is too short for it. */
function sliceOf(chunk: Uint8Array, ref: DataRef, at: ChunkRef): Uint8Array {
  if (ref.start < 0 || ref.start + ref.length > chunk.length) {
    throw new CorruptObject(packKey(at.pack), `entry ${at.hash}: a reference to bytes ${ref.start}-${ref.start + ref.length} of ${chunk.length}`);
  }
  return chunk.subarray(ref.start, ref.start + ref.length);
}

/** `n` modulo `m`, in [0, m). */
function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

function bounds(content: FileContent, range?: ReadRange): [number, number] {
  if (!range) return [0, content.size];
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InvalidArgument('InvalidRange', `invalid read range offset=${offset} length=${length}`, { offset, length });
  }
  return [Math.min(offset, content.size), Math.min(offset + length, content.size)];
}
