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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO date (yyyy-mm-dd) as "30 Jun 2025"; anything else as written. */
export function formatDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const month = match === null ? undefined : MONTHS[Number(match[2]) - 1];
  if (match === null || month === undefined) return iso;
  return `${Number(match[3])} ${month} ${match[1]}`;
}

/** A date's local day as yyyy-mm-dd (ISO days compare correctly as strings). */
export function isoDay(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${String(date.getFullYear()).padStart(4, '0')}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
