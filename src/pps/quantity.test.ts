import { describe, expect, it } from 'vitest';
import { quantityBytes } from './quantity.js';

describe('quantityBytes', () => {
  it('reads binary and decimal suffixes as Kubernetes does', () => {
    expect(quantityBytes('64Mi')).toBe(64 * 1024 * 1024);
    expect(quantityBytes('1G')).toBe(1e9);
    expect(quantityBytes('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantityBytes('1e3')).toBe(1000);
    expect(quantityBytes('512')).toBe(512);
  });
  it('refuses what is not a quantity', () => {
    expect(quantityBytes('lots')).toBeUndefined();
    expect(quantityBytes('12XB')).toBeUndefined();
  });
});
