// The gateway's young collections come once per `every` body bytes read, however the bytes are split.
import { describe, expect, it } from 'vitest';
import { YoungCollector } from './young-collector.js';

describe('YoungCollector', () => {
  it('collects once per `every` bytes read', () => {
    let collections = 0;
    const young = new YoungCollector(100, () => collections++);
    for (let i = 0; i < 25; i++) young.read(10); // 250 bytes
    expect(collections).toBe(2);
    young.read(1000);
    expect(collections).toBe(3);
  });
});
