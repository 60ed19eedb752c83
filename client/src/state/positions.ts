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

/** The greatest position in `items`, if any. */
export function lastPos(items: readonly Positioned[]): string | undefined {
  let last: string | undefined;
  for (const item of items) {
    if (last === undefined || item.pos > last) last = item.pos;
  }
  return last;
}
