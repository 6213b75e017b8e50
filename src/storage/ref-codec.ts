// The binary form of a list of data references, used for the ref-list blobs of
// large files (FileContent.indirect). Pack IDs are written once per list.
//   u8 version (1)
//   u32 pack count, per pack: u16 length, UTF-8 pack ID
//   u32 ref count, per ref: 32 bytes chunk sha256, u32 pack number,
//                           u32 chunk offset, u32 chunk size, u32 start, u32 length
// (big-endian). A damaged list fails its blob checksum before it gets here;
// decoding still refuses anything malformed.
import { CorruptObject } from '../errors/index.js';
import type { DataRef } from './content.js';

const REF_BYTES = 32 + 5 * 4;

export function encodeRefs(refs: readonly DataRef[]): Uint8Array {
  const packs = new Map<string, number>();
  for (const r of refs) if (!packs.has(r.chunk.pack)) packs.set(r.chunk.pack, packs.size);
  const names = [...packs.keys()].map((p) => Buffer.from(p, 'utf8'));
  const size = 1 + 4 + names.reduce((n, b) => n + 2 + b.length, 0) + 4 + refs.length * REF_BYTES;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(1, 0);
  at = out.writeUInt32BE(names.length, at);
  for (const name of names) {
    at = out.writeUInt16BE(name.length, at);
    at += name.copy(out, at);
  }
  at = out.writeUInt32BE(refs.length, at);
  for (const r of refs) {
    at += out.write(r.chunk.hash, at, 'hex');
    at = out.writeUInt32BE(packs.get(r.chunk.pack)!, at);
    at = out.writeUInt32BE(r.chunk.offset, at);
    at = out.writeUInt32BE(r.chunk.size, at);
    at = out.writeUInt32BE(r.start, at);
    at = out.writeUInt32BE(r.length, at);
  }
  return out;
}

/** Decodes a ref list; `key` names the blob in the CorruptObject thrown for malformed input. */
export function decodeRefs(bytes: Uint8Array, key: string): DataRef[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (buf.readUInt8(0) !== 1) throw new CorruptObject(key, 'unknown ref list version');
    let at = 1;
    const packCount = buf.readUInt32BE(at);
    at += 4;
    const packs: string[] = [];
    for (let i = 0; i < packCount; i++) {
      const len = buf.readUInt16BE(at);
      at += 2;
      if (at + len > buf.length) throw new RangeError('past the end');
      packs.push(buf.toString('utf8', at, at + len));
      at += len;
    }
    const count = buf.readUInt32BE(at);
    at += 4;
    if (at + count * REF_BYTES !== buf.length) throw new CorruptObject(key, 'ref list length does not match its count');
    const refs: DataRef[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const hash = buf.toString('hex', at, at + 32);
      const pack = packs[buf.readUInt32BE(at + 32)];
      if (pack === undefined) throw new CorruptObject(key, 'ref names a pack that is not listed');
      refs[i] = {
        chunk: { hash, pack, offset: buf.readUInt32BE(at + 36), size: buf.readUInt32BE(at + 40) },
        start: buf.readUInt32BE(at + 44),
        length: buf.readUInt32BE(at + 48),
      };
      at += REF_BYTES;
    }
    return refs;
  } catch (err) {
    if (err instanceof CorruptObject) throw err;
    throw new CorruptObject(key, 'malformed ref list');
  }
}
