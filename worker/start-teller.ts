// Started for the one-process-per-datum path, told in groups: when a datum's
// code is about to run and the coordinator takes starts ahead (Task.startAhead),
// the worker tells it and the datums queued next (those that take it too) in one
// Started message, and the datums of the group after it need no message of their
// own (one gRPC frame fewer per datum in the worker and in tuskd). Only with a
// running mark (running-mark.ts): each datum is named in it just before its code
// runs, so when the worker is lost the coordinator still charges a try to the
// datum that was running and to no other of its group. Without a mark (a pod),
// a datum the coordinator wants told alone, or without a startedAhead call (an
// older daemon), each datum is told alone, just before its code runs.
import type { Task } from '../src/client/index.js';

/** Datums told in one Started message, at most. */
export const START_GROUP = 32;

export interface StartApi {
  /** One datum, alone; settles with the call, never rejects. */
  started(task: Task): Promise<void>;
  /** These datums, in the order they run; settles as `started`. Unset: each is told alone. */
  startedAhead?(tasks: readonly Task[]): Promise<void>;
}

/** Where the worker names the datum whose code runs now (RunningMark). */
export interface Mark {
  mark(job: string, datum: string): void;
}

export class StartTeller {
  /** Datums already told (by `job/datum`) with a group, not run yet: the group's call. */
  private readonly told = new Map<string, Promise<void>>();

  constructor(
    private readonly api: StartApi,
    /** The tasks queued next, in the order they run (up to `max`). */
    private readonly peek: (max: number) => Task[],
    /** Unset: no groups. */
    private readonly running?: Mark,
    private readonly group = START_GROUP,
  ) {}

  /** Tells that `task`'s code runs now (or finds it told with a group); settles with the call that told it. */
  tell(task: Task): Promise<void> {
    // First the mark: a worker lost from here on is charged this datum, once its Started has arrived.
    this.running?.mark(task.job, task.datum);
    const key = startKey(task);
    const ahead = this.told.get(key);
    if (ahead) {
      this.told.delete(key);
      return ahead;
    }
    if (!this.running || !task.startAhead || !this.api.startedAhead) return this.api.started(task);
    const group = [task];
    for (const next of this.peek(this.group - 1)) {
      if (!next.startAhead || this.told.has(startKey(next))) break;
      group.push(next);
    }
    if (group.length === 1) return this.api.started(task);
    const told = this.api.startedAhead(group);
    for (const t of group.slice(1)) this.told.set(startKey(t), told);
    return told;
  }
}

function startKey(task: Task): string {
  return `${task.job}/${task.datum}`;
}
