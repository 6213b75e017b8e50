// Which datum results stay in the reuse index, decided. A successful datum's
// output is kept by its datum ID so later jobs skip it; without a rule the
// index (and the data its outputs reach) would grow forever. The rule keeps a
// result when any of these holds:
//   - a job still in progress uses it (ran it, or reuses it);
//   - one of the newest `keepJobs` jobs of its pipeline on some output
//     branch used it (Pachyderm reuses the datums of a pipeline's last job;
//     keeping a few jobs per branch lets a revert or a flip-flopping input
//     reuse too);
//   - it was recorded less than `keepAgeMs` ago (a job about to start may
//     still pick it up).
// Everything else is dropped: a later job recomputes such a datum. Pure: the
// jobs, results and the time come in; the decision goes out.

export interface RetentionRule {
  /** The newest jobs per pipeline and output branch whose datums stay reusable (>= 1). */
  keepJobs: number;
  /** Results younger than this stay, whoever used them. */
  keepAgeMs: number;
}

export const DEFAULT_RETENTION: RetentionRule = { keepJobs: 5, keepAgeMs: 24 * 60 * 60 * 1000 };

export interface RetentionJob {
  pipeline: string;
  id: string;
  branch: string;
  /** Creation order: higher is newer. */
  seq: number;
  finished: boolean;
  /** The datum IDs whose results it ran or reused; only those of the jobs `jobsToRead` names are looked at. */
  datums?: readonly string[];
}

export interface RetentionResult {
  pipeline: string;
  datum: string;
  /** The job that recorded it. */
  job: string;
  /** When it was recorded (ISO time); absent for results older than this rule (then its job's time, if known). */
  recorded?: string;
}

export interface RetentionDecision {
  keep: RetentionResult[];
  drop: RetentionResult[];
}

/** The jobs whose datum lists the decision needs: the newest `keepJobs` per pipeline branch, and every unfinished one. */
export function jobsToRead(rule: RetentionRule, jobs: readonly RetentionJob[]): RetentionJob[] {
  const byBranch = new Map<string, RetentionJob[]>();
  for (const j of jobs) {
    const key = `${j.pipeline}\u0000${j.branch}`;
    byBranch.set(key, [...(byBranch.get(key) ?? []), j]);
  }
  const out = new Set<RetentionJob>();
  for (const list of byBranch.values()) for (const j of [...list].sort((a, b) => b.seq - a.seq).slice(0, Math.max(1, rule.keepJobs))) out.add(j);
  for (const j of jobs) if (!j.finished) out.add(j);
  return [...out];
}

/**
 * Splits `results` into those the rule keeps and those it drops, at time `now`.
 * `jobs` are every job of the pipelines concerned, with `datums` filled for those jobsToRead() names;
 * `jobTime` gives a result without `recorded` the time of its job (undefined: unknown, counts as old).
 */
export function decideRetention(rule: RetentionRule, now: Date, jobs: readonly RetentionJob[], results: readonly RetentionResult[], jobTime: (pipeline: string, job: string) => string | undefined = () => undefined): RetentionDecision {
  const used = new Set<string>();
  for (const j of jobsToRead(rule, jobs)) for (const d of j.datums ?? []) used.add(`${j.pipeline}/${d}`);
  const decision: RetentionDecision = { keep: [], drop: [] };
  for (const r of results) {
    const at = Date.parse(r.recorded ?? jobTime(r.pipeline, r.job) ?? '');
    const young = Number.isFinite(at) && now.getTime() - at < rule.keepAgeMs;
    (used.has(`${r.pipeline}/${r.datum}`) || young ? decision.keep : decision.drop).push(r);
  }
  return decision;
}
