import { describe, expect, it } from 'vitest';
import { decodeNode, EMPTY_NODE, EMPTY_TREE, encodeNode } from './codec.js';
import { fakeEntry, randomPaths, sha256hex } from './fake-entries.js';
import type { FileEntry, InternalNode, LeafNode } from './node.js';

function leaf(entries: FileEntry[]): LeafNode {
  return { kind: 'leaf', level: 0, entries };
}

describe('tree node codec', () => {
  it('round-trips a leaf, data references and all', () => {
    const big: FileEntry = { ...fakeEntry('/big.bin'), content: { size: 0, hash: '' } };
    big.content = { size: big.size, hash: big.hash, indirect: ['blob-1', 'blob-2'] };
    const empty: FileEntry = { path: '/empty', size: 0, hash: sha256hex(''), content: { size: 0, hash: sha256hex(''), refs: [] } };
    const bare: FileEntry = { path: '/z/bare', size: 3, hash: sha256hex('abc'), content: { size: 3, hash: sha256hex('abc') } };
    const node = leaf([fakeEntry('/a/ümlaut 😀.txt'), fakeEntry('/a/ümlaut 😀😀.txt', 1, 'pack-1'), big, empty, fakeEntry('/x', 2, 'pack-1'), bare].sort((a, b) => (a.path < b.path ? -1 : 1)));
    const enc = encodeNode(node);
    expect(decodeNode(enc.bytes, enc.id)).toEqual(node);
  });

  it("decodes what a listing shows of a leaf with 'listing' detail: the same paths, sizes and hashes, no data references", () => {
    const node = leaf([fakeEntry('/a/ümlaut 😀.txt'), fakeEntry('/b', 1, 'pack-1'), fakeEntry('/c', 70_000, 'pack-2')]);
    const enc = encodeNode(node);
    const listed = decodeNode(enc.bytes, enc.id, 'listing') as LeafNode;
    expect(listed.entries.map((e) => [e.path, e.size, e.hash])).toEqual(node.entries.map((e) => [e.path, e.size, e.hash]));
    expect(listed.entries.every((e) => e.content.refs === undefined && e.content.hash === e.hash)).toBe(true);
    // the checksum over the data references is still checked
    const damaged = enc.bytes.slice();
    damaged[damaged.length - 1] ^= 1;
    expect(() => decodeNode(damaged, enc.id, 'listing')).toThrow(expect.objectContaining({ code: 'CorruptObject' }));
    // keys of ASCII and not, sharing prefixes with the key before them or not
    const mixed = leaf(randomPaths(7, 200).sort().map((p) => fakeEntry(p)));
    const again = encodeNode(mixed);
    expect((decodeNode(again.bytes, again.id, 'listing') as LeafNode).entries.map((e) => e.path)).toEqual(mixed.entries.map((e) => e.path));
  });

  it('round-trips an internal node with sizes beyond 32 bits', () => {
    const node: InternalNode = {
      kind: 'internal',
      level: 3,
      children: [
        { key: '/a/b', id: sha256hex('1'), files: 5, bytes: 2 ** 40 + 7 },
        { key: '/a/c', id: sha256hex('2'), files: 2 ** 33, bytes: Number.MAX_SAFE_INTEGER },
      ],
    };
    const enc = encodeNode(node);
    expect(decodeNode(enc.bytes, enc.id)).toEqual(node);
  });

  it('gives the same ID to the same files chunked differently', () => {
    const a = fakeEntry('/f', 0, 'pack-A');
    const b = { ...fakeEntry('/f', 0, 'pack-B') };
    expect(a.content.refs).not.toEqual(b.content.refs);
    const ea = encodeNode(leaf([a]));
    const eb = encodeNode(leaf([b]));
    expect(ea.id).toBe(eb.id);
    expect(Buffer.from(ea.bytes).equals(Buffer.from(eb.bytes))).toBe(false);
    expect(encodeNode(leaf([fakeEntry('/f', 1)])).id).not.toBe(ea.id);
  });

  it('stores a chunk shared by many packed files once', () => {
    const entries = Array.from({ length: 64 }, (_, i) => fakeEntry(`/small/file-${String(i).padStart(3, '0')}`));
    const bytes = encodeNode(leaf(entries)).bytes.length;
    // per entry: a short key suffix, size, 32-byte hash, one 3-varint reference
    expect(bytes).toBeLessThan(64 * 50);
  });

  it('refuses damaged, truncated or mislabelled bytes with CorruptObject', () => {
    const enc = encodeNode(leaf([fakeEntry('/a'), fakeEntry('/b')]));
    const flipped = enc.bytes.slice();
    flipped[10] ^= 1;
    for (const [bytes, id] of [
      [flipped, enc.id],
      [enc.bytes.slice(0, enc.bytes.length - 3), enc.id],
      [enc.bytes, sha256hex('other')],
      [new Uint8Array([9, 9, 9]), enc.id],
    ] as const) {
      expect(() => decodeNode(bytes, id)).toThrow(expect.objectContaining({ code: 'CorruptObject' }));
    }
  });

  it('knows the empty tree by a fixed ID', () => {
    expect(EMPTY_TREE).toMatch(/^[0-9a-f]{64}$/);
    expect(encodeNode(EMPTY_NODE).id).toBe(EMPTY_TREE);
  });
});

describe('tree node checksum', () => {
  it('catches damage to data references, which the ID does not cover', () => {
    const enc = encodeNode({ kind: 'leaf', level: 0, entries: [fakeEntry('/a'), fakeEntry('/b')] });
    for (let i = 0; i < enc.bytes.length; i++) {
      const bad = enc.bytes.slice();
      bad[i] ^= 0x10;
      expect(() => decodeNode(bad, enc.id), `byte ${i}`).toThrow(expect.objectContaining({ code: 'CorruptObject' }));
    }
  });
});
