import { describe, expect, it } from 'vitest';
import { creationOrder } from './spec-order.js';

const p = (name: string, created: string, inputRepos: string[]) => ({ name, created, inputRepos });

describe('creationOrder', () => {
  it('puts a pipeline after the pipelines it reads, else oldest first', () => {
    // montage was created first, then updated to read edges, made later
    const got = creationOrder([p('montage', '2026-01-01', ['images', 'edges']), p('edges', '2026-01-02', ['images']), p('other', '2026-01-03', ['raw'])]);
    expect(got.map((x) => x.name)).toEqual(['edges', 'montage', 'other']);
  });

  it('keeps creation order, then name, among independent pipelines, and ends even on a cycle', () => {
    expect(creationOrder([p('b', '2026-01-01', []), p('a', '2026-01-01', []), p('c', '2025-12-31', [])]).map((x) => x.name)).toEqual(['c', 'a', 'b']);
    expect(creationOrder([p('x', '2026-01-02', ['y']), p('y', '2026-01-01', ['x'])]).map((x) => x.name)).toEqual(['y', 'x']);
  });
});
