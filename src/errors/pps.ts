// Errors of the pipeline system: pipelines, jobs, datums and experiments that
// are not there or not in a state for what was asked, and datum outputs that
// cannot be merged.
import { AlreadyExists } from './already-exists.js';
import { FailedPrecondition } from './failed-precondition.js';
import { NotFound } from './not-found.js';

export class PipelineNotFound extends NotFound {
  constructor(readonly pipeline: string, message = `pipeline "${pipeline}" not found`) {
    super('PipelineNotFound', message, { pipeline });
  }
}

export class PipelineExists extends AlreadyExists {
  constructor(readonly pipeline: string) {
    super('PipelineExists', `pipeline "${pipeline}" already exists; use \`tusk update pipeline\` to change it`, { pipeline });
  }
}

export class JobNotFound extends NotFound {
  constructor(readonly pipeline: string, readonly job: string) {
    super('JobNotFound', `job ${pipeline}@${job} not found`, { pipeline, job });
  }
}

export class DatumNotFound extends NotFound {
  constructor(readonly pipeline: string, readonly job: string, readonly datum: string) {
    super('DatumNotFound', `datum ${datum} not found in job ${pipeline}@${job}`, { pipeline, job, datum });
  }
}

/**
 * An input that makes more datums than one job can plan (a cross multiplies its inputs' datums): planning them
 * all would exhaust the daemon's memory, so the job fails (and `tusk impact` refuses) instead.
 */
export class TooManyDatums extends FailedPrecondition {
  /** `how`: where they come from, e.g. `a cross of 10 × 10 × 10`. */
  constructor(readonly datums: number, readonly limit: number, how: string) {
    super(
      'TooManyDatums',
      `the input makes at least ${count(datums)} datums (${how}), more than the ${count(limit)} one job can plan; use coarser globs (e.g. "/" for an input every datum needs whole)`,
      { datums, limit },
    );
  }
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Two datums of a job wrote the same output path. */
export class OutputCollision extends FailedPrecondition {
  constructor(readonly path: string, readonly datums: [string, string]) {
    super('OutputCollision', `datums ${datums[0]} and ${datums[1]} both wrote ${path}`, { path, datums });
  }
}

export class ExperimentNotFound extends NotFound {
  constructor(readonly branch: string) {
    super('ExperimentNotFound', `no repo of the pipeline graph has a branch "${branch}" and no pipeline has a version for it`, { branch });
  }
}

export class NotFastForward extends FailedPrecondition {
  constructor(readonly branch: string, readonly repos: string[]) {
    super(
      'NotFastForward',
      `cannot promote ${branch}: the main line moved since the experiment branched in ${repos.join(', ')} (not a fast-forward); rerun the experiment on the new main line, e.g. \`tusk create branch REPO@${branch} --head master\``,
      { branch, repos },
    );
  }
}

export class ExperimentRunning extends FailedPrecondition {
  constructor(readonly branch: string, readonly repos: string[], action: 'promote' | 'delete' = 'promote') {
    super('ExperimentRunning', `cannot ${action} ${branch}: it has open commits in ${repos.join(', ')}; wait for them (\`tusk wait commit REPO@${branch}\`)`, { branch, repos });
  }
}

export class TransactionNotFound extends NotFound {
  constructor(readonly transaction: string) {
    super('TransactionNotFound', `transaction ${transaction} not found (finished or deleted already? \`tusk list transaction\` shows the open ones)`, { transaction });
  }
}

/** An op of a transaction failed at `finish transaction`: everything the transaction did was rolled back. */
export class TransactionFailed extends FailedPrecondition {
  constructor(readonly transaction: string, readonly op: string, readonly reason: string) {
    super('TransactionFailed', `transaction ${transaction} rolled back: ${op}: ${reason}`, { transaction, op, reason });
  }
}
