// Properties of the pure job planner: which jobs a cascade makes and what they
// read (planCascade), and which datums run or are reused (planReuse). No I/O.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PipelineNode } from './cascade.js';
import { inputRepos } from './dag.js';
import type { Datum } from './datums.js';
import { branchKey, planCascade, planReuse, type CascadeFacts, type PipelineVersion } from './job-plan.js';
import type { DatumResultRecord, DatumState, JobDatumRecord, JobRecord, PipelineRecord } from './records.js';
import { normalizePipelineSpec } from './spec-parse.js';

/** Each property's number of cases: enough for these small worlds, cheap on a loaded CI machine. */
const RUNS = { numRuns: 50 };
const ID = 'cafe0000000000000000000000000001';
const SOURCES = ['a', 'b'];
const BRANCHES = ['master', 'exp'];

/** Pipeline i reads one or two repos among the sources and the pipelines before it. */
const pipelineArb = (i: number) =>
  fc.record({
    reads: fc.uniqueArray(fc.constantFrom(...SOURCES, ...Array.from({ length: i }, (_, j) => `p${j}`)), { minLength: 1, maxLength: 2 }),
    readBranch: fc.constantFrom(...BRANCHES),
    reprocessNext: fc.boolean(),
    deleted: fc.boolean(),
  });

const worldArb = fc
  .tuple(...[0, 1, 2, 3].map(pipelineArb))
  .chain((pipelines) => {
    const repos = [...SOURCES, ...pipelines.map((_, i) => `p${i}`)];
    const keys = repos.flatMap((r) => BRANCHES.map((b) => branchKey(r, b)));
    return fc.record({
      pipelines: fc.constant(pipelines),
      branches: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom('', 'h1', 'h2')),
      heads: fc.dictionary(fc.constantFrom(...keys), fc.constantFrom('h1', 'h2', 'h3')),
      taken: fc.uniqueArray(fc.constantFrom(...repos)),
      inSet: fc.uniqueArray(fc.constantFrom(...SOURCES)),
      onBranch: fc.constantFrom(undefined, 'exp'),
    });
  });

function build(world: fc.Infer<typeof worldArb>) {
  const order: PipelineNode[] = [];
  const pipelines = new Map<string, PipelineVersion>();
  world.pipelines.forEach((p, i) => {
    const name = `p${i}`;
    const leaves = p.reads.map((repo, k) => ({ pfs: { repo, branch: p.readBranch, glob: '/*', name: `in${k}` } }));
    const spec = normalizePipelineSpec({ pipeline: { name }, transform: { image: 'x', cmd: ['true'] }, input: leaves.length === 1 ? leaves[0] : { cross: leaves } });
    order.push({ name, outputBranch: spec.outputBranch, inputs: inputRepos(spec).map((r) => ({ repo: r.repo, branch: r.branch })) });
    const record: PipelineRecord = { name, version: 1, spec, state: 'running', created: '', updated: '', reason: '', reprocessNext: p.reprocessNext };
    if (!p.deleted) pipelines.set(name, { record, version: 1, spec, reprocessNext: p.reprocessNext });
  });
  const facts: CascadeFacts = {
    pipelines,
    branches: new Map(Object.entries(world.branches)),
    inputHeads: new Map(Object.entries(world.heads)),
    taken: new Set(world.taken),
  };
  return { order, facts, plans: planCascade(order, ID, new Set(world.inSet), world.onBranch, facts) };
}

describe('planCascade', () => {
  it('plans one job per pipeline of the order that exists and has no commit under the ID yet, in order', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { order, facts, plans } = build(world);
        expect(plans.map((p) => p.pipeline)).toEqual(order.map((n) => n.name).filter((n) => facts.pipelines.has(n) && !facts.taken.has(n)));
      }),
      RUNS,
    );
  });

  it('reads the changed repos and outputs made earlier in the cascade at the cascade ID, every other input at its head', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { facts, plans } = build(world);
        const inCascade = new Set(world.inSet);
        for (const plan of plans) {
          for (const input of plan.inputs) {
            if (inCascade.has(input.repo)) expect(input.id).toBe(ID);
            else expect(input.id).toBe(facts.inputHeads.get(branchKey(input.repo, input.branch)));
          }
          // An input outside the cascade without a head is left out.
          const read = new Set(plan.inputs.map((i) => i.repo));
          for (const leaf of inputRepos(plan.spec)) if (!read.has(leaf.repo)) expect(inCascade.has(leaf.repo)).toBe(false);
          expect(new Set(plan.inputs.map((i) => branchKey(i.repo, i.branch))).size).toBe(plan.inputs.length);
          inCascade.add(plan.pipeline);
        }
      }),
      RUNS,
    );
  });

  it('on the main line, writes to each output branch and reads the branches the specs name', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { plans } = build({ ...world, onBranch: undefined });
        for (const plan of plans) {
          expect(plan.outputBranch).toBe(plan.spec.outputBranch);
          expect(plan.newBranch).toBeUndefined();
          const named = new Set(inputRepos(plan.spec).map((i) => branchKey(i.repo, i.branch)));
          for (const input of plan.inputs) expect(named.has(branchKey(input.repo, input.branch))).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('on an experiment branch, writes there (creating it from the main-line head) and reads it where it exists', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { facts, plans } = build({ ...world, onBranch: 'exp' });
        const inCascade = new Set(world.inSet);
        for (const plan of plans) {
          expect(plan.outputBranch).toBe('exp');
          if (facts.branches.has(branchKey(plan.pipeline, 'exp'))) expect(plan.newBranch).toBeUndefined();
          else expect(plan.newBranch).toEqual({ name: 'exp', head: facts.branches.get(branchKey(plan.pipeline, 'master')) ?? '' });
          for (const input of plan.inputs) {
            const onExp = inCascade.has(input.repo) || facts.branches.has(branchKey(input.repo, 'exp'));
            if (onExp) expect(input.branch).toBe('exp');
          }
          inCascade.add(plan.pipeline);
        }
      }),
      RUNS,
    );
  });

  it('takes a --reprocess request with the job it applies to', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { facts, plans } = build(world);
        for (const plan of plans) {
          const p = facts.pipelines.get(plan.pipeline)!;
          expect(plan.reprocess).toBe(p.reprocessNext);
          if (p.reprocessNext) expect(plan.reprocessTaken).toMatchObject({ name: plan.pipeline, reprocessNext: false });
          else expect(plan.reprocessTaken).toBeUndefined();
        }
      }),
      RUNS,
    );
  });
});

const STATES: DatumState[] = ['success', 'skipped', 'failed', 'running', 'queued', 'recovered'];
const KEPT = new Set<DatumState>(['success', 'skipped', 'recovered']);

const hex = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength, maxLength });

const reuseArb = fc.uniqueArray(hex(4, 4), { maxLength: 30 }).chain((ids) =>
  fc.record({
    ids: fc.constant(ids),
    existing: fc.dictionary(fc.constantFrom('none', ...ids), fc.constantFrom(...STATES)),
    results: fc.dictionary(fc.constantFrom('none', ...ids), hex(1, 6)),
    reprocess: fc.boolean(),
  }),
);

function reuse(world: fc.Infer<typeof reuseArb>) {
  const job = { id: ID, pipeline: 'p', version: 3, reprocess: world.reprocess } as JobRecord;
  const datums: Datum[] = world.ids.map((id) => ({ id, inputs: [] }));
  const existing = new Map<string, JobDatumRecord>(
    Object.entries(world.existing).map(([id, state]) => [id, { id, state, files: [], tries: 1, durationMs: 1, reason: '', output: state === 'success' ? `old-${id}` : '' }]),
  );
  const results = new Map<string, DatumResultRecord>(Object.entries(world.results).map(([id, output]) => [id, { output, job: 'earlier' }]));
  return { existing, results, plan: planReuse(job, datums, existing, results) };
}

describe('planReuse', () => {
  it('gives every datum one record and counts each as kept, reused or to run', () => {
    fc.assert(
      fc.property(reuseArb, (world) => {
        const { plan } = reuse(world);
        expect([...plan.records.keys()]).toEqual(world.ids);
        const c = plan.counts;
        expect(c.total).toBe(world.ids.length);
        expect(c.failed).toBe(0);
        expect(c.processed + c.skipped + c.recovered + plan.tasks.length).toBe(c.total);
      }),
      RUNS,
    );
  });

  it('keeps what ended well in this job, reuses a result unless reprocessing, and runs the rest in datum order', () => {
    fc.assert(
      fc.property(reuseArb, (world) => {
        const { existing, results, plan } = reuse(world);
        const toRun: string[] = [];
        for (const id of world.ids) {
          const old = existing.get(id);
          const rec = plan.records.get(id)!;
          if (old && KEPT.has(old.state)) {
            expect(rec).toBe(old);
            expect(plan.changed).not.toContain(rec);
          } else if (!world.reprocess && results.has(id)) {
            expect(rec).toMatchObject({ state: 'skipped', output: results.get(id)!.output, tries: 0 });
            expect(plan.changed).toContain(rec);
          } else {
            expect(rec).toMatchObject({ state: 'queued', output: '' });
            toRun.push(id);
          }
        }
        expect(plan.tasks.map((t) => t.datum)).toEqual(toRun);
        for (const t of plan.tasks) expect(t).toMatchObject({ pipeline: 'p', job: ID, outputCommit: ID, version: 3, attempts: 0 });
      }),
      RUNS,
    );
  });
});
