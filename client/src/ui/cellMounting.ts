// Which cards of a stage × lane cell are mounted (issue #30, item 2: paint the first screen's
// cards first, do not mount what nobody can see). A cell of a large board mounts its cards a
// screenful at a time, as the place of the next ones comes within a margin of the map's
// viewport, and keeps what it mounted; the cards not mounted yet are one placeholder that
// reserves the height they are estimated to take, so the rows, the scrollbars and the emotion
// curve do not jump.

/** Boards with at most this many cards mount every cell at once, as before. */
export const EAGER_CARDS = 150;

/**
 * The margin around the map's viewport within which cards mount (IntersectionObserver's
 * rootMargin): half a screen beyond each edge, so a scroll by half a page finds them mounted.
 */
export const MOUNT_MARGIN = '50% 50% 50% 50%';

/** The parts of a card's layout the estimate uses, in CSS pixels at zoom 1 (CardView.svelte). */
export const CARD_LAYOUT = {
  /** The cell's padding (10 px) on each side, the card's left border (3) and padding (8 + 10). */
  horizontalInset: 41,
  /** The card's vertical padding (6 + 6) and its badge row (22) with the gap above it (4). */
  cardChrome: 38,
  /** A line of the card's 14 px text. */
  lineHeight: 19,
  /** An average character of the 14 px text. */
  charWidth: 7.4,
  /** The gap between two cards of a cell. */
  gap: 8,
  /** A chip (the overview's one-line card) and the gap between chips. */
  chipHeight: 24,
  chipGap: 4,
} as const;

/** How many lines `text` takes at `perLine` characters a line (each paragraph at least one). */
export function linesOf(text: string, perLine: number): number {
  let lines = 0;
  for (const paragraph of text.split('\n')) lines += Math.max(1, Math.ceil(paragraph.length / perLine));
  return lines;
}

/**
 * The estimated height (CSS px at zoom 1) of a cell's card list: `texts` are its cards' texts,
 * `columnWidth` the stage column's width, `chips` whether cards show as one-line chips.
 */
export function estimateCardsHeight(texts: readonly string[], columnWidth: number, chips: boolean): number {
  if (texts.length === 0) return 0;
  if (chips) return texts.length * CARD_LAYOUT.chipHeight + (texts.length - 1) * CARD_LAYOUT.chipGap;
  const perLine = Math.max(8, Math.floor((columnWidth - CARD_LAYOUT.horizontalInset) / CARD_LAYOUT.charWidth));
  let height = (texts.length - 1) * CARD_LAYOUT.gap;
  for (const text of texts) height += CARD_LAYOUT.cardChrome + linesOf(text, perLine) * CARD_LAYOUT.lineHeight;
  return Math.round(height);
}

/** A card's estimated height alone (the gap after it included, except in a cell of one). */
function cardHeight(text: string, perLine: number, chips: boolean): number {
  if (chips) return CARD_LAYOUT.chipHeight + CARD_LAYOUT.chipGap;
  return CARD_LAYOUT.cardChrome + linesOf(text, perLine) * CARD_LAYOUT.lineHeight + CARD_LAYOUT.gap;
}

/**
 * How many of `texts` (a cell's cards not mounted yet, in order) to mount so that they fill
 * `budget` CSS px at zoom 1 (from the placeholder's top to the edge of what should be
 * mounted): at least one, so every report makes progress, and all for an infinite budget.
 */
export function cardsWithin(texts: readonly string[], columnWidth: number, chips: boolean, budget: number): number {
  if (budget === Infinity) return texts.length;
  const perLine = Math.max(8, Math.floor((columnWidth - CARD_LAYOUT.horizontalInset) / CARD_LAYOUT.charWidth));
  let used = 0;
  let count = 0;
  for (const text of texts) {
    if (count > 0 && used >= budget) break;
    used += cardHeight(text, perLine, chips);
    count += 1;
  }
  return count;
}

/** Where keyboard focus entering a not yet mounted cell goes once its cards are in. */
export type Entry = 'first' | 'last';

/** Node.DOCUMENT_POSITION_FOLLOWING: the other node comes after (compareDocumentPosition). */
const FOLLOWING = 4;

/**
 * Focus entering the cell's placeholder from an element at `position` (the placeholder's
 * compareDocumentPosition of the element that had focus; null if none had): from after the
 * placeholder (Shift+Tab) it goes to the last card, else to the first.
 */
export function entryFrom(position: number | null): Entry {
  return position !== null && (position & FOLLOWING) !== 0 ? 'last' : 'first';
}
