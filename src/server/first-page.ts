// The first message of a streamed listing is its first page: up to FIRST_PAGE
// items, gathered from the source's batches as they come within
// FIRST_PAGE_WAIT_MS of the first (or until the source ends), then the rest
// as the source gives it. A table printed as it streams takes its column
// widths from that page, and a tree listing breaks its batches at every
// subfolder (a glob gives one item at a time), so without this a folder of
// `c.txt`, `in/`, `open.txt` went out as two messages and printed out of line.
// A page stays small, so the first line of a huge listing still comes at once.

/** Items in the first message of a listing. */
export const FIRST_PAGE = 100;
/** How long the first page waits for more items before it goes out with what it has. */
export const FIRST_PAGE_WAIT_MS = 20;

export interface PageClock {
  now(): number;
  /** Resolves after `ms`; `cancel` stops a wait that is no longer needed. */
  after(ms: number): { done: Promise<void>; cancel(): void };
}

export const REAL_PAGE_CLOCK: PageClock = {
  now: () => Date.now(),
  after(ms) {
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return { done, cancel: () => clearTimeout(timer) };
  },
};

/** The same items: the first page first (at most `size`, whatever the source's batches), then the source's own batches. */
export async function* firstPage<T>(batches: AsyncIterable<T[]>, size = FIRST_PAGE, waitMs = FIRST_PAGE_WAIT_MS, clock: PageClock = REAL_PAGE_CLOCK): AsyncIterable<T[]> {
  const it = batches[Symbol.asyncIterator]();
  let ended = false;
  const next = async (): Promise<IteratorResult<T[]>> => {
    const r = await it.next();
    if (r.done) ended = true;
    return r;
  };
  let wait: { done: Promise<void>; cancel(): void } | undefined;
  try {
    const page: T[] = [];
    let pending: Promise<IteratorResult<T[]>> | undefined;
    let late: Promise<'late'> | undefined;
    while (page.length < size && !ended) {
      pending ??= next();
      // Nothing to send yet: wait for the source as long as it takes. Then one wait for the rest of the page.
      const got = late ? await Promise.race([pending, late]) : await pending;
      if (got === 'late') break;
      pending = undefined;
      if (!got.done) for (const item of got.value) page.push(item);
      if (!late && page.length > 0) {
        wait = clock.after(waitMs);
        late = wait.done.then(() => 'late' as const);
      }
    }
    wait?.cancel();
    if (page.length > 0) yield page.slice(0, size);
    if (page.length > size) yield page.slice(size);
    if (pending) {
      const got = await pending;
      if (!got.done) yield got.value;
    }
    while (!ended) {
      const r = await next();
      if (!r.done) yield r.value;
    }
  } finally {
    wait?.cancel();
    if (!ended) await it.return?.();
  }
}
