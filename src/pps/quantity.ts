// Kubernetes resource quantities (`512M`, `1Gi`, `64Mi`, `1e9`, `100m`) as
// numbers, for the limits the local runtime enforces itself
// (resource_limits.memory). Pure.

const SUFFIX: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The number of bytes (whole, rounded up) a memory quantity stands for; undefined when it is not one. */
export function quantityBytes(text: string): number | undefined {
  const m = /^\+?(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?([a-zA-Z]*)$/.exec(text.trim());
  if (!m) return undefined;
  const factor = SUFFIX[m[3]!];
  if (factor === undefined) return undefined;
  const n = Number(m[1]) * 10 ** Number(m[2] ?? 0) * factor;
  return Number.isFinite(n) ? Math.ceil(n) : undefined;
}
