// Where a card lands when it is moved by drag or keyboard (pure).
import type { Card, Column } from './content';
import { LANES, laneOf, type CardKind } from './lanes';
import { posAt } from './positions';

export interface Move {
  readonly stage: string;
  readonly pos: string;
  /** Set when the card changes lane (its kind is its lane). */
  readonly kind?: CardKind;
}

/** The cards of `stageId`'s cell in the card's lane, in order, without `card` itself. */
function siblings(columns: readonly Column[], stageId: string, card: Card): Card[] {
  const column = columns.find((c) => c.stage?.id === stageId);
  if (column === undefined) return [];
  const lane = laneOf(card.kind);
  return column.cards.filter((c) => laneOf(c.kind) === lane && c.id !== card.id);
}

/**
 * Drop `card` into `stageId`'s cell before `beforeId` (or at the end when null); `kind` moves it
 * to another lane's cell.
 */
export function dropMove(
  columns: readonly Column[],
  card: Card,
  stageId: string,
  beforeId: string | null,
  kind: CardKind = laneOf(card.kind),
): Move {
  const others = siblings(columns, stageId, { ...card, kind });
  const index = beforeId === null ? -1 : others.findIndex((c) => c.id === beforeId);
  const pos = posAt(others, index < 0 ? others.length : index);
  return kind === laneOf(card.kind) ? { stage: stageId, pos } : { stage: stageId, pos, kind };
}

/** The card moved to the end of the lane above (-1) or below (+1), same stage; null at the edge. */
export function laneMove(columns: readonly Column[], card: Card, step: -1 | 1): Move | null {
  const index = LANES.findIndex((lane) => lane.kind === laneOf(card.kind));
  const target = LANES[index + step];
  if (target === undefined || card.stage === null) return null;
  if (!columns.some((c) => c.stage?.id === card.stage)) return null;
  return dropMove(columns, card, card.stage, null, target.kind);
}

export type Direction = 'up' | 'down' | 'left' | 'right';

/**
 * A keyboard move: up/down swap with the neighbour in the cell, left/right go to the end of
 * the same lane in the previous/next stage. null when there is nowhere to go.
 */
export function keyboardMove(
  columns: readonly Column[],
  card: Card,
  direction: Direction,
): Move | null {
  const placed = columns.filter((c) => c.stage !== null);
  const stageIndex = placed.findIndex((c) => c.stage?.id === card.stage);
  if (direction === 'left' || direction === 'right') {
    const target = stageIndex < 0 ? placed.length - 1 : stageIndex + (direction === 'left' ? -1 : 1);
    const stageId = placed[target]?.stage?.id;
    if (stageId === undefined || target === stageIndex) return null;
    return dropMove(columns, card, stageId, null);
  }
  if (stageIndex < 0 || card.stage === null) return null;
  const lane = laneOf(card.kind);
  const cell = (placed[stageIndex]?.cards ?? []).filter((c) => laneOf(c.kind) === lane);
  const index = cell.findIndex((c) => c.id === card.id);
  const target = index + (direction === 'up' ? -1 : 1);
  if (index < 0 || target < 0 || target >= cell.length) return null;
  const others = cell.filter((c) => c.id !== card.id);
  return { stage: card.stage, pos: posAt(others, target) };
}
