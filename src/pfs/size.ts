// Human sizes as branch triggers write them ("100MB", "1.5GiB", "512 kb"):
// B, KB, MB, GB, TB, PB are powers of 1000, as in Pachyderm (go-units'
// FromHumanSize); KiB, MiB, GiB, TiB, PiB are powers of 1024 (Pachyderm reads
// those as powers of 1000 too, which surprises people; we do not). Case does
// not matter, the final "B" may be left out ("100M"), a space may separate
// the number from the unit, and a bare number is bytes. Pure.

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  p: 1e15,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
  pi: 1024 ** 5,
};

const SIZE = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmgtp]i?)?(b)?$/i;

/**
 * The number of bytes `text` means, rounded up to a whole byte, or undefined
 * when it is not a size (no number, an unknown unit such as "XB", a negative
 * number, or more than 2^53 bytes).
 */
export function parseSize(text: string): number | undefined {
  const m = SIZE.exec(text.trim());
  if (!m) return undefined;
  const factor = BigInt(UNITS[(m[2] ?? '').toLowerCase()]!);
  // Exact decimal arithmetic: 1.1KB is 1100 bytes, not 1100.0000000000002 rounded up.
  const [whole = '', fraction = ''] = m[1]!.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole || '0') * scale + BigInt(fraction || '0');
  const bytes = Number((scaled * factor + scale - 1n) / scale);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Why `text` is not a size a trigger accepts (it must also be at least one byte), or undefined. */
export function sizeProblem(text: string): string | undefined {
  const bytes = parseSize(text);
  if (bytes === undefined) return 'is not a size (use a number and a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. 100MB or 1.5GiB)';
  if (bytes < 1) return 'must be at least 1 byte';
  return undefined;
}
