// The phase results as lists: pains by votes, solutions in journey order (pure).
import type { Card, Stage } from './content';
import { laneOf } from './lanes';
import { byPosThenId } from './positions';

export interface RankedCard {
  readonly card: Card;
  /** The revealed vote total (0 when none or not revealed). */
  readonly votes: number;
  /** The stage's name, or null for a card on no stage (the UI says "Unplaced"). */
  readonly stageName: string | null;
}

/** Where a card sits in the journey: its stage's index (unplaced last), then (pos, id). */
function journeyKey(stages: readonly Stage[]): (card: Card) => number {
  const ordered = [...stages].sort(byPosThenId);
  const index = new Map(ordered.map((stage, i) => [stage.id, i]));
  return (card) => (card.stage === null ? undefined : index.get(card.stage)) ?? ordered.length;
}

function entries(
  cards: readonly Card[],
  stages: readonly Stage[],
  lane: 'pain' | 'solution',
  votes: ReadonlyMap<string, number>,
): Array<RankedCard & { readonly at: number }> {
  const names = new Map(stages.map((stage) => [stage.id, stage.name]));
  const at = journeyKey(stages);
  return cards
    .filter((card) => laneOf(card.kind) === lane)
    .map((card) => ({
      card,
      votes: votes.get(card.id) ?? 0,
      stageName: (card.stage === null ? undefined : names.get(card.stage)) ?? null,
      at: at(card),
    }));
}

function inJourneyOrder(
  a: { readonly card: Card; readonly at: number },
  b: { readonly card: Card; readonly at: number },
): number {
  return a.at - b.at || byPosThenId(a.card, b.card);
}

/** Pain cards by votes (most first), ties in journey order, as the report ranks them. */
export function rankPains(
  cards: readonly Card[],
  stages: readonly Stage[],
  votes: ReadonlyMap<string, number>,
): RankedCard[] {
  return entries(cards, stages, 'pain', votes)
    .sort((a, b) => b.votes - a.votes || inJourneyOrder(a, b))
    .map(({ card, votes: n, stageName }) => ({ card, votes: n, stageName }));
}

/** Solution cards in journey order (stage by stage), for the action plan. */
export function solutionsInOrder(cards: readonly Card[], stages: readonly Stage[]): RankedCard[] {
  return entries(cards, stages, 'solution', new Map())
    .sort(inJourneyOrder)
    .map(({ card, votes, stageName }) => ({ card, votes, stageName }));
}
