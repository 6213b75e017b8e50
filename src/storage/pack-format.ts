// The layout of packs in the object store. A pack (`packs/<id>`) is the bytes
// of its entries (chunks and blobs) one after another, then a trailer holding a
// copy of its index; beside it, its index object (`packs/<id>.idx`) lists
// every entry so the chunk index can be rebuilt from the object store alone.
// A pack is written first and its index after it, so an index never names a
// pack that is not there. The index object is derived data: a damaged or
// missing one is rebuilt from the pack's trailer (pack-recovery.ts). Packs
// written before trailers existed end with their last entry.
//
// Pack trailer: the index object's bytes, then u32 their length, then
// "TUSKPKT1" (8 bytes). Entry offsets count from the pack's first byte.
//
// Index object format (all integers big-endian):
//   "TUSKPIX1"                               8 bytes magic
//   u32 entry count
//   per entry:
//     u8  kind (0 = chunk, 1 = blob)
//     blob only: u16 id length, id (UTF-8)
//     32 bytes sha256 of the entry's bytes (a chunk's hash is its key)
//     u32 offset in the pack, u32 size
//   32 bytes sha256 of everything above (detects a damaged index)
import { createHash, randomBytes } from 'node:crypto';
import { CorruptObject } from '../errors/index.js';
import type { ChunkRef } from './content.js';

export type EntryKind = 'chunk' | 'blob';

/** One entry of a pack: a chunk under its hash or a blob under its ID; `ref.hash` is the sha256 of the bytes either way. */
export interface PackEntry {
  kind: EntryKind;
  /** The chunk's hash, or the blob's caller-chosen ID. */
  key: string;
  ref: ChunkRef;
}

const MAGIC = Buffer.from('TUSKPIX1', 'latin1');
const KIND_CODE: Record<EntryKind, number> = { chunk: 0, blob: 1 };
const HEX64 = /^[0-9a-f]{64}$/;

export const PACK_PREFIX = 'packs/';
const TRAILER_MAGIC = Buffer.from('TUSKPKT1', 'latin1');
/** Bytes at the very end of a pack with a trailer: the index length and the magic. */
export const TRAILER_FOOTER_BYTES = 4 + TRAILER_MAGIC.length;
export const INDEX_SUFFIX = '.idx';

export function packKey(packId: string): string {
  return `${PACK_PREFIX}${packId}`;
}

export function packIndexKey(packId: string): string {
  return `${PACK_PREFIX}${packId}${INDEX_SUFFIX}`;
}

/** The pack ID named by an index key, or undefined for any other key. */
export function packIdOfIndexKey(key: string): string | undefined {
  if (!key.startsWith(PACK_PREFIX) || !key.endsWith(INDEX_SUFFIX)) return undefined;
  return key.slice(PACK_PREFIX.length, -INDEX_SUFFIX.length);
}

/**
 * A fresh pack ID: 128 random bits in hex. Random rather than content-derived
 * because a chunk's reference (pack, offset) must be known the moment the chunk
 * is added, long before the pack is complete.
 */
export function newPackId(): string {
  return randomBytes(16).toString('hex');
}

export function encodePackIndex(entries: readonly PackEntry[]): Uint8Array {
  let size = MAGIC.length + 4 + 32;
  const ids: (Buffer | undefined)[] = entries.map((e) => (e.kind === 'blob' ? Buffer.from(e.key, 'utf8') : undefined));
  for (let i = 0; i < entries.length; i++) {
    const id = ids[i];
    if (id && id.length > 0xffff) throw new RangeError(`blob ID too long (${id.length} bytes)`);
    size += 1 + (id ? 2 + id.length : 0) + 32 + 8;
  }
  const out = Buffer.allocUnsafe(size);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt32BE(entries.length, at);
  for (let i = 0; i < entries.length; i++) {
    const { kind, key, ref } = entries[i]!;
    if (!HEX64.test(ref.hash)) throw new RangeError(`entry hash must be 64 lowercase hex digits: ${ref.hash}`);
    if (kind === 'chunk' && key !== ref.hash) throw new RangeError('a chunk entry is keyed by its hash');
    at = out.writeUInt8(KIND_CODE[kind], at);
    const id = ids[i];
    if (id) {
      at = out.writeUInt16BE(id.length, at);
      at += id.copy(out, at);
    }
    at += out.write(ref.hash, at, 'hex');
    at = out.writeUInt32BE(ref.offset, at);
    at = out.writeUInt32BE(ref.size, at);
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** Parses an index object; throws CorruptObject (naming `key`) if it is damaged or truncated. */
export function decodePackIndex(bytes: Uint8Array, packId: string, key = packIndexKey(packId)): PackEntry[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 + 32 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new CorruptObject(key, 'not a pack index (bad magic or too short)');
  }
  const body = buf.subarray(0, buf.length - 32);
  if (!createHash('sha256').update(body).digest().equals(buf.subarray(buf.length - 32))) {
    throw new CorruptObject(key, 'pack index checksum mismatch');
  }
  const count = body.readUInt32BE(MAGIC.length);
  let at = MAGIC.length + 4;
  const entries: PackEntry[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const code = body.readUInt8(at++);
      if (code !== 0 && code !== 1) throw new CorruptObject(key, `unknown entry kind ${code}`);
      let id: string | undefined;
      if (code === 1) {
        const len = body.readUInt16BE(at);
        at += 2;
        if (at + len > body.length) throw new RangeError('entry past the end');
        id = body.toString('utf8', at, at + len);
        at += len;
      }
      if (at + 40 > body.length) throw new RangeError('entry past the end');
      const hash = body.toString('hex', at, at + 32);
      at += 32;
      const offset = body.readUInt32BE(at);
      const size = body.readUInt32BE(at + 4);
      at += 8;
      entries.push({ kind: code === 0 ? 'chunk' : 'blob', key: id ?? hash, ref: { hash, pack: packId, offset, size } });
    }
  } catch (err) {
    if (err instanceof CorruptObject) throw err;
    throw new CorruptObject(key, 'pack index entries run past its end');
  }
  if (at !== body.length) throw new CorruptObject(key, 'pack index has trailing bytes');
  return entries;
}

/** What follows a pack's entries: its index, the index's length and the trailer magic. */
export function encodePackTrailer(index: Uint8Array): Uint8Array {
  const footer = Buffer.allocUnsafe(TRAILER_FOOTER_BYTES);
  footer.writeUInt32BE(index.length, 0);
  TRAILER_MAGIC.copy(footer, 4);
  return Buffer.concat([index, footer]);
}

/** The index length a pack's last TRAILER_FOOTER_BYTES announce, or undefined when they are not a trailer footer. */
export function decodeTrailerFooter(footer: Uint8Array): number | undefined {
  const buf = Buffer.from(footer.buffer, footer.byteOffset, footer.byteLength);
  if (buf.length !== TRAILER_FOOTER_BYTES || !buf.subarray(4).equals(TRAILER_MAGIC)) return undefined;
  return buf.readUInt32BE(0);
}
