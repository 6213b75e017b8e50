import { describe, expect, it } from 'vitest';
import type { PipelineNode } from './cascade.js';
import { newDeferredTriggers, openDeferred, planDeferred } from './deferred-triggers.js';

const node = (name: string, ...inputs: string[]): PipelineNode => ({ name, outputBranch: 'master', inputs: inputs.map((i) => ({ repo: i.split('@')[0]!, branch: i.split('@')[1] ?? 'master' })) });
const nodes = [node('joined', 'a', 'b'), node('report', 'joined'), node('other', 'c')];

describe('planDeferred', () => {
  it('runs a pipeline reading two moved branches once, with everything below it, under a new ID', () => {
    const d = newDeferredTriggers();
    d.moves.push({ repo: 'a', branch: 'master', to: '1'.repeat(32) }, { repo: 'b', branch: 'master', to: '2'.repeat(32) });
    const plan = planDeferred(nodes, d, () => 'f'.repeat(32));
    expect(plan.order.map((n) => n.name)).toEqual(['joined', 'report']);
    expect(plan.id).toBe('f'.repeat(32));
    expect([...plan.inSet]).toEqual([]);
  });

  it('keeps the global ID of a single change, as outside a transaction', () => {
    const d = newDeferredTriggers();
    d.commits.push({ repo: 'c', branch: 'master', id: '3'.repeat(32) });
    const plan = planDeferred(nodes, d, () => 'f'.repeat(32));
    expect(plan.order.map((n) => n.name)).toEqual(['other']);
    expect(plan.id).toBe('3'.repeat(32));
    expect([...plan.inSet]).toEqual(['c']);
  });

  it('runs the pipeline reading two commits of one set once, under their shared ID, reading both at it (a move beside them at its head)', () => {
    const d = newDeferredTriggers();
    d.commits.push({ repo: 'a', branch: 'master', id: '6'.repeat(32) }, { repo: 'b', branch: 'master', id: '6'.repeat(32) });
    d.moves.push({ repo: 'c', branch: 'master', to: '7'.repeat(32) });
    const plan = planDeferred(nodes, d, () => 'f'.repeat(32));
    expect(plan.order.map((n) => n.name)).toEqual(['joined', 'other', 'report']);
    expect(plan.id).toBe('6'.repeat(32));
    expect([...plan.inSet].sort()).toEqual(['a', 'b']);
  });

  it('takes a new ID when commits of different sets, or an experiment run of the set, are among the changes', () => {
    const d = newDeferredTriggers();
    d.commits.push({ repo: 'a', branch: 'master', id: '6'.repeat(32) }, { repo: 'b', branch: 'master', id: '8'.repeat(32) });
    expect(planDeferred(nodes, d, () => 'f'.repeat(32))).toMatchObject({ id: 'f'.repeat(32), inSet: new Set() });
    const e = newDeferredTriggers();
    e.commits.push({ repo: 'a', branch: 'master', id: '6'.repeat(32) }, { repo: 'c', branch: 'exp', id: '6'.repeat(32) });
    expect(planDeferred(nodes, e, () => 'f'.repeat(32))).toMatchObject({ id: 'f'.repeat(32), unnamed: [{ repo: 'c', branch: 'exp', id: '6'.repeat(32) }] });
  });

  it('runs a created pipeline and what reads it; a commit on a branch nobody reads is left to run alone', () => {
    const d = newDeferredTriggers();
    d.pipelines.add('joined');
    d.commits.push({ repo: 'a', branch: 'dev', id: '4'.repeat(32) });
    const plan = planDeferred(nodes, d, () => 'f'.repeat(32));
    expect(plan.order.map((n) => n.name)).toEqual(['joined', 'report']);
    expect(plan.id).toBe('f'.repeat(32));
    expect(plan.unnamed).toEqual([{ repo: 'a', branch: 'dev', id: '4'.repeat(32) }]);
  });

  it('plans nothing when nothing below changed', () => {
    const d = newDeferredTriggers();
    d.moves.push({ repo: 'zzz', branch: 'master', to: '5'.repeat(32) });
    expect(planDeferred(nodes, d, () => 'f'.repeat(32)).order).toEqual([]);
  });

  it('stops collecting once the transaction is applied (a cron armed inside it ticks as usual later)', () => {
    const d = newDeferredTriggers();
    expect(openDeferred(d)).toBe(d);
    d.closed = true;
    expect(openDeferred(d)).toBeUndefined();
    expect(openDeferred(undefined)).toBeUndefined();
  });
});
