// The stored form of tree nodes, and their IDs. A node's bytes are a logical
// section followed (in leaves) by a content section:
//
//   logical:  u8 format=1, varint level, varint count, then per item
//             varint shared (UTF-16 units shared with the previous key), varint n,
//             n bytes UTF-8 of the rest of the key, and
//               leaf:     varint size, 32 bytes content hash
//               internal: varint files, varint bytes, 32 bytes child ID
//   content:  (leaves only) the pack names, the chunks (pack index, hash, offset,
//             size) and per entry its data references as indexes into those
//             tables; then 16 bytes of sha256 over everything before them
//
// The node ID is sha256 (hex) of the logical section only, so the same files
// give the same ID however their bytes were chunked; a reader recomputes it and
// refuses bytes whose ID does not match. The ID does not cover a leaf's data
// references, so the leaf's trailing checksum does. Everything here is pure.
import { hash as oneShotHash } from 'node:crypto';
import { CorruptObject } from '../errors/index.js';
import type { ChunkRef, DataRef, FileContent } from '../storage/content.js';
import type { ChildRef, FileEntry, InternalNode, LeafNode, NodeLoader, TreeId, TreeNode } from './node.js';

const FORMAT = 1;
const HAS_REFS = 1;
const HAS_INDIRECT = 2;
const CHECKSUM = 16;

export interface EncodedNode {
  id: TreeId;
  bytes: Uint8Array;
  node: TreeNode;
}

const SLAB = 256 * 1024;
let slab = new Uint8Array(SLAB);
let slabUsed = 0;

class Writer {
  buf = Buffer.allocUnsafe(8192);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  /** Unsigned integers up to 2^53. */
  varint(v: number): void {
    this.ensure(8);
    if (v < 0x80) {
      this.buf[this.pos++] = v;
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  /** A length-prefixed UTF-8 string. */
  str(s: string): void {
    this.ensure(s.length * 3 + 8);
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.pos += this.buf.write(s, this.pos, n, 'utf8');
  }

  /** A 64-character lowercase hex string as 32 raw bytes (callers have validated it). */
  hash(hex: string): void {
    this.ensure(32);
    if (this.buf.write(hex, this.pos, 32, 'hex') !== 32 || hex.length !== 64) throw new TypeError(`not a sha256 hex digest: ${hex}`);
    this.pos += 32;
  }

  /** A key with the part shared with the previous key left out. */
  key(k: string, prev: string): void {
    const max = Math.min(k.length, prev.length);
    let shared = 0;
    while (shared < max && k.charCodeAt(shared) === prev.charCodeAt(shared)) shared++;
    // never split a surrogate pair: the rest must be a well-formed string
    if (shared > 0 && (k.charCodeAt(shared - 1) & 0xfc00) === 0xd800) shared--;
    this.varint(shared);
    this.str(shared === 0 ? k : k.slice(shared));
  }

  /** A copy of what was written, carved from a shared slab: one allocation per ~256 KiB, not one per node. */
  bytes(): Uint8Array {
    const n = this.pos;
    if (n > SLAB / 4) return Uint8Array.prototype.slice.call(this.buf, 0, n);
    if (slabUsed + n > SLAB) {
      slab = new Uint8Array(SLAB);
      slabUsed = 0;
    }
    const out = slab.subarray(slabUsed, slabUsed + n);
    out.set(this.buf.subarray(0, n));
    slabUsed += n;
    return out;
  }
}

class Reader {
  pos = 0;
  /** The bytes read as latin1 once, to cut ASCII strings from (listing detail); else each string is converted alone. */
  text: string | undefined;
  constructor(readonly buf: Buffer) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError('truncated');
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
      if (mul > 2 ** 56) throw new RangeError('varint too long');
    }
  }

  /** A count of items that each take at least one byte: never more than the bytes left. */
  count(): number {
    const n = this.varint();
    if (n > this.buf.length - this.pos) throw new RangeError('bad count');
    return n;
  }

  str(): string {
    const n = this.varint();
    this.need(n);
    const start = this.pos;
    const end = start + n;
    this.pos = end;
    if (this.text !== undefined && isAscii(this.buf, start, end)) return this.text.slice(start, end);
    return this.buf.toString('utf8', start, end);
  }

  hash(): string {
    this.need(32);
    const s = this.buf.toString('hex', this.pos, this.pos + 32);
    this.pos += 32;
    return s;
  }

  /** As hash(), as a slice of `hex`, the whole buffer in hex. */
  hashIn(hex: string): string {
    this.need(32);
    const s = hex.slice(this.pos * 2, this.pos * 2 + 64);
    this.pos += 32;
    return s;
  }

  key(prev: string): string {
    const shared = this.varint();
    if (shared > prev.length) throw new RangeError('bad shared prefix');
    const rest = this.str();
    return shared === 0 ? rest : prev.slice(0, shared) + rest;
  }
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i]! > 0x7f) return false;
  return true;
}

function sha256(bytes: Uint8Array): string {
  return oneShotHash('sha256', bytes, 'hex');
}

function sha256raw(bytes: Uint8Array): Buffer {
  return oneShotHash('sha256', bytes, 'buffer');
}

/** Encoding is synchronous, so one scratch buffer serves every call; bytes() copies the result out. */
const scratch = new Writer();

export function encodeNode(node: TreeNode): EncodedNode {
  const w = scratch;
  w.pos = 0;
  w.u8(FORMAT);
  w.varint(node.level);
  let prev = '';
  if (node.kind === 'leaf') {
    w.varint(node.entries.length);
    for (const e of node.entries) {
      w.key(e.path, prev);
      prev = e.path;
      w.varint(e.size);
      w.hash(e.hash);
    }
    const logicalEnd = w.pos;
    const id = sha256(w.buf.subarray(0, logicalEnd));
    writeContents(w, node.entries);
    const sum = sha256raw(w.buf.subarray(0, w.pos));
    w.ensure(CHECKSUM);
    w.pos += sum.copy(w.buf, w.pos, 0, CHECKSUM);
    return { id, bytes: w.bytes(), node };
  }
  w.varint(node.children.length);
  for (const c of node.children) {
    w.key(c.key, prev);
    prev = c.key;
    w.varint(c.files);
    w.varint(c.bytes);
    w.hash(c.id);
  }
  const bytes = w.bytes();
  return { id: sha256(bytes), bytes, node };
}

function writeContents(w: Writer, entries: readonly FileEntry[]): void {
  // Files packed together share chunks (and chunks share packs): store each once per leaf.
  const packs = new Map<string, number>();
  const byHash = new Map<string, number[]>(); // chunk hash → indexes into chunkList
  const chunkList: ChunkRef[] = [];
  const refIndex: number[] = [];
  // Indexed loops: a leaf is encoded per ~1,000 files put, and iterators here were a large share of a put -r's garbage.
  for (let e = 0; e < entries.length; e++) {
    const refs = entries[e]!.content.refs;
    if (!refs) continue;
    for (let k = 0; k < refs.length; k++) {
      const c = refs[k]!.chunk;
      let same = byHash.get(c.hash);
      let idx = -1;
      if (same) {
        for (let j = 0; j < same.length; j++) {
          const i = same[j]!;
          const d = chunkList[i]!;
          if (d === c || (d.pack === c.pack && d.offset === c.offset && d.size === c.size)) {
            idx = i;
            break;
          }
        }
      } else byHash.set(c.hash, (same = []));
      if (idx < 0) {
        idx = chunkList.length;
        chunkList.push(c);
        same.push(idx);
        if (!packs.has(c.pack)) packs.set(c.pack, packs.size);
      }
      refIndex.push(idx);
    }
  }
  w.varint(packs.size);
  for (const p of packs.keys()) w.str(p);
  w.varint(chunkList.length);
  for (const c of chunkList) {
    w.varint(packs.get(c.pack)!);
    w.hash(c.hash);
    w.varint(c.offset);
    w.varint(c.size);
  }
  let k = 0;
  for (let e = 0; e < entries.length; e++) {
    const { refs, indirect } = entries[e]!.content;
    w.u8((refs ? HAS_REFS : 0) | (indirect ? HAS_INDIRECT : 0));
    if (refs) {
      w.varint(refs.length);
      for (let j = 0; j < refs.length; j++) {
        const r = refs[j]!;
        w.varint(refIndex[k++]!);
        w.varint(r.start);
        w.varint(r.length);
      }
    }
    if (indirect) {
      w.varint(indirect.length);
      for (const b of indirect) w.str(b);
    }
  }
}

/**
 * How much of a leaf decodeNode reads: everything, or what a listing shows
 * (paths, sizes and hashes). A `listing` leaf's entries have no data
 * references (`content` holds only size and hash): such a node must never
 * reach a reader of file data, nor a node cache.
 */
export type NodeDetail = 'full' | 'listing';

/**
 * Decodes a stored node and checks it against the ID it was stored under (and
 * a leaf against its checksum, whatever the detail). Throws CorruptObject if
 * the bytes do not parse or their logical ID differs.
 */
export function decodeNode(bytes: Uint8Array, id: TreeId, detail: NodeDetail = 'full'): TreeNode {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length > CHECKSUM + 2 && buf[1] === 0) {
    // a leaf (level 0): its checksum covers the data references the ID leaves out
    const body = buf.subarray(0, buf.length - CHECKSUM);
    const sum = sha256raw(body);
    if (!sum.subarray(0, CHECKSUM).equals(buf.subarray(body.length))) throw new CorruptObject(id, 'tree node fails its checksum');
    buf = body;
  }
  const r = new Reader(buf);
  let node: TreeNode;
  let logicalEnd: number;
  try {
    if (r.u8() !== FORMAT) throw new RangeError('unknown format');
    const level = r.varint();
    const count = r.count();
    let prev = '';
    if (level === 0) {
      const entries: FileEntry[] = new Array(count);
      // A listing converts the leaf to hex once and takes each hash as a slice of that (one
      // conversion per leaf, not one per file); the slices keep it alive only while the listing does.
      const hex = detail === 'listing' ? buf.toString('hex') : undefined;
      if (detail === 'listing') r.text = buf.toString('latin1'); // keys are cut from it; the entries die with the listing's batch
      for (let i = 0; i < count; i++) {
        const path = r.key(prev);
        prev = path;
        const size = r.varint();
        const hash = hex === undefined ? r.hash() : r.hashIn(hex);
        entries[i] = { path, size, hash, content: { size, hash } };
      }
      logicalEnd = r.pos;
      if (detail === 'full') readContents(r, entries);
      else r.pos = buf.length; // the data references, which a listing does not show (the checksum above covers them)
      node = { kind: 'leaf', level: 0, entries } satisfies LeafNode;
    } else {
      const children: ChildRef[] = new Array(count);
      for (let i = 0; i < count; i++) {
        const key = r.key(prev);
        prev = key;
        const files = r.varint();
        const bytes = r.varint();
        children[i] = { key, files, bytes, id: r.hash() };
      }
      logicalEnd = r.pos;
      node = { kind: 'internal', level, children } satisfies InternalNode;
    }
    if (r.pos !== buf.length) throw new RangeError('trailing bytes');
  } catch (err) {
    if (err instanceof RangeError) throw new CorruptObject(id, `tree node does not parse (${err.message})`);
    throw err;
  }
  if (sha256(buf.subarray(0, logicalEnd)) !== id) throw new CorruptObject(id, 'tree node does not match its ID');
  return node;
}

function readContents(r: Reader, entries: FileEntry[]): void {
  const packs: string[] = new Array(r.count());
  for (let i = 0; i < packs.length; i++) packs[i] = r.str();
  const chunks: ChunkRef[] = new Array(r.count());
  for (let i = 0; i < chunks.length; i++) {
    const pack = packs[r.varint()];
    if (pack === undefined) throw new RangeError('bad pack index');
    const hash = r.hash();
    const offset = r.varint();
    chunks[i] = { hash, pack, offset, size: r.varint() };
  }
  for (const e of entries) {
    const flags = r.u8();
    const content: FileContent = e.content;
    if (flags & HAS_REFS) {
      const refs: DataRef[] = new Array(r.count());
      for (let i = 0; i < refs.length; i++) {
        const chunk = chunks[r.varint()];
        if (chunk === undefined) throw new RangeError('bad chunk index');
        const start = r.varint();
        refs[i] = { chunk, start, length: r.varint() };
      }
      content.refs = refs;
    }
    if (flags & HAS_INDIRECT) {
      const indirect: string[] = new Array(r.count());
      for (let i = 0; i < indirect.length; i++) indirect[i] = r.str();
      content.indirect = indirect;
    }
  }
}

/** The empty tree: a leaf with no entries. Never stored; every reader knows it. */
export const EMPTY_NODE: LeafNode = { kind: 'leaf', level: 0, entries: [] };
export const EMPTY_TREE: TreeId = encodeNode(EMPTY_NODE).id;

/** A loader that knows the empty tree without asking `load`. */
export function withEmpty(load: NodeLoader): NodeLoader {
  const one: NodeLoader = (id) => (id === EMPTY_TREE ? Promise.resolve(EMPTY_NODE) : load(id));
  if (load.many) one.many = load.many; // a child is never the empty tree
  return one;
}
