import { describe, expect, it } from 'vitest';
import { CARD_LAYOUT, cardsWithin, entryFrom, estimateCardsHeight, linesOf } from './cellMounting';

describe('linesOf', () => {
  it('counts each paragraph as at least one line', () => {
    expect(linesOf('', 20)).toBe(1);
    expect(linesOf('a\n\nb', 20)).toBe(3);
  });

  it('wraps a long paragraph at the characters a line holds', () => {
    expect(linesOf('x'.repeat(40), 20)).toBe(2);
    expect(linesOf('x'.repeat(41), 20)).toBe(3);
  });
});

describe('estimateCardsHeight', () => {
  it('is nothing for no cards', () => {
    expect(estimateCardsHeight([], 200, false)).toBe(0);
    expect(estimateCardsHeight([], 200, true)).toBe(0);
  });

  it('adds each card chrome, its lines and the gaps between cards', () => {
    const one = CARD_LAYOUT.cardChrome + CARD_LAYOUT.lineHeight;
    expect(estimateCardsHeight(['short'], 200, false)).toBe(one);
    expect(estimateCardsHeight(['short', 'short'], 200, false)).toBe(2 * one + CARD_LAYOUT.gap);
  });

  it('grows with the text and shrinks with a wider column', () => {
    const text = 'word '.repeat(40);
    const narrow = estimateCardsHeight([text], 184, false);
    const wide = estimateCardsHeight([text], 280, false);
    expect(narrow).toBeGreaterThan(wide);
    expect(wide).toBeGreaterThan(estimateCardsHeight(['word'], 280, false));
  });

  it('gives chips one line each, whatever their text', () => {
    const chips = estimateCardsHeight(['a', 'word '.repeat(40), 'b'], 184, true);
    expect(chips).toBe(3 * CARD_LAYOUT.chipHeight + 2 * CARD_LAYOUT.chipGap);
  });
});

describe('entryFrom', () => {
  it('goes to the last card when focus came from after the placeholder', () => {
    expect(entryFrom(4)).toBe('last');
    expect(entryFrom(4 | 16)).toBe('last');
    expect(entryFrom(2)).toBe('first');
    expect(entryFrom(null)).toBe('first');
  });
});

describe('cardsWithin', () => {
  const one = CARD_LAYOUT.cardChrome + CARD_LAYOUT.lineHeight + CARD_LAYOUT.gap;
  const texts = ['a', 'b', 'c', 'd', 'e'];

  it('mounts the cards that fill the budget, the last one cut by its edge included', () => {
    expect(cardsWithin(texts, 200, false, 2 * one)).toBe(2);
    expect(cardsWithin(texts, 200, false, 2 * one + 1)).toBe(3);
  });

  it('mounts at least one card, and all of them for an infinite budget', () => {
    expect(cardsWithin(texts, 200, false, 0)).toBe(1);
    expect(cardsWithin(texts, 200, false, -50)).toBe(1);
    expect(cardsWithin(texts, 200, false, Infinity)).toBe(5);
    expect(cardsWithin(texts, 200, false, 100 * one)).toBe(5);
  });

  it('counts long texts and chips by their own heights', () => {
    const long = ['word '.repeat(60), 'a', 'b'];
    expect(cardsWithin(long, 184, false, 2 * one)).toBe(1);
    expect(cardsWithin(texts, 184, true, 3 * (CARD_LAYOUT.chipHeight + CARD_LAYOUT.chipGap))).toBe(3);
  });
});
