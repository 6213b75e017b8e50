import { describe, expect, it } from 'vitest';
import { exposureWarning, isLoopback } from './listen-address.js';

describe('listen addresses', () => {
  it('knows loopback from the rest', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'tusk.example.com']) expect(isLoopback(host)).toBe(false);
  });

  it('warns only beyond loopback', () => {
    expect(exposureWarning('127.0.0.1')).toBe('');
    expect(exposureWarning('0.0.0.0')).toMatch(/listens on 0\.0\.0\.0, beyond loopback, with access control off/);
  });
});
