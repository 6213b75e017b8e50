// Branch triggers, the pure part: checking a trigger someone asks for, finding
// the cycle it would close, and deciding whether a triggered branch moves.
// A branch B with a trigger on branch S of the same repo moves to S's last
// finished commit when its conditions hold (any one of them, or all with
// `all`; with none set B follows S on every commit):
//   size     S's head is at least this many bytes larger than B's head (the
//            net growth of the data, as Pachyderm computes it: deleting 50 MB
//            and adding 150 MB counts as 100 MB)
//   commits  at least this many commits were made on S since B's head
//   cronSpec a tick of the schedule has come since B last moved (or since the
//            trigger was set): B moves at most once per tick, at the tick if S
//            has something new, else with the first commit after it
// Nothing here does I/O; trigger-scheduler.ts feeds it.
import { InvalidTrigger, TriggerCycle } from '../errors/index.js';
import { checkBranchName } from './names.js';
import type { TriggerRecord } from './records.js';
import { parseSize, sizeProblem } from './size.js';
import { cronProblem, nextTick } from './trigger-cron.js';

/**
 * Checks a trigger for branch `branch` and returns it tidied (trimmed specs).
 * Throws InvalidTrigger naming the field and value: a source that is not a
 * branch name or is the branch itself, a size that does not parse or is zero,
 * a commit count that is negative or fractional (0 means "not set"), a cron
 * spec that does not parse.
 */
export function checkTrigger(branch: string, t: TriggerRecord): TriggerRecord {
  try {
    checkBranchName(t.branch);
  } catch (err) {
    throw new InvalidTrigger(branch, 'branch', t.branch, `is not a branch name (${(err as { data?: { rule?: string } }).data?.rule ?? 'invalid'})`);
  }
  if (t.branch === branch) throw new InvalidTrigger(branch, 'branch', t.branch, 'is the branch itself; a branch cannot trigger on itself');
  const size = t.size.trim();
  const sizeWrong = size === '' ? undefined : sizeProblem(size);
  if (sizeWrong) throw new InvalidTrigger(branch, 'size', t.size, sizeWrong);
  if (!Number.isSafeInteger(t.commits) || t.commits < 0) throw new InvalidTrigger(branch, 'commits', String(t.commits), 'must be a whole number of commits, 1 or more');
  const cronSpec = t.cronSpec.trim();
  const cronWrong = cronSpec === '' ? undefined : cronProblem(cronSpec);
  if (cronWrong) throw new InvalidTrigger(branch, 'cronSpec', t.cronSpec, cronWrong);
  return { branch: t.branch, all: t.all, cronSpec, size, commits: t.commits };
}

/**
 * Throws TriggerCycle when giving `branch` a trigger on `source` would close a
 * loop, given `sources`: each other branch of the repo and the branch its
 * trigger reads.
 */
export function checkNoCycle(repo: string, branch: string, source: string, sources: ReadonlyMap<string, string>): void {
  const path = [branch, source];
  const seen = new Set(path);
  let at: string | undefined = sources.get(source);
  while (at !== undefined) {
    path.push(at);
    if (at === branch) throw new TriggerCycle(repo, path);
    if (seen.has(at)) return; // a loop elsewhere (cannot be created, but never spin)
    seen.add(at);
    at = sources.get(at);
  }
}

/** What the decision needs to know about a triggered branch and its source. */
export interface TriggerSituation {
  trigger: TriggerRecord;
  /** The triggered branch's head (undefined: an empty branch). */
  head?: { id: string; sizeBytes: number };
  /** The source branch's last finished commit. */
  source: { id: string; sizeBytes: number };
  /** Commits on the source after the triggered branch's head (the caller may stop counting at `trigger.commits`). */
  newCommits: number;
  /** When the branch last moved by its trigger, or when the trigger was set. */
  since: Date;
  now: Date;
}

/** Whether the triggered branch moves to the source's head now. */
export function shouldMove(s: TriggerSituation): boolean {
  if (s.head?.id === s.source.id) return false;
  const t = s.trigger;
  const conditions: boolean[] = [];
  if (t.size) conditions.push(s.source.sizeBytes - (s.head?.sizeBytes ?? 0) >= parseSize(t.size)!);
  if (t.commits > 0) conditions.push(s.newCommits >= t.commits);
  if (t.cronSpec) conditions.push(cronDue(t.cronSpec, s.since, s.now));
  if (conditions.length === 0) return true;
  return t.all ? conditions.every(Boolean) : conditions.some(Boolean);
}

/** Whether a tick of `spec` has come after `since`, up to and including `now`. */
export function cronDue(spec: string, since: Date, now: Date): boolean {
  return nextTick(spec, since).getTime() <= now.getTime();
}

/** When the cron condition of a trigger next becomes true (undefined: no cron condition). */
export function nextCronCheck(t: TriggerRecord, since: Date): Date | undefined {
  return t.cronSpec ? nextTick(t.cronSpec, since) : undefined;
}
