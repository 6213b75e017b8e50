// Copying between shared memory (the write session's slabs, a shared
// WebAssembly memory) and ordinary memory, fast at any alignment.
//
// V8 copies from or to a SharedArrayBuffer with relaxed atomic loads and
// stores: word by word where the source and target addresses agree modulo
// the word size, but byte by byte where they do not, which is most chunk
// placements in a pack (a chunk starts anywhere in its slab and goes to
// wherever the pack's last entry ended) and most pieces of a stream appended
// to a slab (an HTTP body's pieces have any length). Measured here, 64 KiB
// pieces: 1.2 CPU-s/GiB misaligned against 0.2 aligned out of shared memory,
// 0.6-0.7 against 0.13-0.23 into it. So a misaligned piece goes through a
// small staging buffer placed to agree with the shared side (a word-wise
// relaxed copy) and an ordinary memmove at any alignment on the other side:
// 0.19 CPU-s/GiB for both steps, the stage staying in the CPU's cache.

const WORD = 8;
/** Bytes moved per round through the stage. */
const STAGE_BYTES = 256 * 1024;
/** Pieces up to this size are copied directly whatever their alignment: two views per tiny file cost more than the copy. */
const DIRECT_BYTES = 256;

export class SharedCopier {
  private stage?: Uint8Array;

  /** Copies all of `source` into `target` at `at` (as target.set(source, at)). */
  copy(target: Uint8Array, at: number, source: Uint8Array): void {
    const misaligned = (source.byteOffset - target.byteOffset - at) % WORD !== 0;
    const fromShared = source.buffer instanceof SharedArrayBuffer;
    if (source.length <= DIRECT_BYTES || !misaligned || fromShared === target.buffer instanceof SharedArrayBuffer) {
      target.set(source, at);
      return;
    }
    const stage = (this.stage ??= new Uint8Array(STAGE_BYTES + WORD));
    for (let done = 0; done < source.length; done += STAGE_BYTES) {
      const piece = source.subarray(done, done + STAGE_BYTES);
      // The stage's memory starts word-aligned, as shared memory does: place the piece to agree with the shared side.
      const skew = (fromShared ? piece.byteOffset : target.byteOffset + at + done) % WORD;
      stage.set(piece, skew);
      target.set(stage.subarray(skew, skew + piece.length), at + done);
    }
  }
}
