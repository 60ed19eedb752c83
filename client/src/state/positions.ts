// Ordering helpers for the opaque fractional `pos` strings (pure).

export interface Positioned {
  readonly id: string;
  readonly pos: string;
}

/** Order by (pos, id), comparing code units so every client agrees regardless of locale. */
export function byPosThenId(a: Positioned, b: Positioned): number {
  if (a.pos !== b.pos) return a.pos < b.pos ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}

const DIGITS = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A position that sorts after `last` (or a first position when there is none).
 * Bumps the final digit when it can and otherwise extends the string, so the result is
 * always strictly greater than `last`, whatever `last` looks like.
 */
export function posAfter(last?: string): string {
  if (last === undefined || last === '') return 'm';
  const tail = last.slice(-1);
  const index = DIGITS.indexOf(tail);
  if (index >= 0 && index < DIGITS.length - 1) {
    return last.slice(0, -1) + DIGITS.charAt(index + 1);
  }
  return last + 'm';
}

/** Digits strictly between `lower` (padded with '0') and `upper` (undefined: unbounded). */
function midpoint(lower: string, upper: string | undefined): string | null {
  let prefix = '';
  for (let i = 0; i < 64; i += 1) {
    const low = i < lower.length ? DIGITS.indexOf(lower.charAt(i)) : 0;
    let high = DIGITS.length;
    if (upper !== undefined) high = i < upper.length ? DIGITS.indexOf(upper.charAt(i)) : 0;
    if (low < 0 || high < 0) return null;
    if (low === high) {
      prefix += DIGITS.charAt(low);
      continue;
    }
    if (high - low >= 2) return prefix + DIGITS.charAt(Math.floor((low + high) / 2));
    // Adjacent digits: keep the lower one and go above the rest of `lower`, unbounded.
    const rest = midpoint(lower.slice(i + 1), undefined);
    return rest === null ? null : prefix + DIGITS.charAt(low) + rest;
  }
  return null;
}

/**
 * A position strictly between `before` and `after` (either may be absent), so an item can be
 * dropped between two neighbours without touching them. Positions written by others are
 * opaque: when they are not made of our digits the result still sorts after `before` (and
 * the (pos, id) order keeps the board stable), though it may land after `after` too.
 */
export function posBetween(before?: string, after?: string): string {
  const low = before ?? '';
  const high = after === undefined || after === '' || after <= low ? undefined : after;
  const mid = midpoint(low, high);
  if (mid !== null && mid > low && (high === undefined || mid < high)) return mid;
  return posAfter(low);
}

/** The greatest position in `items`, if any. */
export function lastPos(items: readonly Positioned[]): string | undefined {
  let last: string | undefined;
  for (const item of items) {
    if (last === undefined || item.pos > last) last = item.pos;
  }
  return last;
}

/**
 * Where an item lands when it moves to `index` among `siblings` (already in order, the moving
 * item left out): a position between its new neighbours.
 */
export function posAt(siblings: readonly Positioned[], index: number): string {
  const clamped = Math.max(0, Math.min(index, siblings.length));
  return posBetween(siblings[clamped - 1]?.pos, siblings[clamped]?.pos);
}
