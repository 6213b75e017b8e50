import { describe, expect, it } from 'vitest';
import { decide, roleOn, type Bindings, type Need } from './policy.js';
import type { Role } from './roles.js';

function bindings(cluster: Record<string, Role>, repos: Record<string, Record<string, Role>>): Bindings {
  return { cluster: (s) => cluster[s], repo: (r, s) => repos[r]?.[s] };
}

const b = bindings({ 'user:root': 'clusterAdmin', 'robot:backup': 'repoReader' }, { sales: { 'user:ann': 'repoReader', 'user:bob': 'repoWriter', 'user:cy': 'repoOwner' }, hr: { 'user:cy': 'repoOwner' } });
const read = (...repos: string[]): Need => ({ kind: 'repo', role: 'repoReader', repos });
const write = (...repos: string[]): Need => ({ kind: 'repo', role: 'repoWriter', repos });
const own = (...repos: string[]): Need => ({ kind: 'repo', role: 'repoOwner', repos });

describe('decide', () => {
  it('lets a role do what it and the roles below it allow, and names what is missing', () => {
    expect(decide('user:ann', read('sales'), b)).toEqual({ allowed: true });
    expect(decide('user:ann', write('sales'), b)).toEqual({ allowed: false, role: 'repoWriter', repo: 'sales' });
    expect(decide('user:bob', write('sales'), b)).toEqual({ allowed: true });
    expect(decide('user:bob', own('sales'), b)).toEqual({ allowed: false, role: 'repoOwner', repo: 'sales' });
    expect(decide('user:cy', own('sales'), b)).toEqual({ allowed: true });
  });

  it('checks every repo a call needs and names the first one refused', () => {
    expect(decide('user:ann', read('sales', 'hr'), b)).toEqual({ allowed: false, role: 'repoReader', repo: 'hr' });
  });

  it('applies cluster-wide roles to every repo; clusterAdmin may do everything', () => {
    expect(decide('robot:backup', read('sales', 'hr', 'anything'), b)).toEqual({ allowed: true });
    expect(decide('robot:backup', write('hr'), b).allowed).toBe(false);
    for (const need of [own('hr'), { kind: 'cluster' } as Need, { kind: 'pipeline', pipeline: 'p' } as Need, { kind: 'self', subject: 'user:ann' } as Need]) {
      expect(decide('user:root', need, b)).toEqual({ allowed: true });
    }
    expect(decide('user:cy', { kind: 'cluster' }, b)).toEqual({ allowed: false, role: 'clusterAdmin' });
  });

  it('refuses everything but public calls without a subject', () => {
    expect(decide(undefined, { kind: 'public' }, b).allowed).toBe(true);
    expect(decide(undefined, { kind: 'authenticated' }, b).allowed).toBe(false);
    expect(decide('user:nobody', { kind: 'authenticated' }, b).allowed).toBe(true);
  });

  it('gives a pipeline read on its inputs and write on its output only', () => {
    const repos = { inputs: ['sales', 'hr'], output: 'report' };
    expect(decide('pipeline:report', read('sales', 'hr'), b, repos)).toEqual({ allowed: true });
    expect(decide('pipeline:report', write('report'), b, repos)).toEqual({ allowed: true });
    expect(decide('pipeline:report', write('sales'), b, repos)).toEqual({ allowed: false, role: 'repoWriter', repo: 'sales' });
    expect(decide('pipeline:report', own('report'), b, repos).allowed).toBe(false);
    expect(decide('pipeline:report', read('other'), b, repos).allowed).toBe(false);
    expect(decide('pipeline:report', { kind: 'pipeline', pipeline: 'report' }, b, repos).allowed).toBe(true);
    expect(decide('pipeline:report', { kind: 'pipeline', pipeline: 'other' }, b, repos).allowed).toBe(false);
    expect(roleOn('user:ann', 'report', b, repos)).toBeUndefined(); // only the pipeline's own subject gets them
  });

  it('needs every part of a combined need (a copy writes the target and reads the source)', () => {
    const copy: Need = { kind: 'all', needs: [write('sales'), read('hr')] };
    expect(decide('user:bob', copy, b)).toEqual({ allowed: false, role: 'repoReader', repo: 'hr' });
    expect(decide('user:cy', copy, b)).toEqual({ allowed: true });
  });

  it('lets a subject act on itself (its own tokens and keys), others need clusterAdmin', () => {
    expect(decide('user:ann', { kind: 'self', subject: 'user:ann' }, b).allowed).toBe(true);
    expect(decide('user:ann', { kind: 'self', subject: 'user:bob' }, b)).toEqual({ allowed: false, role: 'clusterAdmin' });
  });
});
