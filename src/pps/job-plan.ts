// Job planning, pure: which jobs a cascade makes and which commits each one
// reads (planCascade), and which of a job's datums run again and which are
// reused or kept (planReuse). Both take the facts jobs.ts and job-runner.ts
// gather from the stores and return decisions: no I/O, no clock.
import type { CommitRefRecord } from '../pfs/index.js';
import type { PipelineNode } from './cascade.js';
import { inputRepos } from './dag.js';
import type { Datum } from './datums.js';
import type { DatumCounts, DatumResultRecord, JobDatumRecord, JobRecord, PipelineRecord } from './records.js';
import type { PipelineSpec } from './spec.js';
import type { DatumTask } from './task-queue.js';

/** A pipeline with the version its job runs on the cascade's output branch (Jobs.versionFor). */
export interface PipelineVersion {
  record: PipelineRecord;
  version: number;
  spec: PipelineSpec;
  reprocessNext: boolean;
}

/** What the stores held when a cascade was asked for. Keys of branches and heads are `repo@branch`. */
export interface CascadeFacts {
  /** The pipelines of the cascade; one missing here was deleted meanwhile and gets no job. */
  pipelines: ReadonlyMap<string, PipelineVersion>;
  /** Every branch that exists, with its head ('' for a branch without commits). */
  branches: ReadonlyMap<string, string>;
  /** The commit an input outside the cascade is read at (Jobs.inputHead); none when absent. */
  inputHeads: ReadonlyMap<string, string>;
  /** Repos that already have a commit with the cascade's ID (their job exists). */
  taken: ReadonlySet<string>;
}

export interface JobPlan {
  pipeline: string;
  outputBranch: string;
  version: number;
  spec: PipelineSpec;
  inputs: CommitRefRecord[];
  reprocess: boolean;
  /** The pipeline's record once this job has taken its `--reprocess` request (to store with the job). */
  reprocessTaken?: PipelineRecord;
  /** An experiment's output branch, to create before the job's commit, at this main-line head ('' for empty). */
  newBranch?: { name: string; head: string };
}

export function branchKey(repo: string, branch: string): string {
  return `${repo}@${branch}`;
}

/**
 * One job per pipeline in `order`, all under global ID `id`. An input whose repo is in `inSet`
 * (the changed repo) or is the output of an earlier job of the cascade is read at `id`; any other
 * input at its input head. With `onBranch`, inputs are read at that branch where it exists and
 * outputs go to that branch (created from the main line's output head when missing).
 */
export function planCascade(order: readonly PipelineNode[], id: string, inSet: ReadonlySet<string>, onBranch: string | undefined, facts: CascadeFacts): JobPlan[] {
  const plans: JobPlan[] = [];
  const set = new Set(inSet);
  for (const node of order) {
    const p = facts.pipelines.get(node.name);
    if (!p) continue;
    const inputs: CommitRefRecord[] = [];
    for (const input of inputRepos(p.spec)) {
      const branch = onBranch && (set.has(input.repo) || facts.branches.has(branchKey(input.repo, onBranch))) ? onBranch : input.branch;
      if (inputs.some((i) => i.repo === input.repo && i.branch === branch)) continue;
      if (input.commit) inputs.push({ repo: input.repo, branch: input.branch, id: input.commit }); // pinned (input.pfs.commit)
      else if (set.has(input.repo)) inputs.push({ repo: input.repo, branch, id });
      else {
        const head = facts.inputHeads.get(branchKey(input.repo, branch));
        if (head) inputs.push({ repo: input.repo, branch, id: head });
      }
    }
    if (facts.taken.has(node.name)) continue;
    const mainBranch = p.record.spec.outputBranch;
    const plan: JobPlan = {
      pipeline: node.name,
      outputBranch: onBranch ?? mainBranch,
      version: p.version,
      spec: p.spec,
      inputs,
      reprocess: p.reprocessNext || p.spec.reprocessSpec === 'every_job',
    };
    if (p.reprocessNext) plan.reprocessTaken = withoutReprocess(p.record, plan.outputBranch);
    if (onBranch && !facts.branches.has(branchKey(node.name, onBranch))) plan.newBranch = { name: onBranch, head: facts.branches.get(branchKey(node.name, mainBranch)) ?? '' };
    plans.push(plan);
    set.add(node.name);
  }
  return plans;
}

/** The record once its next job (on `branch`) has taken the `--reprocess` request. */
function withoutReprocess(p: PipelineRecord, branch: string): PipelineRecord {
  const own = p.branches?.[branch];
  if (own) return { ...p, branches: { ...p.branches, [branch]: { ...own, reprocessNext: false } } };
  return { ...p, reprocessNext: false };
}

export interface ReusePlan {
  /** Every datum's record, by datum ID. */
  records: Map<string, JobDatumRecord>;
  counts: DatumCounts;
  /** The datums handed to workers, in datum order. */
  tasks: DatumTask[];
  /** The records that are new or changed (to store), in datum order. */
  changed: JobDatumRecord[];
}

const KEPT = { success: 'processed', skipped: 'skipped', recovered: 'recovered' } as const;

/** A datum record a resumed job keeps: the datum ended well (run, reused or recovered). */
export function isKept(rec: JobDatumRecord | undefined): rec is JobDatumRecord & { state: keyof typeof KEPT } {
  return rec !== undefined && Object.hasOwn(KEPT, rec.state);
}

/**
 * Which datums of `job` run. A datum that already ended well in this job (it is resumed) keeps
 * its record; one whose ID has a result from an earlier job is skipped and reuses that output,
 * unless the job reprocesses; every other datum becomes a task.
 */
export function planReuse(job: JobRecord, datums: readonly Datum[], existing: ReadonlyMap<string, JobDatumRecord>, results: ReadonlyMap<string, DatumResultRecord>): ReusePlan {
  const counts: DatumCounts = { total: datums.length, processed: 0, skipped: 0, failed: 0, recovered: 0 };
  const plan: ReusePlan = { records: new Map(), counts, tasks: [], changed: [] };
  for (const d of datums) {
    const old = existing.get(d.id);
    if (isKept(old)) {
      plan.records.set(d.id, old);
      counts[KEPT[old.state]]++;
      continue;
    }
    const result = job.reprocess ? undefined : results.get(d.id);
    const rec: JobDatumRecord = { id: d.id, state: result ? 'skipped' : 'queued', files: datumFiles(d), tries: 0, durationMs: 0, reason: '', output: result?.output ?? '' };
    plan.records.set(d.id, rec);
    plan.changed.push(rec);
    if (result) counts.skipped++;
    else plan.tasks.push({ pipeline: job.pipeline, job: job.id, datum: d.id, inputs: d.inputs, outputCommit: job.id, version: job.version, attempts: 0 });
  }
  return plan;
}

/** A datum's input files as its job record lists them. */
export function datumFiles(d: Datum) {
  return d.inputs.flatMap((i) => i.files.map((f) => ({ input: i.name, path: f.path, size: f.size, hash: f.hash })));
}
