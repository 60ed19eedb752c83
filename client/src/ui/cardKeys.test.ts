import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addCard, addStage, readCards, readColumns } from '../state/content';
import { LANES } from '../state/lanes';
import { arrowMove } from './cardKeys';

function board(): { doc: Y.Doc; a: string; b: string; card: string } {
  const doc = new Y.Doc();
  const a = addStage(doc, 'A');
  const b = addStage(doc, 'B');
  const card = addCard(doc, 'touchpoint', a, 'one');
  return { doc, a, b, card };
}

function keys(key: string, altKey: boolean, shiftKey = false): { key: string; altKey: boolean; shiftKey: boolean } {
  return { key, altKey, shiftKey };
}

describe('the keyboard on a card', () => {
  const { doc, b, card } = board();
  const columns = readColumns(doc);
  const found = readCards(doc).find((c) => c.id === card);
  if (found === undefined) throw new Error('missing');

  it('asks for nothing without Alt or for a key that is not an arrow', () => {
    expect(arrowMove(keys('ArrowRight', false), columns, found)).toBeNull();
    expect(arrowMove(keys('Enter', true), columns, found)).toBeNull();
  });

  it('moves one stage with Alt+arrow and says which way', () => {
    const right = arrowMove(keys('ArrowRight', true), columns, found);
    expect(right?.move?.stage).toBe(b);
    expect(right?.what).toBe('Moved right');
    // At the board's edge the key still asks, but for no move.
    expect(arrowMove(keys('ArrowLeft', true), columns, found)).toEqual({ move: null, what: 'Moved left' });
  });

  it('moves to the lane above or below with Alt+Shift and names the lane', () => {
    const index = LANES.findIndex((lane) => lane.kind === 'touchpoint');
    const below = LANES[index + 1];
    const down = arrowMove(keys('ArrowDown', true, true), columns, found);
    expect(down?.move?.kind).toBe(below?.kind);
    expect(down?.what).toBe(`Moved to ${below?.title ?? ''}`);
    // Shift with a sideways arrow is a plain move.
    expect(arrowMove(keys('ArrowRight', true, true), columns, found)?.what).toBe('Moved right');
  });
});
