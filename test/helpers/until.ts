// Polls a check until it holds (a daemon's background work, seen through the CLI), failing after 150 s (a loaded machine is slow).
export async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await what();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
