// Errors for branch triggers that can never be right: a condition that does
// not parse (a size like "100XB", a bad cron spec, a commit count below one),
// a branch that triggers on itself, or triggers that would form a cycle.
import { InvalidArgument } from './invalid-argument.js';

/** One field of a trigger is wrong; `field` is the CLI/API name (`size`, `commits`, `cronSpec`, `branch`). */
export class InvalidTrigger extends InvalidArgument {
  constructor(readonly branch: string, readonly field: string, readonly value: string, readonly reason: string) {
    super('InvalidTrigger', `invalid trigger for branch "${branch}": ${field} ${JSON.stringify(value)} ${reason}`, { branch, field, value, reason });
  }
}

/** Setting this trigger would make branches trigger on each other in a loop (`cycle` lists them, first = last). */
export class TriggerCycle extends InvalidArgument {
  constructor(readonly repo: string, readonly cycle: readonly string[]) {
    super('TriggerCycle', `triggers in repo "${repo}" would form a cycle: ${cycle.join(' <- ')}`, { repo, cycle: [...cycle] });
  }
}
