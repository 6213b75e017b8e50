import { describe, expect, it } from 'vitest';
import { ByteLru } from './byte-lru.js';

describe('byte LRU', () => {
  it('evicts the least recently used entries to stay within its byte budget', () => {
    const lru = new ByteLru(100);
    lru.set('a', new Uint8Array(20));
    lru.set('b', new Uint8Array(20));
    lru.set('c', new Uint8Array(20));
    lru.get('a');
    lru.set('d', new Uint8Array(20));
    lru.set('e', new Uint8Array(25)); // 105 bytes: the oldest (b) goes
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBeDefined();
    expect(lru.size).toBeLessThanOrEqual(100);
  });

  it('does not keep an entry larger than a quarter of the budget', () => {
    const lru = new ByteLru(100);
    lru.set('big', new Uint8Array(26));
    expect(lru.get('big')).toBeUndefined();
  });
});
