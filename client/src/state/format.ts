// Small number formats the phase results share (pure).

/**
 * One decimal, rounding half away from zero: 2.25 → "2.3", -2.25 → "-2.3", 1.45 → "1.5".
 * Works on the value as written in decimal (1.45 is stored a hair below 1.45, yet rounds up),
 * never shows "-0.0", and gives "—" for a value that is not a finite number.
 */
export function formatOne(x: number): string {
  if (!Number.isFinite(x)) return '—';
  // x * 10 rounds to the nearest double, which puts 1.45 (1.4499…96) at exactly 14.5.
  const tenths = Math.round(Math.abs(x) * 10);
  const sign = x < 0 && tenths !== 0 ? '-' : '';
  return `${sign}${Math.floor(tenths / 10)}.${tenths % 10}`;
}

/** How a count is drawn as dots: every dot up to `max`, past it one dot and "×n". */
export interface DotRun {
  /** Dots to draw. */
  readonly dots: number;
  /** The count to print after a single dot, or null when every dot is drawn. */
  readonly times: number | null;
}

export function dotRun(count: number, max = 8): DotRun {
  const n = Math.max(0, Math.floor(count));
  return n <= max ? { dots: n, times: null } : { dots: 1, times: n };
}
