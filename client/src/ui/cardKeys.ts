// The keyboard on a card: which move Alt+arrows ask for, and where focus goes after a card
// moves or disappears.
import type { Card, Column } from '../state/content';
import { t, type MessageKey } from '../i18n/i18n.svelte';
import { laneTitle } from '../i18n/terms';
import { keyboardMove, laneMove, type Direction, type Move } from '../state/moves';
import { cellMounter } from './cellMounter';

const KEYS: Readonly<Record<string, Direction>> = {
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
};

/** A move a key asks for and the words that announce it; `move` is null at the board's edge. */
export interface KeyMove {
  readonly move: Move | null;
  readonly what: string;
}

const MOVED: Readonly<Record<Direction, MessageKey>> = {
  up: 'card.moved_up',
  down: 'card.moved_down',
  left: 'card.moved_left',
  right: 'card.moved_right',
};

type Keys = Pick<KeyboardEvent, 'key' | 'altKey' | 'shiftKey'>;

/**
 * Alt+arrow moves `card` one place (Alt+Shift+up/down: to the lane above or below, same
 * stage); any other key asks for nothing (null).
 */
export function arrowMove(event: Keys, columns: readonly Column[], card: Card): KeyMove | null {
  const direction = KEYS[event.key];
  if (!event.altKey || direction === undefined) return null;
  if (event.shiftKey && (direction === 'up' || direction === 'down')) {
    const move = laneMove(columns, card, direction === 'up' ? -1 : 1);
    const target = move?.kind === undefined ? '' : laneTitle(move.kind);
    return { move, what: t('cell.moved_to', { lane: target }) };
  }
  return { move: keyboardMove(columns, card, direction), what: t(MOVED[direction]) };
}

/** Focus the card `id` wherever it is rendered now, mounting its cell if it is not yet. */
export function focusCard(id: string): void {
  const selector = `[data-card-id="${CSS.escape(id)}"]`;
  let card = document.querySelector<HTMLElement>(selector);
  if (card === null && cellMounter.mountCard(id)) card = document.querySelector<HTMLElement>(selector);
  card?.focus();
}

/** Where focus goes when the card `root` disappears: the next card, the previous one, or "+". */
export function focusAfterDelete(root: HTMLElement | null): HTMLElement | null {
  const cell = root?.closest<HTMLElement>('[data-testid="cell"]');
  const cards = Array.from(cell?.querySelectorAll<HTMLElement>('[data-card-id]') ?? []);
  const index = root === null ? -1 : cards.indexOf(root);
  return cards[index + 1] ?? cards[index - 1] ?? cell?.querySelector<HTMLElement>('[data-testid="add-card"]') ?? null;
}
