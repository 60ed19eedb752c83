// The smallest single edit that turns one string into another (pure).

export interface TextEdit {
  /** Where the edit starts, in UTF-16 code units. */
  readonly index: number;
  /** How many code units to delete there. */
  readonly remove: number;
  /** What to insert after deleting. */
  readonly insert: string;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * One delete+insert covering everything between the common prefix and the common suffix, or
 * null when the strings are equal. Never splits a surrogate pair.
 */
export function diffText(before: string, after: string): TextEdit | null {
  if (before === after) return null;
  let start = 0;
  const limit = Math.min(before.length, after.length);
  while (start < limit && before.charCodeAt(start) === after.charCodeAt(start)) start += 1;
  if (start > 0 && isHighSurrogate(before.charCodeAt(start - 1))) start -= 1;
  let endBefore = before.length;
  let endAfter = after.length;
  while (
    endBefore > start &&
    endAfter > start &&
    before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)
  ) {
    endBefore -= 1;
    endAfter -= 1;
  }
  if (endBefore < before.length && isLowSurrogate(before.charCodeAt(endBefore))) {
    endBefore += 1;
    endAfter += 1;
  }
  return { index: start, remove: endBefore - start, insert: after.slice(start, endAfter) };
}

/** Where a caret at `caret` goes when `edit` is applied elsewhere (e.g. a remote change). */
export function shiftCaret(caret: number, edit: TextEdit): number {
  if (caret <= edit.index) return caret;
  if (caret >= edit.index + edit.remove) return caret - edit.remove + edit.insert.length;
  return edit.index + edit.insert.length;
}
