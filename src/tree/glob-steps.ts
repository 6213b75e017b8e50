// How glob matchers share out their work: a match is a generator of steps that
// yields every STEPS_PER_CHUNK steps, run either at once (runSteps) or with an
// await between chunks (runStepsAsync), so that a long path against a large
// pattern never holds the event loop for more than a chunk.

export interface MatchStats {
  /** Thread steps taken: grows linearly with the path's length for a given pattern. */
  steps: number;
}
/** Steps a matcher takes between chances to give the event loop back (well under a millisecond). */
export const STEPS_PER_CHUNK = 20_000;

/** Runs a matcher's steps: a generator yields every STEPS_PER_CHUNK steps. */
export type Steps<T> = Generator<void, T, void>;

/** Runs steps to the end at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs steps to the end, awaiting `pause` at each chunk boundary. */
export async function runStepsAsync<T>(steps: Steps<T>, pause: () => Promise<void>): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await pause();
  }
}

