// Reads a file's bytes back from its FileContent, streaming. Slices whose
// chunks lie back to back in one pack (the common case for a big file) are
// fetched with one ranged get of up to `maxGroupBytes`, a few groups ahead of
// the consumer; every chunk is verified against its sha256 before any of its
// bytes are yielded. Recently read chunks of small reads are kept in an LRU,
// so reading many small files that share a chunk fetches it once.
import { CorruptObject, InvalidArgument, isTuskError } from '../errors/index.js';
import type { BlobStore } from './blob-store.js';
import { ByteLru } from './byte-lru.js';
import type { ChunkRef, DataRef, FileContent } from './content.js';
import type { ObjectStore } from './object-store.js';
import { readEntries } from './pack-reader.js';
import { decodeRefs } from './ref-codec.js';

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
  /** Where a chunk is stored now, by its hash: asked when a reference's pack is gone (the collector rewrote it). */
  locate?: (hash: string) => Promise<ChunkRef | undefined>;
}

/** Chunks fetched together, and the slices of them to yield in order. */
interface Group {
  chunks: ChunkRef[];
  slices: { chunk: number; from: number; to: number }[];
  bytes: number;
}

export class FileReader {
  private readonly cache: ByteLru;
  private readonly readAhead: number;
  private readonly maxGroupBytes: number;
  private readonly locate?: (hash: string) => Promise<ChunkRef | undefined>;

  constructor(private readonly objects: ObjectStore, private readonly blobs: BlobStore, options: FileReaderOptions = {}) {
    this.locate = options.locate;
    this.cache = new ByteLru(options.cacheBytes ?? 32 * 1024 * 1024);
    this.readAhead = options.readAhead ?? 4;
    this.maxGroupBytes = options.maxGroupBytes ?? 8 * 1024 * 1024;
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

  /** Groups the slices covering file bytes [start, end). */
  private async *groups(content: FileContent, start: number, end: number): AsyncGenerator<Group> {
    let group: Group | undefined;
    let at = 0;
    for await (const ref of this.refs(content)) {
      const refEnd = at + ref.length;
      if (refEnd > start && at < end) {
        const from = ref.start + Math.max(0, start - at);
        const to = ref.start + Math.min(ref.length, end - at);
        const c = ref.chunk;
        const last = group?.chunks[group.chunks.length - 1];
        if (group && last && last.pack === c.pack && last.offset === c.offset && last.size === c.size) {
          group.slices.push({ chunk: group.chunks.length - 1, from, to });
        } else if (group && last && last.pack === c.pack && last.offset + last.size === c.offset && group.bytes + c.size <= this.maxGroupBytes) {
          group.chunks.push(c);
          group.bytes += c.size;
          group.slices.push({ chunk: group.chunks.length - 1, from, to });
        } else {
          if (group) yield group;
          group = { chunks: [c], slices: [{ chunk: 0, from, to }], bytes: c.size };
        }
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

function bounds(content: FileContent, range?: ReadRange): [number, number] {
  if (!range) return [0, content.size];
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new InvalidArgument('InvalidRange', `invalid read range offset=${offset} length=${length}`, { offset, length });
  }
  return [Math.min(offset, content.size), Math.min(offset + length, content.size)];
}
