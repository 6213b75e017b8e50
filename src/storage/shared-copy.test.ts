// SharedCopier: the same bytes as a plain copy, out of and into shared memory,
// for every skew between source and target and across several rounds through its stage.
import { describe, expect, it } from 'vitest';
import { pseudoRandom } from './object-store.contract.js';
import { SharedCopier } from './shared-copy.js';

describe('shared copy', () => {
  it('copies out of shared memory exactly, at every alignment and length', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(1 << 20));
    shared.set(pseudoRandom(shared.length, 7));
    const copier = new SharedCopier();
    for (const length of [0, 1, 7, 8, 9, 4096 + 3, 256 * 1024, 256 * 1024 + 1, 600_001]) {
      for (let from = 0; from < 8; from++) {
        for (let to = 0; to < 8; to++) {
          const target = new Uint8Array(length + 16).fill(0xee);
          const source = shared.subarray(from, from + length);
          copier.copy(target, to, source);
          expect(Buffer.compare(target.subarray(to, to + length), source)).toBe(0);
          expect(target.subarray(0, to).every((b) => b === 0xee)).toBe(true);
          expect(target.subarray(to + length).every((b) => b === 0xee)).toBe(true);
        }
      }
    }
  });

  it('copies into shared memory exactly, at every alignment and length', () => {
    const plain = pseudoRandom((1 << 20) + 16, 9);
    const copier = new SharedCopier();
    for (const length of [0, 1, 7, 8, 9, 4096 + 3, 256 * 1024, 256 * 1024 + 1, 600_001]) {
      for (let from = 0; from < 8; from++) {
        for (let to = 0; to < 8; to++) {
          const target = new Uint8Array(new SharedArrayBuffer(length + 24), 8).fill(0xee);
          const source = plain.subarray(from, from + length);
          copier.copy(target, to, source);
          expect(Buffer.compare(target.subarray(to, to + length), source)).toBe(0);
          expect(target.subarray(0, to).every((b) => b === 0xee)).toBe(true);
          expect(target.subarray(to + length).every((b) => b === 0xee)).toBe(true);
        }
      }
    }
  });
});
